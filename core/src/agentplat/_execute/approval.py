"""Approval before acting: a tool call that writes or destroys runs only when the user allowed it.

Why here: every tool call of a run, a direct step's or one a task step's model chose, goes
through ``call_tool``, which asks this module first when the tool ``acts``. What allows a
call, in order: a ``deny`` pattern refuses it (deny wins); an ``allow`` pattern (``--approve``,
``[approvals] allow`` in config.toml) or ``yes`` (``--yes``) allows it; an ``ask`` callback (the
CLI's prompt on a terminal, an MCP client's elicitation) decides it; with none of these the
call is refused with a line that says how to allow it. Patterns are ``agent.tool`` with shell
wildcards (``fs.*``, ``*.delete_file``).

Each decision is recorded with the step that asked (``StepResult.approvals``), so ``show``
lists it and ``resume`` asks again only for calls of steps that have not run yet.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from .._common.errors import AgentplatError
from .._common.settings import load_config

#: what the user answered a prompt: run this call, refuse it, or run this tool for the rest of the run
ANSWERS = ("yes", "no", "always")


@dataclass(frozen=True)
class ActionCall:
    """A call that would change something, as the user is asked about it."""

    agent: str
    tool: str
    args: dict[str, Any]
    effect: str  # "write" or "destructive"
    step: int | None = None  # the step's index (None: a call outside a plan's steps)

    @property
    def name(self) -> str:
        return f"{self.agent}.{self.tool}"

    def describe(self) -> str:
        """The exact call, every argument in full, on one line."""
        args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in self.args.items())
        return f"{self.name}({args})"


class NotApproved(AgentplatError):
    """A call that acts was declined or not allowed; its step fails and is not retried."""

    def __init__(self, message: str, call: ActionCall, decision: str):
        super().__init__(message)
        self.call, self.decision = call, decision


Ask = Callable[[ActionCall], Awaitable[str]]


class Approvals:
    """A run's approval policy: what is allowed, what is denied, and who is asked.

    ``allow`` and ``deny`` are ``agent.tool`` patterns; ``yes`` allows every call not denied;
    ``ask(call)`` returns ``"yes"``, ``"no"`` or ``"always"`` (this tool, for the rest of the
    run). Questions are asked one at a time; the run's other steps go on meanwhile.
    ``how_to_allow`` replaces the refusal's advice (``{tool}`` stands for the tool's name).
    """

    def __init__(self, *, allow: Iterable[str] = (), deny: Iterable[str] = (), yes: bool = False,
                 ask: Ask | None = None, how_to_allow: str | None = None):
        self.allow = tuple(_checked(p) for p in allow)
        self.deny = tuple(_checked(p) for p in deny)
        self.yes = yes
        self.ask = ask
        self.how_to_allow = how_to_allow
        self._always: set[str] = set()
        self._granted: set[tuple] = set()  # (step, tool, args): a retried call is not asked twice
        self._turn = threading.Lock()  # local Flyte tasks may ask from other threads' event loops

    @classmethod
    def from_config(cls, config: dict[str, Any] | None = None, *, allow: Iterable[str] = (),
                    deny: Iterable[str] = (), yes: bool = False, ask: Ask | None = None,
                    how_to_allow: str | None = None) -> "Approvals":
        """The ``[approvals]`` table of config.toml (``allow = [...]``, ``deny = [...]``; read from
        ``$AGENTPLAT_HOME/config.toml`` unless ``config`` is given) plus what the caller adds."""
        section = (config if config is not None else load_config()).get("approvals") or {}
        if not isinstance(section, dict):
            raise AgentplatError("config.toml: [approvals] must be a table with allow = [...] and deny = [...]")
        return cls(allow=[*_patterns(section, "allow"), *allow], deny=[*_patterns(section, "deny"), *deny],
                   yes=yes, ask=ask, how_to_allow=how_to_allow)

    def without_asking(self) -> "Approvals":
        """The same policy for where no one can be asked (a Flyte task, a batch)."""
        return Approvals(allow=self.allow, deny=self.deny, yes=self.yes, how_to_allow=self.how_to_allow)

    def to_json(self) -> dict[str, Any]:
        """The policy as data, for a run in another process (a cluster's driver)."""
        return {"allow": list(self.allow), "deny": list(self.deny), "yes": self.yes}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Approvals":
        data = data or {}
        return cls(allow=data.get("allow") or (), deny=data.get("deny") or (), yes=bool(data.get("yes")))

    async def decide(self, call: ActionCall) -> tuple[bool, str]:
        """Whether ``call`` may run, and how that was decided (for the record)."""
        name = call.name
        if (pattern := _match(name, self.deny)) is not None:
            return False, f"denied by {pattern!r}"
        if (pattern := _match(name, self.allow)) is not None:
            return True, f"allowed by {pattern!r}"
        if self.yes:
            return True, "allowed by --yes"
        if name in self._always:
            return True, "allowed for this run"
        key = (call.step, name, json.dumps(call.args, sort_keys=True, default=str))
        if key in self._granted:
            return True, "approved"
        if self.ask is None:
            return False, "not approved"
        await asyncio.to_thread(self._turn.acquire)  # one question at a time; other steps keep running
        try:
            if name in self._always:
                return True, "allowed for this run"
            answer = await self.ask(call)
        finally:
            self._turn.release()
        if answer == "always":
            self._always.add(name)
            return True, "approved for this run"
        if answer == "yes":
            self._granted.add(key)
            return True, "approved"
        return False, "declined"


async def check(approvals: Approvals | None, call: ActionCall, record: list | None) -> None:
    """Let ``call`` through, or raise ``NotApproved``; the decision goes into ``record``. Outside
    a run (a plugin's own ``call_tool``, a tool served over MCP) config.toml's policy holds."""
    policy = approvals if approvals is not None else Approvals.from_config()
    allowed, how = await policy.decide(call)
    if record is not None:
        record.append({"tool": call.name, "effect": call.effect, "args": call.args,
                       "decision": "approved" if allowed else "declined" if how == "declined" else "refused",
                       "how": how})
    if allowed:
        return
    effect = "deletes or overwrites" if call.effect == "destructive" else "changes things"
    if how == "declined":
        raise NotApproved(f"{call.name} declined: you answered no", call, how)
    if how.startswith("denied"):
        raise NotApproved(f"{call.name} {effect} and is {how} ([approvals] deny in config.toml)", call, how)
    hint = policy.how_to_allow.replace("{tool}", call.name) if policy.how_to_allow else (f"allow it with --approve {call.name} (or --yes), "
                                   f"or [approvals] allow = [\"{call.name}\"] in config.toml")
    raise NotApproved(f"{call.name} {effect}; not approved: {hint}", call, how)


def _match(name: str, patterns: tuple[str, ...]) -> str | None:
    return next((p for p in patterns if fnmatch.fnmatchcase(name, p)), None)


def _checked(pattern: Any) -> str:
    if not isinstance(pattern, str) or not pattern.strip():
        raise AgentplatError(f"an approval pattern must be a tool name like agent.tool or agent.*, not {pattern!r}")
    pattern = pattern.strip()
    if "." not in pattern and pattern != "*":
        raise AgentplatError(f"approval pattern {pattern!r} names no tool: use agent.tool or {pattern}.*")
    return pattern


def _patterns(section: dict[str, Any], key: str) -> list[str]:
    value = section.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise AgentplatError(f"config.toml: [approvals] {key} must be a list of tool patterns")
    return value
