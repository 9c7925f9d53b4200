"""Reading what real models write for a plan step, where the meaning is not in doubt.

Small models copy the prompt's signature line into ``tool`` (``"factorial(n: integer)"``),
give arguments as a list in parameter order (``"args": [5]``), prefix the tool with its
agent (``"math.add"``), write dependencies as strings, forget to list a dependency that an
argument's ``"$N"`` already names, list a step as its own dependency, or add keys of their own.
Each of these is repaired here before validation. Agent and tool identity is never guessed:
a name is accepted only when it is exactly an installed agent's, or exactly one of that
agent's tools.
"""

from __future__ import annotations

import re
from typing import Any

from .._plan.refs import REFERENCE

STEP_KEYS = ("agent", "tool", "args", "task", "dependencies")
_LEADING_NAME = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:\(|\s-\s|:|$)")


def normalize_plan(data: Any, registry) -> Any:
    """``{"steps": [...]}`` (or a bare list of steps) with every step normalized."""
    if isinstance(data, list):
        data = {"steps": data}
    if isinstance(data, dict) and isinstance(data.get("steps"), list):
        data = {**data, "steps": _not_waiting_for_themselves(
            counted_from_zero([normalize_step(s, registry) for s in data["steps"]]))}
    return data


def _not_waiting_for_themselves(steps: list) -> list:
    """A step that lists itself among its dependencies (``"dependencies": [0]`` on step 0, as
    small models write for the first step) without any argument naming its own result: the
    self-dependency says nothing, and is dropped."""
    out = []
    for index, step in enumerate(steps):
        deps = step.get("dependencies") if isinstance(step, dict) else None
        if isinstance(deps, list) and index in deps and index not in _whole_references(step.get("args")):
            step = {**step, "dependencies": [d for d in deps if d != index]}
        out.append(step)
    return out


def counted_from_zero(steps: list) -> list:
    """A plan whose ``"$N"`` count steps from 1, read as counting from 0.

    Only when no other reading exists: no argument says ``"$0"``, some step refers to itself
    or to a later step (impossible counted from 0), and counted from 1 every reference points
    to an earlier step. Then ``"$k"`` becomes ``"$k-1"``, and dependencies that point at the
    step itself or later are dropped (the references name the real ones).
    """
    found = [(i, r) for i, s in enumerate(steps) if isinstance(s, dict)
             for r in _whole_references(s.get("args"))]
    if not found or any(r == 0 for _, r in found) or not any(r >= i for i, r in found):
        return steps
    if any(not 0 <= r - 1 < i for i, r in found):
        return steps
    out = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            out.append(step)
            continue
        step = {**step, "args": _shift(step.get("args"))}
        deps = step.get("dependencies") if isinstance(step.get("dependencies"), list) else []
        step["dependencies"] = [d for d in deps if isinstance(d, int) and d < index]
        step["dependencies"] = sorted(set(_dependencies(step)))
        out.append(step)
    return out


def _shift(value: Any) -> Any:
    if isinstance(value, str):
        match = REFERENCE.match(value)
        return f"${int(match.group(1)) - 1}{match.group(2)}" if match else value
    if isinstance(value, dict):
        return {k: _shift(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v) for v in value]
    return value


def normalize_step(step: Any, registry) -> Any:
    if not isinstance(step, dict):
        return step
    step = {k: v for k, v in step.items() if k in STEP_KEYS}  # a model's own keys ("id", "step"...)
    agent = registry.agents.get(step.get("agent")) if isinstance(step.get("agent"), str) else None
    if agent is not None and isinstance(step.get("tool"), str):
        step["tool"] = _tool_name(step["tool"], agent)
    tool = agent.tool(step["tool"]) if agent is not None and isinstance(step.get("tool"), str) else None
    if tool is not None:
        if isinstance(step.get("args"), list):
            step["args"] = _positional(step["args"], tool)
        if isinstance(step.get("args"), dict):
            step["args"] = _without_nulls(step["args"], tool)
        if step.get("task") is not None and isinstance(step.get("args"), dict):
            step.pop("task")  # a description beside a complete tool call
    step["dependencies"] = _dependencies(step)
    return step


def _tool_name(given: str, agent) -> str:
    """The exact tool name inside ``given`` ("factorial(n: integer) - ...", "math.factorial"),
    or ``given`` unchanged when no exact name of this agent's is there."""
    if agent.tool(given) is not None:
        return given
    candidate = given.strip()
    prefix = f"{agent.name}."
    if candidate.startswith(prefix) and agent.tool(candidate[len(prefix):]) is not None:
        return candidate[len(prefix):]
    match = _LEADING_NAME.match(candidate)
    if match and agent.tool(match.group(1)) is not None:
        return match.group(1)
    return given


def _positional(values: list, tool) -> Any:
    """Arguments given in parameter order, when their count is the number of parameters
    (or of required ones)."""
    params = list(tool.parameters.get("properties", {}))
    required = [p for p in params if p in set(tool.parameters.get("required", []))]
    for names in (params, required):
        if len(values) == len(names):
            return dict(zip(names, values))
    return values


def _without_nulls(args: dict, tool) -> dict:
    """``null`` for an optional parameter means "the default" (what strict schemas send)."""
    required = set(tool.parameters.get("required", []))
    return {k: v for k, v in args.items() if not (v is None and k not in required)}


def _dependencies(step: dict) -> Any:
    deps = step.get("dependencies")
    if deps is None:
        deps = []
    if not isinstance(deps, list):
        return deps
    out = []
    for dep in deps:
        if isinstance(dep, str) and dep.strip().lstrip("$").isdigit():
            dep = int(dep.strip().lstrip("$"))
        out.append(dep)
    for ref in _whole_references(step.get("args")):  # an argument "$N" names its dependency itself
        if ref not in out:
            out.append(ref)
    return out


def _whole_references(value: Any):
    """Step indices of arguments that are exactly ``"$N"`` (or ``"$N.field"``); a "$5" inside
    a longer text may be an amount of money, so it is not taken as a reference here."""
    if isinstance(value, str):
        match = REFERENCE.match(value)
        if match:
            yield int(match.group(1))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _whole_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _whole_references(item)
