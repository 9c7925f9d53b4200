"""Runs are recorded, inspectable, resumable without repeating work, and interruptible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from agentplat.extend import run_store
from agentplat.testing import cli_command, run_cli, wait_until

OFFLINE = {"AGENTPLAT_MODEL": "offline"}


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*cli_command(), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


def wait_for(path, timeout=60.0):
    wait_until(path.exists, timeout, interval=0.05, message=f"{path} never appeared")


def runs(*args: str):
    result = run_cli("runs", "--json", *args)
    assert result.code == 0, result.stderr
    return result.json()


def test_a_run_is_recorded_and_can_be_shown():
    ran = run_cli("run", "Add 3 and 4, multiply 6 by 7, then add the two results", "--json", env=OFFLINE).json()
    [listed] = runs()
    assert listed["run_id"] == ran["run_id"]
    assert {"run_id", "request", "status", "started_at", "ended_at", "llm_calls"} <= set(listed)
    assert listed["status"] == "succeeded"
    shown = run_cli("show", ran["run_id"], "--json").json()
    assert shown["plan"] == ran["plan"]
    assert [s["result"] for s in shown["steps"]] == [7, 42, 49]
    assert shown["steps"][2]["inputs"] == {"0": 7, "1": 42}
    assert all(s["attempts"] == 1 and s["seconds"] is not None for s in shown["steps"])
    human = run_cli("show", ran["run_id"][:6]).stdout  # a unique prefix is enough
    assert "wave 2:" in human and "Answer: 49" in human
    drawing = run_cli("show", ran["run_id"], "--mermaid").stdout
    assert "class s0,s1,s2 succeeded" in drawing


def test_runs_are_listed_newest_first_and_filtered_by_status_and_tag():
    run_cli("run", "Calculate 5 factorial", "--tag", "team=red", env=OFFLINE)
    run_cli("run", "Divide 1 by 0", "--tag", "team=blue", env=OFFLINE)
    listed = runs()
    assert [r["request"] for r in listed] == ["Divide 1 by 0", "Calculate 5 factorial"]
    assert [r["request"] for r in runs("--status", "failed")] == ["Divide 1 by 0"]
    assert [r["request"] for r in runs("--tag", "team=red")] == ["Calculate 5 factorial"]
    assert len(runs("--limit", "1")) == 1


def test_a_filter_that_matches_nothing_is_not_called_an_empty_store():
    assert "No runs recorded yet" in run_cli("runs").stdout
    run_cli("run", "Calculate 5 factorial", env=OFFLINE)
    listed = run_cli("runs", "--status", "failed", "--tag", "team=red")
    assert listed.code == 0
    assert listed.stdout.strip() == ("No runs with status failed and tag team=red; "
                                     "`agentplat runs` lists every recorded run.")


def test_resuming_a_finished_run_is_a_no_op_that_says_so():
    ran = run_cli("run", "Calculate 5 factorial", "--json", env=OFFLINE).json()
    again = run_cli("resume", ran["run_id"])
    assert again.code == 0
    assert "already finished" in again.stdout
    assert len(runs()) == 1


def test_an_unknown_run_is_one_clear_line():
    result = run_cli("show", "nope")
    assert result.code != 0 and result.stderr.strip() == "agentplat: error: no recorded run 'nope' (see `agentplat runs`)"


def test_ctrl_c_cancels_running_steps_marks_the_run_interrupted_and_resume_finishes_it(testkit):
    proc = start_cli("run", "add 2 and 3 and nap for 120 seconds", env=OFFLINE)
    wait_for(testkit / "nap-120")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    [run] = runs()
    assert run["status"] == "interrupted"
    assert f"agentplat resume {run['run_id']}" in err
    assert "Traceback" not in err
    before = run_cli("show", run["run_id"], "--json").json()["steps"]
    assert [s["status"] for s in before] == ["succeeded", "interrupted"]

    resumed = run_cli("resume", run["run_id"], "--json")
    assert resumed.code == 0, resumed.stderr
    data = resumed.json()
    assert data["run_id"] == run["run_id"] and data["status"] == "succeeded"
    assert data["steps"][0]["started_at"] == before[0]["started_at"]  # not run again
    assert runs()[0]["status"] == "succeeded"


def test_a_transient_tool_failure_is_retried_and_recorded_as_two_attempts(testkit):
    ran = run_cli("run", "flaky echo hello", "--json", env={**OFFLINE, "AGENTPLAT_RETRY_WAIT": "0.01"})
    assert ran.code == 0, ran.stderr
    step = run_cli("show", ran.json()["run_id"], "--json").json()["steps"][0]
    assert step["status"] == "succeeded" and step["result"] == "hello"
    assert step["attempts"] == 2


def test_concurrent_runs_in_separate_processes_all_land_in_the_store():
    procs = [start_cli("run", f"Add {i} and 1000", env=OFFLINE) for i in range(6)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    listed = runs()
    assert len(listed) == 6
    assert sorted(r["answer"] for r in listed) == sorted(str(1000 + i) for i in range(6))
    assert {r["status"] for r in listed} == {"succeeded"}


def test_a_batch_prints_results_in_input_order_with_failures_in_place(tmp_path):
    requests = tmp_path / "requests.txt"
    requests.write_text("Calculate 5 factorial\nDivide 1 by 0\n" + json.dumps(
        {"request": "Add 2 and 2", "tags": {"source": "jsonl"}}) + "\n")
    result = run_cli("batch", str(requests), "--max-workers", "3", "--tag", "batch=one", env=OFFLINE)
    assert result.code != 0  # one request failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["index"] for line in lines] == [0, 1, 2]
    assert [line["status"] for line in lines] == ["succeeded", "failed", "succeeded"]
    assert [line["answer"] for line in lines] == ["120", None, "4"]
    assert len(runs("--tag", "batch=one")) == 3
    assert [r["request"] for r in runs("--tag", "source=jsonl")] == ["Add 2 and 2"]


def test_fail_fast_cancels_the_requests_still_running_or_waiting(tmp_path, testkit):
    requests = tmp_path / "requests.txt"
    requests.write_text("\n".join(["nap for 120 seconds", "nap for 121 seconds", "Divide 1 by 0"] +
                                  ["Add 1 and 1"] * 5))
    started = time.monotonic()
    result = run_cli("batch", str(requests), "--max-workers", "3", "--fail-fast", env=OFFLINE)
    took = time.monotonic() - started
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.code != 0
    assert [line["status"] for line in lines] == ["cancelled", "cancelled", "failed"] + ["cancelled"] * 5
    assert took < 60  # far less than the naps: they were really cancelled
    recorded = {r["request"]: r["status"] for r in runs()}
    assert recorded["nap for 120 seconds"] == "interrupted"


def test_stored_rows_never_contain_an_api_key(openai_server, home):
    key = "sk-test-0123456789abcdefSECRET"
    openai_server.api_key = key
    openai_server.reply(json.dumps({"steps": [
        {"agent": "math", "tool": "multiply", "args": {"a": 6, "b": 7}, "dependencies": []}]}))
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": key}
    result = run_cli("run", f"Multiply 6 by 7 (my key is {key})", env=env)
    assert result.code == 0, result.stderr
    [run] = run_store().list_runs()
    assert run_store().llm_calls(run["run_id"])  # the call itself was recorded
    stored = b"".join(p.read_bytes() for p in home.glob("runs.db*"))  # the file, its WAL and journal alike
    assert key.encode() not in stored and b"SECRET" not in stored
    assert b"authorization" not in stored.lower()


def test_a_run_killed_mid_way_resumes_without_asking_the_model_anything_twice(openai_server, testkit):
    from agentplat.testing import ScriptedToolCall

    plan = {"steps": [
        {"agent": "math", "task": "Multiply 6 by 7", "dependencies": []},
        {"agent": "sleeper", "task": "Nap for 30 seconds", "dependencies": [0]},
    ]}

    def model(body):
        messages = body["messages"]
        tool_results = [m for m in messages if m["role"] == "tool"]
        if messages[0]["content"].startswith("You are the planner"):
            return json.dumps(plan)
        if "Multiply" in messages[1]["content"]:
            return ScriptedToolCall("multiply", {"a": 6, "b": 7}) if not tool_results else "42"
        return ScriptedToolCall("nap", {"seconds": 30}) if not tool_results else "Rested well."

    openai_server.handler = model
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test"}
    proc = start_cli("run", "Multiply 6 by 7, then take a nap for 30 seconds", env=env)
    wait_for(testkit / "nap-30")
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=30)
    [run] = runs()
    assert run["status"] == "interrupted"  # a killed process holds no lease: listing it says so
    answered_before = len(openai_server.chat_requests)
    assert answered_before == 4  # planner, math x2, the sleeper's first turn

    resumed = run_cli("resume", run["run_id"], "--json", env=env)
    assert resumed.code == 0, resumed.stderr
    data = resumed.json()
    assert data["status"] == "succeeded"
    assert [s["result"] for s in data["steps"]] == [42, "rested 30.0"]
    bodies = [json.dumps(r.body, sort_keys=True) for r in openai_server.chat_requests]
    assert len(bodies) == 5  # only the sleeper's second turn was new
    assert len(set(bodies)) == len(bodies), "a request the server had answered was sent again"
    assert data["usage"]["replayed_calls"] == 1
    assert data["llm_calls"] == 5


def test_flyte_keeps_its_own_local_records_of_the_same_run(tmp_path):
    env = {**OFFLINE, "HOME": str(tmp_path), "AGENTPLAT_FLYTE_RECORDS": "1"}
    ran = run_cli("run", "Add 3 and 4, then multiply it by 6", "--json", env=env)
    assert ran.code == 0, ran.stderr
    run_id = ran.json()["run_id"]
    code = (
        "from flyte._persistence._run_store import RunStore\n"
        "RunStore.initialize_sync()\n"
        "for r in RunStore.list_runs_sync(): print(r.run_name, r.status)\n"
    )
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "HOME": str(tmp_path)})
    assert f"agentplat-{run_id}" in listed.stdout, listed.stdout + listed.stderr
    assert "succeeded" in listed.stdout


def test_a_damaged_run_store_names_itself_and_does_not_stop_a_run(home):
    (home / "runs.db").write_bytes(b"not a database, just garbage " * 8)
    env = {"AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline"}
    result = run_cli("run", "What is 2 plus 3", env=env)
    assert result.code == 0 and "Answer: 5" in result.stdout
    assert f"the run store {home / 'runs.db'} is damaged" in result.stderr and "not recorded" in result.stderr
    listed = run_cli("runs", env=env)
    assert listed.code == 1
    assert listed.stderr.strip().splitlines() == [
        f"agentplat: error: the run store {home / 'runs.db'} is damaged (file is not a database); recover it with: "
        f"sqlite3 {home / 'runs.db'} \".recover\" | sqlite3 fixed.db (then put fixed.db in its place), or move it "
        "aside (e.g. to runs.db.bad) and agentplat starts a new one"]


def sleepy_model(plan):
    """A scripted endpoint for a plan of a math task then a sleeper task (see the test above)."""
    from agentplat.testing import ScriptedToolCall

    def model(body):
        messages = body["messages"]
        tool_results = [m for m in messages if m["role"] == "tool"]
        if messages[0]["content"].startswith("You are the planner"):
            return json.dumps(plan)
        if "Multiply" in messages[1]["content"]:
            return ScriptedToolCall("multiply", {"a": 6, "b": 7}) if not tool_results else "42"
        return ScriptedToolCall("nap", {"seconds": 30}) if not tool_results else "Rested well."

    return model


SLEEPY_PLAN = {"steps": [
    {"agent": "math", "task": "Multiply 6 by 7", "dependencies": []},
    {"agent": "sleeper", "task": "Nap for 30 seconds", "dependencies": [0]},
]}
SLEEPY_REQUEST = "Multiply 6 by 7, then take a nap for 30 seconds"


def killed_run(openai_server, testkit, env, *, reap=True):
    """Start a run, SIGKILL it while it naps; the process is left a zombie unless ``reap``."""
    openai_server.handler = sleepy_model(SLEEPY_PLAN)
    proc = start_cli("run", SLEEPY_REQUEST, env=env)
    wait_for(testkit / "nap-30")
    proc.kill()
    if reap:
        proc.wait(timeout=30)
    [run] = runs()
    assert run["status"] == "interrupted"  # no process holds its lease any more: it was killed
    assert run["error"] == "its process ended before the run did (killed?)"
    return proc, run


def test_a_run_made_with_a_bare_model_name_resumes_with_that_very_model(openai_server, testkit):
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test", "AGENTPLAT_MODEL": "test-model"}
    _, run = killed_run(openai_server, testkit, env)
    resumed = run_cli("resume", run["run_id"], "--json", env={**env, "AGENTPLAT_MODEL": ""})
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["usage"]["replayed_calls"] == 1
    assert {r.body["model"] for r in openai_server.chat_requests} == {"test-model"}
    bodies = [json.dumps(r.body, sort_keys=True) for r in openai_server.chat_requests]
    assert len(bodies) == 5 and len(set(bodies)) == 5, "a request the server had answered was sent again"
    assert runs()[0]["model"] == "openai:test-model"  # the backend and the exact model, not just "openai"


def test_a_run_killed_and_left_a_zombie_can_be_resumed_at_once(openai_server, testkit):
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test"}
    proc, run = killed_run(openai_server, testkit, env, reap=False)
    try:
        os.kill(proc.pid, 0)  # not reaped: its pid still answers, as a live process's would
        resumed = run_cli("resume", run["run_id"], "--json", env=env)
        assert resumed.code == 0, resumed.stderr
        assert resumed.json()["status"] == "succeeded"
    finally:
        proc.wait(timeout=30)


def test_two_resumes_of_one_run_started_together_execute_it_once(openai_server, testkit):
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test"}
    _, run = killed_run(openai_server, testkit, env)
    openai_server.latency = 10.0  # the resumed run's one new call keeps it busy while the other starts
    both = [start_cli("resume", run["run_id"], env=env) for _ in range(2)]
    ended = [(proc.returncode, *proc.communicate(timeout=120)) for proc in both]
    ended = [(proc.returncode, out, err) for proc, (_, out, err) in zip(both, ended)]
    codes = sorted(code for code, _, _ in ended)
    assert codes[0] == 0 and codes[1] != 0, ended
    [(_, _, refused)] = [e for e in ended if e[0] != 0]
    assert refused.strip().splitlines() == [
        f"agentplat: error: run {run['run_id']} is being executed by another process "
        f"({refused.split('(', 1)[1].split(')', 1)[0]}); wait for it to end (or stop it), "
        f"then `agentplat resume {run['run_id']}`"]
    bodies = [json.dumps(r.body, sort_keys=True) for r in openai_server.chat_requests]
    assert len(bodies) == 5 and len(set(bodies)) == 5, "the remaining steps were executed twice"
    assert runs()[0]["status"] == "succeeded"


def test_sigterm_marks_the_run_interrupted_like_ctrl_c_and_resume_finishes_it(testkit):
    proc = start_cli("run", "add 2 and 3 and nap for 120 seconds", env=OFFLINE)
    wait_for(testkit / "nap-120")
    proc.terminate()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    [run] = runs()
    assert run["status"] == "interrupted"
    assert err.strip().splitlines() == [
        f"agentplat: error: terminated; finished steps are kept. Resume with: agentplat resume {run['run_id']}"]
    steps = run_cli("show", run["run_id"], "--json").json()["steps"]
    assert [s["status"] for s in steps] == ["succeeded", "interrupted"]
    resumed = run_cli("resume", run["run_id"], "--json")
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["status"] == "succeeded"


def test_a_run_that_ends_leaves_no_step_running_or_waiting(home):
    from agentplat._execute.outcome import StepResult
    from agentplat._store.runs import RunStore

    store = RunStore(home / "runs.db")
    store.create_run("r1", "three steps", model="offline", max_parallel=2)
    for index in range(3):
        store.save_step("r1", index, {"agent": "math", "task": f"step {index}", "dependencies": []})
    store.update_step("r1", 0, StepResult(status="succeeded", result=1))
    store.update_step("r1", 1, StepResult(status="running"))
    store.finish_run("r1", status="failed", answer=None, error="plan has 600 steps; the limit is 500", usage={})
    assert [(s["status"], s["error"]) for s in store.steps("r1")] == [
        ("succeeded", None),
        ("failed", "cancelled: the run failed: plan has 600 steps; the limit is 500"),
        ("skipped", "cancelled: the run failed: plan has 600 steps; the limit is 500"),
    ]


def test_a_killed_run_is_listed_as_interrupted_while_a_live_one_stays_running(openai_server, testkit):
    """Liveness by lease, not by pid: a run whose process holds its lease is running; once the
    kernel drops the lease (SIGKILL), listing it records it interrupted, and resume is offered."""
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test"}
    openai_server.handler = sleepy_model(SLEEPY_PLAN)
    proc = start_cli("run", SLEEPY_REQUEST, env=env)
    try:
        wait_for(testkit / "nap-30")
        [live] = runs()
        assert live["status"] == "running"
        assert [r["run_id"] for r in runs("--status", "running")] == [live["run_id"]]
        shown = run_cli("show", live["run_id"], env=env)
        assert f"Run {live['run_id']}  [running]" in shown.stdout
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert runs("--status", "running") == []
    [dead] = runs("--status", "interrupted")
    assert dead["run_id"] == live["run_id"]


def test_a_store_made_before_a_column_was_added_gets_it_and_keeps_its_runs(home):
    """Columns are only ever added; a store from an older release is upgraded in place."""
    import sqlite3

    from agentplat._store.runs import SCHEMA

    old_schema = SCHEMA.replace("    refused_json TEXT,\n", "")
    assert old_schema != SCHEMA
    with sqlite3.connect(home / "runs.db") as db:
        db.executescript(old_schema)
        db.execute("INSERT INTO runs (run_id, request, status, started_at) VALUES ('old1', 'Add 1 and 2', 'succeeded', 1)")
    ran = run_cli("run", "Add 3 and 4", "--json", env=OFFLINE)
    assert ran.code == 0, ran.stderr
    assert [r["run_id"] for r in runs()][-1] == "old1"
    shown = run_cli("show", ran.json()["run_id"], "--json")
    assert shown.code == 0 and shown.json()["steps"][0]["refused"] == []


def test_one_store_accessor_raises_for_a_damaged_file_unless_told_it_may_do_without(home):
    from agentplat._store.runs import DamagedStore, run_store

    (home / "runs.db").write_bytes(b"not a database, just garbage " * 8)
    with pytest.raises(DamagedStore):
        run_store()
    assert run_store(damaged_ok=True) is None


@pytest.mark.parametrize("override, asked", [((), "specialist-v1"), (("--model", "base-model-v2"), "specialist-v2")])
def test_a_resumed_run_asks_every_role_the_model_it_started_with(override, asked, openai_server, home):
    """config.toml's per-role models may change between a failure and its resume: the resume
    still asks the models the run used (recorded when it started), unless --model says otherwise."""
    from agentplat.testing import Fail, ScriptedToolCall

    plan = {"steps": [
        {"agent": "math", "task": "Multiply 6 by 7", "dependencies": []},
        {"agent": "math", "task": "Add 1 to the result", "dependencies": [0]},
    ]}
    broken = {"now": True}

    def model(body):
        messages = body["messages"]
        tool_results = [m for m in messages if m["role"] == "tool"]
        if messages[0]["content"].startswith("You are the planner"):
            return json.dumps(plan)
        if "Multiply" in messages[1]["content"]:
            return ScriptedToolCall("multiply", {"a": 6, "b": 7}) if not tool_results else "42"
        if broken["now"]:
            return Fail(400, message="the model is overloaded")
        return ScriptedToolCall("add", {"a": 42, "b": 1}) if not tool_results else "43"

    openai_server.handler = model
    openai_server.models += ["planner-v1", "specialist-v1", "planner-v2", "specialist-v2", "base-model-v2"]
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test", "AGENTPLAT_ENGINE": "inline",
           "AGENTPLAT_RETRY_WAIT": "0.01", "AGENTPLAT_REFLECT": "never"}  # the joiner's models: test_adaptive_runs
    config = home / "config.toml"
    config.write_text('[models]\ndefault = "base-model"\nplanner = "planner-v1"\nspecialist = "specialist-v1"\n')
    first = run_cli("run", "--json", "Multiply 6 by 7, then add 1 to the result", env=env)
    assert first.code != 0 and first.json()["status"] == "failed", first.stdout + first.stderr
    before = len(openai_server.chat_requests)
    assert {r.body["model"] for r in openai_server.chat_requests} == {"planner-v1", "specialist-v1"}

    config.write_text('[models]\ndefault = "base-model-v2"\nplanner = "planner-v2"\nspecialist = "specialist-v2"\n')
    broken["now"] = False
    resumed = run_cli("resume", first.json()["run_id"], "--json", *override, env=env)
    assert resumed.code == 0, resumed.stderr
    assert [s["result"] for s in resumed.json()["steps"]] == [42, 43]
    new = openai_server.chat_requests[before:]
    assert new and {r.body["model"] for r in new} == {asked}  # --model: the roles as configured now


def test_a_store_made_before_role_models_were_recorded_gains_the_column_and_keeps_its_runs(home):
    """The column is added when an older store is opened (additive: older versions still read it);
    its runs have no role models, and a resume then takes them from config as before."""
    import sqlite3

    from agentplat._store.runs import SCHEMA, RunStore

    with sqlite3.connect(home / "runs.db") as old:
        old.executescript(SCHEMA)
        old.execute("INSERT INTO runs (run_id, request, status, model, started_at) VALUES ('old1', 'x', 'failed', "
                    "'openai:gpt-4o', 0)")
    store = RunStore(home / "runs.db")
    assert store.get_run("old1")["role_models"] == {}
    store.create_run("new1", "y", model="openai:gpt-4o", max_parallel=2,
                     role_models={"planner": "gpt-4o", "specialist": "gpt-4o-mini"})
    assert store.get_run("new1")["role_models"] == {"planner": "gpt-4o", "specialist": "gpt-4o-mini"}
