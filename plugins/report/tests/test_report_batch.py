"""Report batches against the loopback OpenAI server: parallelism, failures, resume, escaping."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import defaultdict

import pytest
from agentplat.testing import Fail
from agentplat.testing import run_cli

TOPIC = re.compile(r"^Write a report on: (.+)$", re.M)
SUBJECT = re.compile(r"^Subject: (.+)$", re.M)


class Editorial:
    """Computes the server's replies from the request: writer or critic, which topic, which round.

    ``scores[topic]`` lists the critic's scores in order (default ``[9]``); ``failing`` topics get
    an HTTP 400 on the call numbered ``fail_at`` of that topic (1-based, writer and critic calls).
    """

    def __init__(self, scores=None, failing=(), fail_at=1, body="Findings."):
        self.scores = scores or {}
        self.failing = set(failing)
        self.fail_at = fail_at
        self.body = body
        self.calls = defaultdict(int)
        self.critiques = defaultdict(int)
        self.lock = threading.Lock()

    def topic(self, body) -> str:
        text = "\n".join(str(m.get("content") or "") for m in body["messages"])
        match = TOPIC.search(text) or SUBJECT.search(text)
        return match.group(1).strip()

    def __call__(self, body):
        topic = self.topic(body)
        is_critic = "JSON" in body["messages"][0]["content"]
        with self.lock:
            self.calls[topic] += 1
            if topic in self.failing and self.calls[topic] == self.fail_at:
                return Fail(400, message=f"the model refuses {topic}")
            if not is_critic:
                return f"# {topic}\n\n## Executive summary\n\n{self.body} On {topic}.\n\n## Conclusion\n\nDone."
            self.critiques[topic] += 1
            scores = self.scores.get(topic, [9])
            score = scores[min(self.critiques[topic], len(scores)) - 1]
        return json.dumps({"score": score, "strengths": ["clear"], "improvements": ["add data"],
                           "summary": f"{topic} scores {score}"})

    def topics_of(self, requests):
        return {self.topic(r.body) for r in requests}


@pytest.fixture
def llm_env(endpoint, openai_server, home):
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "sk-test", "AGENTPLAT_RETRY_WAIT": "0.01",
            "AGENTPLAT_HOME": str(home)}


def run_batch(topics, out, **settings):
    from agentplat_report.batch import Settings
    from agentplat_report.batch import run_batch as run

    events = []

    def listen(kind, topic, data):
        events.append((time.monotonic(), kind, topic, data))

    result = asyncio.run(run(topics, Settings(out=str(out), **settings), on_event=listen))
    return result, events


@pytest.mark.openai_server(latency=0.25)
def test_a_batch_takes_about_as_long_as_its_slowest_topic_not_the_sum(openai_server, llm_env, tmp_path):
    from agentplat import get_registry
    from agentplat.extend import current_engine, select_model

    assert select_model(get_registry()).client.client  # one-time costs (imports, Flyte) are not the batch's
    warmed = asyncio.run(current_engine().map("agentplat_report.slug:slugify", [{"topic": "warm up"}], limit=1))
    assert warmed == ["warm-up"]
    editorial = Editorial(scores={"quick wins": [9], "slow burn": [4, 5, 6], "solar sails": [6, 9],
                                  "tidal power": [7, 8], "wave energy": [5, 9], "geothermal heat": [6, 8]})
    openai_server.handler = editorial
    topics = ["quick wins", "solar sails", "tidal power", "wave energy", "geothermal heat", "slow burn"]
    started = time.monotonic()
    result, events = run_batch(topics, tmp_path / "out", max_parallel=6)
    elapsed = time.monotonic() - started
    print(f"batch of {len(topics)} topics: {elapsed:.2f}s")

    calls = len(openai_server.chat_requests)
    assert calls == 2 + 4 * 4 + 6  # quick: 1 round (draft, critique); four of 2 rounds; slow: 3 rounds
    serial, slowest = calls * 0.25, 6 * 0.25
    assert elapsed < 0.6 * serial, f"{elapsed:.2f}s for {serial:.2f}s of model latency (slowest topic {slowest}s)"
    assert [e["status"] for e in result.entries] == ["succeeded"] * 6
    slow = next(e for e in result.entries if e["topic"] == "slow burn")
    assert (slow["iterations"], slow["score"], slow["stopped_because"]) == (3, 6, "max_iterations")

    # no batch-wide barrier: the quick topic's files were written while the slow one still ran
    finished = {topic: at for at, kind, topic, _ in events if kind == "finished"}
    last_slow_call = max(r.received_at for r in openai_server.chat_requests if editorial.topic(r.body) == "slow burn")
    assert finished["quick wins"] < last_slow_call
    assert (tmp_path / "out" / "quick-wins" / "report.html").is_file()


def test_each_topic_gets_its_four_files_and_the_index_lists_it(openai_server, llm_env, tmp_path):
    openai_server.handler = Editorial(scores={"tidal power": [6, 9]})
    result, _ = run_batch(["tidal power"], tmp_path)
    folder = tmp_path / "tidal-power"
    assert sorted(p.name for p in folder.iterdir()) == ["critiques.json", "report.html", "report.md", "summary.txt"]

    markdown = (folder / "report.md").read_text()
    front = markdown.split("---\n")[1]
    assert "title: tidal power" in front and "score: 9" in front and re.search(r"date: \d{4}-\d\d-\d\d", front)
    assert (folder / "summary.txt").read_text().strip() == "Findings. On tidal power."

    critiques = json.loads((folder / "critiques.json").read_text())
    assert critiques["complete"] is True
    assert [(i["iteration"], i["critique"]["score"]) for i in critiques["iterations"]] == [(1, 6), (2, 9)]

    index = json.loads((tmp_path / "index.json").read_text())
    [entry] = index["topics"]
    assert entry["topic"] == "tidal power" and entry["folder"] == "tidal-power"
    assert (entry["status"], entry["score"], entry["iterations"]) == ("succeeded", 9, 2)
    assert entry["usage"]["llm_calls"] == 4 and entry["model"].startswith("openai:")


def test_script_in_the_topic_or_the_model_output_cannot_run_in_report_html(openai_server, llm_env, tmp_path):
    topic = "<script>alert('topic')</script> safety"
    openai_server.handler = Editorial(body="<script>alert('model')</script> <img src=x onerror=alert(1)> "
                                           "[click](javascript:alert(2))")
    result, _ = run_batch([topic], tmp_path)
    [entry] = result.entries
    assert entry["status"] == "succeeded" and "/" not in entry["folder"] and "<" not in entry["folder"]
    page = (tmp_path / entry["folder"] / "report.html").read_text()
    assert "<script" not in page.lower() and "<img" not in page and 'href="javascript:' not in page
    assert "&lt;script&gt;alert('topic')&lt;/script&gt;" in page.replace("&#x27;", "'")
    assert "&lt;script&gt;alert('model')&lt;/script&gt;" in page.replace("&#x27;", "'")
    assert "<title>&lt;script&gt;" in page


def test_a_failing_topic_does_not_lose_the_others(openai_server, llm_env, tmp_path):
    openai_server.handler = Editorial(failing={"doomed venture"})
    out = tmp_path / "out"
    result = run_cli("report", "tidal power", "doomed venture", "solar sails", "--out", str(out), env=llm_env)
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "1 of 3 topics failed" in lines[0] and "doomed venture" in lines[0]
    assert (out / "tidal-power" / "report.md").is_file() and (out / "solar-sails" / "report.md").is_file()
    index = {e["topic"]: e for e in json.loads((out / "index.json").read_text())["topics"]}
    assert index["doomed venture"]["status"] == "failed"
    assert "the model refuses doomed venture" in index["doomed venture"]["error"]
    assert index["tidal power"]["status"] == index["solar sails"]["status"] == "succeeded"


def test_resume_skips_finished_topics_and_continues_interrupted_ones(openai_server, llm_env, tmp_path):
    out = tmp_path / "out"
    # first run: "flaky" dies on its revision (its 3rd call), after one critiqued draft
    openai_server.handler = Editorial(scores={"flaky": [5, 9]}, failing={"flaky"}, fail_at=3)
    first, _ = run_batch(["tidal power", "flaky"], out)
    assert [e["status"] for e in first.entries] == ["succeeded", "failed"]
    partial = json.loads((out / "flaky" / "critiques.json").read_text())
    assert partial["complete"] is False and len(partial["iterations"]) == 1
    report_before = (out / "tidal-power" / "report.md").read_text()

    openai_server.reset()
    editorial = Editorial(scores={"flaky": [9]})
    openai_server.handler = editorial
    second, _ = run_batch(["tidal power", "flaky"], out, resume=True)
    assert second.skipped == ["tidal power"] and not second.failed
    requests = openai_server.chat_requests
    assert editorial.topics_of(requests) == {"flaky"}  # nothing was asked about the finished topic
    assert len(requests) == 2  # flaky's revision and its critique: its first draft was kept
    assert requests[0].messages[-2]["role"] == "assistant"  # a revision of the saved draft
    assert (out / "tidal-power" / "report.md").read_text() == report_before
    flaky = json.loads((out / "flaky" / "critiques.json").read_text())
    assert [i["critique"]["score"] for i in flaky["iterations"]] == [5, 9] and flaky["complete"] is True


def test_without_resume_a_rerun_regenerates_into_the_same_folders(openai_server, llm_env, tmp_path):
    openai_server.handler = Editorial()
    run_batch(["tidal power"], tmp_path)
    run_batch(["tidal power", "Tidal  Power!"], tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    assert [(e["topic"], e["folder"]) for e in index["topics"]] == [
        ("tidal power", "tidal-power"), ("Tidal Power!", "tidal-power-2")]
    assert len(openai_server.chat_requests) == 2 + 4


def test_topics_come_from_a_file_and_bad_input_fails_in_one_line(tmp_path, home, monkeypatch):
    monkeypatch.setenv("AGENTPLAT_MODEL", "offline")
    listing = tmp_path / "topics.txt"
    listing.write_text("# my topics\n\ntidal power\n  tidal   power \n")
    from agentplat_report.commands import read_topics

    assert read_topics(("solar sails",), str(listing)) == ["solar sails", "tidal power"]
    for args in (["report", "--out", str(tmp_path)], ["report", "--from-file", str(tmp_path / "missing.txt")],
                 ["report", "x" * 400]):
        result = run_cli(*args, timeout=60)
        lines = result.stderr.strip().splitlines()
        assert result.code != 0 and len(lines) == 1 and lines[0].startswith("agentplat: error:"), result.stderr
