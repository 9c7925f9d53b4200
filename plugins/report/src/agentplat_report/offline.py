"""The offline writer and critic: deterministic, no model, same loop and files as with an LLM.

``ExtractiveWriter`` assembles a report from web-search results (title, snippet, link) and
revises it by acting on the critique: it adds the sections the critic asks for, searches
for the terms it says are missing, and pulls in more results when the text is too short.
``RubricCritic`` scores structure, length, coverage of the topic's terms and cited sources.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Awaitable, Callable

from agentplat.refine import Critique

from . import sources as search_sources
from .outline import Outline
from .sources import Found, Source

Search = Callable[[str, int], Awaitable[Found]]

SUMMARY, BACKGROUND, FINDINGS, CONCLUSION, SOURCES = (
    "Executive summary", "Background", "Key findings", "Conclusion", "Sources",
)
ORDER = (SUMMARY, BACKGROUND, FINDINGS, CONCLUSION, SOURCES)
FIRST_RESULTS, MORE_RESULTS = 3, 10
MIN_WORDS, FULL_WORDS, MIN_CITED = 150, 300, 3

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_STOPWORDS = set(
    "a an and are as at be by can do does for from how in into is it its of on or our the their this to "
    "what when where which who why will with about report write overview state future role impact use "
    "using between vs versus source sources based other these there would could after while".split()
)

# improvement phrases the critic writes and the writer acts on
_ADD_SECTION = re.compile(r"\badd (?:an? |the )?['\"“]?(?P<name>[A-Za-z][A-Za-z ]*?)['\"”]? section", re.I)
_MISSING_TERMS = re.compile(r"\bcover[^:]*:\s*(?P<terms>.+?)\.?$", re.I)
_EXPAND = re.compile(r"\b(expand|longer|more detail|too short)\b", re.I)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def topic_terms(subject: str) -> list[str]:
    """The words of a topic that a report on it should use (no stop words, no duplicates)."""
    seen: dict[str, None] = {}
    for word in words(subject.lower()):
        if (len(word) >= 3 or word.isdigit()) and word not in _STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def mentions(text: str, term: str) -> bool:
    """``term`` or a form of it ("energy"/"energies", "solar"/"solar's") appears as a word."""
    stem = term if len(term) < 6 else term[: len(term) - 2]
    return re.search(rf"(?<!\w){re.escape(stem)}\w*", text, re.I | re.UNICODE) is not None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _link_text(title: str) -> str:
    return " ".join(title.replace("[", "(").replace("]", ")").split()) or "source"


def _source_line(n: int, title: str, url: str) -> str:
    """A numbered source: a link for web pages; local files (which browsers will not open
    from a web page, and the renderer refuses as links) as their path."""
    if url.lower().startswith(("http://", "https://")):
        target = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
        if re.search(r"[()\s]", target):
            target = f"<{target}>"
        return f"{n}. [{_link_text(title)}]({target})"
    return f"{n}. {_link_text(title)}: `{url.replace('`', '%60')}`"


def _numbered(sources: list[tuple[str, str]]) -> str:
    return "\n".join(_source_line(n, t, u) for n, (t, u) in enumerate(sources, 1))


class ExtractiveWriter:
    """Writes from search results only: every sentence of substance is a cited snippet."""

    def __init__(self, search: Search | None = None):
        self.search = search or search_sources.search

    async def draft(self, subject: str) -> str:
        found = await self.search(subject, FIRST_RESULTS)
        outline = Outline(title=subject[:1].upper() + subject[1:])
        registry: list[tuple[str, str]] = []
        findings = _findings(found.sources, registry)
        outline.set(SUMMARY, _summary(subject, registry, findings, found.problem))
        outline.set(FINDINGS, findings or _note(found.problem or "the search returned no results"))
        if registry:
            outline.set(SOURCES, _numbered(registry))
        return outline.render()

    async def revise(self, subject: str, draft: str, critique: Critique) -> str:
        """Act on each improvement the critique asks for; keep everything else."""
        outline = Outline.parse(draft)
        outline.title = outline.title or subject
        registry = outline.sources()
        asks = critique.improvements
        wanted = {m.group("name").strip().lower() for a in asks if (m := _ADD_SECTION.search(a))}
        missing = [term.strip(" '\"") for ask in asks if (m := _MISSING_TERMS.search(ask))
                   for term in m.group("terms").split(",")]

        found: list[Source] = []
        problems: list[str] = []
        queries = [(subject, MORE_RESULTS)] if any(_EXPAND.search(a) for a in asks) or not registry else []
        queries += [(f"{subject} {term}" if term.lower() not in subject.lower() else term, FIRST_RESULTS)
                    for term in missing[:5] if term]
        known = {url for _, url in registry}
        for query, limit in queries:
            result = await self.search(query, limit)
            found.extend(result.sources)
            problems.extend([result.problem] if result.problem and not result.sources else [])
        fresh = [s for s in _unique(found) if s.url not in known]
        if queries and len(fresh) < FIRST_RESULTS and not problems:
            # the whole topic finds little: widen to each of its terms on its own
            for term in topic_terms(subject)[:5]:
                found.extend((await self.search(term, FIRST_RESULTS)).sources)
            fresh = [s for s in _unique(found) if s.url not in known]

        if fresh and not outline.has(BACKGROUND):
            split = max(1, len(fresh) // 3)
            outline.set(BACKGROUND, _paragraph(fresh[:split], registry), before=(FINDINGS, CONCLUSION, SOURCES))
            fresh = fresh[split:]
        findings = outline.get(FINDINGS).body if outline.has(FINDINGS) else ""
        if findings.startswith(">"):
            findings = ""  # the "nothing found" note of an earlier draft
        if fresh:
            findings = "\n".join(p for p in (findings, _findings(fresh, registry)) if p)
        outline.set(FINDINGS, findings or _note(problems[-1] if problems else "the search returned no results"),
                    before=(CONCLUSION, SOURCES))
        if SUMMARY.lower() in wanted or outline.has(SUMMARY):
            outline.set(SUMMARY, _summary(subject, registry, findings, problems[-1] if problems else None),
                        before=ORDER[1:])
        if CONCLUSION.lower() in wanted or outline.has(CONCLUSION):
            outline.set(CONCLUSION, _conclusion(subject, outline, registry, problems), before=(SOURCES,))
        if registry:
            outline.set(SOURCES, _numbered(registry))
        return outline.render()


def _cite(source: Source, registry: list[tuple[str, str]]) -> int:
    """The source's number in the report, adding it to the list if it is new."""
    for n, (_, url) in enumerate(registry, 1):
        if url == source.url:
            return n
    registry.append((source.title, source.url))
    return len(registry)


def _findings(found: list[Source], registry: list[tuple[str, str]]) -> str:
    lines = []
    for source in found:
        n = _cite(source, registry)
        lines.append(f"- **{_link_text(source.title)}**: {source.snippet or source.title} [{n}]")
    return "\n".join(lines)


def _paragraph(found: list[Source], registry: list[tuple[str, str]]) -> str:
    sentences = []
    for source in found:
        n = _cite(source, registry)
        text = (source.snippet or source.title).rstrip(".")
        sentences.append(f"{text} [{n}].")
    return " ".join(sentences)


_BULLET = re.compile(r"^-\s+\*\*[^*]*\*\*:\s*(?P<text>.+?)\s*\[(?P<n>\d+)\]\s*$", re.M)


def _summary(subject: str, registry: list[tuple[str, str]], findings: str, problem: str | None) -> str:
    if not registry:
        return (f"No sources could be gathered on {subject}: {problem or 'no search results'}. This report "
                "therefore states no findings; rerun it with a search backend that has material on the topic.")
    count = len(registry)
    parts = [f"This report on {subject} is drawn from {count} source{'s' if count != 1 else ''}."]
    for n, match in enumerate(_BULLET.finditer(findings)):
        if n == 2:
            break
        first = (_sentences(match.group("text")) or [""])[0].rstrip(".")
        if first:
            parts.append(f"{first} [{match.group('n')}].")
    return " ".join(parts)


def _note(reason: str) -> str:
    return f"> {reason[0].upper()}{reason[1:]}."


def _conclusion(subject: str, outline: Outline, registry: list[tuple[str, str]], problems: list[str]) -> str:
    if not registry:
        why = problems[-1] if problems else "no sources were found"
        return f"Nothing can be concluded about {subject} yet: {why}."
    themes = _shared_themes(subject, outline)
    theme_text = ""
    if len(themes) > 1:
        theme_text = f" Several sources share the themes {', '.join(themes[:-1])} and {themes[-1]}."
    if len(registry) == 1:
        return (f"Only one source on {subject} was found, so these findings rest on it alone; "
                "treat them as a starting point.")
    return (f"Across {len(registry)} sources, the material on {subject} points the same way.{theme_text} "
            "The key findings give the details and the sources invite further reading.")


def _shared_themes(subject: str, outline: Outline, limit: int = 4) -> list[str]:
    """Words (beyond the topic's own) that at least two cited passages use, most shared first."""
    passages = []
    for name in (BACKGROUND, FINDINGS):
        if section := outline.get(name):
            passages += [p for p in re.split(r"\n|(?<=\])\.?\s", _BOLD.sub("", section.body)) if p.strip()]
    terms = topic_terms(subject)
    counts: Counter[str] = Counter()
    forms: dict[str, str] = {}
    for passage in passages:
        stems = set()
        for word in words(passage.lower()):
            if len(word) > 4 and word not in _STOPWORDS and not any(mentions(word, t) for t in terms):
                stem = word[:5]
                forms.setdefault(stem, word)
                stems.add(stem)
        counts.update(stems)
    return [forms[s] for s, n in counts.most_common() if n >= 2][:limit]


_BOLD = re.compile(r"\*\*[^*]*\*\*:?")
def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _unique(found: list[Source]) -> list[Source]:
    seen: dict[str, Source] = {}
    for source in found:
        seen.setdefault(source.url, source)
    return list(seen.values())


class RubricCritic:
    """A deterministic critic: structure (3), length (2), coverage (3), cited sources (2)."""

    async def critique(self, subject: str, draft: str) -> Critique:
        outline = Outline.parse(draft)
        body = "\n".join([outline.preamble, *(s.body for s in outline.sections if s.key != SOURCES.lower())])
        strengths: list[str] = []
        improvements: list[str] = []
        score = 0

        if outline.title:
            score += 1
            strengths.append("It has a title.")
        else:
            improvements.append("Start with a '# ' title line.")
        for name in (SUMMARY, CONCLUSION):
            if outline.has(name):
                score += 1
                strengths.append(f"It has {_a(name)} '{name}' section.")
            else:
                improvements.append(f"Add {_a(name)} '{name}' section.")

        count = len(words(body))
        if count >= FULL_WORDS:
            score += 2
            strengths.append(f"It is substantial ({count} words).")
        else:
            score += 1 if count >= MIN_WORDS else 0
            improvements.append(f"Expand the report to at least {FULL_WORDS} words (it has {count}) "
                                "with background and more findings from further sources.")

        terms = topic_terms(subject)
        missing = [t for t in terms if not mentions(body, t)]
        covered = 1.0 if not terms else (len(terms) - len(missing)) / len(terms)
        score += round(3 * covered)
        if missing:
            improvements.append(f"Cover the topic's terms the text never mentions: {', '.join(missing)}.")
        else:
            strengths.append("It covers every term of the topic.")

        listed, cited = outline.sources(), outline.cited()
        if listed:
            score += 1
            strengths.append(f"It lists {len(listed)} source{'s' if len(listed) != 1 else ''} with links.")
        else:
            improvements.append("Add a 'Sources' section listing every source with its link.")
        if len(cited & set(range(1, len(listed) + 1))) >= MIN_CITED:
            score += 1
            strengths.append("Its claims cite their sources.")
        else:
            improvements.append(f"Cite at least {MIN_CITED} different sources in the text with [n] markers.")

        score = max(1, min(10, score))
        verdict = "meets the bar" if not improvements else f"needs {len(improvements)} improvement" + (
            "s" if len(improvements) != 1 else "")
        return Critique(score=score, strengths=strengths, improvements=improvements,
                        summary=f"Rubric score {score}/10: the draft {verdict}.")
