"""The weather tools against a loopback wttr.in: results, URL safety and every failure mode."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import unquote

import pytest
from agentplat import ToolError, TransientError
from agentplat.testing import dumps, with_retries
from agentplat_weather.models import CurrentWeather, Forecast
from agentplat_weather.tools import current_weather, forecast


def test_current_weather_reads_the_report(http, paris, weather_env):
    server = http.serve(lambda seen: http.Reply(body=paris))
    weather_env(server)

    result = asyncio.run(current_weather("Paris"))

    assert isinstance(result, CurrentWeather)
    assert (result.temp_c, result.temp_f, result.feels_like_c) == (14, 57, 12)
    assert (result.condition, result.humidity, result.wind_kmph, result.wind_dir) == ("Partly cloudy", 72, 11, "W")
    assert result.place == "Paris, France"
    assert result.summary == "Paris, France: 14°C (57°F), feels like 12°C, Partly cloudy, humidity 72%, wind 11 km/h W"
    assert str(result) == result.summary
    assert json.loads(dumps(result))["temp_c"] == 14  # serialises to plain JSON
    [seen] = server.requests
    assert seen.method == "GET" and seen.path == "/Paris" and seen.query == {"format": ["j1"]}


def test_forecast_has_three_days_with_min_max(http, paris, weather_env):
    weather_env(http.serve(lambda seen: http.Reply(body=paris)))

    result = asyncio.run(forecast("Paris"))

    assert isinstance(result, Forecast)
    assert [d.date for d in result.days] == ["2024-05-14", "2024-05-15", "2024-05-16"]
    assert [(d.min_c, d.max_c) for d in result.days] == [(10, 19), (11, 17), (9, 21)]
    assert [(d.min_f, d.max_f) for d in result.days] == [(50, 66), (52, 63), (48, 70)]
    assert [d.condition for d in result.days] == ["Partly cloudy", "Light rain shower", "Sunny"]
    assert result.days[1].chance_of_rain == 86
    assert result.summary.startswith("Paris, France: Tue 14 May: 10–19°C (50–66°F), Partly cloudy, 64% chance of rain;")
    assert json.loads(dumps(result))["days"][2]["max_c"] == 21


def test_forecast_days_are_bounded(http, paris, weather_env):
    weather_env(http.serve(lambda seen: http.Reply(body=paris)))
    assert len(asyncio.run(forecast("Paris", days=1)).days) == 1


@pytest.mark.parametrize(
    "place, segment",
    [
        ("../../x?y=z", "..%2F..%2Fx%3Fy%3Dz"),
        ("São Paulo", "S%C3%A3o%20Paulo"),
        ("Rio de Janeiro", "Rio%20de%20Janeiro"),
        ("東京", "%E6%9D%B1%E4%BA%AC"),
        ("a/b#c&d", "a%2Fb%23c%26d"),
    ],
)
def test_place_is_one_safely_encoded_path_segment(http, paris, weather_env, place, segment):
    server = http.serve(lambda seen: http.Reply(body=paris))
    weather_env(server)

    asyncio.run(current_weather(place))

    [seen] = server.requests
    assert seen.target == f"/{segment}?format=j1"
    assert seen.path.count("/") == 1 and unquote(seen.path[1:]) == place
    assert seen.query == {"format": ["j1"]}


def test_base_url_with_a_path_prefix_keeps_it(http, paris, weather_env, monkeypatch):
    server = http.serve(lambda seen: http.Reply(body=paris))
    monkeypatch.setenv("AGENTPLAT_WEATHER_URL", server.url + "/wttr/")
    asyncio.run(current_weather("Paris"))
    assert server.requests[0].path == "/wttr/Paris"


@pytest.mark.parametrize("place", ["", "   ", ".", "..", "x" * 200])
def test_impossible_place_names_are_refused_without_a_request(http, paris, weather_env, place):
    server = http.serve(lambda seen: http.Reply(body=paris))
    weather_env(server)
    with pytest.raises(ToolError):
        asyncio.run(current_weather(place))
    assert server.requests == []


@pytest.mark.parametrize(
    "status, body",
    [
        (404, "Unknown location; please try ~Atlantis"),
        (200, "Unknown location; please try ~Atlantis"),
        (200, {"current_condition": [{"temp_C": "1"}], "request": [{"query": "Atlantis"}]}),
    ],
    ids=["404", "unknown-location-body", "no-nearest-area"],
)
def test_unknown_place_is_a_clear_tool_error(http, weather_env, status, body):
    weather_env(http.serve(lambda seen: http.Reply(status, body)))
    with pytest.raises(ToolError, match=r"unknown place 'Atlantis'"):
        asyncio.run(current_weather("Atlantis"))


def test_timeout_is_a_transient_error_within_the_configured_time(http, paris, weather_env, monkeypatch):
    weather_env(http.serve(lambda seen: http.Reply(body=paris, delay=5)))
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "0.3")

    started = time.monotonic()
    with pytest.raises(TransientError, match=r"did not answer within 0.3s"):
        asyncio.run(current_weather("Paris"))
    assert time.monotonic() - started < 2


def test_server_error_is_retried_by_the_core_then_fails_clearly(http, paris, weather_env):
    server = http.serve(lambda seen: http.Reply(500, "Internal Server Error"))
    weather_env(server)

    with pytest.raises(TransientError, match=r"weather service is unavailable right now \(HTTP 500"):
        asyncio.run(with_retries(lambda: current_weather("Paris"), attempts=3, initial_wait=0.01))
    assert len(server.requests) == 3


def test_a_passing_hiccup_is_absorbed_by_the_retry(http, paris, weather_env):
    answers = iter([http.Reply(503, "busy"), http.Reply(body=paris)])
    server = http.serve(lambda seen: next(answers))
    weather_env(server)

    result = asyncio.run(with_retries(lambda: current_weather("Paris"), attempts=3, initial_wait=0.01))

    assert result.temp_c == 14 and len(server.requests) == 2


def test_malformed_json_is_a_clear_error(http, paris, weather_env):
    weather_env(http.serve(lambda seen: http.Reply(200, b'{"current_condition": [{"temp_C": ', {"Content-Type": "application/json"})))
    with pytest.raises(TransientError, match=r"not weather data for 'Paris'"):
        asyncio.run(current_weather("Paris"))


def test_unreachable_service_is_a_clear_error(http, paris, weather_env, monkeypatch):
    server = http.serve(lambda seen: http.Reply(body=paris))
    url = server.url
    server.stop()  # nothing listens on this port any more
    monkeypatch.setenv("AGENTPLAT_WEATHER_URL", url)
    with pytest.raises(TransientError, match=r"weather service at http://127.0.0.1:\d+ is unreachable"):
        asyncio.run(current_weather("Paris"))


def test_bad_timeout_setting_is_named(weather_env, monkeypatch):
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "soon")
    with pytest.raises(ToolError, match="AGENTPLAT_HTTP_TIMEOUT"):
        asyncio.run(current_weather("Paris"))
