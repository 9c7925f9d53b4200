"""A specialist agent's turn: a bounded tool-calling loop over the chat ``tools`` API.

The step's result is the last tool result (or the final text when no tool was called).
Malformed tool arguments go back to the model as a tool error, so it can correct itself.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .._common.errors import ToolError
from .._common.settings import number
from .._common.jsondata import dumps, show
from .._llm.usage import Usage
from .._common.retry import with_retries
from .outcome import Completed
from .tools import call_tool

if TYPE_CHECKING:
    from .._llm.call import LLM
    from .._plan.graph import Step
    from .._plugin.registry import Registry


def max_rounds() -> int:
    return number("AGENTPLAT_SPECIALIST_ROUNDS", 6, kind=int, minimum=1)


def tool_specs(agent) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
        for t in agent.tools
    ]


def specialist_prompt(agent, inputs: dict[int, Any]) -> str:
    lines = [agent.system_prompt or f"You are the {agent.name} agent of agentplat: {agent.description}",
             "Use your tools to do the task. When it is done, reply briefly without calling a tool."]
    if inputs:
        lines.append("Results of earlier steps you may use:")
        lines += [f"- step {i}: {show(value)}" for i, value in sorted(inputs.items())]
    return "\n".join(lines)


async def run_specialist(llm: "LLM", step: "Step", inputs: dict[int, Any], registry: "Registry") -> Completed:
    usage = Usage()
    try:
        return await _loop(llm, step, inputs, registry, usage)
    except Exception as exc:
        exc.usage = usage.as_dict()  # what was spent stays accounted for
        raise


async def _loop(llm: "LLM", step, inputs, registry, usage: Usage) -> Completed:
    agent = registry.agent(step.agent)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": specialist_prompt(agent, inputs)},
        {"role": "user", "content": step.task or ""},
    ]
    called, last = False, None
    for _ in range(max_rounds()):
        reply = await llm.call("specialist", messages, tools=tool_specs(agent) or None)
        usage.add_reply(reply)
        messages.append(reply.message())
        if not reply.tool_calls:
            return Completed(last if called else reply.text, usage=usage.as_dict())
        for call in reply.tool_calls:
            try:
                args = json.loads(call.arguments or "{}")
                if not isinstance(args, dict):
                    raise ValueError("arguments must be a JSON object")
            except ValueError as exc:
                content = f"error: the arguments are not valid JSON ({exc}); send a JSON object"
            else:
                tool = agent.tool(call.name)
                if tool is None:
                    content = f"error: there is no tool {call.name!r}; tools: {', '.join(t.name for t in agent.tools)}"
                else:
                    try:
                        result = await with_retries(
                            lambda name=call.name, args=args: call_tool(agent.name, name, args, registry)
                        )
                    except ToolError as exc:
                        content = f"error: {exc}"
                    else:
                        called, last = True, result
                        content = dumps(result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    if called:
        return Completed(last, usage=usage.as_dict())
    raise ToolError(f"agent {agent.name!r} did not finish the task within {max_rounds()} rounds")
