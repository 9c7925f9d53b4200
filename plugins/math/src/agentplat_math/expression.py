"""Arithmetic expressions: a hand-written tokenizer, a Pratt parser and an exact evaluator.

No ``eval``: text becomes tokens, tokens become a small tree (``Num``, ``Neg``, ``BinOp``,
``Postfix``, ``Call``), and the tree is evaluated on ``Fraction`` without recursion (so a
long ``1+1+...+1`` cannot overflow the stack). The offline clause parser builds the same
trees and prints them back with ``render`` for the ``evaluate`` tool.

Grammar, loosest to tightest binding::

    + -            left associative
    * / mod        left associative
    - +  sqrt      prefix (so -2^2 = -4 and sqrt 16 + 9 = 13)
    ^ **           right associative (2^3^2 = 2^9); its right side may be negative: 2^-1
    ! %            postfix factorial and percent (50% = 0.5, 3! = 6)

``%`` followed by a number, ``(`` or ``sqrt`` is the modulo operator instead (``10 % 3``).
Numbers may be written in scientific notation (``2.5e-3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from agentplat import ToolError

from . import numbers

#: Longest expression accepted, in tokens; nesting depth of parentheses and prefixes.
MAX_TOKENS = 1000
MAX_DEPTH = 100


# --- the tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^ mod
    left: Node
    right: Node


@dataclass(frozen=True)
class Postfix:
    op: str  # ! %
    operand: Node


@dataclass(frozen=True)
class Call:
    name: str  # sqrt
    arg: Node


Node = Num | Neg | BinOp | Postfix | Call

#: Binding powers: (left, right). Left-associative ops bind their right side tighter.
INFIX = {"+": (10, 11), "-": (10, 11), "*": (20, 21), "/": (20, 21), "mod": (20, 21), "^": (41, 40)}
PREFIX = 30
POSTFIX = 50
FUNCTIONS = {"sqrt"}


# --- tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num, op, name, end
    text: str
    pos: int  # 1-based character position, for error messages


_NUMBER = re.compile(r"\d+(?:\.\d+)?e[-+]?\d{1,4}(?![\w.])|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d*)?|\.\d+",
                     re.I)
_NAME = re.compile(r"[A-Za-z_]\w*")
_OPERATORS = ["**", "^", "+", "-", "*", "/", "(", ")", "!", "%", "×", "÷", "−", "√"]
_ALIASES = {"**": "^", "×": "*", "÷": "/", "−": "-", "√": "sqrt"}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; an unknown character or name is an error naming it."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if match := _NUMBER.match(text, i):
            tokens.append(Token("num", match.group().replace(",", ""), i + 1))
            i = match.end()
        elif match := _NAME.match(text, i):
            word = match.group().lower()
            if word in FUNCTIONS:
                tokens.append(Token("name", word, i + 1))
            elif word == "mod":
                tokens.append(Token("op", "mod", i + 1))
            else:
                raise _syntax(text, f"unknown name {match.group()!r} at position {i + 1}")
            i = match.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise _syntax(text, f"unexpected character {ch!r} at position {i + 1}")
            alias = _ALIASES.get(op, op)
            tokens.append(Token("name" if alias in FUNCTIONS else "op", alias, i + 1))
            i += len(op)
        if len(tokens) > MAX_TOKENS:
            raise ToolError(f"expression is too long (limit {MAX_TOKENS} tokens)")
    tokens.append(Token("end", "", n + 1))
    return tokens


def _syntax(text: str, message: str) -> ToolError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ToolError(f"bad expression {shown!r}: {message}")


# --- parsing --------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, token: Token, expected: str) -> ToolError:
        if token.kind == "end":
            before = self.tokens[self.i - 1] if self.i >= 1 else None
            after = f" after {before.text!r} at position {before.pos}" if before else ""
            return _syntax(self.text, f"expression ends too early{after}: expected {expected}")
        return _syntax(self.text, f"unexpected {token.text!r} at position {token.pos}: expected {expected}")

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ToolError("empty expression")
        node = self.expr(0)
        token = self.peek()
        if token.kind != "end":
            raise self.error(token, "an operator or the end")
        return node

    def expr(self, min_bp: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ToolError(f"expression is nested too deeply (limit {MAX_DEPTH})")
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind != "op":
                break
            if token.text == "!" or (token.text == "%" and not self._modulo_follows()):
                if POSTFIX < min_bp:
                    break
                self.next()
                left = Postfix(token.text, left)
                continue
            op = "mod" if token.text == "%" else token.text
            if op not in INFIX:
                break
            lbp, rbp = INFIX[op]
            if lbp < min_bp:
                break
            self.next()
            left = BinOp(op, left, self.expr(rbp))
        self.depth -= 1
        return left

    def _modulo_follows(self) -> bool:
        after = self.tokens[self.i + 1]
        return after.kind in ("num", "name") or after.text == "("

    def prefix(self) -> Node:
        token = self.next()
        if token.kind == "num":
            return Num(Decimal(token.text))
        if token.kind == "name":  # sqrt x  or  sqrt(x)
            return Call(token.text, self.expr(PREFIX))
        if token.text == "(":
            inner = self.expr(0)
            closing = self.next()
            if closing.text != ")":
                if closing.kind == "end":
                    raise _syntax(self.text, f"missing ')' for the '(' at position {token.pos}")
                raise _syntax(self.text, f"unexpected {closing.text!r} at position {closing.pos}: expected ')'")
            return inner
        if token.text == "-":
            return Neg(self.expr(PREFIX))
        if token.text == "+":
            return self.expr(PREFIX)
        self.i -= 1
        raise self.error(token, "a number or '('")


def parse(text: str) -> Node:
    """The tree of ``text``; ``ToolError`` naming the position of any syntax error."""
    return _Parser(text).parse()


# --- evaluation -----------------------------------------------------------------------


def _apply_binary(op: str, a: Fraction, b: Fraction) -> Fraction:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise ToolError(f"division by zero ({numbers.show(a)} / 0)")
        return a / b
    if op == "mod":
        if b == 0:
            raise ToolError(f"modulo by zero ({numbers.show(a)} mod 0)")
        return a % b
    if op == "^":
        return numbers.power(a, b)
    raise ToolError(f"unknown operator {op!r}")


def _apply_unary(node: Node, a: Fraction) -> Fraction:
    if isinstance(node, Neg):
        return -a
    if isinstance(node, Call):
        return numbers.square_root(a)
    if node.op == "!":
        return numbers.factorial(a)
    return a / 100  # percent


def evaluate_node(root: Node) -> Fraction:
    """The exact value of a tree, computed with an explicit stack (no recursion)."""
    values: list[Fraction] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, Num):
            values.append(numbers.to_fraction(node.value))
        elif not ready:
            stack.append((node, True))
            if isinstance(node, BinOp):
                stack.append((node.right, False))
                stack.append((node.left, False))
            else:
                stack.append((_operand(node), False))
        elif isinstance(node, BinOp):
            b, a = values.pop(), values.pop()
            values.append(numbers.check_size(_apply_binary(node.op, a, b)))
        else:
            values.append(numbers.check_size(_apply_unary(node, values.pop())))
    return values[0]


def _operand(node: Node) -> Node:
    return node.arg if isinstance(node, Call) else node.operand


def evaluate(text: str) -> Fraction:
    """Parse and evaluate ``text`` exactly."""
    return evaluate_node(parse(text))


# --- printing -------------------------------------------------------------------------


def _binding(node: Node) -> int:
    if isinstance(node, BinOp):
        return INFIX[node.op][0]
    if isinstance(node, Neg) or (isinstance(node, Num) and node.value < 0):
        return PREFIX
    if isinstance(node, Postfix):
        return POSTFIX
    return 100


def _negative(node: Node) -> bool:
    return isinstance(node, Neg) or (isinstance(node, Num) and node.value < 0)


def _wrap(node: Node, needs: bool) -> str:
    text = render(node)
    return f"({text})" if needs or _negative(node) else text


def render(node: Node) -> str:
    """Text that ``parse`` turns back into the same tree (parentheses only where needed)."""
    if isinstance(node, Num):
        return format(node.value, "f")
    if isinstance(node, Neg):
        return "-" + _wrap(node.operand, _binding(node.operand) < PREFIX)
    if isinstance(node, Postfix):
        return _wrap(node.operand, _binding(node.operand) < POSTFIX) + node.op
    if isinstance(node, Call):
        return f"{node.name}({render(node.arg)})"
    lbp, _ = INFIX[node.op]
    if node.op == "^":  # right associative
        left = _wrap(node.left, _binding(node.left) <= lbp)
        right = _wrap(node.right, _binding(node.right) < lbp)
    else:
        left = _wrap(node.left, _binding(node.left) < lbp)
        right = _wrap(node.right, _binding(node.right) <= lbp)
    return f"{left} {node.op} {right}"
