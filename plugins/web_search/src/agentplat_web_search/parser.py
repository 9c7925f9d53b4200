"""The offline parser: "search for X", "look up X", "find X", "fetch <url>" -> a tool call.

"find" is also a math verb ("find the sum of 3 and 4"), so a "find" clause with math words
and operands is left to other parsers.
"""

from __future__ import annotations

import re

from agentplat import Clause, ToolCall, ref

_I = re.IGNORECASE
_POLITE = r"^(?:(?:please|can\s+you|could\s+you|would\s+you|i\s+want\s+(?:you\s+)?to|let'?s|now)\s+)*"
_QUERY_PATTERNS = [
    re.compile(
        _POLITE + r"(?:do\s+an?\s+)?(?:web\s+|internet\s+|online\s+)?search(?:\s+(?:the\s+)?(?:web|internet|online|"
        r"duckduckgo|google|my\s+(?:files|notes|documents|docs)|local\s+(?:files|documents)))?"
        r"(?:\s+(?:for|about|on))?\s+(?P<query>.+)$",
        _I,
    ),
    re.compile(_POLITE + r"(?:look\s+up|lookup|google|research)\s+(?P<query>.+)$", _I),
    re.compile(_POLITE + r"look\s+(?P<query>.+?)\s+up(?:\s+(?:online|on\s+the\s+web))?$", _I),
    re.compile(
        _POLITE + r"find\s+(?:out\s+|me\s+)?(?:(?:some\s+)?(?:information|info|articles|pages|results|sources|links|news)\s+)?"
        r"(?:(?:about|on|for|regarding)\s+)?(?P<query>.+)$",
        _I,
    ),
    re.compile(
        r"^what\s+(?:does|do)\s+(?:the\s+)?(?:web|internet|online\s+sources|sources|people)\s+say\s+(?:about|on)\s+(?P<query>.+)$",
        _I,
    ),
    re.compile(r"^(?:web\s+)?search\s+results\s+(?:for|about)\s+(?P<query>.+)$", _I),
]
_URL = re.compile(r"https?://[^\s<>\"'()]+", _I)
_FETCH_VERB = re.compile(
    r"\b(?:fetch|open|read|get|download|grab|retrieve|load|visit|summari[sz]e|extract|scrape|show)\b", _I
)
_NTH_RESULT = re.compile(
    r"\b(?:fetch|open|read|get|download|visit|load)\s+(?:the\s+)?"
    r"(?P<nth>first|top|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\s+(?:result|link|hit|page|one)\b",
    _I,
)
_NTH = {"first": 0, "top": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
        "fifth": 4, "5th": 4}
_MATH = re.compile(
    r"\b(?:sum|product|difference|quotient|remainder|average|mean|median|square\s+root|root|factorial|"
    r"percent(?:age)?|plus|minus|times|divided|multipl\w*|add|subtract\w*|total|result\s+of|value\s+of\s+x|"
    r"squared|cubed|power|log|sqrt|derivative|integral|solution)\b|[-+*/^=]\s*\d|\d\s*%",
    _I,
)
_TRAILING = re.compile(r"(?:\s+(?:on|from|in)\s+the\s+(?:web|internet)|\s+online|\s+please)+$", _I)
_PRONOUNS = {"it", "that", "this", "them", "those", "these", "the result", "that result", "the answer"}


def parse_search_clause(clause: Clause) -> ToolCall | None:
    """A ``search`` or ``fetch_page`` call for a search-like clause; ``None`` for anything else."""
    text = clause.text.strip().rstrip("?.!")
    if not text:
        return None
    page = _fetch(text, clause)
    if page is not None:
        return page
    for pattern in _QUERY_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        if pattern is _QUERY_PATTERNS[3] and _is_arithmetic(text, clause):
            return None  # "find the sum of 3 and 4" is arithmetic
        query = _query(match.group("query"), clause)
        if query:
            return ToolCall(tool="search", args={"query": query})
    return None


#: Words that may follow a URL without asking for anything more than the page.
_AFTER_URL = frozenset("please for me now page the its content contents text".split())


def _fetch(text: str, clause: Clause) -> ToolCall | None:
    url = _URL.search(text)
    rest = [w for w in re.findall(r"[^\W_]+", text[url.end():]) if w.lower() not in _AFTER_URL] if url else []
    if rest:  # "fetch <url> and summarize it": more asked than fetching, which is not this parser's to drop
        return None
    if url and (_FETCH_VERB.search(text) or url.group(0) == text):
        return ToolCall(tool="fetch_page", args={"url": url.group(0).rstrip(".,;:!?)")})
    nth = _NTH_RESULT.search(text)
    if nth and clause.references:
        return ToolCall(tool="fetch_page", args={"url": f"{ref(clause.references[-1])}.{_NTH[nth.group('nth').lower()]}.url"})
    return None


def _is_arithmetic(text: str, clause: Clause) -> bool:
    """Math words with operands (numbers or earlier results): "find the sum of 3 and 4"."""
    return bool(_MATH.search(text)) and bool(clause.numbers or clause.references)


def _query(raw: str, clause: Clause) -> str | None:
    if clause.quoted:
        return clause.quoted[0].strip() or None
    query = _TRAILING.sub("", raw.strip()).strip(" ,;:\"'“”‘’")
    if query.lower() in _PRONOUNS:
        earlier = clause.inputs(1)  # "it"/"that" resolved by the core, or the chained previous step
        return ref(earlier[-1]) if earlier else None
    return query or None
