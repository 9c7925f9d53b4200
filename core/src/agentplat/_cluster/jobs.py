"""A plugin's batch job on the cluster, whose output is a folder (a ``flyte.io.Dir``).

A plugin command offers ``--remote`` by naming an *entry*: ``"module:function"`` in its
own package, called in the cluster as ``function(out, **args)`` (sync or async) with a
fresh folder ``out`` to write into. The job runs as ``agentplat_job`` in the driver
environment (whose image holds every plugin); the folder becomes the run's output, which
an app can be wired to (``agentplat.cluster.apps``, ``flyte.app.RunOutput``). Inside a job
work runs in-process (``AGENTPLAT_ENGINE=inline``): the container is the unit of work.

Only modules of installed plugins (or of agentplat) can be named, never arbitrary code.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Iterator


from .._common.errors import AgentplatError
from .._plugin.entries import call_entry, resolve_entry
from .environments import DRIVER_ENV, JOB_TASK

JOB_TASK_NAME = f"{DRIVER_ENV}.{JOB_TASK}"


@contextlib.contextmanager
def inline_engine() -> Iterator[None]:
    saved = os.environ.get("AGENTPLAT_ENGINE")
    os.environ["AGENTPLAT_ENGINE"] = "inline"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AGENTPLAT_ENGINE", None)
        else:
            os.environ["AGENTPLAT_ENGINE"] = saved


async def run_entry(entry: str, args_json: str) -> str:
    """Call the entry with a fresh output folder; the folder's local path."""
    function = resolve_entry(entry)
    args = json.loads(args_json or "{}")
    if not isinstance(args, dict):
        raise AgentplatError("job arguments must be a JSON object")
    out = tempfile.mkdtemp(prefix="agentplat-job-")
    with inline_engine():
        await call_entry(function, out, **args)
    return out


async def latest_job_run(entry: str, *, scan: int = 50) -> str | None:
    """The newest succeeded ``agentplat_job`` run of ``entry`` (needs an initialised Flyte)."""
    from flyte.remote import Run

    async for run in Run.listall.aio(task_name=JOB_TASK_NAME, in_phase=("succeeded",),
                                     sort_by=("created_at", "desc"), limit=scan):
        try:
            inputs = await run.inputs.aio()
        except Exception:  # noqa: BLE001 - skip a run whose inputs cannot be read
            continue
        if inputs.get("entry") == entry:
            return run.name
    return None
