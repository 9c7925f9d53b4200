"""The JSON schema of a plan for the tools at hand, so an endpoint that can constrain its
output cannot write a step with an unknown agent, a tool that is not that agent's, or
arguments that are not that tool's.

One variant per agent/tool pair (``agent`` and ``tool`` fixed, ``args`` that tool's own
schema, where a value may also be a ``"$N"`` string for an earlier step's result) and one
for task steps (``agent`` among the agents). Only keywords that both OpenAI's strict mode
and llama.cpp's grammar converter accept are kept (``type``, ``properties``, ``required``,
``items``, ``enum``, ``anyOf``, ``additionalProperties``, ``description``); ranges, patterns
and defaults are checked when the plan is validated (a ``pattern`` crashed llama.cpp). Strict
mode wants every property required: an optional parameter may be ``null``, which means
"use the default" (``lenient`` drops it). An optional parameter strict mode cannot express (a
free-form object, "any value") is left out of the schema rather than giving up strict mode for
the whole plan whenever its tool is shown (the code agent's ``inputs``: a code step reads the
steps it depends on as ``step_N`` instead); a required one still turns strict mode off.
"""

from __future__ import annotations

from typing import Any

KEEP = ("type", "properties", "required", "items", "enum", "anyOf", "additionalProperties", "description")
REFERENCE = {"type": "string", "description": 'The result of an earlier step: "$N" for step N.'}


def plan_schema(tools: list, agents: list[str]) -> dict[str, Any]:
    """The schema of ``{"steps": [...]}`` with ``tools`` (``Tool`` objects, ``.agent`` set) as
    direct steps and ``agents`` as the agents a task step may name."""
    strict = True
    variants = []
    for tool in tools:
        args, closed = _args_schema(tool.parameters)
        strict = strict and closed
        variants.append(_object({
            "agent": {"type": "string", "enum": [tool.agent]},
            "tool": {"type": "string", "enum": [tool.name]},
            "args": args,
            "dependencies": {"type": "array", "items": {"type": "integer"}},
        }))
    if agents:
        variants.append(_object({
            "agent": {"type": "string", "enum": list(agents)},
            "task": {"type": "string"},
            "dependencies": {"type": "array", "items": {"type": "integer"}},
        }))
    items = variants[0] if len(variants) == 1 else {"anyOf": variants}
    schema = _object({"steps": {"type": "array", "items": items}})
    schema["x-strict"] = strict  # read by the client: strict mode only when every object is closed
    return schema


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _args_schema(parameters: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    defs = parameters.get("$defs", {})
    required = set(parameters.get("required", []))
    props: dict[str, Any] = {}
    closed = True
    for name, prop in parameters.get("properties", {}).items():
        clean, ok = _clean(prop, defs, depth=0)
        if not ok and name not in required:
            continue  # an optional free-form value: left out (the tool's default), so the plan stays strict
        closed = closed and ok
        if clean.get("type") != "string":
            clean = {"anyOf": [clean, REFERENCE]}
        if name not in required:
            clean = {"anyOf": [*(clean.get("anyOf") or [clean]), {"type": "null"}]}
        props[name] = clean
    return _object(props), closed


def _clean(schema: Any, defs: dict[str, Any], depth: int) -> tuple[dict[str, Any], bool]:
    """``schema`` with only the portable keywords, ``$ref``s inlined (to a bounded depth)."""
    if not isinstance(schema, dict):
        return {}, False
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1])
        if target is None or depth > 4:
            return {"type": "object"}, False
        return _clean(target, defs, depth + 1)
    out: dict[str, Any] = {}
    closed = True
    for key in KEEP:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties":
            out[key] = {}
            for name, sub in value.items():
                out[key][name], ok = _clean(sub, defs, depth + 1)
                closed = closed and ok
        elif key == "items":
            out[key], ok = _clean(value, defs, depth + 1)
            closed = closed and ok
        elif key == "anyOf":
            out[key] = []
            for sub in value:
                clean, ok = _clean(sub, defs, depth + 1)
                out[key].append(clean)
                closed = closed and ok
        elif key == "description":
            out[key] = str(value)[:200]
        else:
            out[key] = value
    if "const" in schema:
        out["enum"] = [schema["const"]]
    if out.get("type") == "object":
        props = out.get("properties")
        if not props:
            closed = False  # a free-form object: strict mode cannot express it
        else:
            out["required"] = list(props)
            out["additionalProperties"] = False
    if not out:
        closed = False  # "any value": strict mode cannot express it either
    return out, closed
