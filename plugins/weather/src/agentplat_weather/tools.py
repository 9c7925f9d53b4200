"""The weather agent's tools: current conditions and a forecast for a named place."""

from __future__ import annotations

from typing import Annotated

from agentplat import tool
from pydantic import Field

from . import wttr
from .models import CurrentWeather, Forecast


@tool(
    examples=[
        "What's the weather in Paris?",
        "what's the weather like in New York",
        "temperature in Tokyo",
        "how cold is it in Oslo right now",
    ],
    open_world=True,
)
async def current_weather(place: str) -> CurrentWeather:
    """Current weather at a place: temperature (°C and °F), feels-like, sky, humidity and wind.

    Args:
        place: A city or place name such as "Paris" or "Rio de Janeiro" (an airport code also works).
    """
    data = await wttr.fetch_report(place)
    return wttr.current(data, wttr.clean_place(place))


@tool(
    examples=[
        "forecast for São Paulo",
        "will it rain in London tomorrow",
        "weather forecast for Berlin this week",
    ],
    open_world=True,
)
async def forecast(place: str, days: Annotated[int, Field(ge=1, le=3)] = 3) -> Forecast:
    """Weather forecast for the next days at a place: min/max temperature, sky and chance of rain.

    Args:
        place: A city or place name such as "London" or "São Paulo".
        days: How many days, today first (1 to 3).
    """
    data = await wttr.fetch_report(place)
    return wttr.forecast(data, wttr.clean_place(place), days)
