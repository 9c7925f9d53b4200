"""agentplat: plan a request into a DAG of steps served by installed agents, run it on Flyte.

The public API is re-exported here and imported lazily, so ``agentplat --help`` and the
listing commands stay fast (no Flyte, no ``openai`` until a run needs them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "agents",
    "Environment": "agents",
    "Tool": "tools",
    "tool": "tools",
    "Number": "types",
    "Clause": "offline.clause",
    "ToolCall": "offline.clause",
    "ref": "offline.clause",
    "Plan": "plan",
    "Step": "plan",
    "validate_plan": "plan",
    "Registry": "registry",
    "get_registry": "registry",
    "AgentplatError": "errors",
    "PlanningError": "errors",
    "PlanValidationError": "errors",
    "NoCapableAgent": "errors",
    "ToolError": "errors",
    "TransientError": "errors",
    "ModelError": "errors",
    "RunResult": "runner",
    "StepResult": "runner",
    "run_request": "runner",
    "refine": "refinement",
    "Refinement": "refinement",
    "Iteration": "refinement",
    "Writer": "refinement",
    "Critic": "refinement",
    "ChatWriter": "refinement",
    "Critique": "critique",
    "CritiqueError": "critique",
    "ChatCritic": "critique",
    "parse_critique": "critique",
    "plan_request": "runner",
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
    from .agents import Agent, Environment
    from .errors import (
        AgentplatError,
        ModelError,
        NoCapableAgent,
        PlanningError,
        PlanValidationError,
        ToolError,
        TransientError,
    )
    from .offline.clause import Clause, ToolCall, ref
    from .plan import Plan, Step, validate_plan
    from .registry import Registry, get_registry
    from .runner import RunResult, StepResult, plan_request, run_request
    from .tools import Tool, tool
    from .types import Number
