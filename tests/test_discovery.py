"""Plugins are found through the ``agentplat`` entry-point group, one failure never stops the rest."""

from __future__ import annotations

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

BUILTIN = {"agentplat-math", "agentplat-weather", "agentplat-web-search", "agentplat-report", "agentplat-text"}

GOOD_PLUGIN = '''
from agentplat import hookimpl, Agent

async def shout(text: str) -> str:
    """Repeat text in capitals."""
    return text.upper()

@hookimpl
def register_agents(register):
    register(Agent(name="shouter", description="Shouts text back.", tools=[shout]))
'''


def plugins_by_name(env=None):
    result = run_cli("plugins", "--json", env=env)
    assert result.code == 0, result.stderr
    return {p["name"]: p for p in result.json()}


def test_builtin_plugins_are_discovered_through_entry_points():
    found = plugins_by_name()
    assert BUILTIN <= set(found)
    math = found["agentplat-math"]
    assert math["status"] == "ok" and math["error"] is None
    assert math["agents"] == ["math"]
    assert "register_agents" in math["hooks"]
    assert set(math) == {"name", "version", "status", "error", "agents", "hooks"}


def test_a_broken_plugin_is_reported_and_the_others_still_load(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-broken", "agentplat_broken", "raise RuntimeError('boom at import')\n")
    install_fake_distribution(site, "agentplat-shouter", "agentplat_shouter", GOOD_PLUGIN)
    found = plugins_by_name(env)
    assert found["agentplat-broken"]["status"] == "error"
    assert "boom at import" in found["agentplat-broken"]["error"]
    assert found["agentplat-shouter"]["status"] == "ok"
    assert found["agentplat-math"]["status"] == "ok"
    agents = run_cli("agents", "--json", env=env)
    assert agents.code == 0
    assert {"math", "shouter"} <= {a["name"] for a in agents.json()}


def test_a_hook_the_core_does_not_know_is_reported(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-odd", "agentplat_odd", """
from agentplat import hookimpl

@hookimpl
def register_gadgets(register):
    pass
""")
    odd = plugins_by_name(env)["agentplat-odd"]
    assert odd["status"] == "error"
    assert "register_gadgets" in odd["error"]


def test_a_hook_that_raises_is_reported_and_registers_nothing(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-halfway", "agentplat_halfway", GOOD_PLUGIN.replace(
        'register(Agent(name="shouter"', 'register(Agent(name="halfway"'
    ) + "\n    raise ValueError('second agent failed')\n")
    found = plugins_by_name(env)
    assert found["agentplat-halfway"]["status"] == "error"
    assert "second agent failed" in found["agentplat-halfway"]["error"]
    names = {a["name"] for a in run_cli("agents", "--json", env=env).json()}
    assert "halfway" not in names


def test_a_plugin_for_another_core_version_is_reported_with_the_reason(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-future", "agentplat_future", GOOD_PLUGIN.replace("shouter", "future"),
                              requires=["agentplat>=99"])
    future = plugins_by_name(env)["agentplat-future"]
    assert future["status"] == "error"
    assert "requires agentplat>=99" in future["error"]
    names = {a["name"] for a in run_cli("agents", "--json", env=env).json()}
    assert "future" not in names


def test_load_plugins_variable_restricts_loading():
    only_math = plugins_by_name({"AGENTPLAT_LOAD_PLUGINS": "agentplat-math"})
    assert set(only_math) == {"agentplat-math"}
    assert plugins_by_name({"AGENTPLAT_LOAD_PLUGINS": ""}) == {}
    agents = run_cli("agents", "--json", env={"AGENTPLAT_LOAD_PLUGINS": ""})
    assert agents.json() == []


def test_registry_load_only_loads_the_named_distributions(monkeypatch):
    from agentplat import Registry

    monkeypatch.setenv("AGENTPLAT_LOAD_PLUGINS", "agentplat-text")  # only= wins over the variable
    only_math = Registry.load(only=["agentplat_math"])  # names are normalised as the variable's are
    assert [p.name for p in only_math.plugins] == ["agentplat-math"] and "math" in only_math.agents
    assert "offline" in only_math.models  # the core's built-in backends are always there
    assert Registry.load(only=[]).plugins == []
    assert [p.name for p in Registry.load().plugins] == ["agentplat-text"]


def test_agents_json_describes_tools_with_their_schemas():
    agents = {a["name"]: a for a in run_cli("agents", "--json").json()}
    math = agents["math"]
    assert math["plugin"] == "agentplat-math"
    assert math["examples"]
    multiply = next(t for t in math["tools"] if t["name"] == "multiply")
    assert multiply["description"]
    assert multiply["parameters"]["type"] == "object"
    assert set(multiply["parameters"]["required"]) == {"a", "b"}
    assert multiply["parameters"]["properties"]["a"]["type"] == "number"
    assert (multiply["effect"], multiply["open_world"]) == ("read", False)
    assert multiply["pure"] is True  # a computation the planner may run to check a model's plan


def test_help_lists_plugin_commands_without_heavy_libraries():
    """--help imports the plugins' modules to ask them for their commands (a plugin command
    must be listed), but neither openai nor flyte."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from agentplat.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='agentplat')\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('openai', 'flyte')]\n"
        "print('LOADED', loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "report  Write refined reports" in out
    assert "LOADED []" in out


def test_planning_offline_does_not_import_openai_or_flyte():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from agentplat.cli import cli\n"
        "try:\n    cli(['plan', 'Calculate 5 factorial'], prog_name='agentplat')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in sys.modules if m.split('.')[0] in ('openai', 'flyte')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_no_llm_env()).stdout
    assert "LOADED []" in out


def _no_llm_env():
    import os

    return {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL")}
