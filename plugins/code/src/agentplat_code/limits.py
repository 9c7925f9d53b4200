"""The sandbox's limits, from the environment (``AGENTPLAT_CODE_*``), each with a default.

Why these: code a model wrote may loop forever, allocate without end, print without end, or
call tools in a loop. Each limit ends such code with a clear error in its step, never a hung
run or a dead process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    cpu_seconds: float = 5.0  # execution time of one run (the interpreter's own clock: CPU, not waits)
    wall_seconds: float = 60.0  # one run in all, tool calls included
    memory_mb: int = 256  # the sandbox's heap
    output_bytes: int = 64 * 1024  # what one run may print
    max_calls: int = 50  # tool calls per step
    max_depth: int = 200  # nested calls (recursion)

    @classmethod
    def from_env(cls) -> "Limits":
        """The limits as configured; a bad value is one clear error naming the variable."""
        return cls(
            cpu_seconds=_number("AGENTPLAT_CODE_CPU_SECONDS", cls.cpu_seconds),
            wall_seconds=_number("AGENTPLAT_CODE_WALL_SECONDS", cls.wall_seconds),
            memory_mb=int(_number("AGENTPLAT_CODE_MEMORY_MB", cls.memory_mb, whole=True)),
            output_bytes=int(_number("AGENTPLAT_CODE_OUTPUT_BYTES", cls.output_bytes, whole=True)),
            max_calls=int(_number("AGENTPLAT_CODE_MAX_CALLS", cls.max_calls, whole=True)),
            max_depth=int(_number("AGENTPLAT_CODE_MAX_DEPTH", cls.max_depth, whole=True)),
        )


def _number(name: str, default: float, *, whole: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not value > 0:
        kind = "a positive whole number" if whole else "a positive number"
        from agentplat import ToolError

        raise ToolError(f"{name} must be {kind}, not {raw!r}")
    return value
