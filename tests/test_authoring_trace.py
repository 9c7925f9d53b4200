"""``AGENTPLAT_TRACE_PLUGINS=1``: one readable stderr line per plugin load and per hook call."""

from __future__ import annotations

import re

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

EVERY_HOOK = '''
import click
from agentplat import Agent, hookimpl

async def shout(text: str) -> str:
    """Repeat text in capitals."""
    return text.upper()

async def whisper(text: str) -> str:
    """Repeat text in lower case."""
    return text.lower()

class Backend:
    name = "tracerbackend"
    def configured(self):
        return False
    def create(self, model=None):
        raise NotImplementedError

def parse(clause):
    return None

@click.command("tracer-hello")
def hello():
    click.echo("hello from tracer")

@hookimpl
def register_agents(register):
    register(Agent(name="tracer", description="Shouts.", tools=[shout]))

@hookimpl
def register_tools(register):
    register(whisper, agent="tracer")

@hookimpl
def register_models(register):
    register(Backend())

@hookimpl
def register_offline_parsers(register):
    register(parse, agent="tracer")

@hookimpl
def register_commands(cli):
    cli.add_command(hello)
'''

ONLY = {"AGENTPLAT_LOAD_PLUGINS": "agentplat-tracer"}


def trace_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("agentplat: trace: ")]


def test_every_hook_call_prints_one_line_with_plugin_and_hook(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-tracer", "agentplat_tracer", EVERY_HOOK)
    result = run_cli("tracer-hello", env={**env, **ONLY, "AGENTPLAT_TRACE_PLUGINS": "1"})
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == "hello from tracer"  # the trace stays off stdout
    lines = trace_lines(result.stderr)
    assert "agentplat: trace: loaded agentplat-tracer from agentplat_tracer (hooks: register_agents, " \
           "register_commands, register_models, register_offline_parsers, register_tools)" in lines
    expected = {
        "register_agents": r"register_agents\(register\) -> registered tracer",
        "register_tools": r"register_tools\(register\) -> registered whisper",
        "register_models": r"register_models\(register\) -> registered tracerbackend",
        "register_offline_parsers": r"register_offline_parsers\(register\) -> registered parse",
        "register_commands": r"register_commands\(cli\) -> added commands: tracer-hello",
    }
    for hook, pattern in expected.items():
        calls = [line for line in lines if line.startswith(f"agentplat: trace: agentplat-tracer: {hook}(")]
        assert len(calls) == 1, (hook, lines)
        assert re.fullmatch(rf"agentplat: trace: agentplat-tracer: {pattern} \(\d+\.\d ms\)", calls[0]), calls[0]
    # the core's own plugin is traced the same way
    assert any(line.startswith("agentplat: trace: agentplat: register_models(register) -> registered openai, offline")
               for line in lines)


def test_a_failing_hook_and_a_skipped_plugin_are_traced(plugin_site):
    site, env = plugin_site
    failing = EVERY_HOOK.replace('register(Agent(name="tracer"',
                                 'raise ValueError("no agent today")\n    register(Agent(name="tracer"')
    install_fake_distribution(site, "agentplat-tracer", "agentplat_tracer", failing)
    install_fake_distribution(site, "agentplat-future", "agentplat_future", "", requires=["agentplat>=99"])
    only = {"AGENTPLAT_LOAD_PLUGINS": "agentplat-tracer,agentplat-future"}
    lines = trace_lines(run_cli("agents", env={**env, **only, "AGENTPLAT_TRACE_PLUGINS": "1"}).stderr)
    assert any(line.startswith("agentplat: trace: skipped agentplat-future: requires agentplat>=99") for line in lines)
    assert any(line.startswith("agentplat: trace: agentplat-tracer: register_agents(register) -> failed: "
                               "register_agents: ValueError: no agent today") for line in lines), lines
    assert ("agentplat: trace: agentplat-tracer: register_tools not called "
            "(register_agents: ValueError: no agent today)") in lines


def test_without_the_variable_nothing_is_traced(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-tracer", "agentplat_tracer", EVERY_HOOK)
    result = run_cli("tracer-hello", env={**env, **ONLY})
    assert result.code == 0
    assert trace_lines(result.stderr) == []
