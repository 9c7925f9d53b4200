"""What LLM calls cost: calls and tokens, with answers replayed on resume counted apart."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from .._common.context import current, narrowed


@dataclass
class Usage:
    """LLM usage of one run or step: calls and tokens."""

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    replayed_calls: int = 0  # answers served from the run store on resume: not paid again

    def add(self, other: "Usage | dict") -> None:
        data = other if isinstance(other, dict) else other.__dict__
        self.llm_calls += int(data.get("llm_calls", 0))
        self.prompt_tokens += int(data.get("prompt_tokens", 0))
        self.completion_tokens += int(data.get("completion_tokens", 0))
        self.replayed_calls += int(data.get("replayed_calls", 0))

    def add_reply(self, reply) -> None:
        """Account for one chat reply (a replayed one costs nothing)."""
        if getattr(reply, "replayed", False):
            self.replayed_calls += 1
            return
        self.llm_calls += 1
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens

    def as_dict(self) -> dict[str, int]:
        return {
            "replayed_calls": self.replayed_calls,
            "llm_calls": self.llm_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@contextmanager
def collecting(into: Usage | None = None) -> Iterator[Usage]:
    """Every LLM call made in this block (by a step's model, or by a tool that calls a model
    itself) is added to ``into`` (a new ``Usage`` if none), which it yields: the one way
    usage is gathered, so what a failed step or plan spent is never lost with its error."""
    usage = into if into is not None else Usage()
    with narrowed(usage=usage):
        yield usage


def spent(reply) -> None:
    """Account for one reply in the scope that is collecting, if any."""
    sink = current().usage
    if sink is not None:
        sink.add_reply(reply)
