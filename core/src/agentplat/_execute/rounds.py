"""How far a run may adapt: rounds, a deadline and a budget of LLM calls, and when the
joiner is asked at all.

After the first plan's steps settle, the joiner (``_planners.joiner``) is asked only when it
can add something: a step failed or was held, the request states a condition or a choice, or
``reflect`` is ``always``. After a later round it is always asked
(it is mid-course). Each bound ends the run with the best answer so far, marked as such.

Settings: ``--max-rounds`` / ``AGENTPLAT_MAX_ROUNDS`` / ``[run] max_rounds`` (3),
``--reflect``/``--no-reflect`` / ``AGENTPLAT_REFLECT`` / ``[run] reflect`` (auto, always,
never), ``AGENTPLAT_RUN_DEADLINE`` / ``[run] deadline`` (seconds, 1800),
``AGENTPLAT_MAX_LLM_CALLS`` / ``[run] max_llm_calls`` (40).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from .._common.errors import AgentplatError
from .._common.settings import load_config, number

REFLECT = ("auto", "always", "never")


@dataclass(frozen=True)
class RoundPolicy:
    max_rounds: int = 3  # rounds of steps, the first plan's included
    reflect: str = "auto"
    deadline: float = 1800.0  # seconds from the start of the run's attempt
    max_llm_calls: int = 40  # planner, joiner and task steps together

    @classmethod
    def configured(cls, *, max_rounds: int | None = None, reflect: str | bool | None = None) -> "RoundPolicy":
        """The settings (environment over ``[run]`` of config.toml), with the caller's overrides."""
        table = load_config().get("run")
        table = table if isinstance(table, dict) else {}

        def setting(env: str, key: str, default, kind, minimum):
            value = table.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
                raise AgentplatError(f"[run] {key} in config.toml must be a number of at least {minimum}, not {value!r}")
            return number(env, kind(value), kind=kind, minimum=minimum)

        if isinstance(reflect, bool):
            reflect = "always" if reflect else "never"
        chosen = reflect or os.environ.get("AGENTPLAT_REFLECT", "").strip().lower() or table.get("reflect", "auto")
        if chosen not in REFLECT:
            raise AgentplatError(f"reflect must be one of {', '.join(REFLECT)} (AGENTPLAT_REFLECT, [run] reflect), "
                                 f"not {chosen!r}")
        if max_rounds is not None and max_rounds < 1:
            raise AgentplatError(f"--max-rounds must be at least 1, not {max_rounds}")
        return cls(
            max_rounds=max_rounds if max_rounds is not None else setting("AGENTPLAT_MAX_ROUNDS", "max_rounds", 3, int, 1),
            reflect=chosen,
            deadline=setting("AGENTPLAT_RUN_DEADLINE", "deadline", 1800.0, float, 1),
            max_llm_calls=setting("AGENTPLAT_MAX_LLM_CALLS", "max_llm_calls", 40, int, 1),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "RoundPolicy":
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


@dataclass
class History:
    """A recorded run's rounds, for a resume: each step's round and the joiner's decisions."""

    rounds: list[int] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"rounds": list(self.rounds), "decisions": list(self.decisions)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "History":
        data = data or {}
        return cls(rounds=[int(r) for r in data.get("rounds") or []], decisions=list(data.get("decisions") or []))
