"""Conditions and choices a request states ("if the sum is even", "otherwise", "whichever is
larger"), and whether something evaluated them.

A plan made before any result exists cannot know which branch applies; a model that plans
one branch anyway answers with exit 0 and a guess (measured: "if the sum is even, divide it
by 2; otherwise multiply it by 3" answered by dividing an odd sum). So a run whose request
states a condition succeeds only when a step evaluated it (code that branches or compares)
or the joiner did, on the results, in checks agentplat verifies (``verify``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .._plan.refs import REFERENCE, lookup
from .._plugin.parsing import QUOTED

_COMPARATIVE = (r"larger|largest|bigger|biggest|greater|greatest|smaller|smallest|lesser|higher|highest|"
                r"lower|lowest|warmer|warmest|colder|coldest|hotter|hottest|cheaper|cheapest|longer|longest|"
                r"shorter|shortest|closer|closest|faster|fastest|slower|slowest|heavier|heaviest|lighter|lightest")
CONDITION = re.compile(
    r"\b(?:otherwise|else|unless|whichever|depending on)\b"
    rf"|\bwhich\b(?:\s+\w+){{0,6}}?\s+(?:is|are|was|has|have|gets|got)?\s*(?:the\s+)?(?:{_COMPARATIVE}|more|less|fewer)\b"
    rf"|\b(?:the\s+)?(?:{_COMPARATIVE})\s+(?:one\s+)?of\s+(?:the|them|these|those|both)\b",
    re.I,
)
#: "if" states a condition when its clause tests something ("if the sum is even", "if it is
#: over 100"); "if I have 12 apples" and "what do you get if you multiply" are premises.
_IF_CLAUSE = re.compile(r"\bif\b([^,;:.?!]*?)(?=[,;:.?!]|\bthen\b|$)", re.I)
_TEST = re.compile(
    r"\b(?:is|are|was|were|isn't|aren't|equals?|exceeds?|reaches|even|odd|over|under|above|below|"
    r"positive|negative|zero|prime|divisible|at least|at most|more than|less than|fewer than)\b|'s\b|[<>=]|"
    rf"\b(?:{_COMPARATIVE})\b", re.I)
#: What code that decides looks like: a branch, a comparison, a pick.
_DECIDES = re.compile(r"\bif\b|[<>]|==|!=|\bmax\(|\bmin\(|\bsorted\(|\.sort\(")

OPS = (">", "<", ">=", "<=", "==", "!=", "even", "odd", "contains")


def stated_conditions(request: str) -> list[str]:
    """The phrases of ``request`` (outside quoted text) that state a condition or a choice:
    "if the sum is even", "otherwise", "whichever is larger", "the larger of the two"..."""
    text = QUOTED.sub(" ", request or "")
    found = [(m.start(), "if" + m.group(1)) for m in _IF_CLAUSE.finditer(text) if _TEST.search(m.group(1))]
    found += [(m.start(), m.group(0)) for m in CONDITION.finditer(text)]
    return [" ".join(phrase.split()) for _, phrase in sorted(found)]


_BRANCHES = re.compile(
    r"\bif\b\s*(?P<test>[^,;:.?!]*?)\s*(?:,|\bthen\b)\s*(?:then\s+)?(?P<then>[^;.!?]*?)\s*[;,.]?\s*"
    r"\b(?:otherwise|else)\b[,:]?\s*(?P<other>[^;.!?]*)", re.I)


def branches(request: str) -> list[tuple[str, str, str]]:
    """Each "if TEST, THEN; otherwise OTHER" of ``request`` as (test, then, other): what the
    joiner is shown beside the results, so it plans the case that applies in the request's words."""
    text = QUOTED.sub(" ", request or "")
    return [(" ".join(m.group("test").split()), " ".join(m.group("then").split()), " ".join(m.group("other").split()))
            for m in _BRANCHES.finditer(text) if _TEST.search(m.group("test"))]


def code_decides(step: Any, registry: Any) -> bool:
    """Whether ``step`` runs code that branches or compares (a condition evaluated by a step)."""
    if registry is None or not getattr(step, "is_direct", False):
        return False
    try:
        tool = registry.tool(step.agent, step.tool)
    except Exception:  # noqa: BLE001 - an unknown tool decides nothing
        return False
    return any(isinstance(code := (step.args or {}).get(name), str) and _DECIDES.search(QUOTED.sub(" ", code))
               for name in tool.code_params)


def operand(value: Any, results: dict[int, Any]) -> Any:
    """A check's side: ``"$N"``/``"$N.field"`` is step N's result, else the value as written."""
    if isinstance(value, str) and (ref := REFERENCE.match(value.strip())):
        index = int(ref.group(1))
        if index not in results:
            raise ValueError(f"{value} is not the result of a step that succeeded")
        return lookup(results[index], ref.group(2))
    return value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    try:
        found = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def verify(check: dict[str, Any], results: dict[int, Any]) -> tuple[bool | None, str]:
    """What a check truly comes to: (``True``/``False``, or ``None`` when agentplat cannot
    evaluate it, e.g. a comparison of words) and the check as a sentence with its values."""
    op = str(check.get("op", "")).strip()
    left = operand(check.get("left"), results)
    right = operand(check.get("right"), results) if op not in ("even", "odd") else None
    a, b = _number(left), _number(right)
    if op in ("even", "odd"):
        shown = f"{check.get('left')} = {_show(left)} is {op}"
        if a is None or a != a.to_integral_value():
            return None, shown
        return (a % 2 == 0) == (op == "even"), shown
    shown = f"{check.get('left')} = {_show(left)} {op} {check.get('right')}" + (
        f" = {_show(right)}" if str(check.get("right")) != _show(right) else "")
    if op == "contains":
        return str(right).lower() in str(left).lower(), shown
    if op not in OPS:
        raise ValueError(f"{op!r} is not a comparison ({', '.join(OPS)})")
    if a is None or b is None:
        if op in ("==", "!="):
            return (str(left).strip().lower() == str(right).strip().lower()) == (op == "=="), shown
        return None, shown
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b, "==": a == b, "!=": a != b}[op], shown


def _show(value: Any) -> str:
    from .._common.jsondata import show

    text = show(value)
    return text if len(text) <= 60 else text[:59] + "…"


_N = r"(-?\d+(?:\.\d+)?)"
#: A test "if ..." states that agentplat reads itself: (pattern, comparison).
_READABLE = [
    (re.compile(r"\beven\b", re.I), "even"),
    (re.compile(r"\bodd\b", re.I), "odd"),
    (re.compile(rf"\b(?:over|above|more than|greater than|larger than|bigger than|higher than|exceeds?)\s+{_N}", re.I), ">"),
    (re.compile(rf"\b(?:under|below|less than|smaller than|lower than|fewer than)\s+{_N}", re.I), "<"),
    (re.compile(rf"\bat least\s+{_N}", re.I), ">="),
    (re.compile(rf"\bat most\s+{_N}", re.I), "<="),
    (re.compile(rf"\b(?:is|equals?)\s+{_N}\b", re.I), "=="),
]
_SUBJECT = re.compile(r"\b(?:it|that|the (?:result|sum|product|difference|quotient|number|total|value))\b", re.I)


def read_test(test: str) -> tuple[str, str] | None:
    """A test the request states, as (op, right) agentplat can evaluate: "the sum is even" is
    ("even", ""), "it is over 100" is (">", "100"); ``None`` when it reads no such test."""
    found = [(op, m.group(1) if m.groups() else "") for pattern, op in _READABLE if (m := pattern.search(test))]
    return found[0] if len(found) == 1 else None


def case_request(case: str, value: Any) -> str:
    """The branch the request states, applied to ``value``: "divide it by 2" on 83 reads
    "divide 83 by 2", "subtract 100" on 180 reads "subtract 100 from 180"."""
    from .._common.jsondata import show

    shown = show(value)
    if _SUBJECT.search(case):
        return _SUBJECT.sub(shown, case, count=1)
    verb, _, rest = case.strip().partition(" ")
    joiner = {"add": "to", "subtract": "from"}.get(verb.lower())
    if joiner:
        return f"{verb} {rest} {joiner} {shown}"
    return f"{verb} {shown} {rest}".strip()
