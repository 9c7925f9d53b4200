"""The embedded offline model's answer to a request, for request-set tests."""

from __future__ import annotations

import asyncio


def offline_answer(request: str) -> str | None:
    """What ``agentplat run`` answers offline (inline engine, unrecorded); ``None`` when the
    request is refused or its run does not succeed."""
    from .._common.errors import AgentplatError
    from .._run.request import run_request

    try:
        result = asyncio.run(run_request(request, model="offline", engine="inline"))
    except AgentplatError:
        return None
    return result.answer if result.status == "succeeded" else None
