"""The offline planner reads the sequencing, "and" and "both" words of Spanish, French and
German requests (the math plugin answers arithmetic in them), and their decimal commas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agentplat import Plan
from agentplat._planners.grounding import unused_numbers
from agentplat._planners.offline.reading import and_parts, resolve_references, segments


@pytest.mark.parametrize("request_, pieces", [
    ("¿Cuánto es 5 más 7? ¿Y luego por 2?", [("Cuánto es 5 más 7", False), ("por 2", True)]),
    ("Suma 3 y 4, luego multiplica por 2, después resta 1",
     [("Suma 3 y 4", False), ("multiplica por 2", True), ("resta 1", True)]),
    ("5 más 7 y luego suma 3", [("5 más 7", False), ("suma 3", True)]),
    ("Ajoute 3 et 4, puis multiplie par 2 et ensuite ajoute 1",
     [("Ajoute 3 et 4", False), ("multiplie par 2", True), ("ajoute 1", True)]),
    ("Addiere 3 und 4, dann mal 2 und danach plus 1", [("Addiere 3 und 4", False), ("mal 2", True), ("plus 1", True)]),
    ("¡Calcula 2,5 por 4!", [("Calcula 2,5 por 4", False)]),  # a decimal comma is no clause break
    # German puts "dann" after the object, inside the clause
    ("Addiere 3 und 4 und teile es dann durch 2", [("Addiere 3 und 4 und teile es dann durch 2", False)]),
    ("Teile 100 durch 4, addiere dann 5", [("Teile 100 durch 4", False), ("addiere dann 5", False)]),
    ("Addiere 3 und 4 dann teile das Ergebnis durch 2", [("Addiere 3 und 4", False), ("teile das Ergebnis durch 2", True)]),
])
def test_other_languages_sequencing_words_chain_clauses(request_, pieces):
    assert [(s.text, s.chained) for s in segments(request_)] == pieces


def test_a_comma_between_digits_is_part_of_a_number_and_one_after_a_list_item_splits():
    assert [s.text for s in segments("Suma 2,5 y 4, luego 1,25 por 2")] == ["Suma 2,5 y 4", "1,25 por 2"]
    assert [s.text for s in segments("the sum of 4, 5 and 6")] == ["the sum of 4", "5 and 6"]
    assert [s.text for s in segments("Add 1,000 and 2, then double it")] == ["Add 1,000 and 2", "double it"]


def test_and_words_split_parallel_parts_but_not_numbers_in_words():
    assert and_parts("10 por 5 y 7 por 8") == ["10 por 5", "7 por 8"]
    assert and_parts("10 fois 5 et 7 fois 8") == ["10 fois 5", "7 fois 8"]
    assert and_parts("10 mal 5 und 7 mal 8") == ["10 mal 5", "7 mal 8"]
    assert and_parts("cinco más treinta y uno por dos") == ["cinco más treinta y uno por dos"]
    assert and_parts("vingt et un plus soixante et onze") == ["vingt et un plus soixante et onze"]


@pytest.mark.parametrize("clause", ["suma los dos resultados", "suma ambos", "additionne les deux résultats",
                                    "ajoute les deux", "addiere beide Ergebnisse", "addiere die beiden"])
def test_both_in_other_languages_is_the_two_latest_results(clause):
    assert resolve_references(clause, index=3, previous=2, frontier=[0, 1, 2]) == [1, 2]


@pytest.mark.parametrize("clause", ["súmalos", "additionne-les", "suma los resultados", "addiere die Ergebnisse"])
def test_them_in_other_languages_is_every_result_not_used_yet(clause):
    assert resolve_references(clause, index=3, previous=2, frontier=[0, 1, 2]) == [0, 1, 2]


def test_a_number_written_with_a_decimal_comma_is_not_dropped_when_read_as_a_decimal():
    def plan(a, b):
        return Plan.parse({"steps": [{"agent": "math", "tool": "multiply", "args": {"a": a, "b": b}}]})

    assert unused_numbers("Calcula 2,5 por 4", plan("2.5", 4)) == []
    assert unused_numbers("Calcula 2,5 por 4", plan(2, 4)) == [Decimal(5)]
    assert unused_numbers("1.000.000 entre 8", plan(1000000, 8)) == []
    assert unused_numbers("multiply 1,000 by 3", plan(1000, 3)) == []


def test_a_trailing_exclamation_after_a_number_stays_and_a_spanish_one_closes():
    """ "what is 3 + 5!" is a factorial (notation), not 8 said loudly; "¡...!" is punctuation."""
    assert [s.text for s in segments("what is 3 + 5!")] == ["what is 3 + 5!"]
    assert [s.text for s in segments("Hello there!")] == ["Hello there"]
    assert [s.text for s in segments("¡Calcula 2,5 por 4!")] == ["Calcula 2,5 por 4"]
