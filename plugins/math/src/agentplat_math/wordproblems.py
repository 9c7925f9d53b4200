"""One-operation word problems: two numbers, one operation word, one question.

"If I have 12 apples and eat 5, how many are left?" is 12 - 5: the numbers and the one
word that says what happens to them decide the answer. The reader is strict, so a clause
it answers has one reading only:

- a question ("how many", "how much") and exactly two numbers;
- every word known: an operation word, a word of the story's frame ("I have", "how many
  are left"), the name of what is counted (the word right after a number or after "how
  many"), or a person's name (a capitalised word before "has", "buys"...);
- the operation words all say the same operation (eat and "left" both take away; "sells 4
  more" says two things and is refused); an unknown verb is refused, never guessed.

The tables are data: another language's words can be added the same way.
"""

from __future__ import annotations

import re
from decimal import Decimal

from agentplat import Clause, ToolCall

#: operation words, by what they do to the two numbers (first, second)
OPERATIONS: dict[str, set[str]] = {
    "subtract": set("""eat eats ate eaten spend spends spent lose loses lost use uses used break breaks broke
        broken drop drops dropped remove removes removed give gives gave given away left remain remains
        remaining""".split()),
    "add": set("""buy buys bought get gets got find finds found receive receives received gain gains gained
        more another""".split()),
    "multiply": set(),  # "6 rows of 4": see GROUPS
    "divide": set("""split splits share shares shared divide divides divided among equally each""".split()),
}
#: "<n> rows of <m>" multiplies; "rows" elsewhere is only what is counted
GROUPS = set("rows groups packs bags boxes sets stacks crates cartons piles trays shelves".split())
#: operation words a question may hold ("how many are left", "how many each")
QUESTION_WORDS = {"left", "remain", "remains", "remaining", "each"}
#: words of the story's frame: they say nothing about the operation
FRAME = set("""if i we you he she they it there have has had having do does did is are was were am be will
    would can how many much and a an the of to in on into with for my his her their our your its now then
    so at what all in total altogether still between them him me us""".split())
#: words that may join a number to what it counts ("6 rows of 4 eggs")
_OF_WORDS = {"of"}
#: words a person's name comes before
_NAME_BEFORE = {"has", "had", "have", "buys", "bought", "gets", "got", "eats", "ate", "spends", "spent", "gives",
                "gave", "finds", "found", "loses", "lost", "splits", "shares", "receives", "received"}

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+(?:'[a-z]+)?|[^\sA-Za-z\d]")
_QUESTION = re.compile(r"\bhow\s+(?:many|much)\b", re.I)


def parse_word_problem(clause: Clause) -> ToolCall | None:
    """A one-operation word problem as one tool call, or ``None`` (not one, or not certain)."""
    text = clause.text
    if not _QUESTION.search(text) or clause.references:
        return None
    tokens = _TOKEN.findall(text)
    values = [Decimal(t) for t in tokens if t[0].isdigit()]
    if len(values) != 2:
        return None
    found: set[str] = set()
    counted: set[str] = set()  # what the numbers count: "6 books ... 2 more books"
    asked = next(i for i, t in enumerate(tokens) if t.lower() == "how")
    for i, token in enumerate(tokens):
        if not token[0].isalpha():
            if token[0].isdigit() or token in ",.?!$":
                continue
            return None
        word = token.lower()
        before = tokens[i - 1].lower() if i else ""
        after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        ops = {name for name, words in OPERATIONS.items() if word in words}
        if word in GROUPS and before[:1].isdigit() and after == "of":
            ops = {"multiply"}
        if ops and i > asked and word not in QUESTION_WORDS:
            return None  # "how many did I eat" asks for a number the story gives
        if ops:
            found |= ops
        elif word in FRAME:
            continue
        elif before[:1].isdigit() or (before in _OF_WORDS and i >= 2 and tokens[i - 2][:1].isdigit()):
            counted.add(word)  # what a number counts: "12 apples", "6 rows of 4 eggs"
        elif word in counted:
            continue
        elif before in ("many", "much") or (i >= 2 and tokens[i - 2].lower() in ("many", "much")):
            continue  # "how many eggs", "how many pencils"
        elif after in _NAME_BEFORE and (token[0].isupper() or before in ("", "a", "an", "the", "if", "and")):
            continue  # who or what the story is about: "Tom has", "A box has"
        else:
            return None  # a word this reader does not know: maybe another operation
    if len(found) != 1:
        return None
    op = found.pop()
    a, b = values
    # what each number counts, and what is asked, must fit the operation: "12 apples and
    # eat 5 bananas, how many apples are left" takes nothing from the apples
    first, second = (_noun(tokens, i) for i, t in enumerate(tokens) if t[0].isdigit())
    wanted = _noun(tokens, asked + 1)
    generic = op == "add" and wanted in _GENERIC  # "3 pens and 4 pencils, how many items?"
    if op in ("add", "subtract") and not generic and len({n for n in (first, second, wanted) if n}) > 1:
        return None
    if (op == "multiply" and wanted not in (None, second)) or (op == "divide" and wanted not in (None, first)):
        return None
    if op == "subtract":
        if b > a:
            return None
        return ToolCall("subtract", {"a": _num(a), "b": _num(b)})
    if op == "add":
        return ToolCall("add", {"a": _num(a), "b": _num(b)})
    if op == "multiply":
        return ToolCall("multiply", {"a": _num(a), "b": _num(b)})
    if b == 0 or a % b:
        return None  # shared among people: whole shares only
    return ToolCall("divide", {"a": _num(a), "b": _num(b)})


#: what any two kinds of things together are
_GENERIC = {"item", "thing", "object", "piece"}


def _noun(tokens: list[str], i: int) -> str | None:
    """What the number (or "how many") at ``tokens[i]`` counts, singular: "apples" -> "apple"."""
    for word in tokens[i + 1 : i + 3]:
        word = word.lower()
        if word in ("more", "fewer", "many", "much"):
            continue
        if not word.isalpha() or word in FRAME or (word not in GROUPS and any(word in w for w in OPERATIONS.values())):
            return None
        return word[:-1] if word.endswith("s") else word
    return None


def _num(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value
