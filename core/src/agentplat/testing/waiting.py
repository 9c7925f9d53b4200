"""A bounded poll for tests: wait for a condition, not for a guessed number of seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["wait_until"]

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10, *, interval: float = 0.02,
               message: str | Callable[[], str] | None = None) -> T:
    """Call ``predicate`` until it returns something true, and return that; ``TimeoutError``
    (with ``message``, or a callable giving it) after ``timeout`` seconds.

    For tests waiting on another thread or process: it returns as soon as the condition
    holds, instead of sleeping for a guessed time that is too long on a fast machine and
    too short on a busy one."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise TimeoutError(text or f"not true within {timeout}s: {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)
