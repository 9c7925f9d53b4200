"""What a step comes to: its outcome as the scheduler tracks it, and how ``execute`` reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepOutcome:
    status: str = "waiting"  # waiting, running, succeeded, failed, skipped
    result: Any = None
    error: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    attempts: int = 0
    usage: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # tool calls refused (an untrusted target)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StepOutcome":
        """Read back an outcome that crossed a JSON boundary (times as plain floats)."""
        outcome = cls(**data)
        for name in ("started_at", "ended_at"):
            value = getattr(outcome, name)
            setattr(outcome, name, float(value) if value is not None else None)
        return outcome


@dataclass
class Completed:
    """What ``execute`` may return instead of a bare result, to report attempts and usage."""

    result: Any
    attempts: int = 1
    usage: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # why tool calls of the step were refused


class StepFailed(Exception):
    """Raised by ``execute`` to fail a step with a message (and its attempt count)."""

    def __init__(self, message: str, attempts: int = 1, usage: dict | None = None):
        super().__init__(message)
        self.attempts = attempts
        self.usage = usage or {}
