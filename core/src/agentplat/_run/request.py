"""The run's front door: from a request (or a recorded run to resume) to a ``RunResult``.

It chooses the model once, makes the run's context (``_common.context.RunContext``), hands
the run to an engine, records it as it goes, and builds the result. ``_cli`` and plugins
start runs only through here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid

from .._common import telemetry
from .._common.attachments import Attachment, named, planning_request
from .._common.context import current
from .._common.errors import AgentplatError, PlanningError
from .._engines.base import Engine, RunJob
from .._engines.current import current_engine
from .._execute.approval import ActionCall, Approvals, NotApproved
from .._execute.driver import FanOut
from .._execute.toolcall import abandoned_calls
from .._execute.outcome import StepResult
from .._execute.rounds import History, RoundPolicy
from .._llm.recording import LLMRecording
from .._models.base import Model
from .._models.select import exact_spec, pin_roles, role_models, select_model
from .._plan.graph import Plan, Step
from .._planners.planned import Planned
from .._plugin.registry import Registry, get_registry
from .._store.recorder import StoreRecorder
from .._store.runs import best_effort
from .attachments import reload
from .result import RunResult, call_log

__all__ = ["ActionCall", "Approvals", "NotApproved", "RunResult", "StepResult", "abandoned_calls", "load_result", "new_run_id", "plan_request", "resume_run", "run_request"]


async def plan_request(
    request: str, *, model: Model | str | None = None, registry: Registry | None = None,
    offline_first: bool | None = None,
) -> Planned:
    """The plan for ``request``, without running it (what it cost is in ``usage``; who made
    it in ``planner``). ``offline_first``: see ``run_request``."""
    from .._llm.usage import collecting
    from .._planners import first

    registry = registry or get_registry()
    chosen = select_model(registry, model)
    with collecting() as usage:
        planned = await first.plan(chosen, request, registry, offline_first=offline_first)
    planned.usage.add(usage)
    return planned


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


async def run_request(
    request: str,
    *,
    model: Model | str | None = None,
    max_parallel: int = 8,
    listener=None,
    engine: Engine | str | None = None,
    registry: Registry | None = None,
    run_id: str | None = None,
    store=None,
    tags: dict[str, str] | None = None,
    plan: Plan | None = None,
    approvals: Approvals | None = None,
    offline_first: bool | None = None,
    max_rounds: int | None = None,
    reflect: str | bool | None = None,
    attachments: list[Attachment] | None = None,
) -> RunResult:
    """Plan ``request`` (or take ``plan``) and run the plan. A planning error before any step
    raises; step errors (and a plan that breaks after steps started) are reported in the result.

    ``model`` is a name (``offline``, ``openai:gpt-4o``) or a ``Model`` object; it is chosen
    once and serves the whole run. With a ``store`` the run is recorded as it goes (plan,
    steps, LLM calls, the exact model) so it can be inspected and resumed, by one process at a
    time (``RunBusy`` otherwise); an interruption marks it ``interrupted`` and re-raises. A store
    that fails while recording (damaged, locked, read-only, full) warns once (``StoreWarning``)
    and the run goes on unrecorded.

    A tool call that writes or destroys runs only if ``approvals`` allows it (default: the
    ``[approvals]`` table of config.toml, and no one to ask: an unapproved call fails its step).

    With a model configured, the exact offline plan runs when it serves the whole request (no
    model call); ``offline_first=False`` always lets the model plan (default: the setting,
    ``[planner] deterministic_first`` / ``AGENTPLAT_DETERMINISTIC_FIRST``). ``RunResult.planner``
    says which planned.

    A model with a joiner adapts the run (``_execute.rounds``): after the steps settle it may
    finish or plan more steps, at most ``max_rounds`` rounds in all; ``reflect`` ("auto",
    "always"/``True``, "never"/``False``) says when it is asked (default: the settings).

    ``attachments`` (``_run.attachments.load_all``): files given to the run; a text's token in
    a tool argument becomes its text, an image goes to the planning model (not to the offline one).
    """
    if plan is None and not (request or "").strip():
        raise PlanningError("the request is empty")
    attachments = list(attachments or [])
    if not all(a.token for a in attachments):
        attachments = named(attachments)
    registry = registry or get_registry()
    policy = RoundPolicy.configured(max_rounds=max_rounds, reflect=reflect)  # a bad setting fails before the run
    chosen = select_model(registry, model)  # once per run, and a misconfigured model fails fast
    _can_see(chosen, attachments)
    roles = role_models(chosen)
    if model is None or isinstance(model, str):  # a Model object the caller made is used as it is
        chosen = pin_roles(chosen, roles)  # each role keeps its model for the whole run, and on resume
    run_id = run_id or new_run_id()
    store = best_effort(store)  # a store that fails warns once; the run goes on unrecorded
    with store.lease(run_id) if store is not None else contextlib.nullcontext():  # one process per run
        if store is not None:
            store.create_run(run_id, request, model=exact_spec(registry, model, chosen),
                             max_parallel=max_parallel, tags=tags, role_models=roles,
                             attachments=[a.record() for a in attachments])
        return await _run(request, chosen=chosen, requested=model, registry=registry, max_parallel=max_parallel,
                          listener=listener, engine=engine, run_id=run_id, store=store, tags=tags, plan=plan,
                          approvals=approvals, offline_first=offline_first, policy=policy, attachments=attachments)


async def resume_run(
    run_id: str,
    *,
    store,
    model: Model | str | None = None,
    listener=None,
    engine: Engine | str | None = None,
    registry: Registry | None = None,
    approvals: Approvals | None = None,
    max_rounds: int | None = None,
    reflect: str | bool | None = None,
) -> RunResult:
    """Continue a recorded run that failed or was interrupted (or whose process died): the
    plan is kept, finished steps are not run again, LLM answers already received are
    replayed. The run goes on with the very model it used unless ``model`` says otherwise.
    A run that already succeeded is returned as recorded. Calls that act are approved anew
    (``approvals``) for the steps that run now; finished steps keep their recorded decisions.
    A run that adapted goes on in the round it reached: the joiner's decisions that led to the
    rounds recorded are kept, and one already answered is replayed, not paid again."""
    run = _recorded(store, run_id)
    run_id = run["run_id"]
    with store.lease(run_id):  # held until the run ends; another process refuses at once
        run = _recorded(store, run_id)
        if run["status"] == "succeeded":
            return RunResult.from_record(store, run)
        # "running" here means its process died (it would hold the lease otherwise)
        if not run["plan_complete"]:
            rows = []
        else:  # the steps of a round whose decision was cut off are planned again
            rows = [r for r in store.steps(run_id) if (r["round"] or 1) <= max(run["rounds"] or 1, 1)]
        plan = Plan(steps=[Step.model_validate(r["step"]) for r in rows]) if run["plan_complete"] else None
        history = History(rounds=[r["round"] or 1 for r in rows], decisions=run["decisions"])
        # Without a complete plan the run is planned again, and a new plan may number its steps
        # differently: nothing is taken as done then (LLM answers are still replayed, not paid).
        done = {
            r["idx"]: StepResult(status="succeeded", result=r["result"], started_at=r["started_at"],
                                 ended_at=r["ended_at"], attempts=r["attempts"], usage=r["usage"],
                                 refused=r["refused"], approvals=r["approvals"], calls=r["calls"])
            for r in rows if r["status"] == "succeeded" and plan is not None
        }
        store = best_effort(store)  # from here on the run is recorded as well as the store allows
        store.forget_steps(run_id, after=len(rows))
        paid = store.llm_calls(run_id)
        prior = {"llm_calls": len(paid), "prompt_tokens": sum(c["prompt_tokens"] for c in paid),
                 "completion_tokens": sum(c["completion_tokens"] for c in paid)}
        requested = model or run["model"] or None  # exactly what the run used ("openai:fake"), unless overridden
        registry = registry or get_registry()
        chosen = select_model(registry, requested)
        # and each role's very model (config.toml may name others by now), unless overridden
        chosen = pin_roles(chosen, role_models(chosen) if model else run.get("role_models") or role_models(chosen))
        attachments = await reload(run.get("attachments") or [])  # the very files the run had, or a clear error
        _can_see(chosen, attachments)
        store.mark_running(run_id)
        result = await _run(run["request"], chosen=chosen, requested=requested, registry=registry,
                            max_parallel=run["max_parallel"] or 8, listener=listener, engine=engine, run_id=run_id,
                            store=store, tags=run.get("tags"), plan=plan, done=done, prior_usage=prior,
                            approvals=approvals, history=history, attachments=attachments,
                            policy=RoundPolicy.configured(max_rounds=max_rounds, reflect=reflect))
        result.planner = result.planner or run.get("planner") or ""  # a kept plan was made by the first attempt
        return result


def _can_see(model: Model, attachments: list[Attachment]) -> None:
    """An image needs a model that looks at images: the offline one cannot."""
    images = [a.name for a in attachments if a.is_image]
    if images and getattr(model, "name", "") == "offline":
        raise AgentplatError(f"the offline model cannot look at images ({', '.join(images)}): run with a model that "
                             "accepts them (--model, with OPENAI_API_KEY or OPENAI_BASE_URL)")


def load_result(store, run_id: str) -> RunResult:
    """A recorded run by id (or a unique prefix of it), as ``show`` prints it."""
    return RunResult.from_record(store, _recorded(store, run_id))


def _recorded(store, run_id: str) -> dict:
    run = store.get_run(run_id)
    if run is None:
        raise AgentplatError(f"no recorded run {run_id!r} (see `agentplat runs`)")
    return run


async def _run(request: str, *, chosen: Model, requested: Model | str | None, registry: Registry,
               max_parallel: int, listener, engine: Engine | str | None, run_id: str, store,
               tags: dict[str, str] | None, plan: Plan | None = None, done: dict[int, StepResult] | None = None,
               prior_usage: dict | None = None, approvals: Approvals | None = None,
               offline_first: bool | None = None, policy: RoundPolicy | None = None,
               history: History | None = None, attachments: list[Attachment] | None = None) -> RunResult:
    """Drive one attempt of a run (the store's lease is held) and build its result, in the
    run's span when telemetry is on (``_common.telemetry``)."""
    attributes = {"agentplat.run_id": run_id or None, "agentplat.request": request[:1000],
                  "agentplat.model": getattr(chosen, "name", None), "gen_ai.operation.name": "invoke_agent",
                  "agentplat.resumed": bool(done) or None, "agentplat.attachments": len(attachments or []) or None}
    with telemetry.span("agentplat run", attributes, root=True) as opened:
        result = await _attempt(request, chosen=chosen, requested=requested, registry=registry,
                                max_parallel=max_parallel, listener=listener, engine=engine, run_id=run_id,
                                store=store, tags=tags, plan=plan, done=done, prior_usage=prior_usage,
                                approvals=approvals, offline_first=offline_first, policy=policy, history=history,
                                span=opened, attachments=list(attachments or []))
        usage = result.usage.as_dict()
        telemetry.annotate(opened, {"agentplat.status": result.status, "agentplat.steps": len(result.steps),
                                    "agentplat.rounds": result.rounds, "agentplat.llm_calls": usage.get("llm_calls"),
                                    "gen_ai.usage.input_tokens": usage.get("prompt_tokens"),
                                    "gen_ai.usage.output_tokens": usage.get("completion_tokens")})
        if result.status not in ("succeeded", "partial"):
            telemetry.fail(opened, result.error or result.status)
        return result


async def _attempt(request: str, *, chosen: Model, requested: Model | str | None, registry: Registry,
                   max_parallel: int, listener, engine: Engine | str | None, run_id: str, store,
                   tags: dict[str, str] | None, plan: Plan | None, done: dict[int, StepResult] | None,
                   prior_usage: dict | None, approvals: Approvals | None, offline_first: bool | None,
                   policy: RoundPolicy | None, history: History | None, span,
                   attachments: list[Attachment]) -> RunResult:
    started = time.time()
    spec = requested if isinstance(requested, str) and requested else os.environ.get("AGENTPLAT_MODEL") or ""
    runner = engine if engine is not None and not isinstance(engine, str) else current_engine(engine)
    recorder = StoreRecorder(store, run_id) if store is not None else None
    if recorder is not None:
        listener = FanOut([recorder, listener])
    ctx = current().narrowed(
        run_id=run_id if store is not None else "", request=planning_request(request, attachments), model=chosen,
        model_spec=spec, attachments=attachments,  # a list: a tool may add one (an MCP server's image)
        registry=registry, listener=listener, recording=LLMRecording(store, run_id) if store is not None else None,
        approvals=approvals if approvals is not None else Approvals.from_config(), offline_first=offline_first,
        rounds=policy, span=span,
    )
    try:
        driven = await runner.drive(RunJob(ctx, max_parallel=max_parallel, plan=plan, done=done, history=history))
    except BaseException as exc:
        if recorder is not None:
            interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
            recorder.finish(status="interrupted" if interrupted else "failed", answer=None,
                            error="interrupted" if interrupted else str(exc), usage=prior_usage or {})
        raise
    result = RunResult.from_driven(driven, run_id=run_id, request=request, model=chosen.name, started=started,
                                   ended=time.time(), prior_usage=prior_usage, done=done, tags=tags)
    if recorder is not None:
        recorder.finish(status=result.status, answer=result.answer, error=result.error, usage=result.usage.as_dict())
        if result.usage.llm_calls or result.usage.replayed_calls:
            result.llm_call_log = call_log(store, run_id)
    if driven.error is not None and not driven.steps:
        raise driven.error
    return result

