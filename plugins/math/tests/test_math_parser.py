"""The offline clause parser, and the plugin's registrations."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import agentplat_math
from agentplat import Agent, Clause, ToolCall, ToolError
from agentplat_math import parse_math_clause


def parse(text, *, index=0, previous=None, chained=False, references=()):
    return parse_math_clause(
        Clause(text=text, index=index, previous=previous, chained=chained, references=list(references))
    )


def call(tool, **args):
    return ToolCall(tool=tool, args=args)


D = Decimal


# --- plain operations, in words and in symbols --------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("What is 15 times 7", call("multiply", a=15, b=7)),
    ("7 times 8", call("multiply", a=7, b=8)),
    ("7 * 8", call("multiply", a=7, b=8)),
    ("7 x 8", call("multiply", a=7, b=8)),
    ("6 × 7", call("multiply", a=6, b=7)),
    ("what is 1.1 times 3?", call("multiply", a=D("1.1"), b=3)),
    ("3 multiplied by 4", call("multiply", a=3, b=4)),
    ("multiply 6 by 7", call("multiply", a=6, b=7)),
    ("the product of 3 and 8", call("multiply", a=3, b=8)),
    ("Add 3 and 4", call("add", a=3, b=4)),
    ("add 3 to 4", call("add", a=4, b=3)),
    ("the sum of 2.5 and 4", call("add", a=D("2.5"), b=4)),
    ("what is 12 plus 30", call("add", a=12, b=30)),
    ("1,000 plus 2", call("add", a=1000, b=2)),
    ("add -3 and 5", call("add", a=-3, b=5)),
    ("10 minus -3", call("subtract", a=10, b=-3)),
    ("what is 10 minus 3", call("subtract", a=10, b=3)),
    ("subtract 5 from 12", call("subtract", a=12, b=5)),
    ("take 4 away from 9", call("subtract", a=9, b=4)),
    ("5 subtracted from 12", call("subtract", a=12, b=5)),
    ("the difference between 10 and 3", call("subtract", a=10, b=3)),
    ("how much is 100 divided by 8?", call("divide", a=100, b=8)),
    ("divide 100 by 8", call("divide", a=100, b=8)),
    ("10 over 4", call("divide", a=10, b=4)),
    ("Divide 1 by 0", call("divide", a=1, b=0)),
    ("1/3", call("divide", a=1, b=3)),
    ("compute 2 ** 10", call("power", base=2, exponent=10)),
    ("2^10", call("power", base=2, exponent=10)),
    ("2 to the power of 10", call("power", base=2, exponent=10)),
    ("raise 2 to the power of 10", call("power", base=2, exponent=10)),
    ("raise 3 to 4", call("power", base=3, exponent=4)),
    ("2 to the 10th power", call("power", base=2, exponent=10)),
    ("3 to the third power", call("power", base=3, exponent=3)),
    ("what is 10 squared", call("power", base=10, exponent=2)),
    ("2 cubed", call("power", base=2, exponent=3)),
    ("square 9", call("power", base=9, exponent=2)),
    ("square root of 16", call("square_root", x=16)),
    ("What is the square root of 2.25?", call("square_root", x=D("2.25"))),
    ("sqrt(2)", call("square_root", x=2)),
    ("Calculate 5 factorial", call("factorial", n=5)),
    ("what's 5!", call("factorial", n=5)),
    ("the factorial of 7", call("factorial", n=7)),
    ("Calculate 12.5% of 640", call("percentage", percent=D("12.5"), of=640)),
    ("what is 15 percent of 80", call("percentage", percent=15, of=80)),
    ("15% of $80", call("percentage", percent=15, of=80)),
    ("50% * 8", call("percentage", percent=50, of=8)),
    ("double 21", call("multiply", a=21, b=2)),
    ("halve 9", call("divide", a=9, b=2)),
    ("increase 200 by 10%", call("evaluate", expression="200 * (1 + 10%)")),
    ("decrease 80 by 5", call("subtract", a=80, b=5)),
    # number words
    ("two plus three", call("add", a=2, b=3)),
    ("twenty-five times four", call("multiply", a=25, b=4)),
    ("what is a hundred minus seven", call("subtract", a=100, b=7)),
    ("two thousand three hundred divided by ten", call("divide", a=2300, b=10)),
    # filler is ignored, punctuation at the end too
    ("Please calculate 6 times 7.", call("multiply", a=6, b=7)),
    ("Can you tell me what 6 times 7 is?", call("multiply", a=6, b=7)),
])
def test_single_operations_become_their_own_tool(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, expression", [
    ("what is (3+4)*5 - 2^3", "(3 + 4) * 5 - 2 ^ 3"),
    ("What is 10^10^10?", "10 ^ 10 ^ 10"),
    ("2 + 3 * 4", "2 + 3 * 4"),
    ("10 mod 3", "10 mod 3"),
    ("sum of 1, 2 and 3", "1 + 2 + 3"),
    ("add 3 and 4 times 2", "3 + 4 * 2"),
    ("3 plus 4 times 2", "3 + 4 * 2"),
    ("the square root of 16 plus 9", "sqrt(16) + 9"),
    ("10% of 50 plus 3", "10% * 50 + 3"),
    ("what is -(3 + 4)", "-(3 + 4)"),
    ("5 factorial squared", "5! ^ 2"),
    ("cube root of 27", "27 ^ (1 / 3)"),
    ("2.5 factorial", "2.5!"),
    ("what is 50%", "50%"),
])
def test_bigger_expressions_become_evaluate(text, expression):
    assert parse(text) == call("evaluate", expression=expression)


# --- references to earlier steps ----------------------------------------------------------

@pytest.mark.parametrize("text, context, expected", [
    ("add 20?", dict(index=1, previous=0, chained=True), call("add", a="$0", b=20)),
    ("subtract 5", dict(index=3, previous=2, chained=True), call("subtract", a="$2", b=5)),
    ("times 3", dict(index=1, previous=0, chained=True), call("multiply", a="$0", b=3)),
    ("divided by 4", dict(index=1, previous=0, chained=True), call("divide", a="$0", b=4)),
    ("squared", dict(index=1, previous=0, chained=True), call("power", base="$0", exponent=2)),
    ("square the result", dict(index=1, previous=0, chained=True, references=[0]),
     call("power", base="$0", exponent=2)),
    ("multiply by 3", dict(index=1, previous=0, chained=True), call("multiply", a="$0", b=3)),
    ("raise to the power of 3", dict(index=1, previous=0, chained=True), call("power", base="$0", exponent=3)),
    ("take away 5", dict(index=1, previous=0, chained=True), call("subtract", a="$0", b=5)),
    ("multiply it by 3", dict(index=3, previous=2, references=[2]), call("multiply", a="$2", b=3)),
    ("divide that by 4", dict(index=3, previous=2, references=[2]), call("divide", a="$2", b=4)),
    ("square it", dict(index=3, previous=2, references=[2]), call("power", base="$2", exponent=2)),
    ("raise it to the 3rd power", dict(index=1, previous=0, references=[0]), call("power", base="$0", exponent=3)),
    ("take the square root of it", dict(index=3, previous=2, references=[2]), call("square_root", x="$2")),
    ("what is 10% of that", dict(index=3, previous=2, references=[2]), call("percentage", percent=10, of="$2")),
    ("add 5 to the result", dict(index=1, previous=0, references=[0]), call("add", a="$0", b=5)),
    ("subtract it from 100", dict(index=1, previous=0, references=[0]), call("subtract", a=100, b="$0")),
    ("double it", dict(index=3, previous=2, references=[2]), call("multiply", a="$2", b=2)),
    ("halve it", dict(index=3, previous=2, references=[2]), call("divide", a="$2", b=2)),
    ("increase it by 10%", dict(index=1, previous=0, references=[0]),
     call("evaluate", expression="($0) * (1 + 10%)")),
    ("multiply it by itself", dict(index=1, previous=0, references=[0]), call("multiply", a="$0", b="$0")),
    ("the result of step 1 times 4", dict(index=2, previous=1, references=[0]), call("multiply", a="$0", b=4)),
    ("factorial of it", dict(index=1, previous=0, references=[0]), call("factorial", n="$0")),
    ("add them", dict(index=2, previous=1, chained=True, references=[0, 1]), call("add", a="$0", b="$1")),
    ("add the two results", dict(index=2, previous=1, chained=True, references=[0, 1]),
     call("add", a="$0", b="$1")),
    ("multiply both", dict(index=3, previous=2, references=[1, 2]), call("multiply", a="$1", b="$2")),
    ("the sum of them", dict(index=2, previous=1, references=[0, 1]), call("add", a="$0", b="$1")),
    ("divide them", dict(index=2, previous=1, references=[0, 1]), call("divide", a="$0", b="$1")),
    ("subtract the two results", dict(index=2, previous=1, references=[0, 1]), call("subtract", a="$0", b="$1")),
    ("add step 1 and step 2", dict(index=3, previous=2, references=[0, 1]), call("add", a="$0", b="$1")),
    ("multiply it by that", dict(index=3, previous=2, references=[0, 2]), call("multiply", a="$0", b="$2")),
    # "it" the core left unresolved means the step just before
    ("multiply it by 3", dict(index=1, previous=0), call("multiply", a="$0", b=3)),
    # a reference the parser does not spell out fills the missing operand
    ("add 7", dict(index=1, previous=0, references=[0]), call("add", a="$0", b=7)),
    # explicit operands need no previous result, chained or not
    ("add 5 and 6", dict(index=1, previous=0, chained=True), call("add", a=5, b=6)),
])
def test_references_and_chained_clauses(text, context, expected):
    assert parse(text, **context) == expected


# --- what the parser does not claim ---------------------------------------------------------

@pytest.mark.parametrize("text, context", [
    ("weather in Paris", {}),
    ("What is the weather in Paris?", {}),
    ("search for python", {}),
    ("search for python 3 tutorials", {}),
    ("write a report on bees", {}),
    ("Book me a table for two at a sushi place", {}),
    ("convert 5 km to miles", {}),
    ("greet Ada", {}),
    ("", {}),
    ("?", {}),
    # no computation in a bare number or a bare reference
    ("4", dict(index=1, previous=0)),
    ("-5", {}),
    ("what is it", dict(index=1, previous=0, references=[0])),
    # an operand is missing and nothing supplies it: this keeps "Add 3 and 4" one clause
    ("Add 3", {}),
    ("add 3", dict(index=1, previous=0)),
    ("multiply 6", dict(index=1, previous=0)),
    ("What is the product of 6", {}),
    ("the difference between 10", {}),
    ("times 3", {}),
    ("add", dict(index=1, previous=0, chained=True)),
    # a reference to nothing, or "them" with fewer than two results
    ("multiply it by 3", {}),
    ("add them", dict(index=1, previous=0, references=[0])),
    # more than one operation on earlier results has no tool (evaluate takes text)
    ("multiply it by 3 and add 4", dict(index=1, previous=0, references=[0])),
    ("add them", dict(index=3, previous=2, references=[0, 1, 2])),
    # broken syntax
    ("(3 + 4", {}),
    ("3 plus", {}),
    ("3 4", {}),
])
def test_clauses_that_are_not_arithmetic_are_left_to_others(text, context):
    assert parse(text, **context) is None


# --- whole requests, clause by clause as the core splits them --------------------------------

def execute(clauses):
    """Parse each clause, run its tool with earlier results substituted, return the last."""
    tools = {t.name: t for t in _agent().tools}
    results = []
    for index, (text, chained, references) in enumerate(clauses):
        found = parse(text, index=index, previous=index - 1 if index else None,
                      chained=chained, references=references)
        assert found is not None, text
        args = {k: results[int(v[1:])] if isinstance(v, str) and v.startswith("$") else v
                for k, v in found.args.items()}
        results.append(asyncio.run(tools[found.tool](**args)))
    return results


@pytest.mark.parametrize("clauses, answer", [
    # "What is 15 times 7, then add 20?"
    ([("What is 15 times 7", False, []), ("add 20?", True, [])], 125),
    # "Calculate 5 factorial"
    ([("Calculate 5 factorial", False, [])], 120),
    # "Add 3 and 4, multiply 6 by 7, then add the two results"
    ([("Add 3 and 4", False, []), ("multiply 6 by 7", False, []), ("add the two results", True, [0, 1])], 49),
    # "Calculate 12.5% of 640"
    ([("Calculate 12.5% of 640", False, [])], 80),
    # "Calculate 10 times 5 and 7 times 8, then add them"
    ([("Calculate 10 times 5", False, []), ("7 times 8", False, []), ("add them", True, [0, 1])], 106),
    # "What is 1.1 times 3?"
    ([("What is 1.1 times 3?", False, [])], Decimal("3.3")),
    # "Raise 2 to the power of 10, then divide it by 8, then take 10% of that"
    ([("Raise 2 to the power of 10", False, []), ("divide it by 8", True, [0]),
      ("take 10% of that", True, [1])], Decimal("12.8")),
])
def test_requests_end_to_end(clauses, answer):
    assert execute(clauses)[-1] == answer


def test_and_splits_only_where_both_sides_parse():
    # the core splits "A and B" only when both halves parse on their own
    assert parse("Add 3") is None and parse("4", index=1, previous=0) is None
    assert parse("Calculate 10 times 5") is not None and parse("7 times 8", index=1, previous=0) is not None


# --- the plugin's registrations -------------------------------------------------------------

def _agent() -> Agent:
    found = []
    agentplat_math.register_agents(found.append)
    assert len(found) == 1
    return found[0]


def test_the_agent_and_its_tools():
    agent = _agent()
    assert agent.name == "math"
    assert agent.description and "\n" not in agent.description
    assert "What is 15 times 7, then add 20?" in agent.examples
    assert [t.name for t in agent.tools] == [
        "add", "subtract", "multiply", "divide", "power", "square_root", "factorial", "percentage", "evaluate",
        "convert",
    ]
    params = {t.name: t.parameters for t in agent.tools}
    assert set(params["power"]["required"]) == {"base", "exponent"}
    assert params["percentage"]["properties"]["of"]["type"] == "number"
    assert params["factorial"]["properties"]["n"]["type"] == "integer"
    assert params["evaluate"]["properties"]["expression"]["type"] == "string"
    assert all(t.examples for t in agent.tools)


def test_the_agent_examples_plan_offline():
    # every example's first clause is something the parser understands
    for example in _agent().examples:
        first = example.split(",")[0]
        if " and " in first and parse(first) is None:
            first = first.split(" and ")[0]
        assert parse(first) is not None, example


def test_tool_arguments_are_validated_and_coerced():
    tools = {t.name: t for t in _agent().tools}
    assert asyncio.run(tools["multiply"](a="1.1", b=3)) == Decimal("3.3")
    assert asyncio.run(tools["factorial"](n=Decimal("5"))) == 120


def test_the_offline_parser_is_registered_for_the_math_agent():
    found = []
    agentplat_math.register_offline_parsers(lambda parse, **options: found.append((parse, options)))
    # by import path: imported when the offline planner first needs them
    assert found == [("agentplat_math.units:parse_units_clause", {"agent": "math"}),
                     ("agentplat_math.parser:parse_math_clause", {"agent": "math"}),
                     ("agentplat_math.languages:parse_language_clause", {"agent": "math"})]
    from agentplat import get_registry

    served = [p.parse for p in get_registry().parsers if p.agent == "math"]
    assert served == [agentplat_math.parse_units_clause, parse_math_clause, agentplat_math.parse_language_clause]


def test_a_number_too_long_for_the_tools_stays_text_and_is_refused_with_its_size():
    digits = "9" * 5000  # an int this long could not even be printed in the plan
    assert parse(f"factorial of {digits}") == call("factorial", n=digits)
    assert parse(f"add {digits} and 1") == call("add", a=digits, b=1)
    from agentplat import get_registry

    factorial = get_registry().agents["math"].tool("factorial")
    with pytest.raises(ToolError,
                       match="factorial accepts whole numbers from 0 to 1463; n has about 5000 digits"):
        factorial.check_args({"n": digits})


# --- composition: operands nest anywhere --------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Add 2 and two", call("add", a=2, b=2)),
    ("What is 1e3 plus 1?", call("add", a="1e3", b=1)),
    ("What's the 3rd power of 4?", call("power", base=4, exponent=3)),
    ("the square of 5", call("power", base=5, exponent=2)),
    ("Subtract 5 from the product of 3 and 4", call("evaluate", expression="3 * 4 - 5")),
    ("Multiply the sum of 2 and 3 by the difference of 10 and 4", call("evaluate", expression="(2 + 3) * (10 - 4)")),
    ("What is 5% of 200, plus 3?", call("evaluate", expression="5% * 200 + 3")),
    ("What is 50% of 30% of 200?", call("evaluate", expression="50% * (30% * 200)")),
    ("What is 20% off of 80 dollars?", call("evaluate", expression="80 * (1 - 20%)")),
    ("80 with 20% off", call("evaluate", expression="80 * (1 - 20%)")),
    ("200 with 15% tax", call("evaluate", expression="200 * (1 + 15%)")),
    ("the product of the numbers from 2 to 5", call("evaluate", expression="5! / (2 - 1)!")),
    ("a 15% discount on 40", call("evaluate", expression="40 * (1 - 15%)")),
    ("80 plus 10% tax", call("evaluate", expression="80 * (1 + 10%)")),
    ("add 10% to 80", call("evaluate", expression="80 * (1 + 10%)")),
    ("20% more than 50", call("evaluate", expression="50 * (1 + 20%)")),
    ("What's 5 more than twice 8?", call("evaluate", expression="5 + 8 * 2")),
    ("What is the sum of the numbers from 1 to 10?", call("evaluate", expression="(1 + 10) * (10 - 1 + 1) / 2")),
    ("What is negative 5 plus 8?", call("add", a=-5, b=8)),
    ("the sum of 2 and 3, times 4", call("evaluate", expression="(2 + 3) * 4")),
    ("the sum of 2 and 5% of 40", call("evaluate", expression="2 + 5% * 40")),
])
def test_operands_nest_and_chain(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", [
    "the product of 2 and 3 plus 4",  # (2 * 3) + 4 or 2 * (3 + 4)
    "the sum of 2 and 3 times 4",
    "twice 3 plus 1",  # 2 * 3 + 1 or 2 * 4
    "half of 8 squared",  # 32 or 16
    "the sum of 2 and 3 squared",  # 11 or 25
    "the 3rd power of 4 times 2",
    "80 plus 10%",  # 80.1 or 88
    "10 minus 5%",
    "add 10% and 80",
    "the sum of all integers between 1 and 100",  # are 1 and 100 in?
    "the sum of the numbers from 10 to 1",
    "What is 3 more",
    "the difference between 3 and 10",  # 7 to most people, -7 to the order
    "add 0 and 1, 1 and 1",  # two sums, or one of four numbers?
    "the sum of 1 and 2, 3 and 4",
])
def test_two_readings_are_refused(text):
    assert parse(text) is None


@pytest.mark.parametrize("text", ["divide it", "subtract it", "then multiply by it", "add the result"])
def test_a_left_out_operand_is_never_the_named_result_itself(text):
    """ "Multiply 6 by 4, then divide it" means "by what?", never $0 / $0 = 1."""
    assert parse(text, index=1, previous=0, chained=True) is None


def test_a_trailing_exclamation_after_a_number_is_a_factorial():
    assert parse("what is 3 + 5!") == call("evaluate", expression="3 + 5!")


@pytest.mark.parametrize("text, context, expected", [
    ("multiply those two results", dict(index=2, previous=1, references=[0, 1]), call("multiply", a="$0", b="$1")),
    ("multiply the previous two answers", dict(index=2, previous=1), call("multiply", a="$0", b="$1")),
    ("add both of them", dict(index=2, previous=1, references=[0, 1]), call("add", a="$0", b="$1")),
    ("multiply the two numbers", dict(index=2, previous=1, references=[0, 1]), call("multiply", a="$0", b="$1")),
    ("subtract the first result from the second result", dict(index=2, previous=1, chained=True, references=[1]),
     call("subtract", a="$1", b="$0")),
    ("double the last one", dict(index=1, previous=0, references=[0]), call("multiply", a="$0", b=2)),
    ("divide the former by the latter", dict(index=2, previous=1, chained=True), call("divide", a="$0", b="$1")),
    ("subtract the latter from the former", dict(index=2, previous=1, references=[1]),
     call("subtract", a="$0", b="$1")),
    # the noun said once serves the other ordinal (a real model answered -9 for 15 - 6 here)
    ("subtract the second result from the first", dict(index=2, previous=1, chained=True),
     call("subtract", a="$0", b="$1")),
    ("divide the first answer by the second", dict(index=2, previous=1, chained=True), call("divide", a="$0", b="$1")),
])
def test_references_are_a_small_grammar(text, context, expected):
    assert parse(text, **context) == expected


def test_a_third_result_not_yet_made_is_refused():
    assert parse("subtract the third result from 10", index=2, previous=1, references=[1]) is None


@pytest.mark.parametrize("text", ["subtract the second from the first", "add the first and the second",
                                  "multiply the first by 3"])
def test_an_ordinal_without_any_noun_is_not_a_result(text):
    """ "the first" alone names a result only beside one named in full: nothing to lean on here."""
    assert parse(text, index=2, previous=1, chained=True) is None


def test_by_alone_goes_on_with_the_verb_before():
    """ "Multiply 3 by 4 and then by 5": the chained "by 5" multiplies again; after any other
    step it means nothing certain."""
    from types import SimpleNamespace as Produced  # what the core's Clause.earlier holds

    after = [Produced(index=0, agent="math", tool="multiply")]
    assert parse_math_clause(Clause(text="by 5", index=1, previous=0, chained=True, earlier=after)) == call(
        "multiply", a="$0", b=5)
    after = [Produced(index=0, agent="math", tool="add")]
    assert parse_math_clause(Clause(text="by 5", index=1, previous=0, chained=True, earlier=after)) is None


@pytest.mark.parametrize("text, expected", [
    ("If I have 12 apples and eat 5, how many are left?", call("subtract", a=12, b=5)),
    ("I had 20 dollars and spent 8, how much do I have left?", call("subtract", a=20, b=8)),
    ("A box has 6 rows of 4 eggs, how many eggs?", call("multiply", a=6, b=4)),
    ("Tom has 3 apples and buys 4 more, how many does he have?", call("add", a=3, b=4)),
    ("Split 24 cookies among 6 friends, how many each?", call("divide", a=24, b=6)),
    # two operations, an unknown verb, a question about a given number, three numbers: refused
    ("Tom has 3 apples and sells 4 more, how many does he have?", None),
    ("If I have 12 apples and juggle 5, how many are left?", None),
    ("I have 12 apples and eat 5, how many did I eat?", None),
    ("I have 12 apples, eat 5 and buy 3, how many are left?", None),
    ("Split 25 cookies among 6 friends, how many each?", None),
    ("I have 5 apples and eat 12, how many are left?", None),
    # what is counted must fit: nothing was taken from the apples; the rows are given
    ("I have 12 apples and eat 5 bananas, how many apples are left?", None),
    ("A box has 6 rows of 4 eggs, how many rows?", None),
    ("Mary had 6 books and bought 2 more books, how many books does she have?", call("add", a=6, b=2)),
])
def test_one_operation_word_problems(text, expected):
    assert parse(text) == expected
