"""agentplat plugin: the weather agent (current conditions and a 3-day forecast from wttr.in).

The hooks import the tools lazily so that loading the plugin costs next to nothing until
the registry asks for its agent.
"""

from __future__ import annotations

from agentplat import hookimpl


@hookimpl
def register_agents(register):
    from agentplat import Agent, Environment

    from .tools import current_weather, forecast

    register(
        Agent(
            name="weather",
            description="Current weather and a 3-day forecast for any place (wttr.in, no API key).",
            examples=[
                "What's the weather in Paris?",
                "What's the weather like in New York right now?",
                "Forecast for São Paulo",
                "Will it rain in London tomorrow?",
                "Temperature in Tokyo",
            ],
            tools=[current_weather, forecast],
            system_prompt=(
                "You answer weather questions with your tools, never from memory. Use current_weather "
                "for conditions now and forecast for today and the next two days; pass the place as the "
                "user named it. Answer with the summary the tool returned."
            ),
            environment=Environment(cpu=1, memory="256Mi", reuse_replicas=1, packages=["agentplat-weather"]),
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_weather.parser:parse_weather_clause", agent="weather")  # imported when first used
