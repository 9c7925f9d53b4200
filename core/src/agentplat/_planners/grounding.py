"""Every value in an LLM's plan must be accounted for by the request.

A model that does not know what to put in an argument copies something: a value from the
prompt's example (``2.5``, ``"text"``), a number of the request used twice (``add(10, 10)``
for "the square root of 81 plus 10"). The plan is then valid and runs, and its answer is
wrong with exit 0. So, before a step may run:

- each number in its arguments (and in a task's text) is one the request gives, in digits
  or in words ("five", via ``text2num``), or one a word of the request implies ("double" 2,
  "percent" 100, "squared" 2...); and the plan uses each number no more often than the
  request gives it (implied ones excepted);
- each text argument shares at least half of its words with the request (a URL: all of it);
  the digits in it count as numbers, its number words as words ("one two three" is text);
- each URL a task's text names is one the request names (host, path and query), like a direct
  step's; and for a step whose tool (or, for a task, whose agent) acts, each file path in its
  arguments or task is written in the request. A tool's description saying "always first
  fetch X" thus never becomes a step: the request does not name X.

A plan that breaks this goes back to the model like any invalid plan, and is refused if it
never gets it right. A refusal is better than an answer that looks right and is not.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from .._common.errors import PlanValidationError
from .._common.provenance import mentions, paths_in, urls_in, written_urls
from .._plan.graph import Plan, Step
from .._plan.refs import REFERENCE
from .offline.reading import numbers

#: Words that mean a number without writing it.
IMPLIED = {
    "double": [2], "doubled": [2], "twice": [2], "triple": [3], "tripled": [3], "thrice": [3],
    "half": [2, Decimal("0.5")], "halve": [2, Decimal("0.5")], "halved": [2, Decimal("0.5")],
    "square": [2], "squared": [2], "cube": [3], "cubed": [3], "percent": [100], "percentage": [100],
    "dozen": [12], "quarter": [4, Decimal("0.25")], "hundred": [100], "thousand": [1000],
    "reciprocal": [1],
}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PLACEHOLDER = re.compile(r"[.…\s]+")
_URL = re.compile(r"https?://\S+", re.I)


def _digits(text: str) -> str:
    """``text`` with number words as digits ("five times six" -> "5 times 6")."""
    try:
        from text_to_num import alpha2digit

        return alpha2digit(text, "en")
    except Exception:  # noqa: BLE001 - without the library, digits alone still count
        return text


class Grounding:
    """Checks steps one at a time (as a plan streams in), remembering what was used."""

    def __init__(self, request: str, registry: Any = None, *, results: tuple[str, ...] = (),
                 trusted: tuple[str, ...] = ()):
        """``results``: earlier results shown as text (a later round's steps may use their values
        as often as they like); ``trusted``: those whose URLs a step may reach (a search's hits).
        A path a step that acts touches comes from the request alone."""
        self.registry = registry  # to know which steps act (none known without it)
        self.urls = urls_in(request) | urls_in(" ".join(trusted))
        self.url_text = " ".join((request, *trusted))
        text = _digits(request)
        self.given = Counter(_key(n) for n in numbers(text.replace("%", " percent ")))
        for found in results:
            self.given.update({_key(n): 10**6 for n in numbers(found)})
        words = {w.lower() for w in _WORD.findall(text)}
        self.implied = {_key(Decimal(v)) for w in words & set(IMPLIED) for v in IMPLIED[w]}
        self.words = words | {w.lower() for w in _WORD.findall(" ".join((request, *results)))}
        self.text = request
        self.sources = (request, *results)
        self.squashed = _squash(" ".join((request, *results)))
        self.used: Counter = Counter()

    def check(self, index: int, step: Step) -> None:
        """Raise ``PlanValidationError`` naming the first value of ``step`` the request does not give."""
        where = f"step {index}"
        if step.is_direct:
            code = self._code_params(step)
            for name, value in (step.args or {}).items():
                if name in code:  # a program: its names are its own, its constants are values (``unaccounted_in_code``)
                    if isinstance(value, str) and _PLACEHOLDER.fullmatch(value.strip() or "."):
                        raise PlanValidationError(f"{where}: {name}={value!r} is a placeholder, not code")
                    if isinstance(value, str) and (why := unaccounted_in_code(value, *self.sources)):
                        raise PlanValidationError(f"{where}: in the {name}, {why}; use only the request's values")
                    continue
                for literal in _literals(value):
                    if isinstance(literal, str):
                        self._check_text(where, name, literal)
                    else:
                        self._check_number(where, name, literal)
        else:
            task = " ".join((step.task or "").split())
            if len(_WORD.findall(task)) < 2:  # "add": a tool's name, and the values left to guess
                raise PlanValidationError(
                    f"{where}: the task {task!r} is not an instruction; when a step is one tool call, "
                    "write it as a direct step with \"tool\" and \"args\"")
            for number in numbers(_digits(task)):
                self._check_number(where, "task", number)
            for key, written in written_urls(task).items():
                if key not in self.urls:
                    raise PlanValidationError(f"{where}: the task names {written!r}, which is not in the request; "
                                              "use only the addresses the request gives")
        if self._acts(step):
            texts = [step.task or ""] if not step.is_direct else [v for v in _literals(step.args or {})
                                                                   if isinstance(v, str)]
            for text in texts:
                for path in paths_in(text):
                    if not mentions(self.text, path):
                        raise PlanValidationError(
                            f"{where}: {path!r} is a path the request does not give, for a step that writes; "
                            "use only the paths the request names")

    def spent(self, steps: list[Step]) -> "Grounding":
        """Count the request's numbers that ``steps`` (earlier rounds) already used: a later
        round uses each no more often than the request gives it, as one plan does."""
        for step in steps:
            code = self._code_params(step)
            for value in _literals({k: v for k, v in (step.args or {}).items() if k not in code}):
                found = numbers(_digits(value)) if isinstance(value, str) else [value]
                self.used.update(k for k in (_key(n) for n in found) if k is not None)
            self.used.update(k for k in (_key(n) for n in numbers(_digits(step.task or ""))) if k is not None)
        return self

    def _code_params(self, step: Step) -> tuple[str, ...]:
        return _code_params_of(step, self.registry)

    def _acts(self, step: Step) -> bool:
        if self.registry is None:
            return False
        try:
            tools = [self.registry.tool(step.agent, step.tool)] if step.is_direct else self.registry.agent(step.agent).tools
        except Exception:  # noqa: BLE001 - an unknown agent or tool is the validation's error, not this one's
            return False
        return any(t.acts for t in tools)

    def check_plan(self, plan: Plan, *, whole: bool = True) -> Plan:
        """The whole plan: every step grounded, and no number of the request left out (a plan
        that drops one answers another question, and would do so with exit 0). ``whole=False``
        for a first round that later rounds complete (a condition's branches wait for its test)."""
        for index, step in enumerate(plan.steps):
            self.check(index, step)
        if whole and (dropped := unused_numbers(self.text, plan, self.registry)):
            shown = ", ".join(format(n, "f") for n in dropped)
            raise PlanValidationError(f"no step uses the request's {shown}; plan every part of the request")
        return plan

    def _check_number(self, where: str, name: str, value: Any) -> None:
        key = _key(value)
        if key is None:
            return
        self.used[key] += 1
        if key in self.implied and self.given[key] == 0:
            return
        if self.given[key] == 0:
            raise PlanValidationError(
                f"{where}: {name}={_show(value)} is a number the request does not give; use only the request's "
                "numbers, and \"$N\" for an earlier step's result")
        if self.used[key] > self.given[key]:
            raise PlanValidationError(
                f"{where}: {name}={_show(value)} uses a number the request gives {self.given[key]} time(s) "
                f"{self.used[key]} times; where a step needs an earlier result, write \"$N\"")

    def _check_text(self, where: str, name: str, value: str) -> None:
        if REFERENCE.match(value) or not value.strip():
            return
        for url in _URL.findall(value):
            if url.rstrip(".,;)") not in self.url_text:
                raise PlanValidationError(f"{where}: {name} names {url!r}, which is not in the request")
        words = [w.lower() for w in _WORD.findall(_URL.sub(" ", value))]
        if not words:
            if _PLACEHOLDER.fullmatch(value.strip()) and value.strip() not in self.text:
                raise PlanValidationError(  # the prompt's sample value ("..."), copied
                    f"{where}: {name}={value!r} is a placeholder, not a value from the request")
            return
        if len(words) > 1 and _squash(value) in self.squashed:
            return  # the request's own text, copied
        known = sum(1 for w in words if w in self.words)
        if known * 2 < len(words):
            raise PlanValidationError(
                f"{where}: {name}={value!r} is not taken from the request; use the request's own words")
        for number in numbers(value):  # digits only: number words in a text are words, checked above
            self._check_number(where, name, number)


def _code_params_of(step: Step, registry: Any) -> tuple[str, ...]:
    """The parameters of ``step``'s tool that take code (none for a task, or without ``registry``)."""
    if registry is None or not step.is_direct:
        return ()
    try:
        return registry.tool(step.agent, step.tool).code_params
    except Exception:  # noqa: BLE001 - an unknown tool is the validation's error, not this one's
        return ()


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _literals(value: Any):
    if isinstance(value, dict):
        for item in value.values():
            yield from _literals(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _literals(item)
    elif isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        yield value


def _key(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return number.normalize() if number != 0 else Decimal(0)


def _show(value: Any) -> str:
    return format(_key(value), "f") if _key(value) is not None else repr(value)


def unused_numbers(request: str, plan: Plan, registry: Any = None) -> list[Decimal]:
    """Numbers the request gives that no step of ``plan`` uses (in an argument, or inside a
    text argument or a task): a plan that drops one answers another question. Digits inside a
    URL are part of an address (a port, a path), not numbers asked about. In code (a tool's
    code parameter, known with ``registry``) a number one off a given one uses it: "1 to 10"
    is ``range(1, 11)``."""
    text = _digits(_URL.sub(" ", request))
    given = Counter(_key(n) for n in numbers(text.replace("%", " percent ")))
    used: Counter = Counter()
    for step in plan.steps:
        code = _code_params_of(step, registry)
        values = list(_literals({k: v for k, v in (step.args or {}).items() if k not in code}))
        values += [step.task] if step.task else []
        for value in values:
            if isinstance(value, str):
                used.update(_key(n) for n in numbers(_digits(value)))
            else:
                used[_key(value)] += 1
        for name in code:
            for number in numbers(str((step.args or {}).get(name) or "")):
                if (key := _key(number)) is not None:
                    used.update([key, key - 1, key + 1])
    for written in _CONTINENTAL.findall(text):  # "2,5" used as 2.5: no number dropped
        value = _key(written.replace(".", "").replace(",", "."))
        if used[value] > 0:
            used[value] -= 1
            given.subtract(_key(n) for n in numbers(written))
    # "negative 5" or "subtract 5" may be used as -5: the number is there, its sign is the step's
    return [n for n in given if n is not None and given[n] > 0 and used[n] == 0 and used[-n] == 0]


#: A number as Spanish, French or German write it: a decimal comma, points between
#: thousands ("2,5", "1.000.000", "1.234,5"). A plan may use it read either way.
_CONTINENTAL = re.compile(r"(?<![\w.,])(?:\d+,\d+|\d{1,3}(?:\.\d{3})+(?:,\d+)?)(?![\w]|[.,]\d)")


def given_numbers(*sources: Any) -> set[Decimal]:
    """Every number in ``sources`` (texts, results of earlier steps, nested data)."""
    found: set[Decimal] = set()
    for source in sources:
        for literal in _literals(source):
            if isinstance(literal, str):
                found.update(k for k in (_key(n) for n in numbers(_digits(literal))) if k is not None)
            elif (key := _key(literal)) is not None:
                found.add(key)
    return found


def invented_numbers(args: Any, given: set[Decimal]) -> list[str]:
    """The numbers in a tool call's arguments that nothing given holds, as written: numbers,
    and the digits inside a text argument (``evaluate("(3 + 4) * 5")`` copied from an example);
    a URL's digits are an address, checked as one elsewhere."""
    found = []
    for value in _literals(args):
        if isinstance(value, str):
            found += [n for n in numbers(_URL.sub(" ", value)) if _key(n) not in given]
        elif _key(value) is not None and _key(value) not in given:
            found.append(value)
    return list(dict.fromkeys(_show(v) for v in found))


#: Constants any program may use without the request giving them: ``x % 2``, ``range(1, n + 1)``.
_STRUCTURAL = {Decimal(0), Decimal(1), Decimal(2), Decimal(-1)}


def unaccounted_in_code(code: str, *sources: Any) -> str | None:
    """Why ``code`` a model wrote is not grounded in ``sources`` (the request, a task, earlier
    results), or ``None``. A program's names are its own, but its constants are values: each
    number in it is one the sources give (or one off it: a range's end), or 0, 1, 2; each
    string of several words is text the sources hold. A model that copies an example's
    ``range(1, 6)`` or its sample sentence answers another question with exit 0. Code the
    sources hold word for word (a user's own back-quoted code) is grounded as it is."""
    import ast

    texts = [leaf for source in sources for leaf in _literals(source) if isinstance(leaf, str)]
    if any(_squash(code) in _squash(text) for text in texts if text):
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the sandbox says what is wrong with it, to the model that wrote it
    given = {k for k in (_key(m.group(0).replace(",", "")) for text in texts for m in _ANY_NUMBER.finditer(text))
             if k is not None} | given_numbers(*sources)
    given |= {k + d for k in given for d in (1, -1)}
    words = {w.lower() for text in texts for w in _WORD.findall(text)}
    squashed = [_squash(text) for text in texts]
    drawn = _CHANCE & {getattr(n, "id", None) or getattr(n, "attr", None) or getattr(n, "name", None)
                       for n in ast.walk(tree)} - {None}
    if drawn and not _ASKS_CHANCE.search(" ".join(texts)):  # an answer made of dice throws
        return f"the code draws random values ({', '.join(sorted(drawn))}) and the request asks for none"
    for node in ast.walk(tree):
        value = getattr(node, "value", None) if isinstance(node, ast.Constant) else None
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            key = _key(abs(value)) if isinstance(value, int) or value == value else None
            if key is not None and key not in _STRUCTURAL and key not in given:
                return f"{_show(value)} is a number the request does not give"
        elif isinstance(value, str) and _prose(value):
            text = _squash(value)
            if not any(text in s for s in squashed) and sum(w.lower() in words for w in _WORD.findall(value)) * 2 \
                    < len(_WORD.findall(value)):
                return f"{value[:60]!r} is not text the request gives"
    return None


_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
#: Names that draw random values, and the words of a request that asks for them.
_CHANCE = {"random", "randint", "randrange", "shuffle", "choice", "choices", "sample", "uniform", "urandom", "uuid4",
           "getrandbits", "secrets"}
_ASKS_CHANCE = re.compile(r"\b(?:random\w*|shuffl\w*|dice|die|coin|lottery|sample|pick|choose|guess|simulat\w*)\b", re.I)


def _prose(value: str) -> bool:
    """Whether a string in code is text (words and spaces: a sentence to work on), not a name
    (``'math.add'``), a pattern (``r'http://[^ ]+'``) or a format."""
    words = _LETTERS.findall(value)
    if len(words) < 2 or not re.search(r"\s", value.strip()):
        return False
    return (sum(map(len, words)) + len(re.findall(r"\s", value))) >= 0.8 * len(value)
