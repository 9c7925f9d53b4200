"""The offline parser: code the request gives, run as given. It never writes code.

A clause is served when it is a cue and one piece of code in back quotes (`...`) or a fenced
block (```...```), and nothing else: "run `sorted([3, 1, 2])`", "evaluate this python:
```...```", "what does `2 ** 10` return?". An earlier result reaches the code as a variable, never
pasted into it: named ("..., then run `x * 2` with x = the result", "where x is step 0", "using
it as x"), or, unnamed ("run `result + 1` on it"; or a chained clause whose code uses
``result``), as ``result`` (and ``_``, as in Python's REPL). A code step comes after the code
step before it (they share the run's variables): ``_`` is that step's result, as in the REPL.
"""

from __future__ import annotations

import re

from agentplat import Clause, ToolCall, quoted_spans, ref

_SLOT = "\u27e8code\u27e9"
_VERB = r"(?:run|execute|exec|evaluate|eval|compute|calculate|interpret)"
_WHAT = (r"(?:(?:the |this |that |following |the following )*(?:python3? |py )?"
         r"(?:code|snippet|expression|program|script|statement|statements|python3?|block|cell)s?\s*)")
_LEAD = re.compile(r"^(?:(?:please|kindly|now|also|just|ok|okay|can you|could you|would you|will you)\s+)+")
_TRAIL = re.compile(r"(?:\s+(?:please|for me|thanks|thank you))+$")
_REF = (r"(?:it|that|this|the (?:previous |last |above )?(?:result|answer|output|value|number|text)|"
        r"(?:the )?(?:(?:result|output|answer) (?:of|from) )?step (?:#|no\.? ?)?\d+|result (?:#|no\.? ?)?\d+)")
_NAME = r"(?P<{}>[A-Za-z_]\w*)"
#: how a clause gives the code an earlier result: named, or as ``result``
_BINDING = re.compile(
    rf"\s*(?:,\s*)?(?:"
    rf"(?:with|where|setting|letting|let) {_NAME.format('name')} (?:=|be|is|as|being|set to|equal to|equals?) {_REF}"
    rf"|(?:using|with|taking|passing) {_REF} as {_NAME.format('alias')}"
    rf"|(?P<unnamed>(?:on|with|over|using|for|to) {_REF}))$"
)
_SHAPES = [
    re.compile(rf"^(?:{_VERB}(?: {_WHAT})?(?: in python3?)?|{_WHAT})\s*:?\s*{_SLOT}(?:\s*(?:in|with|using) python3?)?$"),
    re.compile(rf"^(?:what|which value|what value) (?:does|would|will) {_SLOT} (?:give|return|output|print|produce|"
               rf"evaluate to|come to|yield)(?: in python3?)?\??$"),
    re.compile(rf"^(?:what is|what's|whats|what are) (?:the (?:value|result|output) of )?{_SLOT}(?: in python3?)?\??$"),
]


def parse_code_clause(clause: Clause) -> ToolCall | None:
    """The clause's code as a ``run_python`` call, or ``None`` if the clause is anything else."""
    spans = [s for s in quoted_spans(clause.text) if clause.text[s[0]] == "`"]
    if len(spans) != 1 or len(quoted_spans(clause.text)) != 1:
        return None
    start, end, code = spans[0]
    frame = (clause.text[:start] + _SLOT + clause.text[end:]).strip().rstrip(".!").strip()
    frame = _TRAIL.sub("", _LEAD.sub("", " ".join(frame.lower().split()).replace(" " + _SLOT.lower(), " " + _SLOT)))
    inputs: dict[str, str] = {}
    binding = _BINDING.search(frame)
    if binding and binding.start() > frame.find(_SLOT):
        if not clause.references:
            return None  # it names a result the core could not point at
        target = ref(clause.references[-1])
        name = binding.group("name") or binding.group("alias")
        if name:
            name = _name_as_written(clause.text[end:], name)
            if name is None:
                return None
            inputs[name] = target
        else:
            inputs["result"] = inputs["_"] = target
        frame = frame[: binding.start()].rstrip(" ,")
    if not any(shape.match(frame) for shape in _SHAPES):
        return None
    if not inputs and clause.chained and clause.previous is not None and re.search(r"(?<![\w.])(?:result|_)(?!\w)", code):
        inputs["result"] = inputs["_"] = ref(clause.previous)  # "..., then run `result * 2`"
    if not inputs and clause.references:
        return None  # it points at a result the code would not see
    earlier = [p for p in clause.earlier if p.agent == "code"]
    if earlier and "_" not in inputs:  # after the code before it (their variables are shared), as in a REPL
        inputs["_"] = ref(earlier[-1].index)
    args: dict = {"code": code}  # byte for byte, as the user wrote it
    if inputs:
        args["inputs"] = inputs
    return ToolCall(tool="run_python", args=args)


def _name_as_written(after: str, lowered: str) -> str | None:
    """The variable's name with the case the user wrote (``X`` is not ``x``)."""
    found = re.search(rf"(?<!\w)({re.escape(lowered)})(?!\w)", after, re.I)
    name = found.group(1) if found else None
    return name if name and name.isidentifier() and not name.startswith("__") else None

