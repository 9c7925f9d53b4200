"""A plugin made for another core is reported with a reason a person can act on.

Complements test_discovery.py (which checks that such plugins are isolated): here the
wording of each reason, and the cases it does not cover (a hook signature the core does
not provide, requirements that do not bind, hooks that leave out their argument).
"""

from __future__ import annotations

from importlib.metadata import version

import pytest

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

CORE = version("agentplat")

AGENT = '''
from agentplat import Agent, hookimpl

async def echo(text: str) -> str:
    """Echo text back."""
    return text

@hookimpl
def register_agents(register):
    register(Agent(name="{name}", description="Echoes.", tools=[echo]))
'''


def listing(env):
    plugins = run_cli("plugins", "--json", env=env)
    agents = run_cli("agents", "--json", env=env)
    assert plugins.code == 0 and agents.code == 0, plugins.stderr + agents.stderr
    return {p["name"]: p for p in plugins.json()}, {a["name"] for a in agents.json()}


def test_a_hook_asking_for_an_argument_the_core_does_not_provide_is_reported_clearly(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-oldsig", "agentplat_oldsig", AGENT.replace(
        "def register_agents(register):", "def register_agents(register, extra):").format(name="oldsig"))
    install_fake_distribution(site, "agentplat-fine", "agentplat_fine", AGENT.format(name="fine"))
    plugins, agents = listing(env)
    assert plugins["agentplat-oldsig"]["status"] == "error"
    assert plugins["agentplat-oldsig"]["error"] == (
        f"hook register_agents takes (register, extra) but agentplat {CORE} provides (register); "
        "the plugin was probably written for another agentplat version"
    )
    assert plugins["agentplat-fine"]["status"] == "ok"
    assert "fine" in agents and "oldsig" not in agents


def test_an_unknown_hook_is_reported_with_the_hooks_the_core_provides(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-widgets", "agentplat_widgets", AGENT.format(name="widgets") + '''
@hookimpl
def register_widgets(register):
    pass
''')
    plugins, agents = listing(env)
    error = plugins["agentplat-widgets"]["error"]
    assert error.startswith(f"unknown hook register_widgets (agentplat {CORE} provides: register_agents, "
                            "register_commands, register_models, register_offline_parsers, register_tools)")
    assert "widgets" not in agents  # its valid hook did not register half a plugin


@pytest.mark.parametrize("requires, advice", [
    ("agentplat>=99", "it needs a newer agentplat: upgrade agentplat"),
    ("agentplat<0.1", f"upgrade agentplat-misfit to a release made for agentplat {CORE}"),
])
def test_a_version_misfit_says_which_side_to_upgrade(plugin_site, requires, advice):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-misfit", "agentplat_misfit", AGENT.format(name="misfit"),
                              requires=[requires])
    plugins, agents = listing(env)
    spec = requires.removeprefix("agentplat")
    assert plugins["agentplat-misfit"]["error"] == f"requires agentplat{spec}, but agentplat {CORE} is installed ({advice})"
    assert "misfit" not in agents


def test_requirements_for_an_extra_or_another_platform_do_not_bind(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-relaxed", "agentplat_relaxed", AGENT.format(name="relaxed"),
                              requires=['agentplat>=99; extra == "dev"', 'agentplat>=99; sys_platform == "nowhere"',
                                        "agentplat>=0.0.1"])
    plugins, agents = listing(env)
    assert plugins["agentplat-relaxed"]["status"] == "ok", plugins["agentplat-relaxed"]["error"]
    assert "relaxed" in agents


def test_a_hook_may_leave_out_the_argument_it_does_not_use(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-quiet", "agentplat_quiet", AGENT.format(name="quiet") + '''
@hookimpl
def register_commands():
    import sys
    sys.stderr.write("register_commands was called\\n")
''')
    plugins, _ = listing(env)
    assert plugins["agentplat-quiet"]["status"] == "ok"
    assert plugins["agentplat-quiet"]["hooks"] == ["register_agents", "register_commands"]
    unknown = run_cli("no-such-command", env=env)  # an unknown command asks plugins for theirs
    assert "register_commands was called" in unknown.stderr
