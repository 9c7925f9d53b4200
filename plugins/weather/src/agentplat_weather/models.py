"""Typed weather results: JSON-clean pydantic models whose ``summary`` reads well to a person."""

from __future__ import annotations

from pydantic import BaseModel


class CurrentWeather(BaseModel):
    """Conditions now at a place, as wttr.in reports them."""

    place: str
    temp_c: int | None = None
    temp_f: int | None = None
    feels_like_c: int | None = None
    feels_like_f: int | None = None
    condition: str = ""
    humidity: int | None = None
    wind_kmph: int | None = None
    wind_mph: int | None = None
    wind_dir: str = ""
    observed_at: str | None = None
    summary: str = ""

    def __str__(self) -> str:
        return self.summary


class DayForecast(BaseModel):
    """One day of the forecast: the range of temperatures and what the sky does."""

    date: str
    min_c: int | None = None
    max_c: int | None = None
    min_f: int | None = None
    max_f: int | None = None
    avg_c: int | None = None
    condition: str = ""
    chance_of_rain: int | None = None
    chance_of_snow: int | None = None
    summary: str = ""

    def __str__(self) -> str:
        return self.summary


class Forecast(BaseModel):
    """Up to three days of forecast for a place (wttr.in's horizon)."""

    place: str
    days: list[DayForecast]
    summary: str = ""

    def __str__(self) -> str:
        return self.summary
