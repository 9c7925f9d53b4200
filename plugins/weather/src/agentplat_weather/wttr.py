"""wttr.in's JSON format (``/{place}?format=j1``): fetching it safely and reading it.

The place travels as exactly one URL path segment (``quote(place, safe="")``), so a name
like ``../../x?y=z`` can neither climb the path nor smuggle in a query string.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any
from urllib.parse import quote

from agentplat import ToolError, TransientError, http

from .models import CurrentWeather, DayForecast, Forecast

DEFAULT_URL = "https://wttr.in"
SERVICE = "the weather service"
USER_AGENT = "agentplat-weather/0.1 (+https://github.com/agentplat)"
MAX_PLACE_LENGTH = 120


def base_url() -> str:
    """``AGENTPLAT_WEATHER_URL`` overrides the wttr.in address (tests, mirrors, self-hosting)."""
    return (os.environ.get("AGENTPLAT_WEATHER_URL", "").strip() or DEFAULT_URL).rstrip("/")


def clean_place(place: str) -> str:
    """The place as given, minus surrounding space; refuse what cannot be a place name."""
    text = " ".join(str(place).split())
    if not text:
        raise ToolError("no place given: say which city or place you want the weather for")
    if len(text) > MAX_PLACE_LENGTH:
        raise ToolError(f"that place name is too long ({len(text)} characters, at most {MAX_PLACE_LENGTH})")
    if not text.strip("."):
        # "." and ".." are path navigation, never places; httpx would normalise them away
        raise ToolError(f"{place!r} is not a place name")
    return text


def report_url(place: str) -> str:
    return f"{base_url()}/{quote(place, safe='')}"


async def fetch_report(place: str) -> dict[str, Any]:
    """wttr.in's j1 report for ``place``; unknown places are ``ToolError``, hiccups ``TransientError``."""
    place = clean_place(place)
    url = report_url(place)
    async with http.client(USER_AGENT, headers={"Accept": "application/json"}) as client:
        with http.translated(SERVICE, url):
            response = await client.get(url, params={"format": "j1"})
    body = response.text
    if response.status_code == 404 or _says_unknown(body):
        raise ToolError(f"unknown place {place!r}: {SERVICE} cannot find it")
    http.check_status(response, SERVICE)
    try:
        data = json.loads(body)
    except ValueError:
        preview = " ".join(body.split())[:80]
        raise TransientError(
            f"{SERVICE} sent something that is not weather data for {place!r}: {preview!r}"
        ) from None
    if not isinstance(data, dict) or not data.get("nearest_area") or not data.get("current_condition"):
        raise ToolError(f"unknown place {place!r}: {SERVICE} has no weather for it")
    return data


def _says_unknown(body: str) -> bool:
    """wttr.in's plain-text answer for a place it cannot find (JSON answers never match)."""
    head = body[:300].lstrip().lower()
    return not head.startswith("{") and ("unknown location" in head or "location not found" in head)


# -- reading the report --------------------------------------------------------------


def _int(record: dict[str, Any], key: str) -> int | None:
    try:
        return round(float(record[key]))
    except (KeyError, TypeError, ValueError):
        return None


def _value(record: dict[str, Any], key: str) -> str:
    """wttr.in wraps texts as ``[{"value": "..."}]``."""
    items = record.get(key)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return str(items[0].get("value", "")).strip()
    return ""


def place_name(data: dict[str, Any], asked: str) -> str:
    """"Paris, France" from ``nearest_area``; the asked name if the area has no name."""
    area = data["nearest_area"][0] if data.get("nearest_area") else {}
    parts = [_value(area, "areaName"), _value(area, "country")]
    name = ", ".join(p for p in parts if p)
    return name or asked


def current(data: dict[str, Any], asked: str) -> CurrentWeather:
    now = data["current_condition"][0]
    weather = CurrentWeather(
        place=place_name(data, asked),
        temp_c=_int(now, "temp_C"),
        temp_f=_int(now, "temp_F"),
        feels_like_c=_int(now, "FeelsLikeC"),
        feels_like_f=_int(now, "FeelsLikeF"),
        condition=_value(now, "weatherDesc"),
        humidity=_int(now, "humidity"),
        wind_kmph=_int(now, "windspeedKmph"),
        wind_mph=_int(now, "windspeedMiles"),
        wind_dir=str(now.get("winddir16Point", "")).strip(),
        observed_at=now.get("localObsDateTime") or now.get("observation_time"),
    )
    weather.summary = _current_summary(weather)
    return weather


def _current_summary(w: CurrentWeather) -> str:
    parts = []
    if w.temp_c is not None:
        parts.append(f"{w.temp_c}°C" + (f" ({w.temp_f}°F)" if w.temp_f is not None else ""))
    if w.feels_like_c is not None:
        parts.append(f"feels like {w.feels_like_c}°C")
    if w.condition:
        parts.append(w.condition)
    if w.humidity is not None:
        parts.append(f"humidity {w.humidity}%")
    if w.wind_kmph is not None:
        parts.append(f"wind {w.wind_kmph} km/h {w.wind_dir}".rstrip())
    return f"{w.place}: " + ", ".join(parts) if parts else f"{w.place}: no current observations"


def forecast(data: dict[str, Any], asked: str, days: int = 3) -> Forecast:
    place = place_name(data, asked)
    out = [_day(day) for day in (data.get("weather") or [])[:days] if isinstance(day, dict)]
    if not out:
        raise ToolError(f"{SERVICE} has no forecast for {asked!r}")
    summary = f"{place}: " + "; ".join(d.summary for d in out)
    return Forecast(place=place, days=out, summary=summary)


def _day(day: dict[str, Any]) -> DayForecast:
    hourly = [h for h in day.get("hourly") or [] if isinstance(h, dict)]
    result = DayForecast(
        date=str(day.get("date", "")),
        min_c=_int(day, "mintempC"),
        max_c=_int(day, "maxtempC"),
        min_f=_int(day, "mintempF"),
        max_f=_int(day, "maxtempF"),
        avg_c=_int(day, "avgtempC"),
        condition=_midday_condition(hourly),
        chance_of_rain=_highest(hourly, "chanceofrain"),
        chance_of_snow=_highest(hourly, "chanceofsnow"),
    )
    result.summary = _day_summary(result)
    return result


def _midday_condition(hourly: list[dict[str, Any]]) -> str:
    """The sky at noon (wttr.in's 3-hourly "1200" entry), or the middle entry."""
    if not hourly:
        return ""
    noon = next((h for h in hourly if str(h.get("time")) == "1200"), hourly[len(hourly) // 2])
    return _value(noon, "weatherDesc")


def _highest(hourly: list[dict[str, Any]], key: str) -> int | None:
    values = [v for v in (_int(h, key) for h in hourly) if v is not None]
    return max(values) if values else None


def _day_summary(d: DayForecast) -> str:
    try:
        label = date.fromisoformat(d.date).strftime("%a %d %b")
    except ValueError:
        label = d.date or "?"
    parts = []
    if d.min_c is not None and d.max_c is not None:
        temps = f"{d.min_c}–{d.max_c}°C"
        if d.min_f is not None and d.max_f is not None:
            temps += f" ({d.min_f}–{d.max_f}°F)"
        parts.append(temps)
    if d.condition:
        parts.append(d.condition)
    if d.chance_of_rain:
        parts.append(f"{d.chance_of_rain}% chance of rain")
    if d.chance_of_snow:
        parts.append(f"{d.chance_of_snow}% chance of snow")
    return f"{label}: " + ", ".join(parts)
