"""How each role's calls are made: which model, how many tokens, what temperature, how long.

From ``$AGENTPLAT_HOME/config.toml`` (see ``_common.settings``)::

    [models]
    default = "gpt-4o-mini"
    planner = "gpt-4o"

    [llm]
    deadline = 120            # seconds one call may take in all, streamed or not

    [llm.max_tokens]          # the longest reply each role may get
    planner = 2048            # default: sized to the request (see planner_budget)
    writer = 4096

    [llm.temperature]         # default 0 for planner, joiner, specialist and critic; the server's for the writer
    writer = 0.7

``AGENTPLAT_LLM_DEADLINE`` overrides ``[llm] deadline``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._common.errors import AgentplatError
from .._common.settings import load_config, number

ROLES = ("planner", "specialist", "critic", "writer", "joiner")

#: Replies are bounded: a model that never stops (JSON that never closes) ends at the limit.
DEFAULT_MAX_TOKENS = {"specialist": 512, "critic": 768, "writer": 2048, "joiner": 1024}
#: Planning, tool choice and judging want the most likely answer, not a creative one.
DEFAULT_TEMPERATURE = {"planner": 0.0, "specialist": 0.0, "critic": 0.0, "joiner": 0.0}
DEFAULT_DEADLINE = 120.0


def model_for_role(role: str, default: str | None) -> str | None:
    """The model name for ``role``: config ``[models].<role>``, else ``default``."""
    models = load_config().get("models", {})
    return models.get(role) or default or models.get("default")


@dataclass(frozen=True)
class CallSettings:
    max_tokens: int | None
    temperature: float | None
    deadline: float


def _llm_section() -> dict:
    section = load_config().get("llm", {})
    if not isinstance(section, dict):
        raise AgentplatError("[llm] in config.toml must be a table")
    return section


def _entry(section: dict, table: str, role: str, kind, minimum: float):
    values = section.get(table, {})
    if not isinstance(values, dict) or role not in values:
        return None
    value = values[role]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise AgentplatError(f"[llm.{table}] {role} in config.toml must be a number of at least {minimum:g}, "
                             f"not {value!r}")
    return kind(value)


def call_settings(role: str) -> CallSettings:
    """The limits of one call for ``role``: config first, then the defaults above."""
    section = _llm_section()
    deadline = section.get("deadline", DEFAULT_DEADLINE)
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline <= 0:
        raise AgentplatError(f"[llm] deadline in config.toml must be a positive number of seconds, not {deadline!r}")
    max_tokens = _entry(section, "max_tokens", role, int, 1)
    temperature = _entry(section, "temperature", role, float, 0)
    return CallSettings(
        max_tokens=max_tokens if max_tokens is not None else DEFAULT_MAX_TOKENS.get(role),
        temperature=temperature if temperature is not None else DEFAULT_TEMPERATURE.get(role),
        deadline=number("AGENTPLAT_LLM_DEADLINE", float(deadline), unit="seconds"),
    )


def configured_max_tokens(role: str) -> int | None:
    """``[llm.max_tokens] <role>`` if the user set it (the planner sizes its own otherwise)."""
    return _entry(_llm_section(), "max_tokens", role, int, 1)


def planner_budget(request: str, tools: int) -> int:
    """Tokens a plan for ``request`` may take: a step of JSON is ~40-80 tokens, and a request
    names at most a few steps per ten words; generous, yet far below a runaway reply."""
    words = len(request.split())
    return max(512, min(4096, 384 + 40 * words + 4 * tools))
