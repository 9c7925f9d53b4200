"""agentplat plugin: the report agent.

Writes reports refined by core's critique loop (``agentplat.refinement``), in Markdown, HTML,
a plain-text summary and the critique history; ``agentplat report`` runs batches of topics
and ``agentplat report serve`` browses them. The hooks import little: the tool's work,
Flyte and the web app load only when used.
"""

from __future__ import annotations

from agentplat import hookimpl

AGENT_NAME = "report"


@hookimpl
def register_agents(register):
    from agentplat import Agent, Environment

    from .tool import write_report

    register(
        Agent(
            name=AGENT_NAME,
            description=(
                "Writes a report on a topic: drafts it, has it critiqued and revises it until it scores "
                "well, then saves Markdown, HTML, a summary and the critiques."
            ),
            examples=[
                "write a report on renewable energy",
                "write a report about the history of the printing press",
                "report on electric vehicle adoption in Europe",
            ],
            tools=[write_report],
            system_prompt="Call write_report once per topic the user asks about and answer with the paths it returns.",
            # offline drafts are built from web-search results, so the agent's image needs it
            environment=Environment(cpu=1, memory="1Gi", packages=["agentplat-report", "agentplat-web-search"]),
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_report.parser:parse_report_clause", agent=AGENT_NAME)  # imported when first used


@hookimpl
def register_commands(cli):
    from .commands import report

    cli.add_command(report)
