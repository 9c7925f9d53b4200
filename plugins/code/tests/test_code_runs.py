"""Code steps in whole runs, offline, through the command line: results reach code as values,
variables persist within a run (and a resume of it) and never between runs, the calls code
makes are listed under its step, and a code step runs in its agent's own environment."""

from __future__ import annotations

import pytest

from agentplat.testing import run_cli


def _run(request: str, *extra: str, env: dict | None = None):
    return run_cli("run", "--json", *extra, request, env=env)


@pytest.mark.parametrize("engine", ["flyte", "inline"])
def test_the_quickstart_example_answers_285(engine):
    done = _run("Run `sum(x * x for x in range(10))`", env={"AGENTPLAT_ENGINE": engine})
    assert done.code == 0, done.stderr
    assert done.json()["answer"] == "285"


def test_an_earlier_result_reaches_the_code_as_a_value_not_as_source():
    done = _run("Count the words in 'one two three four', then run `str(x) * x` with x = the result")
    assert done.code == 0, done.stderr
    result = done.json()
    step = result["steps"][1]
    assert step["args"] == {"code": "str(x) * x", "inputs": {"x": "$0"}}  # the code as written
    assert step["dependencies"] == [0]
    assert result["answer"] == "4444"  # an int: str(4) * 4, not the text '4' pasted into the code


def test_variables_persist_between_the_code_steps_of_a_run_and_never_between_runs():
    first = _run("Run `kept = [3, 1, 2]`, then run `sorted(kept)`")
    assert first.code == 0, first.stderr
    assert first.json()["answer"] == "[1, 2, 3]"
    second = _run("Run `kept`")
    assert second.code != 0
    assert "NameError" in second.stderr and "kept" in second.stderr


def test_the_calls_code_makes_are_recorded_under_its_step_and_shown():
    done = _run("Run `call_tool('math.factorial', n=5) + call_tool('text.count_words', text='a b c')`")
    assert done.code == 0, done.stderr
    result = done.json()
    assert result["answer"] == "123"
    calls = result["steps"][0]["calls"]
    assert [(c["agent"], c["tool"], c["args"], c["status"], c["result"]) for c in calls] == [
        ("math", "factorial", {"n": 5}, "succeeded", "120"),
        ("text", "count_words", {"text": "a b c"}, "succeeded", "3"),
    ]
    shown = run_cli("show", result["run_id"])
    assert "call math.factorial succeeded  120" in shown.stdout
    assert "call text.count_words succeeded  3" in shown.stdout
    again = run_cli("show", "--json", result["run_id"]).json()
    assert again["steps"][0]["calls"] == calls


def test_a_resume_continues_with_the_variables_the_run_had(code_env):
    request = ("Run `base = 40`, then run "
               "`base + call_tool('math.add', a=1, b=0) + call_tool('math.add', a=0, b=1)`")
    failed = _run(request, env={"AGENTPLAT_CODE_MAX_CALLS": "1"})
    assert failed.code != 0
    result = failed.json()
    assert [s["status"] for s in result["steps"]] == ["succeeded", "failed"]
    assert "at most 1 times" in result["steps"][1]["error"]
    kept = code_env / "code" / f"{result['run_id']}.session"
    assert kept.is_file() and oct(kept.stat().st_mode & 0o777) == "0o600"

    resumed = run_cli("resume", "--json", result["run_id"])
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["answer"] == "42"  # ``base`` came back from the kept session
    assert not kept.exists()  # the run is finished: nothing will resume it


def test_a_code_step_has_its_own_cluster_environment():
    plan = run_cli("deploy", "--dry-run", "--json")
    assert plan.code == 0, plan.stderr
    envs = {e["name"]: e for e in plan.json()["environments"]}
    code = envs["agentplat-code"]
    assert code["resources"] == {"cpu": "1", "memory": "1Gi"}
    assert code["task"] == "run_step_code"  # its steps are tasks of this environment, not the driver's
    assert "agentplat-code" in [p["name"] for p in code["image"]["packages"]]


def test_agents_lists_the_code_agent_and_its_tool():
    listed = run_cli("agents", "--json")
    agents = {a["name"]: a for a in listed.json()}
    tool = agents["code"]["tools"][0]
    assert tool["name"] == "run_python" and tool["effect"] == "read"
    assert tool["parameters"]["properties"]["code"]["contentMediaType"] == "text/x-python"
