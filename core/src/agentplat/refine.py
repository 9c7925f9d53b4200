"""The refinement kit: generate a draft, critique it, revise it, until it is good enough.

``refine(task, writer, critic, ...)`` runs the loop and returns a ``Refinement`` (its
``Iteration`` list and the best draft). A ``Writer`` writes and revises drafts, a ``Critic``
scores them with a ``Critique``; ``ChatWriter`` and ``ChatCritic`` do both with the run's
model, and ``parse_critique`` reads a critique out of a model's reply (``CritiqueError`` when
it cannot). Names are imported on first use, so importing this module costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "refine": "_refine.loop",
    "Refinement": "_refine.loop",
    "Iteration": "_refine.loop",
    "Writer": "_refine.loop",
    "Critic": "_refine.loop",
    "ChatWriter": "_refine.loop",
    "Critique": "_refine.critique",
    "CritiqueError": "_refine.critique",
    "ChatCritic": "_refine.critique",
    "parse_critique": "_refine.critique",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentplat.refine' has no attribute {name!r}")
    value = getattr(import_module(f"agentplat.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._refine.critique import ChatCritic, Critique, CritiqueError, parse_critique
    from ._refine.loop import ChatWriter, Critic, Iteration, Refinement, Writer, refine
