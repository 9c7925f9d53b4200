"""What every planner returns: a validated plan and what planning it cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._llm.usage import Usage
from .._plan.graph import Plan


@dataclass
class Planned:
    plan: Plan
    usage: Usage = field(default_factory=Usage)
