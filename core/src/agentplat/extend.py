"""What plugin authors need beyond the user API (``agentplat``): the stable names for running
work on the configured engine, calling tools and models the way a run does, adding CLI
commands, and reaching a cluster.

Plugins import only the six public modules (``agentplat``, ``agentplat.extend``,
``agentplat.refine``, ``agentplat.http``, ``agentplat.hookspecs``, ``agentplat.testing``);
everything else in the core is private and may change. Names are
imported on first use, so importing this module costs nothing.

- Engines: ``current_engine()`` is the engine of this process (``AGENTPLAT_ENGINE``: Flyte, or
  ``inline``); ``await current_engine().map(entry, items, limit=...)`` runs one function of
  your plugin (``"module:function"``) over many items, each a Flyte task where Flyte runs,
  a failed item coming back as ``JobFailed``. ``Engine`` and ``JobFailed`` are the types.
- Tools and models: ``call_tool(agent, tool, args)`` calls another plugin's tool (a Flyte
  trace inside a task; inside a step it is recorded in the step's ``calls``);
  ``tool_caller()`` calls tools by ``"agent.tool"`` with arguments a step computed itself (code),
  checked as a task step's model's calls are (grounded targets, approvals, a call budget);
  ``select_model(registry, name)`` is the model a run would use (inside
  a run: that run's model); ``in_flyte_task()`` and ``group(name)`` for your own traces.
- Model backends: ``ModelBackend`` is what ``register_models`` takes (``name``,
  ``configured()``, ``create(model) -> Model``, optionally ``setup``); a ``Model`` has a
  ``name``, ``await plan(request, registry, on_step=None)`` (a validated plan) and
  ``await run_task(step, inputs, registry)`` (a delegated ``task`` step). Both are
  ``typing.Protocol`` classes: a backend matches their shape, it need not subclass them.
- Runs: ``run_resources()`` is the current run's scope of resources (``None`` outside a
  run): ``await run_resources().get(key, opener, timeout=...)`` opens ``opener()`` (an async
  context manager) once per run, shares it with every step, and closes it when the run ends.
  ``data_dir()`` is ``$AGENTPLAT_HOME`` (default: the per-user data folder), for a plugin's
  own files; ``read_text_file(path)`` reads one as UTF-8, or fails with one line naming the
  file, line and column of the first byte that is not. ``run_store()`` is the store ``agentplat runs`` reads, for ``run_request(store=...)``
  (``run_store(damaged_ok=True)``: ``None`` rather than an error when its file is damaged).
  ``Agent(local_only=True)`` (in ``agentplat``) keeps an agent's steps off a cluster.
- Child processes: ``tethered(argv)`` is ``argv`` wrapped so the process it starts (and its
  process group: the children it starts) dies with agentplat, even when agentplat is killed
  with SIGKILL; pass it to ``subprocess``/``asyncio`` as the command. With ``max_line_bytes`` a
  JSON-RPC line over that size is dropped as it arrives (an error answers its request). The MCP
  plugin starts its servers this way, capped at a few times ``max_result_bytes()``
  (``AGENTPLAT_MAX_RESULT_BYTES``, the most a tool's result keeps).
- Commands: ``handles_errors`` gives a click command agentplat's error handling (one line on
  stderr, exit codes, ``--debug``).
- Clusters: ``run_job_remote(entry, args, ...)`` runs ``entry(out, **args)`` on the cluster as
  a job whose output is a folder; ``serve_remote(...)`` deploys your web app serving it. Both
  return what happened as a dict and print nothing: progress lines go to ``on_event``, and
  your command prints (and fails on a run that did not succeed).
- Secrets and terminals: ``redact(value)`` masks every secret agentplat knows in a text or in
  JSON-like data: pass through it whatever your plugin writes or serves (files, pages).
  ``add_secret(value)`` adds a secret your plugin holds (a server's token) to what is masked
  in every output of the process (values too short or plain to be secrets are ignored).
  ``visible(text)`` shows the control characters and escape sequences of untrusted text as
  text (``\\x1b``), for printing it on a terminal.
- Attachments: ``attachment(name, data)`` is a file your plugin gives a run
  (``run_request(request, attachments=[...])``): bytes or text, checked like ``run -a`` (UTF-8
  text or a PNG/JPEG/GIF/WebP image, within the size limits), ``AgentplatError`` otherwise;
  ``attach(item)`` adds an image a tool received to the running run (its later model calls
  see it) and returns the token that names it; text cannot be attached this way (a text
  attachment's token becomes tool arguments, and a tool's result must not choose those).
- The refinement kit is its own public module: ``agentplat.refine`` (``refine()``, ``ChatWriter``,
  ``ChatCritic``...).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Engine": "_engines.base",
    "JobFailed": "_engines.base",
    "current_engine": "_engines.current",
    "call_tool": "_execute.toolcall",
    "tool_caller": "_execute.caller",
    "ToolCaller": "_execute.caller",
    "select_model": "_models.select",
    "Model": "_models.base",
    "ModelBackend": "_models.base",
    "in_flyte_task": "_common.context",
    "group": "_common.context",
    "handles_errors": "_cli.support",
    "run_resources": "_common.resources",
    "RunResources": "_common.resources",
    "run_store": "_store.runs",
    "data_dir": "_common.settings",
    "read_text_file": "_common.textinput",
    "tethered": "_common.tether",
    "max_result_bytes": "_execute.results",
    "run_job_remote": "cluster.engine",
    "serve_remote": "_cluster.apps",
    "redact": "_common.secrets",
    "add_secret": "_common.secrets",
    "visible": "_common.terminal",
    "attachment": "_run.attachments",
    "attach": "_run.attachments",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentplat.extend' has no attribute {name!r}")
    value = getattr(import_module(f"agentplat.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._cli.support import handles_errors
    from ._cluster.apps import serve_remote
    from ._common.context import group, in_flyte_task
    from ._common.resources import RunResources, run_resources
    from ._common.secrets import add_secret, redact
    from ._common.terminal import visible
    from ._common.settings import data_dir
    from ._common.textinput import read_text_file
    from ._common.tether import tethered
    from ._execute.results import max_result_bytes
    from ._store.runs import run_store
    from ._engines.base import Engine, JobFailed
    from ._engines.current import current_engine
    from ._execute.toolcall import call_tool
    from ._execute.caller import ToolCaller, tool_caller
    from ._models.base import Model, ModelBackend
    from ._models.select import select_model
    from .cluster.engine import run_job_remote
