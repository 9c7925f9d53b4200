"""JSON that keeps numbers exact: decimals are read as ``Decimal`` and written as numbers."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for a tool result: exact decimals become int/float when lossless."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value  # the common case first: this runs on every value the store writes
    if kind is dict:
        return {k if type(k) is str else str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 10**30:
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="python"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps builds a new one per call when given options


def dumps(value: Any, **kwargs: Any) -> str:
    if kwargs:
        return json.dumps(to_jsonable(value), ensure_ascii=False, **kwargs)
    return _ENCODER.encode(to_jsonable(value))


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def show(value: Any) -> str:
    """A result as a person reads it: strings bare, numbers without float noise, and a
    result that carries its own ``summary`` (weather, search hits...) as that summary."""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    summary = getattr(value, "summary", None) if not isinstance(value, dict) else value.get("summary")
    if isinstance(summary, str) and summary:
        return summary
    if isinstance(value, (list, tuple)) and value and all(_has_summary(v) for v in value):
        return "\n".join(show(v) for v in value)
    data = to_jsonable(value)
    if isinstance(data, list) and data and all(isinstance(v, dict) and "title" in v for v in data):
        return "\n".join(
            f"- {v.get('title')}" + (f" <{v['url']}>" if v.get("url") else "") + (f": {v['snippet']}" if v.get("snippet") else "")
            for v in data
        )
    return dumps(value)


def _has_summary(value: Any) -> bool:
    summary = value.get("summary") if isinstance(value, dict) else getattr(value, "summary", None)
    return isinstance(summary, str) and bool(summary)
