"""Which model serves which role: ``[models]`` of config.toml (see ``_common.settings``)."""

from __future__ import annotations

from .._common.settings import load_config

ROLES = ("planner", "specialist", "critic", "writer")


def model_for_role(role: str, default: str | None) -> str | None:
    """The model name for ``role``: config ``[models].<role>``, else ``default``."""
    models = load_config().get("models", {})
    return models.get(role) or default or models.get("default")
