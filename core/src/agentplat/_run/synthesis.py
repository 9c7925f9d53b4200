"""``--synthesize``: one more LLM call that writes a prose answer from every step's result."""

from __future__ import annotations

from typing import Callable

from .._common.jsondata import show
from .._models.select import select_model
from .._plugin.registry import get_registry


def synthesis_messages(result) -> list[dict]:
    lines = [f"Request: {result.request}", "", "Step results:"]
    for step in result.steps:
        what = f"{step.agent}.{step.tool}({step.args})" if step.tool else f"{step.agent}: {step.task}"
        outcome = show(step.result) if step.status == "succeeded" else f"{step.status}: {step.error}"
        lines.append(f"- step {step.index} {what} -> {outcome}")
    return [
        {"role": "system", "content": "Answer the user's request in one or two sentences from the step "
                                      "results below. Give the results exactly as the steps computed them; "
                                      "if a step failed or was skipped, say which part is missing. No preamble."},
        {"role": "user", "content": "\n".join(lines)},
    ]


async def synthesize_answer(result, *, model: str | None, on_text: Callable[[str], None] | None) -> str | None:
    """Stream a prose answer to ``on_text`` and keep it on the result (with its usage), beside
    the computed answer, never in its place. ``None`` for a model that writes no prose."""
    chosen = select_model(get_registry(), model)
    if not hasattr(chosen, "llm"):
        return None  # the offline model has no prose to add: the results are the answer
    if on_text is not None:
        on_text("In words: ")
    reply = await chosen.llm("writer", synthesis_messages(result), on_text=on_text)
    if on_text is not None:
        on_text("\n")
    result.usage.add_reply(reply)
    result.synthesized = reply.text.strip()
    return result.synthesized
