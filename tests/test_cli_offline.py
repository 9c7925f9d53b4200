"""End to end through the real CLI, offline: plan, run on Flyte locally, answer."""

from __future__ import annotations

import os

import pytest

from agentplat.testing import run_cli

OFFLINE = {"AGENTPLAT_MODEL": "offline"}


def run_json(request: str):
    result = run_cli("run", request, "--json", env=OFFLINE)
    return result, result.json()


@pytest.mark.parametrize("request_text, answer", [
    ("What is 15 times 7, then add 20?", "125"),
    ("Calculate 5 factorial", "120"),
    ("Add 3 and 4, multiply 6 by 7, then add the two results", "49"),
    ("Calculate 12.5% of 640", "80"),
    ("Calculate 10 times 5 and 7 times 8, then add them", "106"),
    ("What is 1.1 times 3?", "3.3"),
])
def test_offline_examples_answer_correctly(request_text, answer):
    result, data = run_json(request_text)
    assert result.code == 0, result.stderr
    assert data["answer"] == answer
    assert data["status"] == "succeeded"
    assert data["llm_calls"] == 0


def test_run_json_has_the_documented_shape_and_a_diamond_plan():
    _, data = run_json("Add 3 and 4, multiply 6 by 7, then add the two results")
    assert {"run_id", "request", "status", "answer", "llm_calls", "steps"} <= set(data)
    steps = data["steps"]
    assert [s["dependencies"] for s in steps] == [[], [], [0, 1]]
    assert [s["result"] for s in steps] == [7, 42, 49]
    for step in steps:
        assert {"index", "agent", "tool", "task", "args", "dependencies", "status", "result", "error",
                "started_at", "ended_at"} <= set(step)
        assert step["status"] == "succeeded" and step["agent"] == "math"
    # the two independent steps ran side by side: each started before the other ended
    assert steps[0]["started_at"] <= steps[1]["ended_at"] and steps[1]["started_at"] <= steps[0]["ended_at"]


def test_human_output_shows_waves_results_and_the_answer():
    result = run_cli("run", "Add 3 and 4, multiply 6 by 7, then add the two results", env=OFFLINE)
    assert result.code == 0, result.stderr
    assert "wave 1:" in result.stdout and "wave 2:" in result.stdout
    assert "-> 42" in result.stdout
    assert "Answer: 49" in result.stdout


def test_plan_json_prints_the_plan_format_without_running():
    result = run_cli("plan", "What is 15 times 7, then add 20?", "--json", env=OFFLINE)
    assert result.code == 0, result.stderr
    assert result.json() == {"steps": [
        {"agent": "math", "tool": "multiply", "args": {"a": 15, "b": 7}, "dependencies": []},
        {"agent": "math", "tool": "add", "args": {"a": "$0", "b": 20}, "dependencies": [0]},
    ]}


def test_plan_mermaid():
    result = run_cli("plan", "Add 3 and 4, multiply 6 by 7, then add the two results", "--mermaid", env=OFFLINE)
    assert result.stdout.startswith("flowchart TD")
    assert "s0 --> s2" in result.stdout and "s1 --> s2" in result.stdout


def one_clear_line(result):
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("request_text, fragment", [
    ("", "empty"),
    ("   ", "empty"),
    ("Book me a table for two at a sushi place", "no installed agent can handle"),
])
def test_requests_that_cannot_be_planned_fail_with_one_line(request_text, fragment):
    line = one_clear_line(run_cli("run", request_text, env=OFFLINE))
    assert fragment in line


def test_a_failing_step_fails_with_one_line_and_keeps_the_json():
    result = run_cli("run", "Divide 5 by 0", "--json", env=OFFLINE)
    line = one_clear_line(result)
    assert "division by zero" in line.lower()
    data = result.json()
    assert data["status"] == "failed"
    assert data["steps"][0]["status"] == "failed"
    # the JSON names the error as the stored run does
    assert data["error"] == "step 0 (math.divide) failed: division by zero (5 / 0)"
    assert run_cli("show", data["run_id"], "--json").json()["error"] == data["error"]


def test_independent_branches_finish_when_one_fails():
    result = run_cli("run", "Divide 1 by 0 and multiply 6 by 7", "--json", env=OFFLINE)
    one_clear_line(result)
    data = result.json()
    assert data["status"] == "partial"
    assert [s["status"] for s in data["steps"]] == ["failed", "succeeded"]
    assert "42" in data["answer"]


def test_dependents_of_a_failed_step_are_skipped_with_the_reason():
    result = run_cli("run", "Divide 1 by 0, then add 2", "--json", env=OFFLINE)
    data = result.json()
    assert [s["status"] for s in data["steps"]] == ["failed", "skipped"]
    assert "step 0 failed" in data["steps"][1]["error"]


def test_absurd_sizes_fail_fast_and_clearly():
    line = one_clear_line(run_cli("run", "What is 10^10^10?", env=OFFLINE))
    assert "digits" in line


def test_debug_shows_the_traceback():
    result = run_cli("--debug", "run", "Book me a table", env=OFFLINE)
    assert result.code != 0
    assert "Traceback" in result.stderr


def test_and_followed_by_an_operation_on_the_result_is_sequential():
    result = run_cli("plan", "Multiply 6 by 7 and add 2", "--json", env=OFFLINE)
    assert result.json()["steps"] == [
        {"agent": "math", "tool": "multiply", "args": {"a": 6, "b": 7}, "dependencies": []},
        {"agent": "math", "tool": "add", "args": {"a": "$0", "b": 2}, "dependencies": [0]},
    ]


def test_a_number_not_tied_to_an_optional_parameter_does_not_fill_it():
    # "2022" is no max_results: the plan never says so, and nothing else leaks a parameter's name
    result = run_cli("run", "Who won the 2022 World Cup?", env=OFFLINE)
    assert result.code == 1 and "max_results" not in result.stderr
    assert "no installed agent can handle 'Who won the 2022 World Cup?'" in result.stderr
    planned = run_cli("plan", "search the web for the 2022 World Cup final", "--json", env=OFFLINE)
    assert planned.code == 0, planned.stderr
    assert "max_results" not in planned.json()["steps"][0]["args"]


def test_words_of_other_scripts_are_words_and_a_refusal_quotes_the_request():
    result = run_cli("run", "¿Quién ganó 12 partidos en 30 días?", env=OFFLINE)
    assert result.code == 1
    assert "no installed agent can handle '¿Quién ganó 12 partidos en 30 días?'" in result.stderr
    assert "days" not in result.stderr and "forecast" not in result.stderr


def test_arithmetic_asked_in_spanish_is_answered():
    result = run_cli("run", "--json", "¿Cuánto es 12 más 30? Y luego multiplícalo por 2", env=OFFLINE)
    assert result.code == 0, result.stderr
    assert result.json()["answer"] == "84"


def test_help_lists_the_commands_the_installed_plugins_add():
    result = run_cli("--help")
    assert result.code == 0, result.stderr
    core, _, added = result.stdout.partition("Commands added by plugins:")
    assert "  run " in core and "  report " in added


def test_a_model_name_without_a_key_says_which_variable_to_set():
    line = one_clear_line(run_cli("run", "Add 3 and 4", "--model", "gpt-4o-mini"))
    assert line == ("agentplat: error: no LLM backend is configured to serve model 'gpt-4o-mini': set OPENAI_API_KEY "
                    "(or OPENAI_BASE_URL for a local OpenAI-compatible server) for openai, or use --model offline "
                    "(backends: offline, openai)")


def test_help_lists_plugin_commands_without_importing_plugins_once_it_knows_them(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "AGENTPLAT_HOME": str(tmp_path)}
    code = ("import sys\nsys.argv=['agentplat','--help']\nfrom agentplat.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('agentplat_')), file=sys.stderr)")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "Commands added by plugins:" in first.stdout and first.stdout == second.stdout
    assert second.stderr.strip().splitlines()[-1] == "[]"  # the second --help imported no plugin


def test_a_refusal_says_why_the_agent_refuses_and_keeps_a_long_request_short():
    huge = "9" * 5000
    result = run_cli("run", f"What is the factorial of {huge}", env={"AGENTPLAT_MODEL": "offline"})
    assert result.code != 0
    [line] = result.stderr.strip().splitlines()
    assert "which the agent refuses (step 0: factorial accepts whole numbers from 0 to 1463; n has about 5000 digits)" in line
    assert len(line) < 600 and " … " in line
