"""What the speed work must keep true: the default engine, grouped store writes that lose
nothing, lease files that go away, masking that notices a changed environment, bytecode,
and listing commands that import no parser. (Figures are the benchmarks' job.)"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agentplat import Agent, Plan
from agentplat._common.secrets import add_secret, redact
from agentplat._engines.current import current_engine, engine_name
from agentplat._execute import driver
from agentplat._plugin.registry import get_registry
from agentplat._run.request import run_request
from agentplat._store.lease import lock_path, run_lease
from agentplat._store.runs import RunStore
from agentplat.testing import run_cli

ROOT = Path(__file__).resolve().parents[1]
REQUEST = "Calculate 10 times 5 and count words in 'Hello World', then multiply the word count by the calculation result"


async def noop() -> int:
    """Do nothing."""
    return 0


async def pause(seconds: float) -> float:
    """Wait ``seconds``, then say how long."""
    await asyncio.sleep(seconds)
    return seconds


@pytest.fixture
def bench():
    registry = get_registry()
    registry.agents["bench"] = Agent(name="bench", description="Test tools.", tools=[noop, pause])
    yield registry
    registry.agents.pop("bench", None)


def store_in(home) -> RunStore:
    return RunStore(Path(home) / "runs.db")


# -- the engine ------------------------------------------------------------------------


def test_the_default_engine_is_inline_and_flyte_is_chosen_by_name_or_by_its_records(monkeypatch):
    monkeypatch.delenv("AGENTPLAT_ENGINE", raising=False)
    monkeypatch.delenv("AGENTPLAT_FLYTE_RECORDS", raising=False)
    assert engine_name() == "inline" and current_engine().name == "inline"
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "1")  # Flyte's own records only exist on Flyte
    assert engine_name() == "flyte"
    monkeypatch.setenv("AGENTPLAT_ENGINE", "inline")
    assert engine_name() == "inline"


def test_run_imports_no_flyte_by_default_and_runs_on_flyte_with_engine_flyte(tmp_path):
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print('FLYTE' if 'flyte' in sys.modules else 'NO FLYTE', file=sys.stderr))\n"
             "from agentplat.cli import main\nmain()")
    env = {**os.environ, "AGENTPLAT_HOME": str(tmp_path), "AGENTPLAT_MODEL": "offline"}
    env.pop("AGENTPLAT_ENGINE", None)
    env.pop("AGENTPLAT_FLYTE_RECORDS", None)
    for extra, expected in (([], "NO FLYTE"), (["--engine", "flyte"], "FLYTE")):
        out = subprocess.run([sys.executable, "-c", probe, "run", *extra, "--json", REQUEST], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert '"answer": "100"' in out.stdout
        assert out.stderr.strip().splitlines()[-1] == expected
    bad = run_cli("run", "--engine", "warp", REQUEST, home=tmp_path)
    assert bad.code == 2 and "warp" in bad.stderr


def test_a_long_chain_works_out_its_inputs_provenance_once_per_step(bench, monkeypatch):
    """Where each input came from was worked out again for every earlier step, at every step:
    a chain of N steps cost N^2. Now each step's source is found once."""
    calls = 0
    real = driver._source

    def counted(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(driver, "_source", counted)
    n = 300
    plan = Plan.parse({"steps": [{"agent": "bench", "tool": "noop", "args": {}, "dependencies": [i - 1] if i else []}
                                 for i in range(n)]})
    result = asyncio.run(run_request("chain", plan=plan, model="offline", engine="inline"))
    assert result.status == "succeeded"
    assert calls <= n


# -- recording ---------------------------------------------------------------------------


def test_a_recorded_run_writes_its_steps_in_few_transactions_and_loses_nothing(home):
    store = store_in(home)
    writes = []
    real_write = store.write
    store.write = lambda statements: (writes.append(len(statements)), real_write(statements))[1]
    result = asyncio.run(run_request(REQUEST, model="offline", store=store))
    assert result.answer == "100"
    # the run's record as it starts; then 3 steps planned, started and finished (9 events), the
    # plan and the run's end: one transaction
    assert len(writes) == 2, writes
    steps = store.steps(result.run_id)
    assert [s["status"] for s in steps] == ["succeeded"] * 3
    assert [s["result"] for s in steps] == [50, 2, 100]
    assert steps[2]["inputs"] == {"0": 50, "1": 2} or steps[2]["inputs"] == {0: 50, 1: 2}
    assert all(s["started_at"] and s["ended_at"] for s in steps)
    run = store.get_run(result.run_id)
    assert run["plan_complete"] and run["status"] == "succeeded" and run["planner"] == "offline"
    assert [step["tool"] for step in __import__("json").loads(run["plan_json"])["steps"]] == [
        "multiply", "count_words", "multiply"]


def test_a_step_that_waits_is_recorded_as_running_while_it_waits(home, bench):
    store = store_in(home)
    plan = Plan.parse({"steps": [{"agent": "bench", "tool": "pause", "args": {"seconds": 0.8}}]})
    seen = {}

    async def main():
        task = asyncio.ensure_future(run_request("wait", plan=plan, model="offline", store=store, run_id="waiting1"))
        await asyncio.sleep(0.5)  # past the recorder's window: what another process sees now
        other = sqlite3.connect(store.path)
        seen["status"] = other.execute("SELECT status FROM steps WHERE run_id='waiting1'").fetchone()
        other.close()
        return await task

    result = asyncio.run(main())
    assert seen["status"] == ("running",)
    assert result.status == "succeeded" and store.steps("waiting1")[0]["status"] == "succeeded"


def test_finished_runs_leave_no_lease_file_and_a_killed_runs_file_goes_once_it_is_recorded(home):
    store = store_in(home)
    for _ in range(5):
        assert asyncio.run(run_request("Calculate 2 plus 3", model="offline", store=store)).answer == "5"
    locks = Path(home) / "locks"
    assert not locks.exists() or list(locks.iterdir()) == []

    # a run whose process died holding its lease: the file stays until the run is recorded
    store.create_run("killed1", "x", model="offline", max_parallel=1)
    script = ("import os, sys\nfrom agentplat._store.lease import run_lease\n"
              f"with run_lease({str(home)!r}, 'killed1'):\n    print('held', flush=True)\n    os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "held"
    assert Path(lock_path(home, "killed1")).exists()
    assert store.get_run("killed1")["status"] == "interrupted"
    assert not Path(lock_path(home, "killed1")).exists()


def test_stale_lease_files_are_pruned_but_a_held_one_stays(home):
    store = store_in(home)
    store.create_run("done1", "x", model="offline", max_parallel=1)
    store.finish_run("done1", status="succeeded", answer="1", error=None, usage={})
    folder = Path(home) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("done1", "unknown1"):
        (folder / f"{name}.lock").write_text("pid 1 on elsewhere\n")
    with run_lease(home, "live1"):
        assert store.prune_locks() == 2
        assert [p.name for p in folder.iterdir()] == ["live1.lock"]


def test_a_lease_file_removed_under_a_waiter_is_taken_anew(home):
    """The holder removes its file as it lets go; a process that opened the old file meanwhile
    must not believe it holds the lease (the next one would create a new file and hold it too)."""
    path = Path(lock_path(home, "r1"))
    with run_lease(home, "r1", forget=lambda: True):
        assert path.exists()
    assert not path.exists()
    script = ("import time\nfrom agentplat._store.lease import run_lease\n"
              f"with run_lease({str(home)!r}, 'r1', forget=lambda: True):\n"
              "    print('held', flush=True)\n    time.sleep(0.6)\n")
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with run_lease(home, "r1", forget=lambda: False):  # waits for the holder, which removes its file
            assert path.exists()
            mine = os.stat(path).st_ino
            other = subprocess.run([sys.executable, "-c", "from agentplat._store.lease import run_lease\n"
                                    f"with run_lease({str(home)!r}, 'r1'):\n    pass"],
                                   capture_output=True, text=True, timeout=60)
            assert other.returncode != 0 and "is being executed by another process" in other.stderr
        assert os.stat(path).st_ino == mine
    finally:
        holder.wait(timeout=30)


# -- masking ------------------------------------------------------------------------------


def test_masking_notices_a_secret_set_after_the_first_use(monkeypatch):
    assert redact("token abcdefghijklmnop") == "token abcdefghijklmnop"
    monkeypatch.setenv("SERVICE_TOKEN", "abcdefghijklmnop")
    assert redact("token abcdefghijklmnop") == "token ***"
    monkeypatch.setenv("SERVICE_TOKEN", "qrstuvwxyz123456")  # the same variable, a new value
    assert redact("token abcdefghijklmnop / qrstuvwxyz123456") == "token abcdefghijklmnop / ***"
    monkeypatch.delenv("SERVICE_TOKEN")
    assert redact("qrstuvwxyz123456") == "qrstuvwxyz123456"
    assert add_secret("registered-value-77")
    assert redact({"k": ["a registered-value-77"]}) == {"k": ["a ***"]}


def test_the_key_shapes_are_masked_wherever_they_stand():
    text = "a sk-abcdefghijklmnop b tvly-abcdefghijk c Bearer abcdefghijkl d https://u:pa55word@host/x"
    assert redact(text) == "a sk-*** b tvly-*** c Bearer *** d https://u:***@host/x"
    assert redact("bearer abcdefghijkl") == "Bearer ***"
    assert redact("a-b-c 2026-12-03 multi-step") == "a-b-c 2026-12-03 multi-step"


# -- start-up ------------------------------------------------------------------------------


def test_install_left_bytecode_for_the_core_the_plugins_and_their_libraries():
    import agentplat
    import agentplat_math
    import click

    for module in (agentplat, agentplat_math, click):
        cached = importlib.util.cache_from_source(module.__file__)
        assert Path(cached).is_file(), f"no bytecode for {module.__name__}: {cached}"


def test_listing_the_agents_imports_no_offline_parser(tmp_path):
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('agentplat') and "
             "m.endswith(('.parser', '.languages'))), file=sys.stderr))\n"
             "from agentplat.cli import main\nmain()")
    env = {**os.environ, "AGENTPLAT_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe, "agents"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "math" in out.stdout and "count_words" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "[]"
    # and the parsers still serve a plan
    plan = run_cli("plan", REQUEST, home=tmp_path)
    assert plan.code == 0 and "text.count_words" in plan.stdout


def test_the_runs_of_one_event_loop_share_one_sdk_client_per_endpoint():
    """A batch's runs (and a run's calls) reuse one ``openai`` client and its connections;
    another event loop gets its own (an SDK client's connections belong to their loop)."""
    from agentplat._llm.openai_client import OpenAIChatClient

    async def two():
        a = OpenAIChatClient(base_url="http://127.0.0.1:9/v1", api_key="k1").client
        b = OpenAIChatClient(base_url="http://127.0.0.1:9/v1", api_key="k1").client
        c = OpenAIChatClient(base_url="http://127.0.0.1:9/v1", api_key="k2").client
        return a, b, c

    a, b, c = asyncio.run(two())
    assert a is b and a is not c
    again, _, _ = asyncio.run(two())
    assert again is not a
