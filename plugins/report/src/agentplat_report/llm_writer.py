"""The LLM writer and critic for reports: core's chat-backed ones with report prompts."""

from __future__ import annotations

from agentplat.refine import ChatCritic, ChatWriter

WRITER_SYSTEM = (
    "You are an analyst who writes concise, well-sourced reports in Markdown. Be accurate; say "
    "plainly what is uncertain. Never invent sources or statistics."
)

REPORT_TASK = """Write a report on: {subject}

Structure it as Markdown:
# <a clear title>
## Executive summary   (3 to 5 sentences a busy reader can act on)
## Background
## Key findings        (bullet points, each specific)
## Conclusion
## Sources             (a numbered list, only sources you are sure exist; omit the section otherwise)

Reply with the report only, no preamble."""

CRITIC_INSTRUCTIONS = (
    "You are a demanding editor reviewing a report. Judge accuracy, structure (title, executive "
    "summary, findings, conclusion), depth, clarity, coverage of the topic and use of sources. "
    "Score 8 or more only for a report you would publish as it is."
)


def report_writer(model) -> ChatWriter:
    return ChatWriter(model, task=REPORT_TASK, system=WRITER_SYSTEM)


def report_critic(model) -> ChatCritic:
    return ChatCritic(model, instructions=CRITIC_INSTRUCTIONS)
