"""The offline parser: one clause of a request, in words or symbols, to one math tool call.

Three small passes, all pure and fast (regular expressions and a few loops, no ``eval``):

1. ``lex`` (``lexicon``): words and symbols become tokens, from data tables (so another language's
   words can map onto the same tokens). Operator words turn into the symbols they mean
   ("multiplied by" is ``*``, "to the 3rd power" is ``^ 3``), number words into numbers
   (text2num: "twenty-five" is 25, "two" is 2, "third" is 3rd; "1e3" stays as written),
   references to earlier results into reference tokens by a small grammar (determiner,
   count, "previous", noun: "those two results", "the first answer"), and filler ("what
   is", "please", "calculate") disappears. Any other word means the clause is not
   arithmetic, and the parser answers ``None`` so other agents get their chance.
2. ``_Grammar``: a Pratt parser over the same binding powers as ``expression``, whose
   operands compose: "the sum of A and B", "twice A", "A% of B", "the 3rd power of A", "a
   third of A" are operands anywhere, nested and chained; verb forms ("subtract X from
   Y", "multiply it by 3") take such operands. It builds an ``expression`` tree with two
   extra leaves: ``Ref`` (an earlier step's result) and ``Missing`` (the operand a chained
   "then add 20" leaves out, which means the previous result). Where English leaves two
   readings ("the product of 2 and 3 plus 4", "twice 3 plus 1", "80 plus 10%") the clause
   is refused; a comma closes what came before ("the sum of 2 and 3, times 4").
3. ``_to_call``: a single operation on plain operands becomes its own tool
   (``multiply``, ``add``, ``percentage``...) so plans read well; anything bigger becomes
   ``evaluate(expression=...)``; an earlier result inside a bigger expression is written
   ``($N)`` there, which the core replaces with that result before ``evaluate`` runs.

A clause nothing above reads may be a one-operation word problem (``wordproblems``).

A clause whose only operand is missing and that is neither chained ("then add 3") nor
refers to anything ("add 3 to it") is ``None``: "Add 3" alone is not a computation, which
is also what lets the core keep "Add 3 and 4" in one clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentplat import Clause, ToolCall, ref

from .expression import INFIX, POSTFIX, PREFIX, BinOp, Call, Neg, Node, Num, Postfix, render
from .lexicon import NoParse, Tok, Written, lex
from .numbers import oversize
from .wordproblems import parse_word_problem


# --- pass 2: tokens to a tree ---------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """The result of an earlier step."""

    step: int


@dataclass(frozen=True)
class Missing:
    """The operand a clause leaves out ("then add 20"): the previous result."""


@dataclass(frozen=True)
class Refs:
    """Several earlier results at once ("add them"); only valid as a verb's operand."""

    steps: tuple[int, ...]


MISSING = Missing()
_LEAVES = (Num, Ref, Missing)
_VERB_OPS = {"add": "+", "sum": "+", "subtract": "-", "difference": "-", "multiply": "*",
             "product": "*", "divide": "/", "quotient": "/"}


def _resolve(tokens: list[Tok], clause: Clause) -> list[int]:
    """Give each reference token its step, in order; return the references left over."""
    available = list(clause.references)
    for tok in tokens:
        if tok.kind == "ref" and isinstance(tok.value, tuple):  # "the first result": step 0
            n = int(tok.value[1]) - 1 if tok.value[0] == "nth" else clause.index - tok.value[1]
            if tok.value[0] == "back" and clause.index < 2:
                raise NoParse("'the former' of one result")
            if not 0 <= n < clause.index:
                raise NoParse("a reference to a result not made yet")
            tok.value = n
            if n in available:
                available.remove(n)
        elif tok.kind == "ref":
            if available:
                tok.value = available.pop(0)
            elif not clause.references and clause.previous is not None:
                tok.value = clause.previous  # "it" the core did not resolve: the step before
            else:
                raise NoParse("a reference to nothing")
        elif tok.kind == "refs":
            count = tok.value[1] if isinstance(tok.value, tuple) else None
            if count is not None and len(available) != count:
                # "the previous two answers" the core did not count: the last ones made
                if len(available) > count:
                    available = available[-count:]
                elif clause.index >= count:
                    available = list(range(clause.index - count, clause.index))
            if len(available) < 2:
                raise NoParse("'them' needs two earlier results")
            tok.value, available = tuple(available), []
    return available


class _Grammar:
    def __init__(self, tokens: list[Tok]) -> None:
        self.tokens = tokens
        self.i = 0
        self.anded = False  # the list being read has had an "and": a comma after it is a new list
        self.last_ref: Ref | None = None

    # token helpers
    def peek(self) -> Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise NoParse("clause ends too early")
        self.i += 1
        return tok

    def accept(self, kind: str, *values: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == kind and (not values or tok.value in values):
            self.i += 1
            return True
        return False

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    # entry point
    def parse(self) -> Node:
        if not self.tokens:
            raise NoParse("nothing to compute")
        first = self.peek()
        if first.kind == "verb" and first.value not in _OPERAND_VERBS:
            node = self.verb(self.next().value)
        else:
            node = self.expr(0, leading=True)
        # "5% of 200, plus 3": a comma before an operator closes everything before it
        while self.closing_comma():
            self.i += 1
            node = self.infix(node, 0)
        if not self.at_end():
            raise NoParse(f"unexpected {self.peek().kind} {self.peek().value!r}")
        return node

    def closing_comma(self) -> bool:
        """At a comma an operator follows ("..., plus 3")."""
        tok = self.peek()
        after = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        return tok is not None and tok.kind == "comma" and after is not None and after.kind in ("op", "post")

    def accept_and(self) -> bool:
        """ "and", "with" or a comma that goes on to another operand ("4, 5 and 6")."""
        if self.accept("kw", "and", "with"):
            self.anded = True
            return True
        after = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if after is not None and after.kind not in ("op", "post", "kw") and self.accept("comma"):
            if self.anded:  # "add 1 and 2, 3 and 4": pairs, or one list?
                raise NoParse("'and' before a comma: pairs, or one list?")
            self.anded = self.accept("kw", "and")
            return True
        return False

    def listing(self, read):
        """``read()`` as one list of operands: an "and" seen in it is its own."""
        outer, self.anded = self.anded, False
        try:
            return read()
        finally:
            self.anded = outer

    # infix expressions (Pratt, same binding powers as ``expression``)
    def expr(self, min_bp: int, leading: bool = False) -> Node:
        tok = self.next()
        starts_with_operator = (tok.kind == "op" and (tok.word or tok.value not in ("+", "-"))) or (
            tok.kind == "post" and tok.value in ("sq", "cube", "!")
        )
        if leading and starts_with_operator:  # "times 3", "squared": the previous result
            left: Node = MISSING
            self.i -= 1
        else:
            left = self.prefix(tok)
        return self.infix(left, min_bp)

    def infix(self, left: Node, min_bp: int) -> Node:
        while (tok := self.peek()) is not None:
            if tok.kind == "post":
                if POSTFIX < min_bp:
                    break
                self.i += 1
                if tok.value in ("sq", "cube"):
                    left = BinOp("^", left, Num(Decimal(2 if tok.value == "sq" else 3)))
                else:
                    left = Postfix(tok.value, left)
            elif tok.kind == "kw" and tok.value == "of" and _fraction(left):
                if _OF[0] < min_bp:  # "3/4 of 100"
                    break
                self.i += 1
                left = BinOp("*", left, self.expr(_OF[1]))
            elif tok.kind == "kw" and tok.value in ("of", "off") and _percent(left):
                # "12.5% of 640" is 12.5% * 640, "50% of 30% of 200" nests to the right;
                # "20% off (of) 80" is 80 less 20% of it
                if _OF[0] < min_bp:
                    break
                self.i += 1
                if tok.value == "off":
                    self.accept("kw", "of")
                right = self.expr(_OF[1])
                left = BinOp("*", left, right) if tok.value == "of" else _scaled(right, left, -1)
            elif tok.kind == "kw" and tok.value == "with" and any(self.percent_marked(m) for m in ("off", "tax")):
                if _OF[0] < min_bp:  # "80 with 20% off", "200 with 15% tax"
                    break
                pct = Postfix("%", Num(self.tokens[self.i + 1].value))
                sign = -1 if self.tokens[self.i + 3].value == "off" else 1
                self.i += 4
                left = _scaled(left, pct, sign)
            elif tok.kind == "op":
                op = {"rsub": "-", "more": "+"}.get(tok.value, tok.value)
                lbp, rbp = INFIX[op]
                if lbp < min_bp:
                    break
                self.i += 1
                right = self.expr(rbp)
                if tok.value in ("more", "rsub") and _percent(left) and not _percent(right):
                    # "20% more than 50" is 60, "20% less than 50" is 40
                    left = _scaled(right, left, 1 if tok.value == "more" else -1)
                elif op in ("+", "-") and _percent(right):
                    # "80 plus 10% tax" is 88; "80 plus 10%" alone is 80.1 or 88: not certain
                    if not self.accept("kw", "tax" if op == "+" else "off"):
                        raise NoParse("a percent added or taken away, of what is not certain")
                    left = _scaled(left, right, 1 if op == "+" else -1)
                elif tok.value == "rsub":
                    left = BinOp("-", right, left)
                else:
                    left = BinOp(op, left, right)
            else:
                break
        return left

    def percent_marked_here(self, marker: str) -> bool:
        """Just after a number: "%" and ``marker`` follow."""
        ahead = self.tokens[self.i : self.i + 2]
        return [(t.kind, t.value) for t in ahead] == [("post", "%"), ("kw", marker)]

    def percent_marked(self, marker: str) -> bool:
        """At "with <n>% off": the percent and its marker follow."""
        ahead = self.tokens[self.i + 1 : self.i + 4]
        return [t.kind for t in ahead] == ["num", "post", "kw"] and ahead[1].value == "%" and ahead[2].value == marker

    def closed(self, node: Node) -> Node:
        """``node`` as an operand whose end is certain: an operator right after "twice 3" or
        "the sum of 2 and 3" could take the last number alone or the whole."""
        tok = self.peek()
        if tok is not None and (tok.kind in ("op", "post") or (tok.kind == "kw" and tok.value in ("of", "off", "tax"))):
            raise NoParse("where the operand ends is not certain")
        return node

    def prefix(self, tok: Tok) -> Node:
        if tok.kind == "num":
            if (nxt := self.peek()) is not None and nxt.kind == "post" and nxt.value == "%" and self.i + 1 < len(
                    self.tokens) and self.tokens[self.i + 1] == Tok("kw", "off"):
                # "a 15% discount on 40"
                self.i += 2
                return _scaled(self.expr(_OF[1]), Postfix("%", Num(tok.value)), -1)
            if self.percent_marked_here("of"):  # "5% of 40" is one operand, even a tight one
                self.i += 2
                node = BinOp("*", Postfix("%", Num(tok.value)), self.expr(_TIGHT))
                if (nxt := self.peek()) is not None and nxt.kind == "post":
                    raise NoParse("'5% of 40 squared': the percent of the square, or its square?")
                return node
            return Num(tok.value)
        if tok.kind == "verb" and tok.value in _OPERAND_VERBS:
            return self.closed(self.verb(tok.value))
        if tok.kind == "part" and tok.value >= 2:  # "a third of 90"
            return self.closed(BinOp("/", self.expr(_TIGHT), Num(Decimal(tok.value))))
        if tok.kind == "powof":  # "the 3rd power of 4", "the square of 5"
            return self.closed(BinOp("^", self.expr(_TIGHT), Num(Decimal(tok.value))))
        if tok.kind == "ref":
            self.last_ref = Ref(tok.value)
            return self.last_ref
        if tok.kind == "self" and self.last_ref is not None:  # "multiply it by itself"
            return self.last_ref
        if tok.kind == "lp":
            inner = self.expr(0)
            if not self.accept("rp"):
                raise NoParse("missing ')'")
            return inner
        if tok.kind == "op" and tok.value in ("-", "+"):
            operand = self.expr(PREFIX)
            if tok.value == "+":
                return operand
            if isinstance(operand, Num) and isinstance(operand.value, Written):
                text = operand.value.text
                return Num(Written(text[1:] if text[0] == "-" else "-" + text))
            return Num(-operand.value) if isinstance(operand, Num) else Neg(operand)
        if tok.kind == "func":
            arg = self.expr(PREFIX)
            if tok.value == "sqrt":
                return Call("sqrt", arg)
            if tok.value == "fact":
                return Postfix("!", arg)
            return BinOp("^", arg, BinOp("/", Num(Decimal(1)), Num(Decimal(3))))  # cube root
        raise NoParse(f"unexpected {tok.kind} {tok.value!r}")

    # verb forms
    def operand(self, tight: bool = False) -> Node | Refs:
        tok = self.peek()
        if tok is not None and tok.kind == "refs":
            self.i += 1
            return Refs(tok.value)
        return self.expr(_TIGHT if tight else 0)

    def single(self, tight: bool = False) -> Node:
        node = self.operand(tight)
        if isinstance(node, Refs):
            raise NoParse("several results where one is needed")
        return node

    def items(self) -> list[Node | Refs]:
        """Operands joined by "and" or commas; after the first, each ends at the next
        operator ("the sum of 2 and 3 times 4" is not certain, and is refused)."""
        def read():
            found = [self.operand()]
            while self.accept_and():
                found.append(self.operand(tight=True))
            return found

        return self.listing(read)

    def verb(self, name: str) -> Node:
        if self.at_end() and name not in ("square", "cube", "double", "triple", "halve"):
            raise NoParse(f"{name} what?")
        return getattr(self, f"v_{name}")(name)

    def v_add(self, name: str) -> Node:
        x = self.operand()
        if isinstance(x, Refs):
            return _chain("+", x)
        if self.accept("kw", "to"):  # add 5 to it: it + 5; add 10% to 80: 88
            y = self.single()
            return _scaled(y, x, 1) if _percent(x) else BinOp("+", y, x)
        def more():
            items = [x]
            while self.accept_and():
                items.append(self.single())
            return items

        items = self.listing(more)
        if any(_percent(n) for n in items):
            if len(items) > 1:
                raise NoParse("a percent added to what?")
            return _scaled(MISSING, x, 1)  # then add 5%
        return _chain("+", items) if len(items) > 1 else BinOp("+", MISSING, x)

    def v_sum(self, name: str) -> Node:  # also product
        parity = self.peek().value if self.peek() is not None and self.peek().kind == "range" else None
        if self.accept("range"):  # the sum of the numbers from 1 to 10 (or of the even ones)
            return self.range(name, parity)
        items = self.items()
        if len(items) == 1 and not isinstance(items[0], Refs):
            raise NoParse(f"the {name} of one number")
        if any(isinstance(x, Refs) for x in items) and len(items) > 1:
            raise NoParse("mixed references")
        return _chain(_VERB_OPS[name], items[0] if len(items) == 1 else items)

    v_product = v_sum

    def range(self, name: str, parity: str | None = None) -> Node:
        first, last = self.next(), None
        if self.accept("kw", "to", "through"):
            last = self.next()
        if first.kind != "num" or last is None or last.kind != "num":
            raise NoParse("a range of what?")
        a, b = first.value, last.value
        if a != a.to_integral_value() or b != b.to_integral_value() or not 0 <= a <= b or b - a > 10**6:
            raise NoParse("a range of whole numbers, smallest first")
        if parity is not None:
            return _parity_sum(name, a, b, 0 if parity == "even" else 1)
        if name == "sum":  # (a + b) * (b - a + 1) / 2
            return BinOp("/", BinOp("*", BinOp("+", Num(a), Num(b)), BinOp("+", BinOp("-", Num(b), Num(a)),
                                                                                Num(Decimal(1)))), Num(Decimal(2)))
        if a == 0:
            return Num(Decimal(0)) if b > 0 else Num(a)
        # b! / (a - 1)!, written with the request's own numbers
        return BinOp("/", Postfix("!", Num(b)), Postfix("!", BinOp("-", Num(a), Num(Decimal(1)))))

    def v_average(self, name: str) -> Node:
        """The average of two or more numbers (or of "them"): their sum over their count."""
        items = self.items()
        nodes = [Ref(st) for st in items[0].steps] if len(items) == 1 and isinstance(items[0], Refs) else items
        if len(nodes) < 2 or any(isinstance(x, Refs) for x in nodes):
            raise NoParse("the average of one number")
        return BinOp("/", _chain("+", nodes), Num(Decimal(len(nodes))))

    def v_subtract(self, name: str) -> Node:
        x = self.operand()
        if isinstance(x, Refs):
            return _chain("-", x)
        y = self.single() if self.accept("kw", "from") else MISSING  # subtract 5 from 12: 12 - 5
        return _scaled(y, x, -1) if _percent(x) else BinOp("-", y, x)

    def v_take(self, name: str) -> Node:
        if self.accept("kw", "away"):  # take away 5 (from 12)
            x = self.single()
            return BinOp("-", self.single() if self.accept("kw", "from") else MISSING, x)
        x = self.single()
        if self.accept("kw", "away"):
            return BinOp("-", self.single() if self.accept("kw", "from") else MISSING, x)
        if self.accept("kw", "from"):
            return BinOp("-", self.single(), x)
        return x  # "take the square root of 2": take is just the doing

    def v_difference(self, name: str) -> Node:  # also quotient
        x = self.operand()
        if isinstance(x, Refs):
            return _chain(_VERB_OPS[name], x)
        if not (self.accept_and() or self.accept("kw", "to", "by", "from")):
            raise NoParse(f"the {name} of one number")
        y = self.single(tight=True)
        if name == "difference" and isinstance(x, Num) and isinstance(y, Num) and x.value < y.value:
            raise NoParse("'the difference between 3 and 10' is 7 to most people, -7 to the order")
        return BinOp(_VERB_OPS[name], x, y)

    v_quotient = v_difference

    def v_multiply(self, name: str) -> Node:  # also divide
        op = _VERB_OPS[name]
        if self.accept("kw", "by"):  # multiply by 3
            return BinOp(op, MISSING, self.single())
        x = self.operand()
        if isinstance(x, Refs):
            return _chain(op, x)
        if self.accept("kw", "by") or (op == "*" and self.accept("kw", "with", "and")):
            return BinOp(op, x, self.single())
        if op == "/" and self.accept("kw", "into"):  # divide 3 into 12: 12 / 3
            return BinOp("/", self.single(), x)
        return BinOp(op, MISSING, x)

    v_divide = v_multiply

    def v_raise(self, name: str) -> Node:
        x = self.expr(0, leading=True)  # "raise it to the power of 3", "raise to the 4th power"
        if self.accept("kw", "to"):  # raise 2 to 10
            return BinOp("^", x, self.single())
        return x

    def v_square(self, name: str) -> Node:  # also cube, double, triple, halve
        x = MISSING if self.at_end() else self.single(tight=True)
        self.closed(x)
        op, by = {"square": ("^", 2), "cube": ("^", 3), "double": ("*", 2), "triple": ("*", 3),
                  "halve": ("/", 2)}[name]
        return BinOp(op, x, Num(Decimal(by)))

    v_cube = v_double = v_triple = v_halve = v_square

    def v_increase(self, name: str) -> Node:  # also decrease
        x = MISSING if self.accept("kw", "by") else self.single()
        if x is not MISSING and not self.accept("kw", "by"):
            raise NoParse(f"{name} by how much?")
        amount = self.single()
        sign = 1 if name == "increase" else -1
        if _percent(amount):  # increase by 10%: 10% more of it
            return _scaled(x, amount, sign)
        return BinOp("+" if sign > 0 else "-", x, amount)

    v_decrease = v_increase


#: verbs that are operands anywhere: noun forms ("the sum of 2 and 3") and scalings ("twice 8")
_OPERAND_VERBS = {"sum", "product", "difference", "quotient", "average", "double", "triple", "halve"}
#: how tightly "of" binds a percent to what follows ("5% of 200 plus 3" is 10 + 3)
_OF = (45, 44)
#: where an operand whose end is not marked ends ("the sum of 2 and 3 times 4", "twice 3
#: squared", "half of 8 squared" are not certain): before any operator, infix or postfix;
#: "5% of 40" is one operand
_TIGHT = POSTFIX + 1


def _percent(node: Node) -> bool:
    """A bare percent ("10%"), not yet taken of anything."""
    return isinstance(node, Postfix) and node.op == "%"


def _fraction(node: Node) -> bool:
    """A fraction written with a slash ("3/4"), to be taken of something."""
    return (isinstance(node, BinOp) and node.op == "/" and isinstance(node.left, Num)
            and isinstance(node.right, Num))


def _scaled(base: Node, pct: Node, sign: int) -> Node:
    """``base`` with ``pct`` of it added (sign 1) or taken off (-1): "80 plus 10% tax" is 88."""
    return BinOp("*", base, BinOp("+" if sign > 0 else "-", Num(Decimal(1)), pct))


def _chain(op: str, items: Refs | list[Node | Refs]) -> Node:
    """``a op b op c`` from several operands (or the results in a plural reference)."""
    nodes: list[Node] = [Ref(s) for s in items.steps] if isinstance(items, Refs) else list(items)
    node = nodes[0]
    for nxt in nodes[1:]:
        node = BinOp(op, node, nxt)
    return node


# --- pass 3: tree to a tool call ------------------------------------------------------


def _fill(node: Node, step: int | None) -> Node:
    """The tree with ``Missing`` replaced by ``Ref(step)`` (``NoParse`` if ``step`` is None)."""
    if isinstance(node, Missing):
        if step is None:
            raise NoParse("an operand is missing")
        return Ref(step)
    if isinstance(node, BinOp):
        return BinOp(node.op, _fill(node.left, step), _fill(node.right, step))
    if isinstance(node, Neg):
        return Neg(_fill(node.operand, step))
    if isinstance(node, Postfix):
        return Postfix(node.op, _fill(node.operand, step))
    if isinstance(node, Call):
        return Call(node.name, _fill(node.arg, step))
    return node


def _has_ref(node: Node) -> bool:
    if isinstance(node, Ref):
        return True
    if isinstance(node, BinOp):
        return _has_ref(node.left) or _has_ref(node.right)
    if isinstance(node, (Neg, Postfix)):
        return _has_ref(node.operand)
    if isinstance(node, Call):
        return _has_ref(node.arg)
    return False


def _arg(node: Node) -> Any:
    """A leaf as a tool argument: ``"$N"`` for a reference, else an int or a Decimal; a
    number too long for the tools stays text, which they refuse with its size (as an int
    it could not even be printed in the plan)."""
    if isinstance(node, Ref):
        return ref(node.step)
    value = node.value
    if isinstance(value, Written):
        return value.text
    if oversize(value) is not None:
        return str(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


_BINARY_TOOLS = {"+": ("add", "a", "b"), "-": ("subtract", "a", "b"), "*": ("multiply", "a", "b"),
                 "/": ("divide", "a", "b"), "^": ("power", "base", "exponent")}


def _to_call(node: Node) -> ToolCall | None:
    leaf = lambda n: isinstance(n, (Num, Ref))  # noqa: E731
    if isinstance(node, BinOp):
        left, right = node.left, node.right
        if node.op == "*" and isinstance(left, Postfix) and left.op == "%" and leaf(left.operand) and leaf(right):
            return ToolCall("percentage", {"percent": _arg(left.operand), "of": _arg(right)})
        if node.op in _BINARY_TOOLS and leaf(left) and leaf(right):
            tool, a, b = _BINARY_TOOLS[node.op]
            return ToolCall(tool, {a: _arg(left), b: _arg(right)})
    if isinstance(node, Call) and leaf(node.arg):
        return ToolCall("square_root", {"x": _arg(node.arg)})
    if isinstance(node, Postfix) and node.op == "!" and leaf(node.operand):
        n = _arg(node.operand)
        if isinstance(n, (int, str)) and not (isinstance(n, int) and n < 0):
            return ToolCall("factorial", {"n": n})
    if isinstance(node, (Num, Ref)):
        return None  # a bare number (or result) is no computation
    leaves = _leaves(node)
    if not any(isinstance(n, Num) for n in leaves) and len(leaves) > 2:
        return None  # "add them" over three results: which of them is not certain
    # earlier results go into the expression as "$N", which the core replaces with the
    # result's text before the tool runs: "add it to 9 factorial" is evaluate("($0) + 9!")
    return ToolCall("evaluate", {"expression": render(_placeholders(node))})


def _leaves(node: Node) -> list[Node]:
    if isinstance(node, BinOp):
        return _leaves(node.left) + _leaves(node.right)
    if isinstance(node, (Neg, Postfix)):
        return _leaves(node.operand)
    if isinstance(node, Call):
        return _leaves(node.arg)
    return [node]


class _RefText:
    """Stands in a ``Num`` for an earlier result, so ``render`` writes it as ``($N)``."""

    def __init__(self, step: int) -> None:
        self.step = step

    def __format__(self, spec: str) -> str:
        return f"(${self.step})"

    def __lt__(self, other: object) -> bool:  # never negative: no extra parentheses
        return False


def _placeholders(node: Node) -> Node:
    if isinstance(node, Ref):
        return Num(_RefText(node.step))  # type: ignore[arg-type]
    if isinstance(node, BinOp):
        return BinOp(node.op, _placeholders(node.left), _placeholders(node.right))
    if isinstance(node, Neg):
        return Neg(_placeholders(node.operand))
    if isinstance(node, Postfix):
        return Postfix(node.op, _placeholders(node.operand))
    if isinstance(node, Call):
        return Call(node.name, _placeholders(node.arg))
    return node


def _with_itself(node: Node, step: int) -> bool:
    """Whether the left-out operand and a named one would be the same result: "then divide
    it" says "it" once and means "by what?", never ``$0 / $0``."""
    if isinstance(node, BinOp):
        sides = (node.left, node.right)
        if any(isinstance(s, Missing) for s in sides) and any(isinstance(s, Ref) and s.step == step for s in sides):
            return True
        return _with_itself(node.left, step) or _with_itself(node.right, step)
    if isinstance(node, (Neg, Postfix)):
        return _with_itself(node.operand, step)
    if isinstance(node, Call):
        return _with_itself(node.arg, step)
    return False


def parse_math_clause(clause: Clause) -> ToolCall | None:
    """One clause of a request as one math tool call, or ``None`` when it is not arithmetic.

    "15 times 7" is ``multiply(15, 7)``; chained "add 20" is ``add("$0", 20)``; "add the
    two results" is ``add("$0", "$1")``; "(3+4)*5 - 2^3" is ``evaluate``.
    """
    try:
        tokens = lex(clause.text)
        if tokens and tokens[0] == Tok("kw", "by") and clause.chained and clause.previous is not None:
            # "multiply 3 by 4 and then by 5": the verb goes on from the step before
            made = next((p for p in clause.earlier if p.index == clause.previous), None)
            verb = {"multiply": "multiply", "divide": "divide"}.get(made.tool if made and made.agent == "math" else "")
            if verb is None:
                raise NoParse("'by' what?")
            tokens.insert(0, Tok("verb", verb))
        leftover = _resolve(tokens, clause)
        tree = _Grammar(tokens).parse()
        if leftover:
            step = leftover[-1]
        elif clause.chained and clause.previous is not None:
            step = clause.previous
        else:
            step = None
        if step is not None and _with_itself(tree, step):
            raise NoParse("'divide it' by what?")
        return _to_call(_fill(tree, step))
    except NoParse:
        return parse_word_problem(clause)


def _parity_sum(name: str, a: Decimal, b: Decimal, odd: int) -> Node:
    """The sum of the even (or odd) whole numbers from ``a`` to ``b``: the first and last of
    them are ``a``/``b`` or one past them, written with the request's own numbers; then
    (first + last) * ((last - first) / 2 + 1) / 2."""
    if name != "sum":
        raise NoParse(f"the {name} of the even or odd numbers of a range")
    one = Num(Decimal(1))
    first = Num(a) if a % 2 == odd else BinOp("+", Num(a), one)
    last = Num(b) if b % 2 == odd else BinOp("-", Num(b), one)
    if (a if a % 2 == odd else a + 1) > (b if b % 2 == odd else b - 1):
        raise NoParse("no such numbers in that range")
    count = BinOp("+", BinOp("/", BinOp("-", last, first), Num(Decimal(2))), one)
    return BinOp("/", BinOp("*", BinOp("+", first, last), count), Num(Decimal(2)))
