"""How to ask an OpenAI-compatible endpoint for JSON that fits a schema: its dialect.

The forms, best first:

- ``json_schema``: ``{"type": "json_schema", "json_schema": {"name", "strict", "schema"}}``
  (OpenAI's structured outputs; vLLM, Ollama and LM Studio accept it too);
- ``json_object_schema``: ``{"type": "json_object", "schema": {...}}`` (llama-cpp-python's
  server, which refuses the first form with HTTP 500 but constrains decoding with this one);
- ``json_object``: plain JSON mode, no schema;
- ``none``: no ``response_format`` at all (the reply is still read for JSON).

A request without a schema starts at ``json_object``. An endpoint (base URL and model) that
clearly refuses a form (HTTP 400/422/500 whose message names ``response_format``, the schema
or the grammar) is asked again with the next one, and its answer is remembered in this
process and in ``$AGENTPLAT_HOME/endpoints.json``, so the next run asks right the first
time. Nothing else (a timeout, an overloaded server) moves an endpoint down.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from typing import Any

from .._common.settings import data_dir
from .chat import ChatRequest

ORDER = ("json_schema", "json_object_schema", "json_object", "none")
_REFUSAL_WORDS = ("response_format", "json_schema", "json schema", "schema", "grammar", "json_object")

_known: dict[str, str] = {}
_loaded_from: str | None = None  # the endpoints.json read into _known (AGENTPLAT_HOME may change)
_lock = threading.Lock()


def endpoint_key(base_url: str, model: str) -> str:
    return f"{base_url.rstrip('/')}|{model}"


def wanted(request: ChatRequest) -> str | None:
    """The best form a request could use (``None``: it asks for no JSON)."""
    if request.json_schema is not None:
        return "json_schema"
    return "json_object" if request.json_mode else None


def _path():
    return data_dir() / "endpoints.json"


def _load() -> None:
    global _loaded_from
    path = _path()
    if _loaded_from == str(path):
        return
    _loaded_from = str(path)
    _known.clear()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        _known.update({k: v for k, v in data.items() if v in ORDER})


def start(key: str, wants: str) -> str:
    """The form to try first: what the request wants, or what the endpoint accepted before."""
    with _lock:
        _load()
        known = _known.get(key)
    if known is not None and ORDER.index(known) > ORDER.index(wants):
        return known
    return wants


def next_form(form: str) -> str | None:
    index = ORDER.index(form)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def refuses_format(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in _REFUSAL_WORDS)


def demote(key: str, form: str, to: str) -> str:
    """Remember that ``key`` refused ``form``: from now on it is asked with ``to``."""
    with _lock:
        _load()
        known = _known.get(key)
        if known is None or ORDER.index(known) < ORDER.index(to):
            _known[key] = to
        snapshot = dict(_known)
    _save(snapshot)
    return to


def _save(snapshot: dict[str, str]) -> None:
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".endpoints-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(snapshot, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # remembered for this process; the next one asks again


def forget() -> None:
    """Forget every endpoint's answer in this process (tests)."""
    global _loaded_from
    with _lock:
        _known.clear()
        _loaded_from = None


def response_format(form: str, request: ChatRequest) -> dict[str, Any]:
    """The ``response_format`` keyword (or none) for ``form``."""
    schema = request.json_schema
    if form == "json_schema" and schema is not None:
        strict = bool(schema.get("x-strict", True))
        clean = {k: v for k, v in schema.items() if k != "x-strict"}
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "reply", "strict": strict, "schema": clean}}}
    if form == "json_object_schema" and schema is not None:
        return {"response_format": {"type": "json_object",
                                    "schema": {k: v for k, v in schema.items() if k != "x-strict"}}}
    if form in ("json_schema", "json_object_schema", "json_object"):
        return {"response_format": {"type": "json_object"}}
    return {}
