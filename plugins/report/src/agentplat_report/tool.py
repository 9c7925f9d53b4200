"""The ``write_report`` tool: the report agent's one capability, for plans and specialists."""

from __future__ import annotations

from agentplat import ToolError, tool

from .config import MAX_TOPIC_LENGTH, default_reports_dir, resolve


@tool(
    examples=[
        "write a report on renewable energy",
        "write a report about the history of the printing press",
        "report on electric vehicle adoption in Europe",
        "prepare a report on quantum computing",
    ]
)
async def write_report(topic: str) -> str:
    """Research and write a report on a topic, refined until a critic scores it well; returns the path of report.md.

    Args:
        topic: What the report is about, in a few words.
    """
    from . import index
    from .topic import report_topic

    from agentplat.extend import redact

    topic = redact(" ".join(str(topic).split()))  # it names the folder, the files and the index entry
    if not topic:
        raise ToolError("the report topic is empty: say what the report should be about")
    if len(topic) > MAX_TOPIC_LENGTH:
        raise ToolError(f"the report topic is longer than {MAX_TOPIC_LENGTH} characters")
    out = resolve(default_reports_dir())
    [(entry, _)] = index.assign(out, [topic], resume=False)
    outcome = await report_topic(topic, out, entry["folder"])
    if outcome.get("status") != "succeeded":
        raise ToolError(f"the report on {topic!r} failed: {outcome.get('error')}")
    return str(out / entry["folder"] / "report.md")
