"""The offline parser: "weather in X", "forecast for X", "will it rain in X tomorrow" -> a tool call.

It only claims clauses about current or coming weather at a place; anything else (sums,
searches, climate history) returns ``None`` fast so other parsers and the router get it.
"""

from __future__ import annotations

import re

from agentplat import Clause, ToolCall, ref

_I = re.IGNORECASE
_ANY = re.compile(
    r"\b(?:weather|forecast|temperatures?|temps?|rain\w*|snow\w*|sunny|hot|cold|warm|chilly|"
    r"windy|wind|humid\w*|cloudy|stormy|freezing|foggy|umbrella|conditions)\b",
    _I,
)
# Weather-ish words about something wttr.in cannot answer (history, climate, search).
_DECLINE = re.compile(
    r"^\s*(?:please\s+)?(?:search|google|web\s+search)\b|\b(?:average|record|historical|history|climate|"
    r"yesterday|last\s+(?:year|month|week|winter|summer)|news|in\s+(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december))\b|\b(?:19|20)\d\d\b",
    _I,
)
_FILLER = r"(?:\s+(?:like|report|forecast|conditions|today|tonight|tomorrow|now|right\s+now|currently|be|be\s+like|going\s+to\s+be|gonna\s+be))*"
_PATTERNS = [
    # "what's the weather like in New York", "forecast for São Paulo", "temperature in Tokyo"
    re.compile(
        r"\b(?P<kind>weather(?:\s+forecast)?|forecast|temperatures?|temps?|conditions|humidity|wind(?:\s+speed)?)\b"
        + _FILLER + r"\s+(?:in|for|at|of|near|around)\s+(?P<place>.+)$",
        _I,
    ),
    # "will it rain in London tomorrow", "is it raining in Seattle"
    re.compile(
        r"\b(?:will|is|does|did|would|should)\s+it\s+(?:be\s+|get\s+)?(?:going\s+to\s+(?:be\s+)?)?"
        r"(?P<kind>rain\w*|snow\w*|sunny|hot|cold|warm|windy|cloudy|stormy|freezing|foggy|humid|wet|nice)\b"
        r"(?:\s+(?:today|tonight|tomorrow|later|this\s+\w+))?\s+(?:in|at)\s+(?P<place>.+)$",
        _I,
    ),
    # "how cold is it in Oslo", "how warm will it be in Rome tomorrow"
    re.compile(
        r"\bhow\s+(?P<kind>hot|cold|warm|humid|windy|wet|chilly)\s+(?:is\s+it|will\s+it\s+be|is\s+it\s+going\s+to\s+be)"
        r"(?:\s+(?:today|tonight|tomorrow|now|right\s+now))?\s+(?:in|at)\s+(?P<place>.+)$",
        _I,
    ),
    # "do I need an umbrella in Paris tomorrow"
    re.compile(
        r"\b(?:do|will|should)\s+i\s+(?:need|bring|take)\s+(?:an?\s+)?(?P<kind>umbrella|coat|jacket|sunscreen)"
        r"(?:\s+(?:today|tonight|tomorrow))?\s+(?:in|at)\s+(?P<place>.+)$",
        _I,
    ),
    # "Paris weather", "what's the New York forecast", "London's temperature today"
    re.compile(
        r"^(?:(?:what(?:'s|’s|\s+is)|how(?:'s|’s|\s+is)|show\s+me|give\s+me|get|tell\s+me)\s+)?(?:the\s+)?"
        r"(?P<place>\S.*?)(?:'s|’s)?\s+(?P<kind>weather(?:\s+forecast)?|forecast|temperature)"
        r"(?:\s+(?:today|tonight|tomorrow|now|right\s+now|this\s+week(?:end)?))?$",
        _I,
    ),
    # "what's the weather there" (the place is an earlier step's result)
    re.compile(r"\b(?P<kind>weather|forecast|temperature)(?:\s+(?:like|forecast))?\s+(?P<place>there)\b", _I),
    # "weather Paris", "forecast: London"
    re.compile(r"^(?P<kind>weather|forecast|temperature)\s*[:\-]?\s+(?P<place>.+)$", _I),
]
_FORECAST = re.compile(
    r"\b(?:forecast|tomorrow|will|going\s+to|gonna|tonight|later|this\s+week(?:end)?|next\s+\w+|"
    r"coming\s+days|outlook|umbrella|coat|jacket|sunscreen)\b",
    _I,
)
_TIME = re.compile(
    r"(?:\b(?:for|in|during|over)\s+(?:the\s+)?)?\b(?:today|tonight|tomorrow|right\s+now|now|currently|"
    r"at\s+the\s+moment|this\s+(?:morning|afternoon|evening|week(?:end)?)|(?:the\s+)?next\s+(?:few\s+|\d+\s+)?"
    r"(?:days|week|weekend|hours)|(?:the\s+)?coming\s+days|(?:on|next)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:in|during)\s+the\s+(?:morning|afternoon|evening|night)|later|in\s+(?:celsius|fahrenheit)|please)\b",
    _I,
)
_LEADING_PREPOSITION = re.compile(r"^(?:(?:in|for|at|of|near|around)\s+)+", _I)
_PRONOUNS = {"it", "there", "that", "that city", "that place", "this city", "this place", "the city", "the place"}
_NOT_PLACES = {
    "the", "what", "what's", "whats", "how", "how's", "is", "like", "current", "today", "today's",
    "tomorrow", "tomorrow's", "local", "my", "our", "your", "this", "weekly", "daily", "here",
    "the current", "the local", "outside", "now", "weather", "forecast", "temperature", "the weather",
}


def parse_weather_clause(clause: Clause) -> ToolCall | None:
    """A ``current_weather`` or ``forecast`` call for a weather clause; ``None`` for anything else."""
    text = clause.text.strip()
    if not _ANY.search(text) or _DECLINE.search(text):
        return None
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        place = _place(match.group("place"), clause)
        if place is None:
            continue
        tool = "forecast" if _FORECAST.search(text) else "current_weather"
        return ToolCall(tool=tool, args={"place": place})
    return None


_MORE_THAN_A_PLACE = re.compile(r"\band\b|;|\b(?:which|what|who|how|why|when|whether|warmer|colder|compare)\b",
                                re.I)


def _place(raw: str, clause: Clause) -> str | None:
    """The place named in a clause, without time words and punctuation; ``$N`` for "there"."""
    if clause.quoted:
        return clause.quoted[0].strip() or None
    place = " ".join(_TIME.sub(" ", raw).split())
    place = _LEADING_PREPOSITION.sub("", place).strip("\"'“”‘’").rstrip(" ,.;:!?").strip()
    lowered = place.lower()
    if lowered in _PRONOUNS:
        earlier = clause.inputs(1)  # "it"/"that" resolved by the core, or the chained previous step
        return ref(earlier[-1]) if earlier else None
    if not place or lowered in _NOT_PLACES or not re.search(r"\w", place):
        return None
    if _MORE_THAN_A_PLACE.search(place):  # "Berlin and Madrid, which one is warmer": not one place
        return None
    return place
