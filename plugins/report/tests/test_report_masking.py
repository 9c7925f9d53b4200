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
