"""The plan: a DAG of steps in the format of DESIGN.md, and its validation.

``{"steps": [{"agent", "tool", "args", "dependencies"} | {"agent", "task", "dependencies"}]}``
A string argument ``"$N"`` (or ``"$N.field"``) stands for the result of step N.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pydantic

from .._common.errors import PlanValidationError, ToolError
from .._common.jsondata import dumps, to_jsonable
from .._common.secrets import redact
from .._common.wording import problems
from .refs import REFERENCE, references

if TYPE_CHECKING:
    from .._plugin.registry import Registry

MAX_STEPS = 500


class Step(pydantic.BaseModel):
    """One node of the plan: a direct tool call, or a task delegated to an agent."""

    model_config = pydantic.ConfigDict(extra="forbid")

    agent: str
    tool: str | None = None
    args: dict[str, Any] | None = None
    task: str | None = None
    dependencies: list[int] = pydantic.Field(default_factory=list)

    @property
    def is_direct(self) -> bool:
        return self.tool is not None

    def to_json(self) -> dict[str, Any]:
        """The plan-format view of the step: only the keys its kind uses."""
        if self.is_direct:
            out = {"agent": self.agent, "tool": self.tool, "args": to_jsonable(self.args or {})}
        else:
            out = {"agent": self.agent, "task": self.task}
        out["dependencies"] = list(self.dependencies)
        return out

    def label(self) -> str:
        if self.is_direct:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in (self.args or {}).items())
            return f"{self.agent}.{self.tool}({shown})"
        return f"{self.agent}: {self.task}"


class Plan(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    steps: list[Step]

    def to_json(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps]}

    @classmethod
    def parse(cls, data: str | dict) -> "Plan":
        """Read a plan from JSON text or data; shape errors become ``PlanValidationError``."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise PlanValidationError(f"plan is not valid JSON: {exc}") from None
            except (ValueError, RecursionError) as exc:  # a number too long for int(), nesting too deep
                raise PlanValidationError(f"plan cannot be read: {str(exc).split(';')[0]}") from None
        if isinstance(data, list):
            data = {"steps": data}
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as exc:
            raise PlanValidationError(f"plan has the wrong shape at {problems(exc.errors()[:1], default='')}") from None

    def waves(self) -> list[list[int]]:
        """Depth levels: how a plan is shown (execution does not wait for whole waves)."""
        depth: list[int] = []
        for step in self.steps:
            depth.append(1 + max((depth[d] for d in step.dependencies), default=-1))
        levels: list[list[int]] = [[] for _ in range(max(depth, default=-1) + 1)]
        for index, level in enumerate(depth):
            levels[level].append(index)
        return levels

    def dependents(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.steps]
        for index, step in enumerate(self.steps):
            for dep in step.dependencies:
                out[dep].append(index)
        return out

    def final_steps(self) -> list[int]:
        """Steps no other step depends on: their results make the answer."""
        used = {d for s in self.steps for d in s.dependencies}
        return [i for i in range(len(self.steps)) if i not in used]

    def mermaid(self, statuses: dict[int, str] | None = None, rounds: list[int] | None = None) -> str:
        """A Mermaid flowchart; with ``rounds`` (each step's) of a run that adapted, each round
        is a subgraph."""
        lines = ["flowchart TD"]
        grouped = rounds is not None and len(set(rounds)) > 1
        for number in sorted(set(rounds)) if grouped else [None]:
            if grouped:
                lines.append(f'    subgraph round{number}["round {number}"]')
            for index, step in enumerate(self.steps):
                if grouped and (rounds[index] if index < len(rounds) else 1) != number:
                    continue
                text = step.label().replace('"', "'")
                lines.append(f'    {"    " if grouped else ""}s{index}["{index}. {text}"]')
            if grouped:
                lines.append("    end")
        for index, step in enumerate(self.steps):
            for dep in step.dependencies:
                lines.append(f"    s{dep} --> s{index}")
        if statuses:
            colours = {
                "succeeded": "fill:#d4edda,stroke:#28a745",
                "failed": "fill:#f8d7da,stroke:#dc3545",
                "skipped": "fill:#e2e3e5,stroke:#6c757d",
                "running": "fill:#fff3cd,stroke:#ffc107",
            }
            for status, style in colours.items():
                members = [f"s{i}" for i, s in statuses.items() if s == status]
                if members:
                    lines.append(f"    classDef {status} {style}")
                    lines.append(f"    class {','.join(members)} {status}")
        return "\n".join(lines)


def validate_step(plan: Plan, index: int, registry: "Registry", *, partial: bool = False) -> None:
    """Check one step against the registry and the steps before it; ``partial`` while a plan
    is still streaming (later steps are not known yet)."""
    step = plan.steps[index]
    where = f"step {index}"
    if step.agent not in registry.agents:
        known = ", ".join(sorted(registry.agents)) or "none"
        raise PlanValidationError(f"{where}: unknown agent {step.agent!r} (installed agents: {known})")
    for dep in step.dependencies:
        if dep < 0 or (not partial and dep >= len(plan.steps)):
            raise PlanValidationError(f"{where}: dependency {dep} is out of range (0..{len(plan.steps) - 1})")
        if dep == index:
            raise PlanValidationError(f"{where}: depends on itself (a cycle)")
        if dep > index:
            raise PlanValidationError(
                f"{where}: depends on step {dep}, which does not come before it "
                "(dependencies must be earlier steps, so a plan has no cycle)"
            )
    if len(set(step.dependencies)) != len(step.dependencies):
        raise PlanValidationError(f"{where}: lists a dependency twice")
    if step.is_direct:
        if step.task:
            raise PlanValidationError(f"{where}: has both 'tool' and 'task'; use one")
        agent = registry.agents[step.agent]
        tool = agent.tool(step.tool)
        if tool is None:
            names = ", ".join(t.name for t in agent.tools)
            raise PlanValidationError(f"{where}: agent {step.agent!r} has no tool {step.tool!r} (tools: {names})")
        args = step.args or {}
        for ref in references(args):
            if ref not in step.dependencies:
                raise PlanValidationError(
                    f"{where}: argument refers to ${ref}, which is not among its dependencies {step.dependencies}"
                )
        for name in tool.code_params:
            if any(True for _ in references(args.get(name))):
                raise PlanValidationError(
                    f"{where}: {step.tool}'s {name} is code: an earlier result reaches it as a value, never as text "
                    f"pasted into the code; list step N in dependencies and use the variable step_N in the code")
        deferred = {k for k, v in args.items() if isinstance(v, str) and REFERENCE.match(v)}
        try:
            tool.check_args(args, deferred=deferred)
        except ToolError as exc:
            raise PlanValidationError(f"{where}: {exc}") from None
    elif not (step.task and step.task.strip()):
        raise PlanValidationError(f"{where}: needs either 'tool' with 'args' or a non-empty 'task'")


def validate_plan(plan: Plan, registry: "Registry", *, max_steps: int = MAX_STEPS) -> Plan:
    """Every rule of DESIGN.md "Plans"; raises ``PlanValidationError`` naming the first break."""
    if not plan.steps:
        raise PlanValidationError("plan has no steps")
    if len(plan.steps) > max_steps:
        raise PlanValidationError(f"plan has {len(plan.steps)} steps; the limit is {max_steps}")
    cycle = find_cycle(plan)
    if cycle:
        raise PlanValidationError("plan has a cycle: " + " -> ".join(str(i) for i in cycle))
    for index in range(len(plan.steps)):
        validate_step(plan, index, registry)
    return plan


def find_cycle(plan: Plan) -> list[int] | None:
    """A dependency cycle as a list of step indices, or ``None`` (iterative DFS)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = [WHITE] * len(plan.steps)
    for start in range(len(plan.steps)):
        if colour[start] != WHITE:
            continue
        stack = [(start, iter(plan.steps[start].dependencies))]
        path = [start]
        colour[start] = GREY
        while stack:
            node, children = stack[-1]
            for child in children:
                if not 0 <= child < len(plan.steps):
                    continue
                if colour[child] == GREY:
                    return path[path.index(child):] + [child]
                if colour[child] == WHITE:
                    colour[child] = GREY
                    stack.append((child, iter(plan.steps[child].dependencies)))
                    path.append(child)
                    break
            else:
                colour[node] = BLACK
                stack.pop()
                path.pop()
    return None


def _short(value: Any, limit: int = 40) -> str:
    """A label's argument: masked before it is cut, so no prefix of a key is left to show."""
    text = redact(dumps(value) if not isinstance(value, str) else value)
    text = text if "\n" not in text else "⏎".join(line.strip() for line in text.strip().splitlines())  # code: one line
    return text if len(text) <= limit else text[: limit - 1] + "…"
