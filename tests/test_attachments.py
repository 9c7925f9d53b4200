"""Attachments: `agentplat run REQUEST -a PATH` gives files to a run. Text is what the plan's
tools may use (exactly, offline); an image reaches a model as an OpenAI image content part and
is refused by the offline model; the store keeps name and hash, never content; resume reads
the very same files again or says why it cannot."""

from __future__ import annotations

import base64
import json
import sqlite3
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agentplat.testing import run_cli

TEXT = "The quick brown fox\njumps over the lazy dog.\n"


def png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def notes(tmp_path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


OFFLINE = {"AGENTPLAT_MODEL": "offline"}


@pytest.mark.parametrize("request_text, answer", [
    ("count the words in the attached file", "9"),
    ("How many words are in notes.txt?", "9"),
    ("how many characters are in the attachment", "45"),
    ("count the vowels in the attached text", "11"),
])
def test_text_attachments_are_answered_exactly_offline(notes, tmp_path, request_text, answer):
    result = run_cli("run", request_text, "-a", str(notes), "--json", home=tmp_path, env=OFFLINE)
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["answer"] == answer, data
    assert data["planner"] == "offline"
    assert "⟦notes.txt⟧" in json.dumps(data["steps"][0]["args"], ensure_ascii=False)  # the plan names it


def test_standard_input_can_be_attached(tmp_path):
    result = run_cli("run", "count the words in the attached text", "-a", "-", "--json", home=tmp_path,
                     env=OFFLINE, input="one two three four")
    assert result.code == 0 and result.json()["answer"] == "4", result.stderr


def test_the_store_keeps_name_and_hash_never_the_content(notes, tmp_path):
    result = run_cli("run", "count the words in the attached file", "-a", str(notes), "--json", home=tmp_path,
                     env=OFFLINE)
    run_id = result.json()["run_id"]
    db = sqlite3.connect(tmp_path / "runs.db")
    [raw] = db.execute("SELECT attachments_json FROM runs WHERE run_id=?", (run_id,)).fetchone()
    every = " ".join(str(v) for row in db.execute("SELECT * FROM runs") for v in row)
    every += " ".join(str(v) for row in db.execute("SELECT * FROM steps") for v in row)
    db.close()
    [record] = json.loads(raw)
    assert record["name"] == "notes.txt" and record["size"] == len(TEXT.encode())
    assert len(record["sha256"]) == 64 and record["source"] == str(notes.resolve())
    assert "quick brown fox" not in every


def test_what_cannot_be_attached_is_said_in_one_line(tmp_path, notes):
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02" * 10)
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000, encoding="utf-8")
    cases = [(["-a", str(tmp_path / "missing.txt")], "cannot attach"),
             (["-a", str(binary)], "text (UTF-8) and images"),
             (["-a", str(big)], "more than the 1000000"),
             (["-a", str(notes)] * 11, "at most 10 attachments")]
    for args, words in cases:
        result = run_cli("run", "count the words in the attached file", *args, home=tmp_path, env=OFFLINE)
        assert result.code == 1, result.stdout
        assert result.stderr.count("\n") == 1 and words in result.stderr and "Traceback" not in result.stderr


def test_the_offline_model_refuses_an_image(tmp_path):
    image = tmp_path / "cat.png"
    image.write_bytes(png())
    result = run_cli("run", "describe the attached image", "-a", str(image), home=tmp_path, env=OFFLINE)
    assert result.code == 1
    assert "the offline model cannot look at images (cat.png)" in result.stderr and result.stderr.count("\n") == 1


def test_an_image_reaches_the_model_as_an_image_content_part(tmp_path, endpoint):
    image = tmp_path / "sum.png"
    image.write_bytes(png())
    endpoint.reply(json.dumps({"steps": [{"agent": "math", "tool": "add", "args": {"a": 2, "b": 3}, "dependencies": []}]}))
    result = run_cli("run", "Add 2 and 3", "-a", str(image), "--json", "--model-plans", "--no-reflect",
                     home=tmp_path, env={"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "sk-test"})
    assert result.code == 0, result.stderr
    content = endpoint.chat_requests[0].messages[-1]["content"]
    assert content[0] == {"type": "text", "text": "Add 2 and 3"}
    [part] = [p for p in content if p["type"] == "image_url"]
    assert part["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(png()).decode()


def test_resume_reads_the_very_same_files_again(notes, tmp_path):
    request = "count the words in the attached file, then divide it by 0"
    first = run_cli("run", request, "-a", str(notes), "--json", home=tmp_path, env=OFFLINE)
    data = first.json()
    assert data["status"] in ("failed", "partial") and data["steps"][0]["result"] == 9, data
    again = run_cli("resume", data["run_id"], "--json", home=tmp_path, env=OFFLINE)
    assert again.json()["steps"][0]["result"] == 9  # kept; the file was read again and checked
    notes.write_text(TEXT + "more\n", encoding="utf-8")
    changed = run_cli("resume", data["run_id"], home=tmp_path, env=OFFLINE)
    assert changed.code == 1 and "changed since the run" in changed.stderr


def test_a_url_is_fetched_from_public_addresses_only_unless_allowed(tmp_path):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = TEXT.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/files/notes.txt"
    try:
        refused = run_cli("run", "count the words in the attached file", "-a", url, home=tmp_path, env=OFFLINE)
        assert refused.code == 1 and "Traceback" not in refused.stderr
        allowed = run_cli("run", "count the words in the attached file", "-a", url, "--json", home=tmp_path,
                          env={**OFFLINE, "AGENTPLAT_FETCH_ALLOW_PRIVATE": "1"})
        assert allowed.code == 0 and allowed.json()["answer"] == "9", allowed.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_a_tool_can_pass_an_image_on_to_the_rest_of_the_run():
    """``extend.attach``: the run's later model calls see it (the planner's and the joiner's
    messages carry the run's attachments as content parts)."""
    from agentplat._common.attachments import message_content
    from agentplat._common.context import RunContext, current, entered
    from agentplat.extend import attach, attachment

    held: list = []
    with entered(RunContext(attachments=held)):
        assert attach(attachment("chart.png", png())) == "⟦chart.png⟧"
        assert attach(attachment("chart.png", png())) == "⟦chart.png#2⟧"
        parts = message_content("what do you see?", current().attachments)
    assert [a.token for a in held] == ["⟦chart.png⟧", "⟦chart.png#2⟧"]
    assert parts[0] == {"type": "text", "text": "what do you see?"} and parts[1]["type"] == "image_url"
    assert attach(attachment("chart.png", png())) is None  # no run: nothing to attach to
    with entered(RunContext(attachments=held)), pytest.raises(Exception, match="only an image"):
        attach(attachment("page.txt", "delete /home"))  # a tool's text never becomes a token
    assert len(held) == 2


def test_an_endpoint_that_rejects_images_is_said_in_one_line(tmp_path, endpoint):
    image = tmp_path / "cat.png"
    image.write_bytes(png())
    endpoint.fail(status=400, message="image input is not supported by this model")
    result = run_cli("run", "Add 2 and 3", "-a", str(image), "--model-plans", home=tmp_path,
                     env={"OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "sk-test"})
    assert result.code == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "image input is not supported" in result.stderr, result.stderr
