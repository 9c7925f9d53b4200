"""Choosing the model for a run: ``--model``/``AGENTPLAT_MODEL``, else what is configured.

Inside a run, the run's own model is in the run context, so tools that call a model
themselves (the report agent) use that very model and ``--model offline`` holds for them
too. ``override`` swaps the model for a block, whatever is asked for (tests).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from .._common.context import current, narrowed
from .._common.errors import ModelError
from .._plugin.registry import Registry
from .base import Model

@contextmanager
def override(model: Model) -> Iterator[Model]:
    """Every model selection in this block (and in runs started in it) returns ``model``."""
    with narrowed(forced_model=model):
        yield model


def _run_model() -> "Model | str | None":
    """The model of the run in progress: the object, or how it was named (a cluster's task)."""
    ctx = current()
    return ctx.model if ctx.model is not None else (ctx.model_spec or None)


def select_model(registry: Registry, requested: "Model | str | None" = None) -> Model:
    """``backend`` or ``backend:model``; with nothing named, the run's model, else the first
    configured non-offline backend, and the offline one is the embedded default."""
    if (forced := current().forced_model) is not None:
        return forced
    if requested is not None and not isinstance(requested, str):
        return requested
    running = _run_model()
    if not requested and running is not None and not isinstance(running, str):
        return running
    spec = requested or running or os.environ.get("AGENTPLAT_MODEL") or ""
    backend_name, _, model_name = spec.partition(":")
    if backend_name and backend_name in registry.models:
        return registry.models[backend_name].create(model_name or None)
    if spec:
        # a bare model name ("gpt-4o-mini") goes to the first configured LLM backend
        for name, backend in registry.models.items():
            if name != "offline" and backend.configured():
                return backend.create(spec)
        known = ", ".join(sorted(registry.models))
        setups = [f"{getattr(b, 'setup')} for {name}" for name, b in registry.models.items()
                  if name != "offline" and getattr(b, "setup", None)]
        how = f"{' or '.join(setups)}, or" if setups else "configure one, or"
        raise ModelError(f"no LLM backend is configured to serve model {spec!r}: {how} use --model offline "
                         f"(backends: {known})")
    for name, backend in registry.models.items():
        if name != "offline" and backend.configured():
            return backend.create(None)
    return registry.models["offline"].create(None)


def role_models(model: Model) -> dict[str, str]:
    """The model name each role's calls go to (``{"planner": "gpt-4o", "specialist": ...}``),
    for a model that names them (chat models; the offline one has none)."""
    from .._llm.config import ROLES

    model_for = getattr(model, "model_for", None)
    if model_for is None:
        return {}
    return {role: name for role in ROLES if isinstance(name := model_for(role), str) and name}


def pin_roles(model: Model, pinned: dict[str, str]) -> Model:
    """``model`` with each role fixed to the model in ``pinned`` (a model without roles as it is)."""
    with_models = getattr(model, "with_models", None)
    return with_models(pinned) if pinned and with_models is not None else model


def exact_spec(registry: Registry, requested: "Model | str | None", chosen: Model) -> str:
    """How to select ``chosen`` again (stored with a run, so a resume asks the very same model):
    a bare model name gets the backend that served it (``fake`` -> ``openai:fake``)."""
    if requested is not None and not isinstance(requested, str):
        return chosen.name
    running = _run_model()
    spec = requested or (running if isinstance(running, str) else "") or os.environ.get("AGENTPLAT_MODEL") or ""
    if not spec:
        return chosen.name
    backend_name, _, _ = spec.partition(":")
    return spec if backend_name in registry.models else f"{chosen.name}:{spec}"
