"""agentplat: plan a request into a DAG of steps served by installed agents, run it on Flyte.

The public API is re-exported here and imported lazily, so ``agentplat --help`` and the
listing commands stay fast (no Flyte, no ``openai`` until a run needs them). The public
surface is six modules: this one (the user API), ``agentplat.extend`` (what plugin authors
need beyond it), ``agentplat.refine`` (the refinement kit), ``agentplat.http`` (HTTP helpers
for tools), ``agentplat.hookspecs`` (the plugin contract) and ``agentplat.testing``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "_plugin.agents",
    "Environment": "_plugin.agents",
    "Tool": "_plugin.tools",
    "tool": "_plugin.tools",
    "Number": "_plugin.types",
    "Clause": "_plugin.parsing",
    "ToolCall": "_plugin.parsing",
    "ref": "_plugin.parsing",
    "quoted_spans": "_plugin.parsing",
    "Plan": "_plan.graph",
    "Step": "_plan.graph",
    "validate_plan": "_plan.graph",
    "Registry": "_plugin.registry",
    "get_registry": "_plugin.registry",
    "AgentplatError": "_common.errors",
    "PlanningError": "_common.errors",
    "PlanValidationError": "_common.errors",
    "NoCapableAgent": "_common.errors",
    "ToolError": "_common.errors",
    "TransientError": "_common.errors",
    "ModelError": "_common.errors",
    "RunResult": "_run.request",
    "StepResult": "_run.request",
    "run_request": "_run.request",
    "plan_request": "_run.request",
    "Approvals": "_run.request",
    "ActionCall": "_run.request",
    "NotApproved": "_run.request",
}

__all__ = ["hookimpl", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentplat' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._plugin.agents import Agent, Environment
    from ._common.errors import AgentplatError, ModelError, NoCapableAgent, PlanningError, PlanValidationError, ToolError, TransientError
    from ._plugin.parsing import Clause, ToolCall, quoted_spans, ref
    from ._plan.graph import Plan, Step, validate_plan
    from ._plugin.registry import Registry, get_registry
    from ._run.request import ActionCall, Approvals, NotApproved, RunResult, StepResult, plan_request, run_request
    from ._plugin.tools import Tool, tool
    from ._plugin.types import Number
