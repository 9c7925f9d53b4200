"""The report plugin offline: extractive drafts from local search, the rubric critic, routing, files."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from agentplat.refine import Critique, Iteration, Refinement, refine

DOCS = {
    "solar.md": "# Solar power\n\nSolar power converts sunlight into electricity with photovoltaic panels. "
                "Module costs fell by about 90% in a decade, making solar the cheapest new electricity.",
    "wind.md": "# Wind energy\n\nWind turbines turn the kinetic energy of wind into electricity. Offshore "
               "farms have steadier winds. Renewable energy from wind supplies a growing share of grids.",
    "hydro.md": "# Hydropower\n\nHydroelectric dams release stored water through turbines. Hydropower is the "
                "largest renewable energy source worldwide.",
    "storage.md": "# Energy storage\n\nBatteries store renewable energy for when the sun does not shine. "
                  "Grid storage costs have fallen sharply.",
    "policy.md": "# Energy policy\n\nGovernments support renewable energy with subsidies and carbon prices. "
                 "The European Union targets 42.5% renewable energy by 2030.",
    "grid.md": "# Power grids\n\nGrids balance supply and demand every second. Variable renewable energy "
               "needs flexible grids and interconnectors.",
}


@pytest.fixture
def corpus(tmp_path, monkeypatch, home):
    """The ``local`` search backend over a few documents, and the offline model."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "local")
    monkeypatch.setenv("AGENTPLAT_SEARCH_PATH", str(docs))
    monkeypatch.setenv("AGENTPLAT_MODEL", "offline")
    monkeypatch.delenv("AGENTPLAT_LOAD_PLUGINS", raising=False)
    return docs


def offline_refine(topic, **kwargs):
    from agentplat_report.offline import ExtractiveWriter, RubricCritic

    return asyncio.run(refine(topic, writer=ExtractiveWriter(), critic=RubricCritic(), **kwargs))


def test_offline_drafts_cite_search_results_and_improve_with_the_critique(corpus):
    result = offline_refine("renewable energy")
    first, last = result.iterations[0], result.iterations[-1]
    assert "## Sources" in first.draft and "file://" in first.draft and "[1]" in first.draft
    assert "Conclusion" in " ".join(first.critique.improvements)  # the rubric asks for what is missing...
    assert "## Conclusion" in last.draft and "## Background" in last.draft  # ...and the revision adds it
    assert last.critique.score > first.critique.score
    assert result.score >= 8 and result.stopped_because == "threshold"


def test_the_offline_loop_is_deterministic(corpus):
    assert offline_refine("wind energy").to_json() == offline_refine("wind energy").to_json()


def test_without_web_search_the_draft_says_so(corpus, monkeypatch):
    monkeypatch.setenv("AGENTPLAT_LOAD_PLUGINS", "agentplat-report")
    result = offline_refine("renewable energy", max_iterations=2)
    assert "web search is not available" in result.final
    assert result.stopped_because == "max_iterations" and result.score < 8


def test_a_failing_search_backend_is_reported_in_the_draft(corpus, monkeypatch):
    monkeypatch.delenv("AGENTPLAT_SEARCH_PATH")
    result = offline_refine("renewable energy", max_iterations=1)
    assert "web search failed" in result.final and "AGENTPLAT_SEARCH_PATH" in result.final


def test_the_rubric_scores_structure_length_coverage_and_sources():
    from agentplat_report.offline import RubricCritic

    critic = RubricCritic()
    bare = asyncio.run(critic.critique("tidal power", "Some words about nothing."))
    assert bare.score == 1 and len(bare.improvements) >= 5
    sources = "\n".join(f"{n}. [Source {n}](https://example.org/{n})" for n in (1, 2, 3))
    body = " ".join(["Tidal power turns the motion of tides into electricity [1] [2] [3]."] * 40)
    full = f"# Tidal power\n\n## Executive summary\n\n{body}\n\n## Conclusion\n\nDone.\n\n## Sources\n\n{sources}\n"
    good = asyncio.run(critic.critique("tidal power", full))
    assert good.score == 10 and good.improvements == []
    missing = asyncio.run(critic.critique("tidal power in Korea", full))
    assert missing.score < 10 and any("korea" in i for i in missing.improvements)


@pytest.mark.parametrize("request_text, topic", [
    ("write a report on renewable energy", "renewable energy"),
    ("Please write a short report about the history of the printing press", "the history of the printing press"),
    ("report on electric vehicle adoption in Europe", "electric vehicle adoption in Europe"),
    ('prepare a report on "tidal power"', "tidal power"),
])
def test_the_offline_planner_routes_report_requests_to_the_report_agent(request_text, topic, home):
    from agentplat import plan_request

    planned = asyncio.run(plan_request(request_text, model="offline"))
    [step] = planned.plan.steps
    assert (step.agent, step.tool, step.args) == ("report", "write_report", {"topic": topic})


def test_other_requests_are_not_taken_by_the_report_parser(home):
    from agentplat import plan_request

    plan = asyncio.run(plan_request("search for wave energy", model="offline")).plan
    assert plan.steps[0].agent == "web_search"


def test_the_report_agent_is_registered_with_its_tool(home):
    from agentplat import get_registry

    agent = get_registry().agent("report")
    tool = agent.tool("write_report")
    assert tool.parameters["required"] == ["topic"] and "write a report on renewable energy" in tool.examples


def test_a_run_writes_the_report_and_answers_with_its_path(corpus, tmp_path, monkeypatch):
    from agentplat import run_request

    monkeypatch.setenv("AGENTPLAT_REPORTS_DIR", str(tmp_path / "reports"))
    result = asyncio.run(run_request("write a report on renewable energy", model="offline"))
    assert result.status == "succeeded"
    assert result.answer == str(tmp_path / "reports" / "renewable-energy" / "report.md")
    index = json.loads((tmp_path / "reports" / "index.json").read_text())
    assert index["topics"][0]["status"] == "succeeded" and index["topics"][0]["model"] == "offline"


def test_an_offline_batch_through_the_cli(corpus, tmp_path):
    from agentplat.testing import run_cli

    env = {"AGENTPLAT_SEARCH_BACKEND": "local", "AGENTPLAT_SEARCH_PATH": str(corpus), "AGENTPLAT_MODEL": "offline"}
    result = run_cli("report", "renewable energy", "wind energy", "--out", str(tmp_path / "r"), "--json", env=env)
    assert result.code == 0, result.stderr
    data = result.json()
    assert [t["status"] for t in data["topics"]] == ["succeeded", "succeeded"]
    for entry in data["topics"]:
        folder = tmp_path / "r" / entry["folder"]
        assert {p.name for p in folder.iterdir()} == {"report.md", "report.html", "summary.txt", "critiques.json"}
        assert (folder / "summary.txt").read_text().startswith(f"This report on {entry['topic']}")


@pytest.mark.parametrize("topic, slug", [
    ("Renewable Energy: Europe/2030", "renewable-energy-europe-2030"),
    ("../../etc/passwd", "etc-passwd"),
    ("..", None),
    ("Énergie renouvelable", "energie-renouvelable"),
    ("CON", "con-report"),
    ("水力发电", None),
])
def test_folder_names_are_safe(topic, slug):
    from agentplat_report.slug import slugify

    name = slugify(topic)
    if slug is not None:
        assert name == slug
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert slugify(topic) == name


def test_folder_names_are_unique():
    from agentplat_report.slug import unique_slug

    assert unique_slug("AI", {"ai", "ai-2"}) == "ai-3"


def refinement(final: str) -> Refinement:
    critique = Critique(score=9, summary="good", strengths=["clear"])
    return Refinement(subject="t", final=final, score=9, iterations=[Iteration(1, final, critique)],
                      stopped_because="threshold", quality_threshold=8, max_iterations=3, final_iteration=1)


def test_the_four_formats(tmp_path):
    from agentplat_report.formats import split_front_matter, write_report

    final = ("# Tidal: a *primer*\n\n## Executive summary\n\nTides are **predictable** [1]. See [the atlas]"
             "(https://example.org/atlas).\n\n## Findings\n\n| site | MW |\n|---|---|\n| Sihwa | 254 |\n")
    paths = write_report(tmp_path, 'Tidal "power": 2030', refinement(final), when=date(2030, 1, 2))
    meta, body = split_front_matter(paths["report.md"].read_text())
    assert meta == {"title": 'Tidal "power": 2030', "date": date(2030, 1, 2), "score": 9, "iterations": 1,
                    "quality_threshold": 8, "stopped_because": "threshold"}
    assert body.startswith("# Tidal: a *primer*")
    page = paths["report.html"].read_text()
    assert "<title>Tidal &quot;power&quot;: 2030</title>" in page and "<table>" in page and "<em>primer</em>" in page
    assert paths["summary.txt"].read_text() == "Tides are predictable. See the atlas.\n"
    assert json.loads(paths["critiques.json"].read_text())["iterations"][0]["critique"]["score"] == 9


def test_report_help_shows_the_options_of_report_topic():
    from agentplat.testing import run_cli

    result = run_cli("report", "--help")
    assert result.code == 0, result.stderr
    for option in ("--out", "--max-iterations", "--threshold", "--resume", "--model", "--from-file"):
        assert option in result.stdout
    assert "agentplat report serve --help" in result.stdout
    assert "generate" not in result.stdout  # an internal name, not something to type


def test_report_without_a_topic_is_one_error_line():
    from agentplat.testing import run_cli

    result = run_cli("report")
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "agentplat: error: no topics given: name at least one (or use --from-file FILE); "
        "`agentplat report --help` lists the options"
    ]


def test_an_offline_report_with_no_sources_fails_and_says_where_to_point_it(tmp_path):
    from agentplat.testing import run_cli

    empty = tmp_path / "docs"
    empty.mkdir()
    result = run_cli("report", "Quantum gardening", "--out", str(tmp_path / "out"), "--model", "offline",
                     "--max-iterations", "1", env={"AGENTPLAT_SEARCH_BACKEND": "local",
                                                   "AGENTPLAT_SEARCH_PATH": str(empty), "AGENTPLAT_ENGINE": "inline"})
    assert result.code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "no sources were found on 'Quantum gardening'" in line and "AGENTPLAT_SEARCH_PATH" in line
    assert (tmp_path / "out" / "quantum-gardening" / "report.md").exists()  # the draft is kept to read
