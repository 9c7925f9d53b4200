"""A critique as typed data: what a critic (a model or a rubric) says about one draft.

Models wrap JSON in fences, chat around it, write ``"8/10"`` or ``7.5`` for a score; the
parser accepts all of that and rejects what it cannot read with a message precise enough
to send back to the model as a repair request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, Field, field_validator

from .._common.errors import AgentplatError
from .._common.settings import number
from .._common.wording import EmbeddedJSON, problems
from .._llm.usage import Usage

if TYPE_CHECKING:
    from .._llm.call import LLM
    from .._models.chat_model import ChatModel

_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*10)?\s*$")


class CritiqueError(AgentplatError):
    """A critic's reply could not be read as a critique, even after repairs."""


class Critique(BaseModel):
    """A verdict on one draft: a 1-10 score and what to keep and change."""

    score: int = Field(ge=1, le=10, description="Overall quality, 1 (poor) to 10 (excellent).")
    strengths: list[str] = Field(default_factory=list, description="What the draft does well.")
    improvements: list[str] = Field(default_factory=list, description="Concrete changes that would raise the score.")
    summary: str = Field(min_length=1, description="The verdict in one or two sentences.")

    @field_validator("score", mode="before")
    @classmethod
    def _lenient_score(cls, value: Any) -> Any:
        """``"8/10"``, ``"8"`` and ``7.6`` are what models write for 8; round, don't reject."""
        if isinstance(value, str) and (match := _FRACTION.match(value)):
            value = float(match.group(1))
        if isinstance(value, float):
            return int(round(value))
        return value

    @field_validator("strengths", "improvements", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        """A single string is one item; blank items are dropped."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return value


CRITIQUE_FORMAT = """Reply with one JSON object and nothing else:
{"score": <integer 1-10>, "strengths": ["..."], "improvements": ["..."], "summary": "<one or two sentences>"}
"improvements" must be concrete, actionable changes; leave it empty only for a draft that
needs none."""


def parse_critique(reply: str) -> Critique:
    """The critique in a model's reply; ``CritiqueError`` says what is wrong with it."""
    if not reply or not reply.strip():
        raise CritiqueError("the reply was empty; expected a JSON critique")
    found = EmbeddedJSON(reply)
    objects = [v for v in found if isinstance(v, dict)]
    if not objects:
        raise CritiqueError(f"the reply's JSON could not be read: {found.problem}" if found.problem
                            else "the reply contains no JSON object")
    candidates = [o for o in objects if "score" in o] or objects
    try:
        return Critique.model_validate(candidates[0])
    except pydantic.ValidationError as exc:
        raise CritiqueError("the critique is invalid: " + problems(exc.errors(), default="critique")) from None


def max_critique_repairs() -> int:
    return number("AGENTPLAT_CRITIQUE_REPAIRS", 2, kind=int, minimum=0)


class ChatCritic:
    """A critic backed by a chat model (role ``critic``); malformed replies are sent back
    with the validation error, a bounded number of times."""

    def __init__(self, model: "ChatModel | LLM", *, instructions: str = "", repairs: int | None = None):
        self.llm: "LLM" = getattr(model, "chat", model)  # a ChatModel, or its LLM
        self.instructions = instructions or (
            "You are a demanding editor. Judge the draft for accuracy, structure, depth, clarity and "
            "how well it serves its subject."
        )
        self.repairs = max_critique_repairs() if repairs is None else repairs
        self.usage = Usage()

    def messages(self, subject: str, draft: str) -> list[dict[str, Any]]:
        return [
            {"role": "system", "content": f"{self.instructions}\n\n{CRITIQUE_FORMAT}"},
            {"role": "user", "content": f"Subject: {subject}\n\nDraft:\n\n{draft}"},
        ]

    async def critique(self, subject: str, draft: str) -> Critique:
        messages = self.messages(subject, draft)
        for attempt in range(self.repairs + 1):
            reply = await self.llm.call("critic", messages, json_mode=True)
            self.usage.add_reply(reply)  # a replayed answer is not paid again
            try:
                return parse_critique(reply.text)
            except CritiqueError as exc:
                if attempt == self.repairs:
                    raise CritiqueError(f"{exc} (after {self.repairs} repairs)") from None
                messages = [
                    *messages,
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": f"That reply cannot be used: {exc}. {CRITIQUE_FORMAT}"},
                ]
        raise AssertionError("unreachable")  # pragma: no cover
