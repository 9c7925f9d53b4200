"""End to end: ``agentplat`` in a fresh process, offline, with the text plugin installed as
the workspace installs it (through its entry point)."""

from __future__ import annotations


import pytest
from agentplat.testing import CliResult, run_cli


def agentplat(tmp_path, *args: str) -> CliResult:
    env = {"AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_FLYTE_RECORDS": "0"}
    return run_cli(*args, env=env, home=tmp_path / "home", drop=("AGENTPLAT_LOAD_PLUGINS",), cwd=tmp_path)


def run_json(tmp_path, request: str) -> dict:
    done = agentplat(tmp_path, "run", "--json", request)
    assert done.code == 0, done.stderr
    return done.json()


def steps(result: dict) -> list[tuple]:
    return [(s["agent"], s["tool"], s["args"], s["dependencies"]) for s in result["plan"]["steps"]]


def test_reverse_then_uppercase_the_result(tmp_path):
    result = run_json(tmp_path, "reverse 'agentplat' and uppercase it")
    assert steps(result) == [
        ("text", "reverse", {"text": "agentplat"}, []),
        ("text", "uppercase", {"text": "$0"}, [0]),
    ]
    assert result["answer"] == "TALPTNEGA"


@pytest.mark.parametrize("request_, tool, answer", [
    ("count words in 'Hello World'", "count_words", "2"),
    ("how many letters in 'Hello World'", "count_letters", "10"),
    ("count the characters in 'abc de'", "count_characters", "6"),
    ("how many a's in 'banana'", "count_letters", "3"),
    ("make 'hello world' title case", "title_case", "Hello World"),
])
def test_one_step_requests(tmp_path, request_, tool, answer):
    result = run_json(tmp_path, request_)
    assert [(s[0], s[1]) for s in steps(result)] == [("text", tool)]
    assert result["answer"] == answer


def test_math_and_text_run_in_parallel(tmp_path):
    result = run_json(tmp_path, "Calculate 10 times 5 and count words in 'Hello World'")
    assert steps(result) == [
        ("math", "multiply", {"a": 10, "b": 5}, []),
        ("text", "count_words", {"text": "Hello World"}, []),
    ]
    assert [s["result"] for s in result["steps"]] == [50, 2]
    assert result["status"] == "succeeded"


def test_the_human_output_shows_the_plan_and_the_answer(tmp_path):
    done = agentplat(tmp_path, "run", "reverse 'agentplat' and uppercase it")
    assert done.code == 0, done.stderr
    assert "text.uppercase(text=$0)  (after 0)" in done.stdout
    assert "Answer: TALPTNEGA" in done.stdout


def test_the_plugin_loads_through_its_entry_point(tmp_path):
    done = agentplat(tmp_path, "plugins", "--json")
    assert done.code == 0, done.stderr
    [text] = [p for p in done.json() if p["name"] == "agentplat-text"]
    assert (text["status"], text["error"], text["agents"]) == ("ok", None, ["text"])
    assert set(text["hooks"]) == {"register_agents", "register_offline_parsers"}

    done = agentplat(tmp_path, "agents", "--json")
    [agent] = [a for a in done.json() if a["name"] == "text"]
    assert {"count_words", "count_letters", "count_characters", "reverse", "uppercase", "lowercase",
            "title_case", "replace", "is_palindrome"} <= {t["name"] for t in agent["tools"]}


@pytest.mark.parametrize("request_", ["reverse the order of my meetings", "count to 10"])
def test_requests_the_text_agent_cannot_serve_are_refused(tmp_path, request_):
    done = agentplat(tmp_path, "run", "--json", request_)
    assert done.code != 0
    assert "no installed agent can handle" in done.stderr
