"""The report app in every state of a topic and with files in any shape; its host
allow-list; and the security headers on every response, errors and static files included."""

from __future__ import annotations

import json
import re
import stat

import httpx
import pytest

LOCAL = "http://127.0.0.1:8000"
HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
REPORT = "---\n{front}\n---\n\n# {title}\n\nThe body of the report.\n"
CRITIQUE = {"iteration": 1, "draft": "# Draft\n\ntext", "critique": {
    "score": 6, "strengths": ["clear"], "improvements": ["more sources"], "summary": "decent"}}

#: folder -> (index entry fields, report.md front matter or None for no report yet, critiques.json text or None)
STATES = {
    "pending": ({"status": "pending", "error": None}, None, None),
    "running": ({"status": "running", "iterations": 1, "score": 6}, None, json.dumps({"iterations": [CRITIQUE]})),
    "running-no-score": ({"status": "running"}, None, None),
    "failed": ({"status": "failed", "error": "the model is unreachable"}, None, None),
    "failed-mid-way": ({"status": "failed", "error": "boom", "iterations": 2, "score": "7"}, None,
                       json.dumps({"iterations": [CRITIQUE, {"iteration": 2}]})),
    "done": ({"status": "succeeded", "score": 9, "iterations": 2, "quality_threshold": 8}, "score: 9\ntitle: done",
             json.dumps({"iterations": [CRITIQUE]})),
    "string-score": ({"status": "succeeded", "score": "high"}, "score: high\ntitle: strings", None),
    "nan-score": ({"status": "succeeded", "score": float("nan")}, "score: .nan\ntitle: nan", None),
    "inf-score": ({"status": "succeeded", "score": float("inf")}, "score: .inf", None),
    "huge-score": ({"status": "succeeded", "score": 10**400}, "score: " + "9" * 5000, None),
    "negative-score": ({"status": "succeeded", "score": -3}, "score: -3\nquality_threshold: lots", None),
    "no-title": ({"status": "succeeded"}, "score: 8", None),
    "list-title": ({"status": "succeeded", "topic": ["a", "list"]}, "title: [a, list]\ndate: not a date", None),
    "broken-yaml": ({"status": "succeeded", "score": 8}, "score: [unclosed\ntitle: : :", None),
    "deep-yaml": ({"status": "succeeded"}, "score: " + "[" * 5000 + "]" * 5000, None),
    "odd-fields": ({"status": "paused", "iterations": "two", "updated": 12, "quality_threshold": "x",
                    "error": {"why": 1}, "model": ["m"]}, "stopped_because: [1]", "[1, 2]"),
    "odd-critiques": ({"status": "succeeded", "score": 5}, "score: 5",
                      json.dumps({"iterations": [1, {"critique": "bad"}, {"critique": {"score": "x", "strengths": "one",
                                                                                       "improvements": [None, 3]}}]})),
    "binary-files": ({"status": "succeeded", "score": 4}, "score: 4", "\udcff"),
}


@pytest.fixture
def odd_reports(tmp_path):
    """A reports folder with a topic in every state, and files in every odd shape."""
    root = tmp_path / "reports"
    root.mkdir()
    entries = [1, "not an entry", {"topic": "no folder"}, {"topic": "escape", "folder": "../etc"}]
    for folder, (fields, front, critiques) in STATES.items():
        entries.append({"topic": f"topic {folder}", "folder": folder, "updated": "2026-01-01T00:00:00+00:00",
                        **fields})
        (root / folder).mkdir()
        if front is not None:
            (root / folder / "report.md").write_text(REPORT.format(front=front, title=folder))
        if critiques is not None:
            (root / folder / "critiques.json").write_text(critiques, errors="surrogateescape")
    (root / "binary-files" / "summary.txt").write_bytes(b"\xff\xfe not utf-8 \x80")
    (root / "index.json").write_text(json.dumps({"version": 1, "topics": entries}))  # NaN, Infinity as JSON allows
    return root


@pytest.fixture
def odd_client(odd_reports):
    from agentplat_report.app.server import create_app
    from starlette.testclient import TestClient

    with TestClient(create_app(odd_reports), base_url=LOCAL, raise_server_exceptions=False) as client:
        yield client


def strict_json(response):
    """The body as JSON that browsers accept (no NaN or Infinity)."""
    def refuse(name):
        raise AssertionError(f"{name} in a JSON response")
    return json.loads(response.text, parse_constant=refuse)


def test_the_list_and_every_report_render_in_every_topic_state(odd_client):
    page = odd_client.get("/")
    assert page.status_code == 200, page.text
    for folder in STATES:
        if folder != "list-title":
            assert f"topic {folder}" in page.text
    assert 'href="/reports/done"' in page.text and 'href="/reports/pending"' not in page.text
    assert "9/10" in page.text and "high/10" not in page.text and "nan/10" not in page.text.lower()
    for folder in STATES:
        report = odd_client.get(f"/reports/{folder}")
        assert report.status_code == 200, (folder, report.text[-500:])
    assert odd_client.get("/reports/done").text.count("<strong>Iteration ") == 1
    odd = odd_client.get("/reports/odd-critiques").text
    assert odd.count("<strong>Iteration ") == 3 and "<li>one</li>" in odd and "<li>3</li>" in odd
    rows = strict_json(odd_client.get("/api/reports"))["reports"]
    assert {r["folder"] for r in rows} == set(STATES)  # entries without a usable folder are left out
    by_folder = {r["folder"]: r for r in rows}
    assert by_folder["done"]["score"] == 9
    assert all(by_folder[f]["score"] is None for f in ("string-score", "nan-score", "huge-score", "negative-score"))
    assert by_folder["odd-fields"]["status"] == "unknown" and by_folder["odd-fields"]["iterations"] == 0


def test_a_batch_page_renders_while_its_topics_are_pending_running_or_odd(odd_reports, tmp_path):
    from agentplat_report.app.server import create_app
    from starlette.testclient import TestClient

    busy = tmp_path / "busy-python"  # stands in for the batch process: it just keeps running
    busy.write_text("#!/bin/sh\nexec sleep 60\n")
    busy.chmod(busy.stat().st_mode | stat.S_IEXEC)
    with TestClient(create_app(odd_reports, python=str(busy)), base_url=LOCAL) as client:
        token = re.search(r'name="token" value="([^"]+)"', client.get("/").text).group(1)
        topics = "\n".join(f"topic {folder}" for folder in STATES)
        started = client.post("/batches", data={"topics": topics, "token": token}, follow_redirects=False)
        assert started.status_code == 303
        batch = started.headers["location"]
        assert client.get(batch).status_code == 200
        status = strict_json(client.get("/api" + batch))
        assert status["state"] == "running"
        assert {t["status"] for t in status["topics"]} >= {"pending", "running", "failed", "succeeded"}
        assert client.get("/").status_code == 200  # the recent batches beside the list


def test_a_damaged_index_is_named_on_the_page_instead_of_an_empty_list(odd_reports, odd_client):
    (odd_reports / "index.json").write_text('{"version": 1, "topics": [{"score": ' + "9" * 5000 + "}]}")
    page = odd_client.get("/")
    assert page.status_code == 200
    assert "index cannot be read" in page.text and "No reports in this folder yet" in page.text


def response_kinds(client, reports):
    """One response of every kind the app gives."""
    token = re.search(r'name="token" value="([^"]+)"', client.get("/").text).group(1)
    return {
        "page": client.get("/"),
        "report": client.get("/reports/done"),
        "json": client.get("/api/reports"),
        "download": client.get("/reports/done/files/report.md"),
        "static": client.get("/static/style.css"),
        "static 404": client.get("/static/nope.css"),
        "404": client.get("/no/such/page"),
        "missing report": client.get("/reports/nope"),
        "405": client.put("/"),
        "403": client.post("/batches", data={"topics": "x", "token": "wrong"}),
        "400 form": client.post("/batches", data={"topics": "", "token": token}),
        "400 host": client.get("/", headers={"host": "evil.example"}),
    }


def test_every_response_carries_the_security_headers(odd_client, odd_reports, monkeypatch):
    kinds = response_kinds(odd_client, odd_reports)
    from agentplat_report.app import server

    def broken(*args, **kwargs):
        raise RuntimeError("an error nobody foresaw")

    monkeypatch.setattr(server, "load_report", broken)  # the one way left to make the app fail
    kinds["500"] = odd_client.get("/reports/done")
    expected = {"page": 200, "report": 200, "json": 200, "download": 200, "static": 200, "static 404": 404,
                "404": 404, "missing report": 404, "405": 405, "403": 403, "400 form": 400, "400 host": 400,
                "500": 500}
    assert {kind: r.status_code for kind, r in kinds.items()} == expected
    for kind, response in kinds.items():
        for header, value in HEADERS.items():
            assert value in response.headers.get(header, ""), (kind, header, dict(response.headers))


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST.", "[::1]:8000", "app.localhost:8000"])
def test_loopback_names_are_answered(odd_client, host):
    assert odd_client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "[::1"])
def test_other_host_names_get_400(odd_client, host):
    response = odd_client.get("/", headers={"host": host})
    assert response.status_code == 400 and "Invalid Host header" in response.text


def test_allowed_names_come_from_the_option_and_the_environment(odd_reports, monkeypatch):
    from agentplat_report.app.server import create_app
    from starlette.testclient import TestClient

    monkeypatch.setenv("AGENTPLAT_REPORT_ALLOWED_HOSTS", "reports.lan, *.corp.example")
    app = create_app(odd_reports, host="10.1.2.3", allowed_hosts=["box.internal"])
    with TestClient(app, base_url=LOCAL) as client:
        for host in ("reports.lan", "box.internal:8000", "a.corp.example", "10.1.2.3:8000"):
            assert client.get("/", headers={"host": host}).status_code == 200, host
        for host in ("corp.example.evil", "reports.lan.evil", "10.1.2.4"):
            assert client.get("/", headers={"host": host}).status_code == 400, host
    with TestClient(create_app(odd_reports, host="0.0.0.0", allowed_hosts=["*"]), base_url=LOCAL) as client:
        assert client.get("/", headers={"host": "anything.example"}).status_code == 200


@pytest.fixture
def served(odd_reports, tmp_path, report_app):
    """The real app on loopback, as ``agentplat report serve`` starts it; batches it starts
    would run a stand-in that records its arguments."""
    with report_app("--reports", str(odd_reports), "--allow-host", "reports.lan",
                            env={"AGENTPLAT_MODEL": "offline"}) as url:
        yield url


def test_a_rebound_name_can_neither_read_the_token_nor_start_a_batch(served, odd_reports):
    evil = {"host": f"evil.example:{served.rsplit(':', 1)[1]}"}
    page = httpx.get(served + "/", headers=evil)
    assert page.status_code == 400 and 'name="token"' not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    token = re.search(r'name="token" value="([^"]+)"', httpx.get(served + "/").text).group(1)
    before = (odd_reports / "index.json").read_text()
    post = httpx.post(served + "/batches", data={"topics": "rebinding", "token": token}, headers=evil)
    assert post.status_code == 400
    assert httpx.get(served + "/api/batches/x", headers=evil).status_code == 400
    # no batch started: the app records a batch it starts before it answers, and lists it
    assert "Recent batches" not in httpx.get(served + "/").text
    assert (odd_reports / "index.json").read_text() == before
    assert httpx.get(served + "/", headers={"host": "reports.lan"}).status_code == 200  # --allow-host
    assert httpx.get(served + "/", headers={"host": "localhost"}).status_code == 200
