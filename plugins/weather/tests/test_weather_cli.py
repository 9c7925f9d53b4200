"""End to end: ``agentplat run`` in a fresh process answers a weather question from a loopback wttr.in."""

from __future__ import annotations

from agentplat.testing import run_cli


def test_agentplat_run_answers_from_the_weather_service(http, paris, tmp_path):
    server = http.serve(lambda seen: http.Reply(body=paris))
    env = {
        "HOME": str(tmp_path),
        "AGENTPLAT_WEATHER_URL": server.url,
        "AGENTPLAT_HTTP_TIMEOUT": "10",
        "NO_PROXY": "127.0.0.1,localhost",
    }

    done = run_cli("run", "--model", "offline", "What's the weather in Paris?", env=env, home=tmp_path / "home",
                   drop=("AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE"), cwd=tmp_path)

    assert done.code == 0, done.stderr
    assert "weather.current_weather" in done.stdout
    assert "Paris, France: 14°C (57°F), feels like 12°C, Partly cloudy, humidity 72%, wind 11 km/h W" in done.stdout
    assert [seen.target for seen in server.requests] == ["/Paris?format=j1"]
