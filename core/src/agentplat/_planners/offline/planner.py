"""The offline planner: a deterministic, network-free request -> plan translation.

Clauses come from ``text.segments``; each is offered to the plugins' domain parsers first
and then to the generic router. "A and B" is split only when both sides route on their
own, so "add 3 and 4" stays one step while "10 times 5 and 7 times 8" becomes two.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..._common.errors import NoCapableAgent, PlanningError
from ..._common.wording import in_quotes
from ..._plan.graph import Plan, Step
from ..._plan.refs import REFERENCE, literal, references
from ..._plugin.registry import Registry
from . import reading
from ..._plugin.parsing import Clause, Produced, ToolCall
from .router import ToolIndex, route


#: The most "and"-parts one clause may span ("add 3 and 4" spans two).
MAX_JOINED = 6


@dataclass
class _State:
    steps: list[Step] = field(default_factory=list)
    frontier: list[int] = field(default_factory=list)  # results no later step used yet
    previous: int | None = None  # what "it" and a chained clause's missing operand mean
    produced: tuple[Produced, ...] = ()  # what each step is, as parsers see it
    parts: tuple[str, ...] = ()  # the request's words each step serves (masked)

    def add(self, step: Step, part: str = "") -> "_State":
        frontier = [i for i in self.frontier if i not in step.dependencies] + [len(self.steps)]
        made = Produced(len(self.steps), step.agent, step.tool)
        return _State(self.steps + [step], frontier, previous=len(self.steps), produced=self.produced + (made,),
                      parts=self.parts + (part,))


class OfflinePlanner:
    def __init__(self, registry: Registry):
        self.registry = registry
        self._masked = reading.Masked("")  # the request being planned, its quoted text masked
        self._why: list[str] = []  # why tools that would fit a clause cannot take it (said on refusal)
        self.parts: list[str] = []  # after ``plan``: the request's words each step serves
        # an agent with its own parser has said what it serves: the generic router does not
        # second-guess it ("reverse the order of my meetings" is not text.reverse)
        self._descriptions: dict[tuple[str, str | None], set[str]] = {}
        parsed = {p.agent for p in registry.parsers}
        self.index = ToolIndex(
            [t for t in registry.tools() if t.agent not in parsed],
            {name: a.examples for name, a in registry.agents.items()},
        )

    def plan(self, request: str, *, holes: bool = False) -> Plan:
        """The plan of the whole request; ``NoCapableAgent`` at the first part no agent serves.

        With ``holes`` such a part becomes a step of no agent (``agent=""``, the part as its
        task) and planning goes on: what the offline planner reads of a request it cannot serve
        whole, for checking another planner's plan against it (``_planners.agreement``)."""
        if not request or not request.strip():
            raise PlanningError("the request is empty")
        state = _State()
        previous: tuple[reading.Segment, _State] | None = None  # last segment, state before it
        self._masked = masked = reading.mask(request)  # quoted text is opaque to every rule below
        pieces = reading.segments(masked.text)
        position = 0
        while position < len(pieces):
            segment = pieces[position]
            position += 1
            self._why = []
            routed = self._route_span(segment.text, segment.chained, state)
            # "the sum of 4, 5 and 6": a piece that serves nothing alone may go on after its comma
            ahead = position
            while routed is None and ahead < min(len(pieces), position + MAX_JOINED) and not pieces[ahead].chained:
                segment = reading.Segment(f"{segment.text}, {pieces[ahead].text}", segment.chained)
                ahead += 1
                routed = self._route_span(segment.text, segment.chained, state)
            if routed is not None:
                position = ahead
            else:
                segment = pieces[position - 1]
            if routed is None and previous is not None and not segment.chained:
                # "weather in Paris, France": a piece that serves nothing alone belongs
                # to the clause before the comma
                joined = reading.Segment(f"{previous[0].text}, {segment.text}", previous[0].chained)
                merged = self._route_span(joined.text, joined.chained, previous[1])
                if merged is not None:
                    segment, routed, state = joined, merged, previous[1]
            if routed is None and holes:
                routed = state.add(Step(agent="", task=masked.restore(segment.text)), segment.text)
            if routed is None:
                whole = " ".join(request.split())
                shown = masked.restore(segment.text)
                alone = segment.text == reading.ends(" ".join(masked.text.split()))
                part = "" if alone else f" (the part {in_quotes(shown)})"
                withheld = "".join(
                    f"; agent {name!r} is withheld: registered by both {' and '.join(owners)}, choose one with "
                    f"[agents] {name} = " + " or ".join(f'"{o}"' for o in owners) + " in config.toml"
                    for name, owners in self.registry.contested.items())
                reasons = "".join(f"; {reason}" for reason in list(dict.fromkeys(self._why))[:3])
                raise NoCapableAgent(
                    f"no installed agent can handle {in_quotes(whole)}{part} "
                    f"(installed agents: {', '.join(sorted(self.registry.agents)) or 'none'}){withheld}{reasons}"
                )
            previous = (segment, state)
            state = routed
        if not state.steps:
            raise PlanningError("the request is empty")
        self.parts = [masked.restore(part) for part in state.parts]
        return Plan(steps=state.steps)

    def _route_span(self, text: str, chained: bool, state: _State) -> _State | None:
        """Route ``text`` as one or more parallel clauses joined by "and"; splits win.

        Linear in the number of "and"-parts: a clause spans at most ``MAX_JOINED`` of them,
        and a dead end (the parts from ``i`` on cannot be routed from what ``i`` sees) is
        remembered, so no split is tried twice (it once doubled with every "and").
        """
        parts = reading.and_parts(text)
        failed: set[tuple] = set()
        # a depth-first search without recursion (a request may hold thousands of clauses):
        # each frame is [start part, chained, state, next span length, stage, left state]
        frames = [[0, chained, state, 1, 0, None]]
        while frames:
            frame = frames[-1]
            i, chained_here, here, k, stage, left = frame
            key = (i, chained_here, here.previous, tuple(here.frontier), len(here.steps))
            if stage == 0 and k == 1 and key in failed:
                frames.pop()
                continue
            if stage == 1:  # the parallel reading of the rest failed: try it as needing an operand
                frame[4] = 2
                frames.append([i + k, True, left, 1, 0, None])
                continue
            if stage == 2:  # neither reading of the rest worked: a longer clause here
                frame[3], frame[4] = k + 1, 0
                continue
            if k > min(MAX_JOINED, len(parts) - i):
                failed.add(key)
                frames.pop()
                if frames:  # tell the parent its child failed: it moves to its next stage
                    continue
                return None
            steps = self.route_clause(" and ".join(parts[i:i + k]), chained_here, here)
            if steps is None:
                frame[3] = k + 1
                continue
            left = here
            for step in steps:  # one clause may be several independent calls ("weather in Paris and Berlin")
                left = left.add(step, " and ".join(parts[i:i + k]))
            if i + k == len(parts):
                return left
            # parallel "and" parts share the reference point of the clause before them...
            frame[4], frame[5] = 1, left
            frames.append([i + k, False, replace(left, previous=here.previous), 1, 0, None])
        return None

    def route_clause(self, text: str, chained: bool, state: _State) -> list[Step] | None:
        """One clause (masked: its quoted strings are tokens) as its steps, or ``None``."""
        index = len(state.steps)
        previous = state.previous
        # only a clause that names a result ("the word count") needs what earlier steps made
        described = self._described(state) if reading.NAMED_REFERENCE.search(text) else None
        restore = self._masked.restore
        clause = Clause(
            text=restore(reading.plain_references(text, described) if described else text),
            index=index,
            references=reading.resolve_references(
                text, index=index, previous=previous, frontier=state.frontier, earlier=described
            ),
            earlier=list(state.produced),
            previous=previous,
            chained=chained,
            numbers=reading.numbers(restore(text)),
            quoted=reading.quoted(restore(text)),
        )
        calls = self.parse_all(clause)
        if calls is None:
            return None
        return [Step(agent=call.agent, tool=call.tool, args=call.args, dependencies=sorted(set(references(call.args))))
                for call in calls]

    def _described(self, state: _State) -> list[set[str]]:
        """The words that say what each earlier step produced: its tool's name and
        description, its agent's name, description and examples (once per agent and tool)."""
        out = []
        for step in state.steps:
            key = (step.agent, step.tool)
            if key not in self._descriptions:
                agent = self.registry.agents.get(step.agent)
                tool = agent.tool(step.tool) if agent is not None and step.tool else None
                text = " ".join([step.agent, (step.tool or "").replace("_", " "), tool.description if tool else "",
                                 agent.description if agent else "", *(agent.examples if agent else [])])
                self._descriptions[key] = set(reading.WORD.findall(text.lower()))
            out.append(self._descriptions[key])
        return out

    def parse(self, clause: Clause) -> ToolCall | None:
        """The one call for ``clause`` (``None`` if it is none, or several)."""
        calls = self.parse_all(clause)
        return calls[0] if calls is not None and len(calls) == 1 else None

    def parse_all(self, clause: Clause) -> list[ToolCall] | None:
        """Domain parsers first (in registration order), then the generic router. A parser
        may answer several independent calls (a list), one step each, in order."""
        for parser in self.registry.parsers:
            if parser.agent not in self.registry.agents:
                continue
            try:
                got = parser.parse(clause)
            except Exception:  # noqa: BLE001 - a faulty parser must not break planning
                got = None
            if got is not None and got != []:
                made = list(got) if isinstance(got, (list, tuple)) else [got]
                if not all(isinstance(c, ToolCall) for c in made):
                    return None
                calls = [_literal(replace(c, agent=c.agent or parser.agent), clause) for c in made]
                return None if None in calls else calls
        call = route(clause, self.index, self._why)
        call = None if call is None else _literal(call, clause)
        return None if call is None else [call]


def _literal(call: ToolCall, clause: Clause) -> ToolCall | None:
    """``call`` with the quoted text in its arguments kept literal: "$0" a user quoted is
    text, written ``$$0`` in the plan, never step 0's result. ``None`` when that cannot be
    told apart (a quoted "$0" in a clause that also points at step 0, or quoted "$N" text
    inside a longer argument a parser made)."""
    risky = [q for q in clause.quoted if "$" in q and literal(q) != q]
    if not risky:
        return call
    if clause.references and any(REFERENCE.match(q) for q in risky):
        return None
    args = {}
    for name, value in call.args.items():
        if isinstance(value, str) and value in risky:
            value = literal(value)
        elif isinstance(value, str) and any(q in value for q in risky):
            return None
        args[name] = value
    return replace(call, args=args)
