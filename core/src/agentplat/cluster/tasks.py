"""The cluster's tasks. Importing this module builds them from the installed registry:

- ``run_step_<agent>`` for every agent, in that agent's environment (``agentplat-<agent>``):
  the same step body as the local Flyte engine's ``run_step``;
- ``agentplat_run`` in the driver environment (``agentplat-driver``): the same driver body
  as the local Flyte engine's ``agentplat_run``, each step sent to its agent's task;
- ``agentplat_job`` in the driver environment: a plugin's batch job whose output is a
  folder (``_cluster.jobs``).

Every task is a global of this module, so Flyte resolves it by module path
(``agentplat.cluster.tasks``, ``run_step_math``) in any container where the same plugins
are installed: an agent's container holds the core and that agent's plugin, so importing
this module there defines (at least) that agent's task. Tool and LLM calls inside the
steps are Flyte traces, so a retried task replays them instead
of paying for them again.
"""

from __future__ import annotations

from typing import Any

from flyte.io import Dir

from .._cluster import environments
from .._cluster.jobs import run_entry
from .._engines import flyte as engine
from .._plugin.registry import get_registry

SPEC = environments.build(get_registry())
ENVIRONMENTS = environments.to_flyte(SPEC)
driver_env = ENVIRONMENTS.driver

#: agent name -> its step task
STEP_TASKS: dict[str, Any] = {}


def _step_task(env_spec: environments.EnvironmentSpec):
    async def step(step_json: str, inputs_json: str, model: str = "", run_id: str = "", index: int = -1,
                   request: str = "", approvals_json: str = "", sources_json: str = "") -> str:
        return await engine.step_body(step_json, inputs_json, model, run_id, index, request, approvals_json,
                                      sources_json)

    step.__name__ = step.__qualname__ = env_spec.task
    step.__module__ = __name__
    step.__doc__ = f"One step of agent {env_spec.agent} ({env_spec.plugin}); failures come back as data."
    return ENVIRONMENTS.agents[env_spec.agent].task(retries=env_spec.retries)(step)


for _env_spec in SPEC.agents:
    STEP_TASKS[_env_spec.agent] = globals()[_env_spec.task] = _step_task(_env_spec)


def route(agent: str):
    """The task that runs ``agent``'s steps."""
    try:
        return STEP_TASKS[agent]
    except KeyError:
        found = get_registry().agents.get(agent)
        if found is not None and found.local_only:
            raise RuntimeError(f"agent {agent!r} runs only on the machine where it is configured (local_only), "
                               "not on a cluster: run this request without --remote") from None
        known = ", ".join(sorted(STEP_TASKS)) or "none"
        raise RuntimeError(f"no step task for agent {agent!r} in this image (agents: {known})") from None


@driver_env.task(retries=SPEC.driver.retries)
async def agentplat_run(request: str, model: str = "", max_parallel: int = 8, approvals_json: str = "",
                        rounds_json: str = "") -> str:
    """The driver: plan the request and run every step in its agent's environment as soon as
    its dependencies are done. Returns the run (plan, outcomes, usage) as JSON. Calls that
    write or delete run only as ``approvals_json`` (the submitter's policy) allows; the joiner
    adapts the run within ``rounds_json`` (the submitter's ``RoundPolicy``)."""
    return await engine.drive_body(request, model, max_parallel, route=route, approvals_json=approvals_json,
                                   rounds_json=rounds_json)


@driver_env.task(retries=SPEC.driver.retries)
async def agentplat_job(entry: str, args_json: str = "{}") -> Dir:
    """A plugin's batch job (``agentplat report ... --remote``): ``entry`` (``module:function``
    of an installed plugin) writes into a fresh folder, which becomes this run's output."""
    return await Dir.from_local(await run_entry(entry, args_json))
