"""Tool calls a step makes with arguments it computed itself: code calling ``call_tool``.

Why a door of its own: code running in a sandbox (the code agent) may call any installed tool,
with arguments it built from anything it saw: its inputs, an earlier call's page text. Such a
call goes through everything a task step's model calls go through (``specialist``): the tool
must exist, its arguments are validated, a network target must be grounded in the request or a
trusted result and an argument of a tool that acts may not come from untrusted text alone
(``_common.provenance``), nor name a file path the request does not, a call that acts needs
approval, the tool's deadline and the result
cap hold, the call is traced and recorded in the step's ``calls``; and the step may make only
so many.

In a task step the caller shares the step's grounds (what the model saw is what the code
saw). In a direct step it starts from the request and the step's inputs, by their sources.
"""

from __future__ import annotations

from typing import Any

from .._common.context import current
from .._common.errors import AgentplatError, ToolError
from .._common.provenance import TRUSTED, UNTRUSTED, Grounds, grounded, mentions, paths_in
from .._plugin.registry import get_registry
from .toolcall import call_tool, preview_args


class ToolCaller:
    """Calls tools for the current step by name (``"agent.tool"``); see the module docstring.
    ``max_calls`` bounds the step's own calls (every one it made, this caller's and others')."""

    def __init__(self, *, max_calls: int = 50):
        ctx = current()
        self.registry = ctx.registry or get_registry()
        self.max_calls = max_calls
        self.calls = 0
        self.inputs = dict(ctx.inputs or {})  # the step's dependencies' results, by index
        if ctx.grounds is not None:  # a task step: the model's grounds are the code's
            self.grounds = ctx.grounds
        else:
            inputs, sources = ctx.inputs or {}, ctx.sources or {}
            self.grounds = Grounds.of(ctx.request, results=[inputs[i] for i in sorted(inputs)],
                                      sources=[sources.get(i, UNTRUSTED) for i in sorted(inputs)])

    def names(self) -> list[str]:
        """Every tool this caller can reach, as ``agent.tool``."""
        return sorted(f"{agent.name}.{t.name}" for agent in self.registry.agents.values() for t in agent.tools)

    async def call(self, name: str, args: dict[str, Any]) -> Any:
        """The result of tool ``name`` called with ``args``; a ``ToolError`` says why not."""
        if not isinstance(name, str) or "." not in name:
            raise ToolError(f"name a tool as 'agent.tool' (for example 'math.add'), not {name!r}")
        agent_name, _, tool_name = name.partition(".")
        try:
            tool = self.registry.tool(agent_name, tool_name)
        except AgentplatError as exc:
            raise ToolError(str(exc)) from None
        ctx = current()
        made = len(ctx.calls) if ctx.calls is not None else self.calls
        if made >= self.max_calls:
            raise ToolError(f"this step may call tools at most {self.max_calls} times; it called {name} once more")
        self.calls += 1
        untrusted = (self.grounds.why_not_call(args, targets=tool.targets, acts=tool.acts, choices=tool.choices)
                     or (self._unwritten_path(args) if tool.acts else None))
        if untrusted:
            self.grounds.refuse(f"{name}: {untrusted}")
            if ctx.calls is not None:  # listed with the step's calls, even when the code goes on
                ctx.calls.append({"agent": agent_name, "tool": tool_name, "args": preview_args(args),
                                  "status": "refused", "error": untrusted, "seconds": 0.0})
            raise ToolError(f"refused: {untrusted}")
        requests = self.grounds.requests
        with grounded(self.grounds):  # agentplat.http checks the tool's own requests against them too
            result = await call_tool(agent_name, tool_name, args, self.registry)
        outside = tool.untrusted_results or self.grounds.requests > requests
        source = self.grounds.source_for(args, untrusted=outside, returns_urls=tool.returns_urls)
        self.grounds.saw(result, source=source)
        if source != TRUSTED:
            self.grounds.requests += 1  # the step now holds data from outside (what its result is)
        return result

    def _unwritten_path(self, args: dict[str, Any]) -> str | None:
        """A call that acts touches only what the user named: each file path in its arguments
        is written in the request (or a trusted result), as a planned step's must be."""
        for name, value in args.items():
            for path in paths_in(value) if isinstance(value, str) else ():
                if not mentions(self.grounds.trusted_text, path):
                    return f"{name}={path!r} is a path the request does not give, for a call that writes"
        return None

    @property
    def refused(self) -> list[str]:
        return list(self.grounds.refused)


def tool_caller(*, max_calls: int = 50) -> ToolCaller:
    """A caller of tools for the step running now (see ``ToolCaller``)."""
    return ToolCaller(max_calls=max_calls)
