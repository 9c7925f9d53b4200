"""The code agent's tool: ``run_python``, in the run's sandbox session.

One session per run (a run resource, ``agentplat.extend.run_resources``): every code step of the
run, and of ``agentplat resume`` of it, sees the variables earlier code left; another run never
does. Outside a run (a test, a tool called on its own) each call gets a session of its own.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any, AsyncIterator

from pydantic import Field

from agentplat import tool

from .limits import Limits

#: The JSON schema mark of a parameter that takes code (see ``Tool.code_params``).
PYTHON = {"contentMediaType": "text/x-python"}
_KEY = ("agentplat-code", "sandbox")


#: What code is for, in the words requests use (the planner's shortlist and the model read them).
EXAMPLES = [
    "Sort these numbers from smallest to largest",
    "The sum of the squares of the numbers from 1 to 10",
    "How many numbers between 1 and 50 are divisible by 7?",
    "How many days are there between two dates?",
    "Find the largest number in a list",
    "Reverse a list; count items in a loop",
    "Write and run Python code",
]


@tool(effect="read", open_world=True, timeout=600, examples=EXAMPLES)
async def run_python(
    code: Annotated[str, Field(json_schema_extra=PYTHON)],
    inputs: dict[str, Any] | None = None,
) -> Any:
    """Run Python code in a sandbox, where call_tool("agent.tool", name=value) calls any tool; the
    value of its last expression is the result.

    The sandbox has no files, network or environment; variables persist between the code
    steps of one run. call_tool("math.factorial", n=20) calls a tool and tools() lists them;
    step_N is the result of step N the step depends on. What the code prints comes
    back with the value ({"value": ..., "printed": ...}; the printed text alone when the
    last line is not an expression).

    Args:
        code: Python source. The result of each step this one depends on is the variable
            step_N; never paste a result into the code.
        inputs: More values bound as variables before the code runs, by name: {"n": "$0"}
            makes step 0's result the variable n.
    """
    from agentplat.extend import tool_caller

    limits = Limits.from_env()
    caller = tool_caller(max_calls=limits.max_calls)
    # the step's dependencies' results are variables too (step_0, ...): a model writing code in a
    # task step uses them by name instead of pasting them into the code
    given = {f"step_{i}": value for i, value in caller.inputs.items()} | dict(inputs or {})
    async with _session(limits) as sandbox:
        return await sandbox.run(code, given, caller)


@contextlib.asynccontextmanager
async def _session(limits: Limits) -> AsyncIterator[Any]:
    """The run's sandbox (opened by its first code step), or one for this call alone."""
    from agentplat.extend import run_resources

    scope = run_resources()
    if scope is None:
        async with _opened(limits, None) as sandbox:
            yield sandbox
        return
    yield await scope.get(_KEY, lambda: _opened(limits, scope), timeout=60)


@contextlib.asynccontextmanager
async def _opened(limits: Limits, scope: Any) -> AsyncIterator[Any]:
    from .sandbox import Sandbox, prune

    state = _state_file(scope.run_id if scope is not None else "")
    if state is not None:
        prune(state.parent)
    async with Sandbox(limits, state_file=state) as sandbox:
        try:
            yield sandbox
        finally:
            if scope is not None and scope.finished:
                sandbox.forget()


def _state_file(run_id: str) -> Path | None:
    """Where a recorded run's session is kept for a resume (``None`` for a run not recorded)."""
    from agentplat.extend import data_dir

    if not run_id:
        return None
    return Path(data_dir()) / "code" / f"{run_id}.session"


TOOLS = [run_python]
