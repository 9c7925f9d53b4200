"""Approval before acting: a tool that writes or deletes runs only when the user allowed that call.

A real plugin distribution (``notes``: write, delete and read files in a folder) is installed
through entry points; plans come from the real ``openai`` client talking to the loopback
server; the interactive question is answered through a real pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from agentplat import Approvals, Plan, Registry, run_request
from agentplat.extend import run_store
from agentplat.testing import ScriptedToolCall, cli_command, run_cli

NOTES = '''
import os
from pathlib import Path

from agentplat import Agent, TransientError, hookimpl, tool

def folder() -> Path:
    return Path(os.environ["NOTES_DIR"])


@tool(effect="write")
async def write_note(name: str, text: str) -> str:
    """Write a note to a file in the notes folder.

    Args:
        name: the note's file name
        text: what the note says
    """
    flaky = folder() / ".flaky"
    if flaky.exists():  # fails once, the way a busy disk or service would
        flaky.unlink()
        raise TransientError("the notes folder is busy")
    (folder() / name).write_text(text, encoding="utf-8")
    return f"wrote {name}"


@tool(effect="destructive")
async def delete_note(name: str) -> str:
    """Delete a note from the notes folder.

    Args:
        name: the note's file name
    """
    (folder() / name).unlink()
    return f"deleted {name}"


@tool
async def read_note(name: str) -> str:
    """Read a note from the notes folder.

    Args:
        name: the note's file name
    """
    return (folder() / name).read_text(encoding="utf-8")


@hookimpl
def register_agents(register):
    register(Agent(name="notes", description="Writes, reads and deletes notes in a folder.",
                   tools=[write_note, delete_note, read_note]))
'''

WRITE = {"agent": "notes", "tool": "write_note", "args": {"name": "a.txt", "text": "hello"}, "dependencies": []}
ADD = {"agent": "math", "tool": "add", "args": {"a": 2, "b": 3}, "dependencies": []}
DELETE = {"agent": "notes", "tool": "delete_note", "args": {"name": "old.txt"}, "dependencies": []}


@pytest.fixture
def notes(tmp_path, monkeypatch, endpoint):
    """The notes plugin installed for this test (and its subprocesses), its folder, and the
    loopback model that plans."""
    from cli_helpers import install_fake_distribution

    site = tmp_path / "site"
    install_fake_distribution(site, "agentplat-notes", "agentplat_notes", NOTES)
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "old.txt").write_text("old", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(site) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("NOTES_DIR", str(folder))
    monkeypatch.syspath_prepend(str(site))
    return folder


def env(server) -> dict[str, str]:
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test"}


def plans(server, *steps, times: int = 1) -> None:
    for _ in range(times):
        server.reply(json.dumps({"steps": list(steps)}))


def shown(run_id: str) -> dict:
    return run_cli("show", run_id, "--json").json()


def test_a_call_that_writes_is_refused_without_approval_and_the_rest_runs(notes, endpoint):
    plans(endpoint, WRITE, ADD)
    result = run_cli("run", "Write hello to a.txt and add 2 and 3", env=env(endpoint))
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "notes.write_note" in lines[0] and "--approve notes.write_note" in lines[0]
    assert not (notes / "a.txt").exists()
    [run] = run_cli("runs", "--json").json()
    detail = shown(run["run_id"])
    assert detail["status"] == "partial"
    write, add = detail["steps"]
    assert add["status"] == "succeeded" and add["result"] == 5
    assert write["status"] == "failed" and write["attempts"] == 1
    assert write["approvals"] == [{"tool": "notes.write_note", "effect": "write",
                                   "args": {"name": "a.txt", "text": "hello"},
                                   "decision": "refused", "how": "not approved"}]


def test_approve_allows_the_named_tool_and_show_lists_the_decision(notes, endpoint):
    plans(endpoint, WRITE)
    result = run_cli("run", "Write hello to a.txt", "--approve", "notes.write_note", env=env(endpoint))
    assert result.code == 0, result.stderr
    assert (notes / "a.txt").read_text() == "hello"
    [run] = run_cli("runs", "--json").json()
    [step] = shown(run["run_id"])["steps"]
    assert step["approvals"][0]["decision"] == "approved"
    assert step["approvals"][0]["how"] == "allowed by 'notes.write_note'"
    text = run_cli("show", run["run_id"]).stdout
    assert "approved notes.write_note" in text and "allowed by 'notes.write_note'" in text


def test_a_pattern_allows_an_agents_tools_and_yes_allows_all(notes, endpoint):
    plans(endpoint, WRITE, DELETE)
    assert run_cli("run", "Write hello to a.txt, delete old.txt", "--approve", "notes.*", env=env(endpoint)).code == 0
    assert (notes / "a.txt").exists() and not (notes / "old.txt").exists()
    (notes / "old.txt").write_text("again")
    plans(endpoint, DELETE)
    assert run_cli("run", "Delete old.txt", "--yes", env=env(endpoint)).code == 0
    assert not (notes / "old.txt").exists()


def test_config_allows_and_denies_and_deny_wins_over_yes(notes, endpoint, home):
    (home / "config.toml").write_text('[approvals]\nallow = ["notes.write_note"]\ndeny = ["notes.delete_note"]\n')
    plans(endpoint, WRITE, DELETE)
    result = run_cli("run", "Write hello to a.txt, delete old.txt", "--yes", env=env(endpoint))
    assert result.code != 0
    assert (notes / "a.txt").exists() and (notes / "old.txt").exists()
    assert "notes.delete_note" in result.stderr and "deny" in result.stderr
    [run] = run_cli("runs", "--json").json()
    write, delete = shown(run["run_id"])["steps"]
    assert write["approvals"][0]["how"] == "allowed by 'notes.write_note'"
    assert delete["approvals"][0]["decision"] == "refused"
    assert delete["approvals"][0]["how"] == "denied by 'notes.delete_note'"


def test_a_bad_approval_pattern_is_one_clear_line(notes, endpoint):
    result = run_cli("run", "Write hello to a.txt", "--approve", "notes", env=env(endpoint))
    assert result.code != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "agentplat: error: approval pattern 'notes' names no tool: use agent.tool or notes.*"]


def test_batch_never_asks_and_allows_what_approve_names(notes, endpoint, tmp_path):
    plans(endpoint, WRITE)
    plans(endpoint, DELETE)
    requests = tmp_path / "requests.txt"
    requests.write_text("Write hello to a.txt\nDelete old.txt\n")
    result = run_cli("batch", str(requests), "--max-workers", "1", "--approve", "notes.write_note", env=env(endpoint),
                     input="y\ny\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["succeeded", "failed"]
    assert "--approve notes.delete_note" in lines[1]["error"]
    assert (notes / "a.txt").exists() and (notes / "old.txt").exists()


# ---------------------------------------------------------------- the library


def test_the_question_gets_the_exact_call_and_a_no_declines_without_retry(notes, endpoint):
    asked = []

    async def ask(call):
        asked.append(call)
        return "no"

    plan = Plan.model_validate({"steps": [WRITE, ADD, {**ADD, "args": {"a": "$0", "b": 1}, "dependencies": [0]}]})
    result = asyncio.run(run_request("write and add", model="offline", plan=plan, approvals=Approvals(ask=ask),
                                     registry=Registry.load()))
    assert [(c.name, c.args, c.effect, c.step) for c in asked] == [
        ("notes.write_note", {"name": "a.txt", "text": "hello"}, "write", 0)]
    assert result.status == "partial"
    write, add, dependent = result.steps
    assert write.status == "failed" and write.attempts == 1 and "declined" in write.error
    assert write.approvals[0]["decision"] == "declined"
    assert add.status == "succeeded" and dependent.status == "skipped"
    assert not (notes / "a.txt").exists()


def test_always_asks_once_per_tool_and_a_retried_call_is_not_asked_again(notes, endpoint):
    asked = []

    async def ask(call):
        asked.append(call.args["name"])
        return "always" if call.args["name"] == "a.txt" else "yes"

    (notes / ".flaky").write_text("")  # the first write fails once, transiently, and is retried
    steps = [WRITE, {**WRITE, "args": {"name": "b.txt", "text": "bee"}}]
    plan = Plan.model_validate({"steps": steps})
    result = asyncio.run(run_request("write two notes", model="offline", plan=plan, max_parallel=1,
                                     approvals=Approvals(ask=ask), registry=Registry.load()))
    assert result.status == "succeeded"
    assert asked == ["a.txt"]
    assert (notes / "a.txt").exists() and (notes / "b.txt").read_text() == "bee"
    assert sorted(s.attempts for s in result.steps) == [1, 2]


def test_a_task_steps_model_cannot_act_without_approval(notes, endpoint):
    endpoint.reply(ScriptedToolCall("write_note", {"name": "x.txt", "text": "x"}))
    plan = Plan.model_validate({"steps": [{"agent": "notes", "task": "keep a note saying x", "dependencies": []}]})
    result = asyncio.run(run_request("keep a note", plan=plan, approvals=Approvals(), registry=Registry.load(),
                                     reflect=False))  # no joiner: the step's own calls are counted
    [step] = result.steps
    assert step.status == "failed" and "notes.write_note" in step.error and "not approved" in step.error
    assert not (notes / "x.txt").exists()
    assert len(endpoint.chat_requests) == 1  # the refusal ended the step; the model was not asked again


# ---------------------------------------------------------------- a person at a terminal


class Terminal:
    """``agentplat ARGS`` on a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, *args: str, env: dict[str, str]):
        self.master, slave = pty.openpty()
        full = {**os.environ, **env, "COLUMNS": "160", "LINES": "50", "TERM": "xterm"}
        self.process = subprocess.Popen([*cli_command(), *args], stdin=slave, stdout=slave, stderr=slave,
                                        env=full, close_fds=True)
        os.close(slave)
        self.seen = b""

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"never showed {text!r}; screen so far:\n{self.seen.decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the process ended
                    break
        assert text.encode() in self.seen, self.seen.decode(errors="replace")
        return self.seen.decode(errors="replace")

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    break
        code = self.process.wait(timeout=max(deadline - time.monotonic(), 1))
        os.close(self.master)
        return code


def test_on_a_terminal_the_user_is_asked_and_a_no_declines_while_other_steps_finish(notes, endpoint):
    slow_add = {"agent": "math", "tool": "add", "args": {"a": 2, "b": 3}, "dependencies": []}
    plans(endpoint, WRITE, slow_add)
    term = Terminal("run", "Write hello to a.txt and add 2 and 3", env=env(endpoint))
    screen = term.wait_for("Allow it?")
    assert 'notes.write_note(name="a.txt", text="hello")' in screen  # the exact call, every argument
    time.sleep(0.5)
    answered = time.time()
    term.type("n")
    assert term.finish() != 0
    assert not (notes / "a.txt").exists()
    [run] = run_cli("runs", "--json").json()
    write, add = shown(run["run_id"])["steps"]
    assert write["approvals"][0]["decision"] == "declined" and write["attempts"] == 1
    assert add["status"] == "succeeded"
    from datetime import datetime

    assert datetime.fromisoformat(add["ended_at"]).timestamp() < answered  # it did not wait for the answer

    # resume asks again for the step that did not run, never for the one that finished
    term = Terminal("resume", run["run_id"], env=env(endpoint))
    term.wait_for("Allow it?")
    term.type("y")
    assert term.finish() == 0
    assert (notes / "a.txt").read_text() == "hello"
    assert term.seen.decode(errors="replace").count("Allow it?") == 1
    write, add = shown(run["run_id"])["steps"]
    assert write["approvals"][0]["decision"] == "approved" and add["status"] == "succeeded"


def test_the_store_keeps_decisions_for_runs_made_by_the_library(notes, endpoint):
    async def ask(call):
        return "yes"

    plan = Plan.model_validate({"steps": [WRITE]})
    result = asyncio.run(run_request("write", model="offline", plan=plan, store=run_store(),
                                     approvals=Approvals(ask=ask), registry=Registry.load()))
    assert result.status == "succeeded"
    [step] = shown(result.run_id)["steps"]
    assert step["approvals"][0]["decision"] == "approved" and step["approvals"][0]["how"] == "approved"
    assert Path(notes / "a.txt").exists()


def test_the_plan_marks_the_steps_that_need_approval(notes, endpoint):
    plans(endpoint, WRITE, ADD, DELETE)
    shown_plan = run_cli("plan", "Write hello to a.txt, add 2 and 3, delete old.txt", env=env(endpoint))
    assert shown_plan.code == 0, shown_plan.stderr
    lines = shown_plan.stdout.splitlines()
    assert any("notes.write_note" in line and "[writes]" in line for line in lines)
    assert any("notes.delete_note" in line and "[destructive]" in line for line in lines)
    assert not any("math.add" in line and "approval" in line for line in lines)


def test_a_cluster_task_rebuilds_the_policy_from_its_input_and_asks_no_one():
    from agentplat._engines.flyte import _task_context

    ctx = _task_context("offline", "", "write a note", json.dumps({"allow": ["notes.*"], "deny": [], "yes": False}))
    assert ctx.approvals.allow == ("notes.*",) and ctx.approvals.ask is None
    assert _task_context("offline", "", "write a note").approvals.to_json() == {"allow": [], "deny": [], "yes": False}
