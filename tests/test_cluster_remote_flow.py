"""What ``run/runs/show --remote`` print, with the cluster replaced by a stand-in at the
boundary (``agentplat._cluster.remote``'s preflight/init/submit and ``flyte.remote.Run``):
the driver output they parse is a real one, produced by the same driver body."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

REQUEST = "Add 3 and 4, multiply 6 by 7, then add the two results"


def driver_output(request: str = REQUEST) -> str:
    from agentplat._common.context import RunContext
    from agentplat._engines.base import RunJob
    from agentplat._engines.inline import InlineEngine
    from agentplat._models.select import select_model
    from agentplat._plugin.registry import get_registry

    registry = get_registry()
    job = RunJob(RunContext(request=request, model=select_model(registry, "offline"), model_spec="offline",
                            registry=registry), max_parallel=4)
    driven = asyncio.run(InlineEngine().drive(job))
    return json.dumps(driven.to_json())


def aio(value):
    async def call(*args, **kwargs):
        return value(*args, **kwargs) if callable(value) else value

    return SimpleNamespace(aio=call)


class FakeRun:
    def __init__(self, name="r-abc", phases=("queued", "running", "succeeded"), output=None, error="",
                 task="agentplat-driver.agentplat_run", inputs=None):
        self.name, self.url = name, f"http://localhost:30080/v2/runs/{name}"
        self.phases, self.phase = list(phases), phases[0]
        self.action = SimpleNamespace(start_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
        self.outputs = aio((output,) if output is not None else ())
        self.inputs = aio(inputs or {"request": REQUEST, "model": "offline", "max_parallel": 4})
        failure = SimpleNamespace(task_name="agentplat-math.run_step_math", name="a1", error_message=error)
        self.first_failure = aio(failure if error else None)
        details = SimpleNamespace(task_name=task, action_details=SimpleNamespace(
            phase=self.phases[-1], runtime=timedelta(seconds=2)))
        self.details = aio(details)

    async def watch(self):
        for phase in self.phases:
            self.phase = phase
            yield SimpleNamespace(phase=phase)


@pytest.fixture
def cluster(monkeypatch):
    """A stand-in cluster: records what was submitted, answers with ``state['run']``."""
    from agentplat._cluster import remote
    from agentplat._engines import cluster as engine

    state = {"submitted": None, "run": FakeRun(output=driver_output())}
    monkeypatch.setattr(remote, "preflight", lambda config=None: remote.Session(
        config=None, endpoint=remote.Endpoint("localhost", 30080, True)))

    async def init(session):
        return None

    async def submit(task, *, version, labels=None, **inputs):
        state["submitted"] = {"task": task, "version": version, "labels": labels, **inputs}
        return state["run"]

    monkeypatch.setattr(remote, "init", init)
    monkeypatch.setattr(remote, "submit", submit)
    monkeypatch.setattr(engine, "cluster_tasks", lambda: SimpleNamespace(
        agentplat_run="DRIVER", agentplat_job="JOB", SPEC=SimpleNamespace(version=lambda: "v123")))
    return state


def invoke(*args):
    from agentplat.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_remote_prints_the_url_and_returns(cluster):
    result = invoke("run", REQUEST, "--remote", "--model", "offline", "--max-parallel", "3")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Run r-abc: http://localhost:30080/v2/runs/r-abc",
        "Follow it with: agentplat show r-abc --remote",
    ]
    assert cluster["submitted"] == {"task": "DRIVER", "version": "v123", "labels": {}, "request": REQUEST,
                                    "model": "offline", "max_parallel": 3,
                                    "approvals_json": '{"allow": [], "deny": [], "yes": false}',
                                    # the submitter's bounds of the joiner (its [run] settings)
                                    "rounds_json": '{"max_rounds": 3, "reflect": "auto", "deadline": 1800.0, '
                                                   '"max_llm_calls": 40}'}


def test_run_remote_carries_the_approval_policy_to_the_cluster(cluster, home):
    (home / "config.toml").write_text('[approvals]\nallow = ["notes.write_note"]\ndeny = ["fs.*"]\n')
    result = invoke("run", REQUEST, "--remote", "--approve", "memory.*", "--yes")
    assert result.exit_code == 0, result.output
    assert json.loads(cluster["submitted"]["approvals_json"]) == {
        "allow": ["notes.write_note", "memory.*"], "deny": ["fs.*"], "yes": True}


def test_run_remote_wait_streams_the_status_and_prints_the_answer(cluster):
    result = invoke("run", REQUEST, "--remote", "--wait", "--tag", "team=agents")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == ["Run r-abc: http://localhost:30080/v2/runs/r-abc", "  queued", "  running", "  succeeded"]
    assert "Plan: 3 steps in 2 waves" in lines
    assert "  [2] math.add(a=$0, b=$1) -> 49  (" in result.output
    assert "Answer: 49" in lines
    assert cluster["submitted"]["labels"] == {"team": "agents"}


def test_run_remote_wait_json_is_the_run_with_its_url(cluster):
    result = invoke("run", REQUEST, "--remote", "--wait", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["answer"] == "49" and data["status"] == "succeeded"
    assert data["url"] == "http://localhost:30080/v2/runs/r-abc" and data["phase"] == "succeeded"
    assert [s["result"] for s in data["steps"]] == [7, 42, 49]
    assert "  running" in result.stderr  # progress goes to stderr, stdout stays JSON


def test_a_failed_remote_run_ends_with_one_error_line(cluster):
    cluster["run"] = FakeRun(phases=("queued", "running", "failed"), error="ValueError: boom")
    result = invoke("run", REQUEST, "--remote", "--wait")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "agentplat: error: run r-abc failed: agentplat-math.run_step_math: ValueError: boom "
        "(http://localhost:30080/v2/runs/r-abc)")


def test_a_tag_that_cannot_be_a_label_is_refused(cluster):
    result = invoke("run", REQUEST, "--remote", "--tag", "topic=renewable energy")
    assert result.exit_code == 2
    assert "a tag becomes a label" in result.output
    assert cluster["submitted"] is None


def test_runs_and_show_remote_read_runs_back(cluster, monkeypatch):
    from flyte.remote import Run

    finished = FakeRun(name="r-1", output=driver_output())
    running = FakeRun(name="r-2", phases=("running",), inputs={"request": "Calculate 5 factorial", "model": ""})
    asked = {}

    async def listall(**kwargs):
        asked.update(kwargs)
        for run in (running, finished):
            yield run

    monkeypatch.setattr(Run, "listall", SimpleNamespace(aio=listall))
    monkeypatch.setattr(Run, "get", aio(lambda name: {"r-1": finished, "r-2": running}[name]))

    listed = invoke("runs", "--remote", "--limit", "5", "--status", "succeeded", "--json")
    assert listed.exit_code == 0, listed.output
    assert asked == {"task_name": "agentplat-driver.agentplat_run", "sort_by": ("created_at", "desc"), "limit": 5,
                     "in_phase": ("succeeded",)}
    rows = json.loads(listed.output)
    assert [(r["run"], r["phase"], r["request"]) for r in rows] == [
        ("r-2", "running", "Calculate 5 factorial"), ("r-1", "queued", REQUEST)]
    assert rows[0]["url"].endswith("/r-2") and rows[0]["started_at"].startswith("2026-01-02T03:04:05")

    human = invoke("runs", "--remote")
    assert human.output.splitlines()[0].startswith("r-2  2026-01-02 03:04:05  running")

    shown = invoke("show", "r-1", "--remote")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == "Run r-1  [succeeded]  http://localhost:30080/v2/runs/r-1"
    assert f"Request: {REQUEST}" in shown.output and "Answer: 49" in shown.output

    as_json = json.loads(invoke("show", "r-1", "--remote", "--json").output)
    assert as_json["run"] == "r-1" and as_json["answer"] == "49" and len(as_json["steps"]) == 3

    mermaid = invoke("show", "r-1", "--remote", "--mermaid")
    assert mermaid.output.startswith("flowchart")

    still = invoke("show", "r-2", "--remote")
    assert "Still running; follow it at http://localhost:30080/v2/runs/r-2" in still.output


ENTRY = "agentplat_report.batch:write_reports"


def test_report_remote_submits_a_batch_job_and_prints_its_output_folder(cluster):
    cluster["run"] = FakeRun(name="r-rep", output=SimpleNamespace(path="s3://bucket/runs/r-rep/out"),
                             task="agentplat-driver.agentplat_job")
    result = invoke("report", "solar power", "wind power", "--remote", "--wait", "--max-iterations", "2")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Run r-rep (report batch, 2 topic(s)): http://localhost:30080/v2/runs/r-rep",
        "  queued", "  running", "  succeeded",
        "Output: s3://bucket/runs/r-rep/out",
    ]
    submitted = cluster["submitted"]
    assert (submitted["task"], submitted["version"], submitted["entry"]) == ("JOB", "v123", ENTRY)
    args = json.loads(submitted["args_json"])
    assert args["topics"] == ["solar power", "wind power"]
    assert args["settings"]["max_iterations"] == 2


def test_report_remote_json_keeps_progress_on_stderr_and_a_failed_batch_ends_with_one_error_line(cluster):
    cluster["run"] = FakeRun(name="r-rep", phases=("queued", "running", "failed"), error="ValueError: boom",
                             task="agentplat-driver.agentplat_job")
    result = invoke("report", "solar power", "--remote", "--wait", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "run": "r-rep", "url": "http://localhost:30080/v2/runs/r-rep", "phase": "failed", "output": None,
        "error": "agentplat-math.run_step_math: ValueError: boom"}
    assert result.stderr.splitlines() == [
        "Run r-rep (report batch, 1 topic(s)): http://localhost:30080/v2/runs/r-rep",
        "  queued", "  running", "  failed",
        "agentplat: error: run r-rep failed: agentplat-math.run_step_math: ValueError: boom"]


def test_report_serve_remote_deploys_the_app_wired_to_the_newest_batch(cluster, monkeypatch):
    import flyte
    from flyte.remote import Run

    other = FakeRun(name="r-other", inputs={"entry": "agentplat_other.jobs:run", "args_json": "{}"})
    batch = FakeRun(name="r-rep", inputs={"entry": ENTRY, "args_json": "{}"})
    asked, served = {}, {}

    async def listall(**kwargs):
        asked.update(kwargs)
        for run in (other, batch):
            yield run

    async def serve(app_env):
        served["app"] = app_env
        return SimpleNamespace(endpoint="http://agentplat-report-app.localhost:30081", url="http://console/app")

    def with_servecontext(**kwargs):
        served["context"] = kwargs
        return SimpleNamespace(serve=SimpleNamespace(aio=serve))

    monkeypatch.setattr(Run, "listall", SimpleNamespace(aio=listall))
    monkeypatch.setattr(flyte, "with_servecontext", with_servecontext)
    result = invoke("report", "serve", "--remote")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "App agentplat-report-app serves the output of run r-rep",
        "URL: http://agentplat-report-app.localhost:30081",
        "Console: http://console/app",
    ]
    assert asked["task_name"] == "agentplat-driver.agentplat_job" and asked["in_phase"] == ("succeeded",)
    app = served["app"]
    (parameter,) = app.parameters
    assert (parameter.value.run_name, parameter.value.type, parameter.mount) == ("r-rep", "directory",
                                                                                 "/home/flyte/reports")
    assert app.args[:5] == ["agentplat", "report", "serve", "--reports", "/home/flyte/reports"]
    assert served["context"]["mode"] == "remote" and served["context"]["copy_style"] == "none"
