"""Which failures are worth another attempt, and the backoff between attempts (tenacity)."""

from __future__ import annotations

from typing import Awaitable, Callable, TypeVar

from .errors import TransientError
from .settings import number

T = TypeVar("T")

#: HTTP statuses that may pass on retry, for tools and model endpoints alike. 409 is among
#: them: the official ``openai`` and ``anthropic`` SDKs retry it, because model services answer
#: 409 for a lock or a concurrent request that clears by itself; a tool's service that means
#: a lasting conflict answers the same after a few short waits, and the step then fails.
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


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
    return number("AGENTPLAT_MAX_ATTEMPTS", 3, kind=int, minimum=1)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int | None = None,
    initial_wait: float | None = None,
    on_attempt: Callable[[int], None] | None = None,
) -> T:
    """Run ``call`` again after transient failures, with exponential backoff and jitter.

    The first attempt is a plain call: most succeed, and building tenacity's machinery for
    each would cost more than a calculation step itself. After a transient failure the
    same schedule goes on through tenacity (a wait, then attempt 2 with twice the wait...)."""
    limit = attempts or max_attempts()
    if on_attempt is not None:
        on_attempt(1)
    try:
        return await call()
    except Exception as exc:  # noqa: BLE001 - re-raised unless worth another attempt
        if limit <= 1 or not is_transient(exc):
            raise
    import asyncio
    from types import SimpleNamespace

    import tenacity  # here, not at the top: plugins import agentplat.http while listing

    wait = number("AGENTPLAT_RETRY_WAIT", 0.5, unit="seconds", minimum=0) if initial_wait is None else initial_wait
    ceiling = max(wait, 20.0)
    first = tenacity.wait_exponential_jitter(multiplier=wait, max=ceiling, jitter=wait)
    await asyncio.sleep(first(SimpleNamespace(attempt_number=1)))  # the wait after attempt 1
    retrying = tenacity.AsyncRetrying(  # attempts 2..limit: tenacity's 1st is our 2nd, so twice the wait
        stop=tenacity.stop_after_attempt(limit - 1),
        wait=tenacity.wait_exponential_jitter(multiplier=wait * 2, max=ceiling, jitter=wait),
        retry=tenacity.retry_if_exception(is_transient),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            if on_attempt is not None:
                on_attempt(attempt.retry_state.attempt_number + 1)
            return await call()
    raise AssertionError("unreachable")  # pragma: no cover
