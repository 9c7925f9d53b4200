"""Arithmetic asked in Spanish, French or German, read by the English parser.

A clause whose every word belongs to one language's table below (or is one of the few
English arithmetic words a request in any language may hold: "plus", "minus", "x", and the
"and" the core joins parts with) is rewritten into the English ``parse_math_clause`` reads:
"¿Cuánto es cinco más 2,5?" becomes "what is 5 plus 2.5". Number words become digits by
text2num in that language; decimal commas become points; a number whose separators could
be read two ways ("2,500", "1.500" in Spanish) is refused, like any word not in the table.

When a clause fits more than one language and they read it differently, it is refused.
Nothing here guesses: a clause is translated word by word (longest phrase first) or not at
all, and the English parser decides what it means.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

from agentplat import Clause, ToolCall

from .parser import parse_math_clause


@dataclass(frozen=True)
class Language:
    """One language's arithmetic words as the English phrases the parser reads.

    ``phrases`` maps a phrase (lower case, words split on spaces) to English; "" drops it
    (filler), and "…" in a value splits it around the rest of the clause ("súmale 3" is
    "add 3 to it"). ``after_verb`` gives the words whose meaning changes after a verb
    ("por" is "times", but "by" in "multiplica 6 por 7"). ``before_numbers`` rewrites
    phrases text2num would misread ("por ciento" would become "por 100").
    ``point_thousands``: "1.000" alone means a thousand (German), else it is refused.
    ``symbols``: what a sign means here (German "10 : 2" divides). ``unsure``: a word whose
    plain meaning is not certain before these numbers (Spanish "5 por 100" is 500 or 5%).
    """

    code: str
    phrases: dict[str, str]
    after_verb: dict[str, dict[str, str]] = field(default_factory=dict)
    before_numbers: tuple[tuple[str, str], ...] = ()
    point_thousands: bool = False
    symbols: dict[str, str] = field(default_factory=dict)
    unsure: dict[str, frozenset[str]] = field(default_factory=dict)


def _table(*groups: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    return {phrase: english for english, phrases in groups for phrase in phrases}


SPANISH = Language(
    code="es",
    phrases=_table(
        ("what is", ("cuánto es", "cuánto son", "cuántos son", "cuánto da", "cuánto dan", "cuánto vale",
                     "cuál es", "qué es", "cuánto", "calcula", "calcule", "calcular", "calculá", "computa",
                     "dime", "dígame", "dime cuánto es", "me dices cuánto es", "puedes calcular",
                     "el resultado de", "resultado de")),
        ("", ("por favor",)),
        ("the result", ("el resultado", "la respuesta", "el total")),
        ("the previous result", ("el resultado anterior",)),
        ("that result", ("ese resultado", "este resultado")),
        ("that", ("eso", "esto", "ello")),
        ("both", ("ambos", "ambos resultados")),
        ("the two results", ("los dos resultados", "las dos respuestas")),
        ("the two", ("los dos",)),
        ("the results", ("los resultados",)),
        ("add … to it", ("súmale", "añádele")),
        ("subtract … from it", ("réstale", "quítale")),
        ("subtract it", ("réstalo",)),
        ("multiply it", ("multiplícalo",)),
        ("divide it", ("divídelo",)),
        ("square it", ("elévalo al cuadrado",)),
        ("add them", ("súmalos",)),
        ("multiply them", ("multiplícalos",)),
        ("add", ("suma", "sume", "sumar", "añade", "añada", "añadir")),
        ("subtract", ("resta", "reste", "restar", "quita", "quite")),
        ("multiply", ("multiplica", "multiplique", "multiplicar")),
        ("divide", ("divide", "divida", "dividir")),
        ("raise", ("eleva", "eleve", "elevar")),
        ("the sum of", ("la suma de", "suma de")),
        ("the sum of the", ("la suma de los", "la suma de las")),
        ("the difference between", ("la diferencia entre",)),
        ("the difference of", ("la diferencia de",)),
        ("the product of", ("el producto de", "producto de")),
        ("the product of the", ("el producto de los", "el producto de las")),
        ("the quotient of", ("el cociente de",)),
        ("the average of", ("la media de", "el promedio de", "la media aritmética de", "la media entre",
                            "el promedio entre")),
        ("the average of the", ("la media de los", "el promedio de los")),
        ("the square root of", ("la raíz cuadrada de", "raíz cuadrada de", "la raíz de", "raíz de")),
        ("square root", ("raíz cuadrada",)),
        ("the cube root of", ("la raíz cúbica de", "raíz cúbica de")),
        ("the factorial of", ("el factorial de", "factorial de")),
        ("factorial", ("factorial",)),
        ("square", ("el cuadrado de",)),
        ("cube", ("el cubo de",)),
        ("double", ("el doble de",)),
        ("triple", ("el triple de",)),
        ("half of", ("la mitad de",)),
        ("plus", ("más",)),
        ("minus", ("menos",)),
        ("times", ("por",)),
        ("multiplied by", ("multiplicado por",)),
        ("divided by", ("dividido por", "dividido entre", "entre")),
        ("raised to", ("elevado a", "elevado a la")),
        ("to the power of", ("a la potencia de", "elevado a la potencia de")),
        ("squared", ("al cuadrado", "elevado al cuadrado")),
        ("cubed", ("al cubo", "elevado al cubo")),
        ("added to", ("sumado a",)),
        ("of", ("de",)),
        ("and", ("y",)),
        ("the", ("el", "la", "los", "las")),
    ),
    after_verb={
        "add": {"a": "to", "al": "to the", "con": "with"},
        "subtract": {"de": "from", "a": "from", "al": "from the", "del": "from the"},
        "multiply": {"por": "by"},
        "divide": {"por": "by", "entre": "by"},
        "raise": {"a": "to", "a la": "to"},
    },
    before_numbers=((r"\bpor\s*ciento\b", " % "),),
    # "5 por cien", "5 por 100": 500, or 5 percent as Spain also writes it
    unsure={"por": frozenset({"100", "1000"})},
)

FRENCH = Language(
    code="fr",
    phrases=_table(
        ("what is", ("combien font", "combien fait", "combien vaut", "combien valent", "combien égale",
                     "combien ça fait", "combien", "quel est", "quelle est", "qu'est-ce que", "c'est combien",
                     "calcule", "calculez", "calculer", "dis-moi", "dites-moi", "donne-moi", "donnez-moi",
                     "le résultat de")),
        ("", ("s'il te plaît", "s'il vous plaît")),
        ("the result", ("le résultat", "la réponse", "le total")),
        ("the previous result", ("le résultat précédent",)),
        ("that result", ("ce résultat",)),
        ("that", ("ça", "cela", "ceci")),
        ("both", ("tous les deux",)),
        ("the two results", ("les deux résultats",)),
        ("the two", ("les deux",)),
        ("the results", ("les résultats",)),
        ("multiply it", ("multiplie-le", "multipliez-le")),
        ("divide it", ("divise-le", "divisez-le")),
        ("add them", ("additionne-les", "additionnez-les", "ajoute-les", "ajoutez-les")),
        ("add", ("ajoute", "ajoutez", "ajouter", "additionne", "additionnez", "additionner")),
        ("subtract", ("soustrais", "soustrayez", "soustraire", "retire", "retirez", "retirer", "enlève",
                      "enlevez", "enlever")),
        ("multiply", ("multiplie", "multipliez", "multiplier")),
        ("divide", ("divise", "divisez", "diviser")),
        ("raise", ("élève", "élevez", "élever")),
        ("the sum of", ("la somme de", "somme de")),
        ("the sum of the", ("la somme des",)),
        ("the difference between", ("la différence entre",)),
        ("the difference of", ("la différence de",)),
        ("the product of", ("le produit de", "produit de")),
        ("the product of the", ("le produit des",)),
        ("the quotient of", ("le quotient de",)),
        ("the average of", ("la moyenne de",)),
        ("the average of the", ("la moyenne des",)),
        ("the square root of", ("la racine carrée de", "racine carrée de", "la racine de", "racine de")),
        ("square root", ("racine carrée",)),
        ("the cube root of", ("la racine cubique de", "racine cubique de")),
        ("the factorial of", ("la factorielle de", "factorielle de")),
        ("factorial", ("factorielle",)),
        ("square", ("le carré de",)),
        ("cube", ("le cube de",)),
        ("double", ("le double de",)),
        ("triple", ("le triple de",)),
        ("half of", ("la moitié de",)),
        ("plus", ("plus",)),
        ("minus", ("moins",)),
        ("times", ("fois",)),
        ("multiplied by", ("multiplié par",)),
        ("divided by", ("divisé par",)),
        ("to the power of", ("puissance", "à la puissance", "exposant")),
        ("squared", ("au carré",)),
        ("cubed", ("au cube",)),
        ("mod", ("modulo",)),
        ("of", ("de",)),
        ("of the", ("des",)),
        ("and", ("et",)),
        ("the", ("le", "la", "les")),
    ),
    after_verb={
        "add": {"à": "to", "au": "to the", "avec": "with"},
        "subtract": {"de": "from", "du": "from the", "à": "from"},
        "multiply": {"par": "by", "fois": "by"},
        "divide": {"par": "by"},
        "raise": {"à": "to"},
    },
    before_numbers=((r"\bpour\s*cent\b", " % "),),
)

GERMAN = Language(
    code="de",
    phrases=_table(
        ("what is", ("was ist", "was sind", "was ergibt", "was ergeben", "was macht", "was machen",
                     "wie viel ist", "wieviel ist", "wie viel sind", "wieviel sind", "wie viel macht",
                     "wieviel macht", "wie viel ergibt", "wieviel ergibt", "wie viel", "wieviel",
                     "berechne", "berechnen sie", "rechne", "rechne aus", "berechne mal", "rechne mal",
                     "das ergebnis von")),
        ("", ("bitte",)),
        ("then", ("dann", "danach")),  # inside a clause: "teile es dann durch 3"
        ("the result", ("das ergebnis", "das resultat", "dem ergebnis", "die antwort")),
        ("the previous result", ("das vorherige ergebnis", "das letzte ergebnis")),
        ("to the result", ("zum ergebnis",)),
        ("it", ("es",)),
        ("that", ("das", "dies", "dieses")),
        ("to it", ("dazu",)),
        ("from it", ("davon",)),
        ("both", ("beide", "beide ergebnisse", "beiden")),
        ("the two results", ("die beiden ergebnisse",)),
        ("the two", ("die beiden",)),
        ("the results", ("die ergebnisse",)),
        ("add", ("addiere", "addieren", "addier")),
        ("subtract", ("subtrahiere", "subtrahieren", "subtrahier", "ziehe", "zieh")),
        ("multiply", ("multipliziere", "multiplizieren", "multiplizier")),
        ("divide", ("teile", "teil", "dividiere", "dividieren", "dividier")),
        ("square", ("quadriere", "das quadrat von")),
        ("double", ("verdopple", "verdoppele", "das doppelte von")),
        ("triple", ("das dreifache von",)),
        ("halve", ("halbiere",)),
        ("half of", ("die hälfte von",)),
        ("the sum of", ("die summe von", "die summe aus", "summe von")),
        ("the difference between", ("die differenz zwischen", "die differenz von", "die differenz aus")),
        ("the product of", ("das produkt von", "das produkt aus", "produkt von")),
        ("the quotient of", ("der quotient von", "der quotient aus")),
        ("the average of", ("der durchschnitt von", "der mittelwert von", "den durchschnitt von",
                            "den mittelwert von")),
        ("the square root of", ("die quadratwurzel von", "die quadratwurzel aus", "quadratwurzel von",
                                "quadratwurzel aus", "die wurzel aus", "die wurzel von", "wurzel aus",
                                "wurzel von")),
        ("square root", ("quadratwurzel",)),
        ("the cube root of", ("die kubikwurzel von", "die kubikwurzel aus", "kubikwurzel von",
                              "kubikwurzel aus")),
        ("the factorial of", ("die fakultät von",)),
        ("factorial", ("fakultät",)),
        ("plus", ("plus",)),
        ("minus", ("minus", "weniger")),
        ("times", ("mal",)),
        ("multiplied by", ("multipliziert mit",)),
        ("divided by", ("geteilt durch", "dividiert durch", "durch")),
        ("to the power of", ("hoch",)),
        ("squared", ("zum quadrat", "im quadrat")),
        ("percent", ("prozent",)),
        ("percent of", ("prozent von",)),
        ("mod", ("modulo",)),
        ("of", ("von",)),
        ("and", ("und",)),
        ("the", ("der", "die", "den")),
    ),
    after_verb={
        "add": {"zu": "to", "zum": "to the", "mit": "with"},
        "subtract": {"von": "from", "vom": "from the", "ab": ""},
        "multiply": {"mit": "by", "mal": "by"},
        "divide": {"durch": "by"},
    },
    point_thousands=True,
    symbols={":": "/"},
)

LANGUAGES = (SPANISH, FRENCH, GERMAN)

#: English words any language's arithmetic may hold ("5 plus 7 x 2"; the core joins parts
#: with "and"): alone, they do not make a clause foreign.
ENGLISH = frozenset({"and", "plus", "minus", "x"})
_VERBS = ("add", "subtract", "multiply", "divide", "raise")


class _Refused(Exception):
    """Not arithmetic of this language, or not certain."""


def _fold(text: str) -> str:
    """``text`` without accents ("más" -> "mas"): people type both."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Compiled:
    language: Language
    by_first: dict[str, list[tuple[tuple[str, ...], str]]]
    after_verb: dict[str, dict[tuple[str, ...], str]]


def _compile(language: Language) -> _Compiled:
    phrases = dict(language.phrases)
    if language.code != "de":  # "mas" for "más"; German umlauts are not dropped that way
        for phrase, english in language.phrases.items():
            phrases.setdefault(_fold(phrase), english)
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, english in sorted(phrases.items(), key=lambda pe: -len(pe[0].split())):
        words = tuple(_numbers_as_digits(phrase, language).split())  # "les deux" is read "les 2"
        by_first.setdefault(words[0], []).append((words, english))
    after = {verb: {tuple(w.split()): e for w, e in table.items()} for verb, table in language.after_verb.items()}
    if language.code != "de":
        after = {verb: {**table, **{tuple(_fold(" ".join(w)).split()): e for w, e in table.items()}}
                 for verb, table in after.items()}
    return _Compiled(language, by_first, after)


_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:['-][^\W\d_]+)*)|(?P<sym>[-+*/^()%=,×÷−:])"
)


def _number(text: str, language: Language) -> str:
    """A number as written in ``language`` in plain digits ("2,5" -> "2.5", German "1.000"
    -> "1000"); ``_Refused`` when its separators could mean two things ("2,500": 2.5 in
    Spain, 2500 in Mexico)."""
    if text.isdigit():
        return text
    commas, points = text.count(","), text.count(".")
    whole, _, decimals = text.partition(",") if commas else (text, "", "")
    if commas > 1:
        raise _Refused(f"{text}: several commas")
    groups = whole.split(".")
    if points and commas:  # "1.234,5": points group thousands, the comma is the decimal point
        if language.code == "fr" or not _thousands(groups):
            raise _Refused(f"{text}: not a number in {language.code}")
        return str(Decimal("".join(groups) + "." + decimals))
    if commas:
        if len(decimals) == 3 and whole != "0":
            raise _Refused(f"{text}: a decimal comma or thousands?")
        return str(Decimal(whole + "." + decimals))
    if points > 1:
        if language.code == "fr" or not _thousands(groups):
            raise _Refused(f"{text}: not a number in {language.code}")
        return "".join(groups)
    head, tail = groups
    if len(tail) == 3 and head != "0":
        if not language.point_thousands:
            raise _Refused(f"{text}: a decimal point or thousands?")
        return head + tail
    return str(Decimal(text))


def _thousands(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and groups[0][0] != "0" and all(len(g) == 3 for g in groups[1:])


def _prepare(text: str) -> str:
    """Lower case, without the Spanish opening marks and a closing question mark."""
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ").lower()
    text = text.replace("¿", " ").replace("¡", " ")
    return text.strip().rstrip("?.;: ").strip()


def _numbers_as_digits(text: str, language: Language) -> str:
    """Number words as digits, by text2num in ``language`` ("veintiuno" -> "21")."""
    from text_to_num import alpha2digit

    for pattern, replacement in language.before_numbers:
        text = re.sub(pattern, replacement, text)
    try:
        return alpha2digit(text, language.code, threshold=0)
    except Exception as error:  # noqa: BLE001 - text2num on text it does not expect
        raise _Refused(str(error)) from None


def translate(text: str, compiled: _Compiled) -> str:
    """The English of a clause in ``compiled``'s language (``_Refused`` if it is not one)."""
    language = compiled.language
    prepared = _prepare(text)
    text = _numbers_as_digits(prepared, language)
    # number words of this language are words of it: "vingt et un plus un" is French
    foreign = text.split() != prepared.split()
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _Refused(f"unexpected {text[position]!r}")
        position = match.end()
        if match.lastgroup == "num":
            tokens.append(("num", _number(match.group(), language)))
        elif match.lastgroup == "sym":
            tokens.append(("sym", language.symbols.get(match.group(), match.group())))
        elif match.lastgroup == "word":
            tokens.append(("word", match.group()))
    words = [value for kind, value in tokens]
    out: list[str] = []
    suffix = ""
    verb: str | None = None
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind != "word":
            if value != "," or out:  # "por favor, calcula ...": that comma lists nothing
                out.append(value)
            i += 1
            continue
        english, length, own = _phrase(compiled, words, i, verb)
        if length == 1 and not own and words[i + 1:i + 2] and words[i + 1] in language.unsure.get(value, ()):
            raise _Refused(f"{value} {words[i + 1]}: not certain")
        if english is None:
            between = 0 < i < len(tokens) - 1 and tokens[i - 1][0] == tokens[i + 1][0] == "num"
            if value == "x" and not between:
                raise _Refused("x not between two numbers: an unknown, not a times sign")
            if value in ENGLISH:
                out.append(value)
                i += 1
                continue
            raise _Refused(f"not {language.code}: {value!r}")
        foreign = foreign or any(w not in ENGLISH for w in words[i:i + length])
        if "…" in english:
            if suffix or out:
                raise _Refused("a verb with its object in the middle of a clause")
            english, suffix = (part.strip() for part in english.split("…"))
        if english.split()[:1] and english.split()[0] in _VERBS:
            verb = english.split()[0]
        if english:
            out.append(english)
        i += length
    if not foreign:
        raise _Refused("no word of this language")
    while out and out[-1] == ",":  # "calcula 9 por 9, por favor"
        out.pop()
    return " ".join(out + ([suffix] if suffix else []))


def _phrase(compiled: _Compiled, words: list[str], i: int, verb: str | None) -> tuple[str | None, int, bool]:
    """The English of the longest phrase at ``words[i]``, its length in words, and whether
    the verb gave it; after a verb, its own meaning of a word ("por" after "multiplica" is
    "by") wins over the word's meaning alone."""
    for pattern, english in compiled.by_first.get(words[i], []):
        if len(pattern) > 1 and tuple(words[i:i + len(pattern)]) == pattern:
            return english, len(pattern), False
    if verb is not None:
        found = _after(compiled, verb, words, i)
        if found is not None:
            return *found, True
    for pattern, english in compiled.by_first.get(words[i], []):
        if len(pattern) == 1:
            return english, 1, False
    return None, 0, False


def _after(compiled: _Compiled, verb: str, words: list[str], i: int) -> tuple[str, int] | None:
    table = compiled.after_verb.get(verb, {})
    for pattern in sorted(table, key=len, reverse=True):
        if tuple(words[i:i + len(pattern)]) == pattern:
            return table[pattern], len(pattern)
    return None


#: A verb or function over operands ("add", "the sum of", "the square root of", "15 % of")...
_HEAD = re.compile(
    r"\b(?:add|subtract|multiply|divide|raise|square root(?: of)?|cube root of|square|cube|double|triple|halve|"
    r"half of|sum of|product of|average of|difference (?:between|of)|quotient of|factorial of|percent of)\b|% of\b")
#: ...followed by an operator: where its operand ends is not certain ("la raíz cuadrada de 16
#: más 9" is 5 or 13, "el producto de 3 y 4 más 5" 27 or 17), so the clause is refused.
_OPERATOR = re.compile(
    r"\b(?:plus|minus|times|multiplied by|divided by|over|mod|added to|squared|cubed|percent|"
    r"to the power of|raised to)\b|[-+*/×÷^%]")
_POWERS = {"to the power of", "raised to", "squared", "cubed", "^"}


#: A percent of nothing named: "10 menos el 10 %" is 9 to whoever says it, 9.9 to the parser.
_BARE_PERCENT = re.compile(r"(?:%|\bpercent\b)(?! of\b)")


#: A power of a power written with a square: "2 elevado a 3 al cuadrado" is 64 or 512.
_POWER_SQUARED = re.compile(r"(?:\bto the power of\b|\braised to\b|\^).*\b(?:squared|cubed)\b")
#: A two-operand verb given one earlier result and nothing else: "teile es" of "teile es
#: dann durch 3" (German puts "dann" inside the clause, where the request is split).
_HALF_VERB = re.compile(
    r"^(?:what is )?(?:add|subtract|multiply|divide)(?: (?:it|that|this|the result|that result|the previous result))?$")


def _operand_unsure(english: str) -> bool:
    if _BARE_PERCENT.search(english) or _HALF_VERB.match(english) or _POWER_SQUARED.search(english):
        return True
    head = _HEAD.search(english)
    if head is None:
        return False
    operators = {m.group() for m in _OPERATOR.finditer(english, head.end())}
    if head.group() == "raise":  # "eleva 2 al cuadrado": a power is what raising is
        operators -= _POWERS
    return bool(operators)


def _difference_unsure(english: str, call: ToolCall) -> bool:
    """"La diferencia entre 3 y 10" is 7 to many who ask, -7 to the parser: a difference
    is answered only between two numbers, the larger first."""
    if "difference" not in english:
        return False
    a, b = (call.args.get(k) for k in ("a", "b"))
    return call.tool != "subtract" or isinstance(a, str) or isinstance(b, str) or a < b


@functools.cache
def _compiled() -> tuple[_Compiled, ...]:
    """The tables, read once, when a clause first needs them (text2num loads its own)."""
    return tuple(_compile(language) for language in LANGUAGES)


def parse_language_clause(clause: Clause) -> ToolCall | None:
    """A clause of arithmetic in Spanish, French or German as one math tool call, or
    ``None``: no such language's words, or two languages reading it differently."""
    calls: list[ToolCall] = []
    for compiled in _compiled():
        try:
            english = translate(clause.text, compiled)
        except _Refused:
            continue
        if _operand_unsure(english):
            continue
        chained = clause.chained or (clause.previous is not None and re.search(r"\bthen\b", english) is not None)
        call = parse_math_clause(replace(clause, text=english, numbers=Clause.from_text(english).numbers,
                                         chained=chained))
        if call is not None and not _difference_unsure(english, call):
            calls.append(call)
    if not calls or any(call != calls[0] for call in calls[1:]):
        return None
    return calls[0]
