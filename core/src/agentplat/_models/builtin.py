"""The core's own plugin: the built-in model backends, registered like any third party's."""

from __future__ import annotations

from ..hookspecs import hookimpl


@hookimpl
def register_models(register):
    from .offline import OfflineBackend
    from .openai import OpenAIBackend

    register(OpenAIBackend())
    register(OfflineBackend())
