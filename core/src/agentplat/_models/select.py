"""Choosing the model backend for a run: ``--model``/``AGENTPLAT_MODEL``, else what is configured."""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from .._errors import ModelError
from .._plugin.registry import Registry
from .base import Model, ModelBackend, Planned, Usage

__all__ = ["Model", "ModelBackend", "Planned", "Usage", "select_model", "run_model"]

#: The model the current run was started with (``--model``), for tools that call a model
#: themselves (the report agent), so ``--model offline`` holds for them too.
_run_model: ContextVar[str | None] = ContextVar("agentplat_run_model", default=None)


@contextmanager
def run_model(spec: str | None) -> Iterator[None]:
    token = _run_model.set(spec or None)
    try:
        yield
    finally:
        _run_model.reset(token)


def select_model(registry: Registry, requested: str | None = None) -> Model:
    """``backend`` or ``backend:model``; with nothing named, the first configured non-offline
    backend wins, and the offline one is the embedded default."""
    spec = requested or _run_model.get() or os.environ.get("AGENTPLAT_MODEL") or ""
    backend_name, _, model_name = spec.partition(":")
    if backend_name and backend_name in registry.models:
        return registry.models[backend_name].create(model_name or None)
    if spec:
        # a bare model name ("gpt-4o-mini") goes to the first configured LLM backend
        for name, backend in registry.models.items():
            if name != "offline" and backend.configured():
                return backend.create(spec)
        known = ", ".join(sorted(registry.models))
        raise ModelError(f"unknown model {spec!r}: no configured backend serves it (backends: {known})")
    for name, backend in registry.models.items():
        if name != "offline" and backend.configured():
            return backend.create(None)
    return registry.models["offline"].create(None)
