"""Which failures are worth another attempt, and the backoff between attempts (tenacity)."""

from __future__ import annotations

import os
from typing import Awaitable, Callable, TypeVar

import tenacity

from ._errors import TransientError

T = TypeVar("T")

TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


def is_transient(error: BaseException) -> bool:
    """Timeouts, dropped connections and HTTP 429/5xx may succeed later; nothing else will."""
    if isinstance(error, (TransientError, TimeoutError, ConnectionError)):
        return True
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a core dependency
        return False
    if isinstance(error, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code in TRANSIENT_STATUS
    status = getattr(error, "status_code", None)  # openai.APIStatusError and friends
    if isinstance(status, int):
        return status in TRANSIENT_STATUS
    return type(error).__name__ in {"APITimeoutError", "APIConnectionError"}


def max_attempts() -> int:
    return max(1, int(os.environ.get("AGENTPLAT_MAX_ATTEMPTS", "3")))


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int | None = None,
    initial_wait: float | None = None,
    on_attempt: Callable[[int], None] | None = None,
) -> T:
    """Run ``call`` again after transient failures, with exponential backoff and jitter."""
    wait = float(os.environ.get("AGENTPLAT_RETRY_WAIT", "0.5")) if initial_wait is None else initial_wait
    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(attempts or max_attempts()),
        wait=tenacity.wait_exponential_jitter(multiplier=wait, max=max(wait, 20.0), jitter=wait),
        retry=tenacity.retry_if_exception(is_transient),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            if on_attempt is not None:
                on_attempt(attempt.retry_state.attempt_number)
            return await call()
    raise AssertionError("unreachable")  # pragma: no cover


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


