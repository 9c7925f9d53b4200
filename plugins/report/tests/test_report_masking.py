"""A key typed into a report topic (or echoed by the writer) reaches no report file, no folder
name and no line of index.json: the plugin writes through the core's masking door."""

from __future__ import annotations

import asyncio

KEY = "sk-proj-Rn4Tq8Wd2Yk6Jm9Pz3Lc"
DOCS = {"solar.md": "# Solar power\n\nSolar power converts sunlight into electricity with photovoltaic panels. "
                    "Renewable energy from the sun is the cheapest new electricity.",
        "wind.md": "# Wind energy\n\nWind turbines turn the kinetic energy of wind into electricity. Renewable "
                   "energy from wind supplies a growing share of grids."}


def test_a_key_in_a_topic_reaches_no_file_and_no_index(tmp_path, monkeypatch, home):
    from agentplat_report.batch import Settings, run_batch

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "local")
    monkeypatch.setenv("AGENTPLAT_SEARCH_PATH", str(docs))
    monkeypatch.setenv("AGENTPLAT_MODEL", "offline")
    monkeypatch.setenv("AGENTPLAT_ENGINE", "inline")
    monkeypatch.setenv("SERVICE_API_KEY", KEY)
    out = tmp_path / "reports"
    result = asyncio.run(asyncio.wait_for(run_batch([f"renewable energy {KEY}"], Settings(out=str(out),
                                                                                          max_iterations=1)), 120))
    assert result.entries and (out / "index.json").is_file()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) >= 2, written
    forms = [KEY.lower(), KEY[len("sk-proj-"):].lower()]
    leaks = [str(p.relative_to(out)) for p in out.rglob("*") if any(f in str(p.relative_to(out)).lower() for f in forms)
             or (p.is_file() and any(f.encode() in p.read_bytes().lower() for f in forms))]
    assert leaks == []
    assert result.entries[0]["topic"] == "renewable energy ***"


def test_a_key_typed_into_the_apps_form_is_never_shown_nor_written(tmp_path, monkeypatch, home):
    """The app's form starts a batch: its page, its JSON and the batch's files hold no key."""
    import re
    import time

    from agentplat_report.app.server import create_app
    from starlette.testclient import TestClient

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    for name, value in {"AGENTPLAT_SEARCH_BACKEND": "local", "AGENTPLAT_SEARCH_PATH": str(docs),
                        "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline", "SERVICE_API_KEY": KEY}.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "reports"
    out.mkdir()
    forms = [KEY.lower(), KEY[len("sk-proj-"):].lower()]
    with TestClient(create_app(out), base_url="http://127.0.0.1:8000") as client:
        token = re.search(r'name="token" value="([^"]+)"', client.get("/").text).group(1)
        started = client.post("/batches", data={"topics": f"renewable energy {KEY.upper()}", "token": token,
                                                "max_iterations": "1", "threshold": "8"})
        assert started.status_code == 200, started.text
        assert not any(f in started.text.lower() for f in forms) and "renewable energy ***" in started.text
        batch = re.search(r"/batches/([0-9a-f]+)", str(started.url)).group(1)
        deadline = time.monotonic() + 120
        while (status := client.get(f"/api/batches/{batch}").json())["state"] == "running":
            assert time.monotonic() < deadline, status
            time.sleep(0.5)
        assert not any(f in str(status).lower() for f in forms)
        assert not any(f in client.get("/").text.lower() for f in forms)
    assert (out / "index.json").is_file()
    assert [p.name for p in out.rglob("*") if any(f in p.name.lower() or (p.is_file() and f.encode() in
                                                                          p.read_bytes().lower()) for f in forms)] == []
