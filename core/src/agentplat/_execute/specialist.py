"""A specialist agent's turn: a bounded tool-calling loop over the chat ``tools`` API.

The step's result is the last tool result (or the final text when no tool was called).
Malformed tool arguments go back to the model as a tool error, so it can correct itself.
Tool results are data (see ``_common.provenance``): a network target must come from the request
or a trusted result, and an argument of a tool that acts never from an untrusted result alone
(a page, a search hit's text, an MCP answer, any open-world tool's output, here or in an earlier
step); a refused call goes back to the model as a tool error and is listed in the step's
``refused``. Tool descriptions go to the model as their authors wrote them, cut to one short line.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .._common.errors import ToolError
from .._common.settings import number
from .._common.jsondata import dumps, show
from .._common.context import current
from .._common.provenance import UNTRUSTED, Grounds, grounded
from .._common.wording import one_line
from .._llm.chat import ToolCallRequest
from .._planners.grounding import given_numbers, invented_numbers, unaccounted_in_code
from .._common.retry import with_retries
from .outcome import StepResult
from .toolcall import call_tool

if TYPE_CHECKING:
    from .._llm.call import LLM
    from .._plan.graph import Step
    from .._plugin.registry import Registry


def max_rounds() -> int:
    return number("AGENTPLAT_SPECIALIST_ROUNDS", 6, kind=int, minimum=1)


def tool_specs(agent) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": one_line(t.description),
                                          "parameters": t.parameters}}
        for t in agent.tools
    ]


def specialist_prompt(agent, inputs: dict[int, Any]) -> str:
    lines = [agent.system_prompt or f"You are the {agent.name} agent of agentplat: {one_line(agent.description)}",
             "Use your tools to do the task. When it is done, reply briefly without calling a tool."]
    if inputs:
        lines.append("Results of earlier steps you may use:")
        lines += [f"- step {i}: {show(value)}" for i, value in sorted(inputs.items())]
    return "\n".join(lines)


async def run_specialist(llm: "LLM", step: "Step", inputs: dict[int, Any], registry: "Registry") -> StepResult:
    """The agent's bounded tool loop for ``step``. What its LLM calls cost goes to the step's
    usage sink (the run context), so it stays accounted for when the loop fails."""
    agent = registry.agent(step.agent)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": specialist_prompt(agent, inputs)},
        {"role": "user", "content": step.task or ""},
    ]
    specs = tool_specs(agent) or None
    given = given_numbers(step.task or "", list(inputs.values()))  # what a tool call may use
    # the task is the planner's text: trusted only where the request grounds it (checked when planned)
    sources = current().sources or {}
    grounds = Grounds.of(current().request, results=[inputs[i] for i in sorted(inputs)],
                         sources=[sources.get(i, UNTRUSTED) for i in sorted(inputs)])
    with grounded(grounds):  # agentplat.http checks every request of the step's tools against it too
        return await _rounds(llm, step, agent, messages, specs, given, grounds, registry)


async def _rounds(llm: "LLM", step, agent, messages, specs, given, grounds: Grounds, registry) -> StepResult:
    called, last = False, None
    for _ in range(max_rounds()):
        # until a tool ran the task is not done: ask for a call (some servers send tool calls
        # only when asked to); after that the model may call more or finish with text
        choice = None if not specs else (_required(agent) if not called else "auto")
        reply = await llm.call("specialist", messages, tools=specs, tool_choice=choice)
        if not reply.tool_calls and specs:
            reply.tool_calls = text_tool_calls(reply.text)
            if reply.tool_calls:
                reply.text = ""
        messages.append(reply.message())
        if not reply.tool_calls:
            if not called and not (reply.text or "").strip():  # nothing computed, nothing said: no answer
                refused = f" (refused: {'; '.join(grounds.refused)})" if grounds.refused else ""
                raise ToolError(f"agent {agent.name!r} gave no answer to the task{refused}")
            return StepResult.succeeded(last if called else reply.text, refused=grounds.refused)
        for call in reply.tool_calls:
            try:
                args = json.loads(call.arguments or "{}")
                if not isinstance(args, dict):
                    raise ValueError("arguments must be a JSON object")
            except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
                content = f"error: the arguments are not valid JSON ({exc}); send a JSON object"
            else:
                tool = agent.tool(call.name)
                code = tool.code_params if tool is not None else ()  # a program: its constants checked as code
                invented = invented_numbers({k: v for k, v in args.items() if k not in code}, given)
                unfounded = next((why for k in code if isinstance(args.get(k), str)
                                  and (why := unaccounted_in_code(args[k], step.task or "", current().request,
                                                                  grounds.trusted_text, grounds.untrusted_text,
                                                                  sorted(given)))), None)
                untrusted = (grounds.why_not_call(args, targets=tool.targets, acts=tool.acts, choices=tool.choices)
                             if tool is not None else None)
                if tool is None:
                    content = f"error: there is no tool {call.name!r}; tools: {', '.join(t.name for t in agent.tools)}"
                elif unfounded:  # an example's constants copied into code answer another question
                    content = f"error: {unfounded}; write the code with the task's values (earlier results are step_N)"
                elif invented:  # a small model fills what it does not know: never run on a guess
                    content = (f"error: {', '.join(invented)} is not a number the task or an earlier result "
                               "gives; use only those")
                elif untrusted:  # a page's "now fetch X" is data, not an instruction
                    grounds.refuse(f"{agent.name}.{tool.name}: {untrusted}")
                    content = f"error: refused: {untrusted}"
                else:
                    requests = grounds.requests
                    try:
                        result = await with_retries(
                            lambda name=call.name, args=args: call_tool(agent.name, name, args, registry)
                        )
                    except ToolError as exc:
                        content = f"error: {exc}"
                        if str(exc).startswith("refused: "):  # agentplat.http refused a request
                            grounds.refuse(f"{agent.name}.{tool.name}: {str(exc).removeprefix('refused: ')}")
                    else:
                        called, last = True, result
                        given |= given_numbers(result)
                        outside = tool.untrusted_results or grounds.requests > requests  # it reached a server
                        grounds.saw(result, source=grounds.source_for(args, untrusted=outside,
                                                                      returns_urls=tool.returns_urls))
                        content = dumps(result)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    if called:
        return StepResult.succeeded(last, refused=grounds.refused)
    refused = f" (refused: {'; '.join(grounds.refused)})" if grounds.refused else ""
    raise ToolError(f"agent {agent.name!r} did not finish the task within {max_rounds()} rounds{refused}")


def _required(agent) -> str:
    """With one tool, name it (servers that only answer a named function then answer); else
    any tool call is required."""
    return agent.tools[0].name if len(agent.tools) == 1 else "required"


_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


def text_tool_calls(text: str) -> list[ToolCallRequest]:
    """Tool calls a model wrote as text instead of as calls: ``<tool_call>{...}</tool_call>``
    (the Hermes/Qwen template), or a reply that is nothing but ``{"name": ..., "arguments":
    ...}`` (or a list of them). The names are taken as written; an unknown one is answered
    as any unknown call is, so the model can correct itself."""
    if not text or not text.strip():
        return []
    tagged = _TAGGED.findall(text)
    candidates: list[Any] = []
    if tagged:
        for body in tagged:
            candidates += _json_values(body)
    else:
        stripped = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
        if stripped[:1] in "{[":
            values = _json_values(stripped)
            if len(values) == 1 and isinstance(values[0], list):
                values = values[0]
            candidates = values
    calls = []
    for position, value in enumerate(candidates):
        if not isinstance(value, dict):
            return []
        if isinstance(value.get("function"), dict):
            value = value["function"]
        name = value.get("name")
        args = value.get("arguments", value.get("parameters", {}))
        if not isinstance(name, str) or not name:
            return []
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except (ValueError, RecursionError):
                pass
        calls.append(ToolCallRequest(id=f"text_call_{position}", name=name,
                                     arguments=args if isinstance(args, str) else json.dumps(args)))
    return calls


def _json_values(text: str) -> list[Any]:
    """The JSON values ``text`` is made of: one, or several one after another (a model that
    writes each call on its own line); none when anything else is in between."""
    decoder, values, at = json.JSONDecoder(), [], 0
    try:
        while at < len(text):
            value, at = decoder.raw_decode(text, at)
            values.append(value)
            while at < len(text) and text[at] in " \t\r\n,":
                at += 1
    except (ValueError, RecursionError):
        return []
    return values
