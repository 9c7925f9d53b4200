"""The refinement loop: draft, critique, and revise until the draft is good enough.

``generate -> critique -> (score >= threshold: stop) -> revise -> critique ...``, bounded by
``max_iterations``. Every draft is critiqued (so the final one has a known score) and
every critique is kept. Any plugin can use it with its own writer and critic: an LLM
(``ChatWriter``/``ChatCritic``) or deterministic code. Inside a Flyte task each iteration
is a ``flyte.group`` and each LLM call a ``flyte.trace``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol, runtime_checkable

from .critique import ChatCritic, Critique, CritiqueError, parse_critique
from .._common.errors import ModelError
from .._llm.usage import Usage
from .._common.context import group

if TYPE_CHECKING:
    from .._llm.call import LLM
    from .._models.chat_model import ChatModel

__all__ = [
    "ChatCritic",
    "ChatWriter",
    "Critic",
    "Critique",
    "CritiqueError",
    "Iteration",
    "Refinement",
    "Writer",
    "parse_critique",
    "refine",
]

THRESHOLD_MET = "threshold"
MAX_ITERATIONS = "max_iterations"


@runtime_checkable
class Writer(Protocol):
    """Writes the first draft about a subject, and revisions that answer a critique."""

    async def draft(self, subject: str) -> str: ...

    async def revise(self, subject: str, draft: str, critique: Critique) -> str: ...


@runtime_checkable
class Critic(Protocol):
    """Judges one draft."""

    async def critique(self, subject: str, draft: str) -> Critique: ...


@dataclass
class Iteration:
    """One round: the draft it produced and the critique of that draft."""

    number: int
    draft: str
    critique: Critique

    def to_json(self) -> dict[str, Any]:
        return {"iteration": self.number, "draft": self.draft, "critique": self.critique.model_dump()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Iteration":
        return cls(number=int(data["iteration"]), draft=data["draft"],
                   critique=Critique.model_validate(data["critique"]))


@dataclass
class Refinement:
    """The outcome: the chosen draft, its score, every iteration, and why the loop stopped.

    ``final`` is the best-scored draft (the latest among equals): a revision that made
    things worse never replaces a better draft the loop already paid for.
    """

    subject: str
    final: str
    score: int
    iterations: list[Iteration]
    stopped_because: str  # "threshold" or "max_iterations"
    quality_threshold: int
    max_iterations: int
    final_iteration: int = 0

    @property
    def critiques(self) -> list[Critique]:
        return [i.critique for i in self.iterations]

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "score": self.score,
            "final_iteration": self.final_iteration,
            "stopped_because": self.stopped_because,
            "quality_threshold": self.quality_threshold,
            "max_iterations": self.max_iterations,
            "iterations": [i.to_json() for i in self.iterations],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Refinement":
        iterations = [Iteration.from_json(i) for i in data["iterations"]]
        final = next(i for i in iterations if i.number == data["final_iteration"])
        return cls(subject=data["subject"], final=final.draft, score=int(data["score"]), iterations=iterations,
                   stopped_because=data["stopped_because"], quality_threshold=int(data["quality_threshold"]),
                   max_iterations=int(data["max_iterations"]), final_iteration=final.number)


OnIteration = Callable[[Iteration], "Awaitable[None] | None"]


async def refine(
    subject: str,
    *,
    writer: Writer,
    critic: Critic,
    max_iterations: int = 3,
    quality_threshold: int = 8,
    on_iteration: OnIteration | None = None,
    previous: list[Iteration] | None = None,
) -> Refinement:
    """Refine a draft about ``subject`` until its score reaches ``quality_threshold`` (1-10)
    or ``max_iterations`` drafts were written.

    ``on_iteration`` (sync or async) sees each iteration as it ends, e.g. to save progress.
    ``previous`` continues an interrupted loop from its saved iterations, so drafts and
    critiques already paid for are not produced again.
    """
    if max_iterations < 1:
        raise ValueError("max_iterations must be at least 1")
    if not 1 <= quality_threshold <= 10:
        raise ValueError("quality_threshold must be between 1 and 10")
    iterations = list(previous or [])[:max_iterations]

    def done() -> str | None:
        if iterations and iterations[-1].critique.score >= quality_threshold:
            return THRESHOLD_MET
        if len(iterations) >= max_iterations:
            return MAX_ITERATIONS
        return None

    while (reason := done()) is None:
        number = len(iterations) + 1
        with group(f"iteration {number}"):
            if iterations:
                last = iterations[-1]
                draft = await writer.revise(subject, last.draft, last.critique)
            else:
                draft = await writer.draft(subject)
            critique = await critic.critique(subject, draft)
        iteration = Iteration(number=number, draft=draft, critique=critique)
        iterations.append(iteration)
        if on_iteration is not None:
            outcome = on_iteration(iteration)
            if inspect.isawaitable(outcome):
                await outcome
    best = max(iterations, key=lambda i: (i.critique.score, i.number))
    return Refinement(
        subject=subject, final=best.draft, score=best.critique.score, iterations=iterations,
        stopped_because=reason, quality_threshold=quality_threshold, max_iterations=max_iterations,
        final_iteration=best.number,
    )


WRITER_SYSTEM = "You are a careful writer. Write clear, well-organised, accurate Markdown."


class ChatWriter:
    """A writer backed by a chat model (role ``writer``).

    ``task`` says what to write about the subject ("Write a report on: {subject}"); the
    revision prompt hands the model its previous draft and the critic's improvements.
    """

    def __init__(self, model: "ChatModel | LLM", *, task: str = "Write about: {subject}", system: str = WRITER_SYSTEM,
                 on_text: Callable[[str], None] | None = None):
        self.llm: "LLM" = getattr(model, "chat", model)  # a ChatModel, or its LLM
        self.task = task
        self.system = system
        self.on_text = on_text
        self.usage = Usage()

    def draft_messages(self, subject: str) -> list[dict[str, Any]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.task.format(subject=subject)},
        ]

    def revise_messages(self, subject: str, draft: str, critique: Critique) -> list[dict[str, Any]]:
        changes = "\n".join(f"- {item}" for item in critique.improvements) or "- (none listed)"
        keep = "\n".join(f"- {item}" for item in critique.strengths) or "- (none listed)"
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.task.format(subject=subject)},
            {"role": "assistant", "content": draft},
            {"role": "user", "content": (
                f"An editor scored this draft {critique.score}/10: {critique.summary}\n\n"
                f"Keep:\n{keep}\n\nImprove:\n{changes}\n\n"
                "Rewrite the whole draft with these improvements. Reply with the new draft only."
            )},
        ]

    async def draft(self, subject: str) -> str:
        return await self._write(self.draft_messages(subject))

    async def revise(self, subject: str, draft: str, critique: Critique) -> str:
        return await self._write(self.revise_messages(subject, draft, critique))

    async def _write(self, messages: list[dict[str, Any]]) -> str:
        reply = await self.llm.call("writer", messages, on_text=self.on_text)
        self.usage.add_reply(reply)  # a replayed answer is not paid again
        text = unfence(reply.text)
        if not text:
            raise ModelError("the writer model returned an empty draft")
        return text


def unfence(text: str) -> str:
    """A draft without the ```markdown fence some models wrap a whole answer in."""
    text = (text or "").strip()
    lines = text.splitlines()
    if len(lines) >= 2 and lines[0].startswith("```") and lines[-1].strip() == "```":
        return "\n".join(lines[1:-1]).strip()
    return text
