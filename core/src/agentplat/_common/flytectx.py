"""Where Flyte is concerned without importing it: inside a task or not, and groups there.

Outside a Flyte task (tests, the inline engine, ``agentplat plan``) calls are plain calls and
Flyte is never imported for them; inside one, callers trace and group what they do.
"""

from __future__ import annotations

import contextlib
import sys


def in_flyte_task() -> bool:
    if "flyte" not in sys.modules:
        return False
    import flyte

    return bool(flyte.ctx())


def group(name: str):
    """A ``flyte.group`` inside a Flyte task (a readable name in Flyte's UI); nothing elsewhere."""
    if in_flyte_task():
        import flyte

        return flyte.group(name)
    return contextlib.nullcontext()
