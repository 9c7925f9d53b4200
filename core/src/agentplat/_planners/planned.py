"""What every planner returns: a validated plan, which planner made it, and what planning
cost outside agentplat's own LLM calls (those are counted by the run context's usage sink; a
third-party model that calls its service itself reports here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._llm.usage import Usage
from .._plan.graph import Plan


@dataclass
class Planned:
    plan: Plan
    usage: Usage = field(default_factory=Usage)
    #: "offline" (the exact offline planner) or "model" (the run's model); "" when not said
    planner: str = ""
