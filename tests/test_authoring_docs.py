"""The plugin author's guide stays true: its worked example is loaded from the page and run."""

from __future__ import annotations

import re
from pathlib import Path

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"


def worked_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    [module] = [b for b in blocks if b.startswith('"""agentplat plugin: convert temperatures')]
    return module


def test_the_readme_links_the_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Writing a plugin" in readme and "(docs/plugins.md)" in readme


def test_the_guide_covers_what_a_plugin_author_needs():
    text = GUIDE.read_text(encoding="utf-8")
    for topic in ("register_agents", "register_tools", "register_models", "register_offline_parsers",
                  "register_commands", "Args:", "ToolError", "TransientError", "Clause", "ToolCall",
                  "ScriptedModel", "OpenAIServer", "agentplat.testing.pytest_plugin", "openai_server",
                  "Environment(", "AGENTPLAT_TRACE_PLUGINS", "--reinstall-plugins", "uv publish"):
        assert topic in text, topic


def test_the_worked_example_plans_and_runs_offline(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-temperature", "agentplat_temperature", worked_example(),
                              requires=["agentplat>=0.1"])
    env = {**env, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline"}

    chained = run_cli("run", "--json", "Add 30 and 70, then convert it to celsius", env=env)
    assert chained.code == 0, chained.stderr
    run = chained.json()
    assert run["plan"]["steps"][1] == {"agent": "temperature", "tool": "convert_temperature",
                                       "args": {"value": "$0", "to": "celsius"}, "dependencies": [0]}
    assert run["answer"] == "37.78"

    direct = run_cli("run", "--json", "What is 37 degrees celsius in fahrenheit?", env=env)
    assert direct.code == 0, direct.stderr
    assert direct.json()["answer"] == "98.6"

    impossible = run_cli("run", "convert -500 F to celsius", env=env)
    assert impossible.code == 1
    assert "-500 degrees fahrenheit is below absolute zero" in impossible.stderr.strip().splitlines()[-1]
