"""One masking door for every output, and untrusted text that cannot act on a terminal.

A tool whose result holds the API key (as is, upper- and lower-cased, without its prefix) and
terminal escapes runs through the real CLI: what it prints, what `show` and `runs` print, the
JSON forms and the bytes of the store hold no form of the key; escapes are shown as text on
screen and kept as data in JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agentplat.testing import run_cli

KEY = "sk-proj-Vq7TzR2mWx9LpK4nHj3Bd8"
BARE = KEY[len("sk-proj-"):]
FORMS = (KEY, KEY.upper(), KEY.lower(), BARE, BARE.lower())
ESCAPES = "\x1b]0;pwned\x07 \x1b[8mhidden\x1b[0m \x1b[2J\x1b[H \x9b31m \r over"

LEAKY = f'''
import os

from agentplat import Agent, hookimpl, tool


@tool
async def leak_key() -> str:
    """Leak the key: return it in several spellings, with terminal escapes."""
    key = os.environ["OPENAI_API_KEY"]
    bare = key[len("sk-proj-"):]
    return "key " + key + " up " + key.upper() + " low " + key.lower() + " bare " + bare + " " + {ESCAPES!r}


@hookimpl
def register_agents(register):
    register(Agent(name="leaky", description="Leaks the key.", tools=[leak_key]))
'''


def _holding(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def _files_holding(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {form}" for form in FORMS if form.encode() in data]
    return found


@pytest.fixture
def leaky(plugin_site, home):
    from cli_helpers import install_fake_distribution

    site, env = plugin_site
    install_fake_distribution(site, "agentplat-leaky", "agentplat_leaky", LEAKY)
    return {**env, "OPENAI_API_KEY": KEY, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline",
            "AGENTPLAT_LOAD_PLUGINS": "agentplat-leaky"}


def test_a_key_and_escapes_in_a_tool_result_leave_by_no_door(leaky, home):
    ran = run_cli("run", "Leak the key", "--tag", f"ticket={KEY}", "--tag", f"note=see {KEY.lower()}", env=leaky)
    assert ran.code == 0, ran.stderr
    shown = ran.stdout + ran.stderr
    assert _holding(shown) == [] and "***" in shown
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown and "\r" not in shown
    assert "\\x1b]0;pwned\\x07" in ran.stdout and "\\x1b[8mhidden" in ran.stdout  # shown, not obeyed

    listed = run_cli("runs", env=leaky)
    assert listed.code == 0 and _holding(listed.stdout) == [] and "ticket=***" in listed.stdout
    runs = run_cli("runs", "--json", env=leaky).json()
    assert runs[0]["tags"] == {"ticket": "***", "note": "see ***"}
    found = run_cli("runs", "--json", "--tag", f"ticket={KEY}", env=leaky).json()
    assert [r["run_id"] for r in found] == [runs[0]["run_id"]], "a tag that held a key is still found by it"

    show = run_cli("show", runs[0]["run_id"], env=leaky)
    assert show.code == 0, show.stderr
    assert _holding(show.stdout) == [] and "\x1b" not in show.stdout and "\\x1b]0;pwned" in show.stdout
    as_json = run_cli("show", "--json", runs[0]["run_id"], env=leaky)
    assert _holding(as_json.stdout) == []
    result = as_json.json()["steps"][0]["result"]
    assert "\x1b]0;pwned\x07" in result, "JSON keeps the escapes as data (JSON escapes them itself)"
    again = run_cli("run", "--json", "Leak the key", env=leaky)
    assert _holding(again.stdout) == [] and "\x1b]0;pwned\x07" in again.json()["steps"][0]["result"]

    assert _files_holding(home) == [], "the store (runs.db and its journal) holds no form of the key"


def test_a_batch_tag_holding_a_key_is_stored_masked(leaky, home, tmp_path):
    requests = tmp_path / "batch.jsonl"
    requests.write_text(json.dumps({"request": "Add 2 and 3", "tags": {"token": KEY.upper()}}) + "\n")
    ran = run_cli("batch", str(requests), env={**leaky, "AGENTPLAT_LOAD_PLUGINS": "agentplat-math"})
    assert ran.code == 0, ran.stderr
    assert _holding(ran.stdout + ran.stderr) == []
    assert run_cli("runs", "--json", env=leaky).json()[0]["tags"] == {"token": "***"}
    assert _files_holding(home) == []


def test_a_password_in_the_endpoints_url_is_never_shown(endpoint, home):
    """OPENAI_BASE_URL=http://user:PASSWORD@host/v1: the error that names the endpoint shows
    no password, and neither does the store."""
    password = "Tr0ub4dor-and-3"
    url = endpoint.base_url.replace("http://", f"http://planner:{password}@")
    endpoint.fail(401, message="bad credentials")
    ran = run_cli("run", "Add 2 and 3", env={"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-test",
                                             "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_LOAD_PLUGINS": "agentplat-math"})
    assert ran.code != 0
    assert "planner:***@127.0.0.1" in ran.stderr, ran.stderr
    assert password not in ran.stdout + ran.stderr
    assert [p.name for p in home.rglob("*") if p.is_file() and password.encode() in p.read_bytes()] == []


def test_the_door_masks_transforms_and_only_what_can_be_a_secret(monkeypatch):
    """The public door plugins use: upper/lower case and prefix-less forms of a known key, a
    URL's password, registered values; "1", "true" or a path are never made secrets."""
    from agentplat.extend import add_secret, redact

    monkeypatch.setenv("ACME_API_KEY", "ghp_Z8xw3Kq9Lm2Np7Rt5Vy1")
    text = "a ghp_Z8xw3Kq9Lm2Np7Rt5Vy1 b GHP_Z8XW3KQ9LM2NP7RT5VY1 c z8xw3kq9lm2np7rt5vy1 d Z8xw3Kq9Lm2Np7Rt5Vy1"
    assert redact(text) == "a *** b *** c *** d ***"
    assert redact("see https://me:hunter22@example.test/x") == "see https://me:***@example.test/x"
    assert redact({"nested": ["ghp_Z8xw3Kq9Lm2Np7Rt5Vy1", 3]}) == {"nested": ["***", 3]}
    assert add_secret("Bearer 9f8e7d6c5b4a39281706") is True
    assert redact("token 9f8e7d6c5b4a39281706") == "token ***"
    assert [add_secret(v) for v in ("1", "true", "short", "/usr/local/bin/tool", "12345678")] == [False] * 5
    assert redact("1 true short /usr/local/bin/tool 12345678") == "1 true short /usr/local/bin/tool 12345678"


def test_visible_shows_controls_as_text_and_keeps_layout():
    from agentplat.extend import visible

    assert visible("a\x1b]0;t\x07b\x1b[8mc\x9bd\re\u202ef\tg\nh") == "a\\x1b]0;t\\x07b\\x1b[8mc\\x9bd\\x0de\\u202ef\tg\nh"


def test_the_live_view_on_a_terminal_shows_escapes_as_text(leaky):
    """The live table (stdout is a terminal): a result's escapes are drawn as text, never sent
    to the terminal raw (the view's own styling is the only escape on screen)."""
    import os
    import pty
    import select
    import subprocess
    import time

    from agentplat.testing import cli_command

    master, slave = pty.openpty()
    proc = subprocess.Popen([*cli_command(), "run", "Leak the key"], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, env={**os.environ, **leaky, "COLUMNS": "200", "TERM": "xterm"})
    os.close(slave)
    chunks, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    screen = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0, screen
    assert "\x1b]" not in screen and "\x07" not in screen and "\x1b[8m" not in screen and "\x9b" not in screen
    assert "\\x1b]0;pwned\\x07" in screen
    assert _holding(screen) == []
