"""The report web app: pages, downloads, escaping, the batch form, and a real browser end to end."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agentplat.testing import run_cli

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NO_CHROMIUM = ("Chromium is not installed, so the report app's browser test did not run: install it (Debian: "
               "`sudo apt-get install chromium`; Ubuntu: `sudo snap install chromium`) and run pytest again; "
               "Playwright drives it as it is (no `playwright install`)")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCRIPT_TOPIC = "<script>alert(1)</script> grids"
DOCS = {
    "wind.md": "# Wind energy\n\nWind turbines turn the kinetic energy of wind into electricity. Offshore farms "
               "have steadier winds. Renewable energy from wind supplies a growing share of power grids.",
    "solar.md": "# Solar power\n\nSolar panels convert sunlight into electricity. Module costs fell by about 90% "
                "in a decade, making solar the cheapest new electricity in many countries.",
    "grid.md": "# Power grids\n\nGrids balance supply and demand every second. Variable renewable energy needs "
               "flexible grids and interconnectors. <script>alert('doc')</script>",
    "tides.md": "# Tidal power\n\nTidal power uses the rise and fall of the sea. Tidal barrages and stream "
                "turbines are predictable renewable energy sources.",
    "waves.md": "# Wave energy\n\nWave energy converters capture the motion of ocean waves, a renewable energy "
                "resource still in early development.",
}


@pytest.fixture
def offline_env(tmp_path, monkeypatch, home):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    env = {"AGENTPLAT_SEARCH_BACKEND": "local", "AGENTPLAT_SEARCH_PATH": str(docs), "AGENTPLAT_MODEL": "offline",
           "AGENTPLAT_HOME": str(home)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "AGENTPLAT_LOAD_PLUGINS"):
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture
def reports(tmp_path, offline_env, monkeypatch):
    """A reports folder made by the offline model: two reports, one with a script in its topic."""
    from agentplat_report.batch import Settings, run_batch

    monkeypatch.setenv("AGENTPLAT_ENGINE", "inline")
    out = tmp_path / "reports"
    result = asyncio.run(run_batch(["renewable energy", SCRIPT_TOPIC], Settings(out=str(out))))
    assert not result.failed
    monkeypatch.delenv("AGENTPLAT_ENGINE")
    return out


@pytest.fixture
def client(reports):
    from agentplat_report.app.server import create_app
    from starlette.testclient import TestClient

    with TestClient(create_app(reports), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def test_the_list_shows_every_report_with_score_and_iterations(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/reports/renewable-energy"' in page.text
    assert re.search(r"\d+/10", page.text)
    assert client.get("/api/reports").json()["reports"][0]["status"] == "succeeded"


def test_a_report_page_shows_the_report_summary_critiques_and_downloads(client, reports):
    page = client.get("/reports/renewable-energy")
    assert page.status_code == 200
    assert "<h1>Renewable energy</h1>" in page.text  # rendered Markdown
    assert 'id="summary"' in page.text and "This report on renewable energy" in page.text
    assert page.text.count("<strong>Iteration ") >= 1
    for name in ("report.md", "report.html", "summary.txt", "critiques.json"):
        assert f'href="/reports/renewable-energy/files/{name}"' in page.text
        download = client.get(f"/reports/renewable-energy/files/{name}")
        assert download.status_code == 200 and download.content == (reports / "renewable-energy" / name).read_bytes()
        assert "attachment" in download.headers["content-disposition"]


def test_script_in_a_topic_or_a_source_is_escaped_in_the_app(client, reports):
    folder = next(p.name for p in reports.iterdir() if p.name.startswith("script"))
    for url in ("/", f"/reports/{folder}"):
        page = client.get(url)
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; grids" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("url", ["/reports/..%2F..%2Fetc", "/reports/renewable-energy/files/..%2Findex.json",
                                 "/reports/renewable-energy/files/passwd", "/reports/nope", "/batches/nope"])
def test_nothing_outside_the_reports_folder_is_served(client, url):
    assert client.get(url).status_code == 404


def test_the_form_needs_its_token_and_topics(client):
    token = re.search(r'name="token" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/batches", data={"topics": "x"}).status_code == 403
    empty = client.post("/batches", data={"topics": "  \n", "token": token})
    assert empty.status_code == 400 and "at least one topic" in empty.text


def test_serve_without_the_app_extra_says_so_in_one_line(tmp_path):
    code = ("import sys; sys.modules['starlette'] = None\n"
            "from agentplat.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code, "report", "serve", "--reports", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "agentplat: error: the report app needs its optional extra (starlette is missing): "
        "agentplat install 'agentplat-report[app]'"
    ]


def test_serve_on_a_busy_port_says_so_in_one_line_before_claiming_to_serve(reports):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("report", "serve", "--reports", str(reports), "--port", str(port), timeout=60)
    assert result.code == 1
    assert result.stdout == ""  # no "Serving ..." line
    assert result.stderr.strip().splitlines() == [
        f"agentplat: error: cannot serve on 127.0.0.1:{port}: Address already in use (another program is "
        "using it; choose another with --port)"
    ]


@pytest.fixture
def server(reports, offline_env, report_app):
    with report_app("--reports", str(reports), env=offline_env) as url:
        yield url


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=NO_CHROMIUM)
def test_the_app_end_to_end_in_headless_chromium(server, reports):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            # the list shows the reports
            page.goto(server + "/")
            rows = page.locator("table.reports tbody tr")
            expect(rows).to_have_count(2)
            expect(page.get_by_role("link", name=SCRIPT_TOPIC)).to_be_visible()  # shown as text, not run
            page.screenshot(path=str(ARTIFACTS / "report-app-list.png"), full_page=True)

            # a report opens: rendered report, summary, critique history, downloads
            page.get_by_role("link", name="renewable energy").click()
            expect(page.locator("#report h1")).to_have_text("Renewable energy")
            expect(page.locator("#summary")).to_contain_text("This report on renewable energy")
            expect(page.locator("#critiques .history > li").first).to_contain_text("Iteration 1")
            expect(page.locator(".downloads a")).to_have_count(4)
            page.screenshot(path=str(ARTIFACTS / "report-app-report.png"), full_page=True)

            page.goto(server + "/")
            page.get_by_role("link", name=SCRIPT_TOPIC).click()
            expect(page.locator("#report h1")).to_have_text(SCRIPT_TOPIC)

            # the form starts a batch and its progress shows until it finishes
            page.goto(server + "/")
            page.fill("#topics", "tidal power\nwave energy")
            page.get_by_role("button", name="Start batch").click()
            expect(page).to_have_url(re.compile(r"/batches/[0-9a-f]+$"))
            expect(page.locator("#batch-topics tbody tr")).to_have_count(2)
            expect(page.locator("#batch-bar")).to_be_visible()
            expect(page.locator("#batch")).to_have_attribute("data-state", "finished", timeout=60_000)
            expect(page.locator("#batch-done")).to_have_text("2")
            expect(page.get_by_role("link", name="tidal power")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "report-app-batch.png"), full_page=True)

            page.get_by_role("link", name="wave energy").click()
            expect(page.locator("#report h1")).to_have_text("Wave energy")
            page.goto(server + "/")
            expect(rows).to_have_count(4)
        finally:
            browser.close()
    assert dialogs == []  # no script from a topic or a source ever ran
    assert (reports / "tidal-power" / "report.html").is_file()
