"""The offline parser: "write a report on X", "report on X", "a report about X" -> write_report."""

from __future__ import annotations

import re

from agentplat import Clause, ToolCall

_I = re.IGNORECASE
_POLITE = (
    r"^(?:(?:please|can\s+you|could\s+you|would\s+you|i\s+(?:want|need|would\s+like)\s+(?:you\s+to\s+)?"
    r"|let'?s|now)\s+)*"
)
_PATTERNS = [
    re.compile(
        _POLITE + r"(?:write|make|create|produce|prepare|draft|generate|give\s+me|get\s+me)\s+"
        r"(?:me\s+)?(?:an?\s+|the\s+)?(?:short\s+|brief\s+|detailed\s+|full\s+)?report\s+"
        r"(?:on|about|regarding|covering|into|for)\s+(?P<topic>.+)$",
        _I,
    ),
    re.compile(_POLITE + r"(?:an?\s+)?report\s+(?:on|about)\s+(?P<topic>.+)$", _I),
]
_TRAILING = re.compile(r"(?:\s+(?:please|for\s+me))+$", _I)


def parse_report_clause(clause: Clause) -> ToolCall | None:
    """A ``write_report`` call for a report request; ``None`` for anything else."""
    text = clause.text.strip().rstrip("?.!")
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        topic = clause.quoted[0] if clause.quoted else _TRAILING.sub("", match.group("topic"))
        topic = topic.strip(" ,;:\"'“”‘’")
        if topic:
            return ToolCall(tool="write_report", args={"topic": topic})
    return None
