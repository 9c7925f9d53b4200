"""End to end: ``agentplat run`` in a fresh process answers a weather question from a loopback wttr.in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def agentplat_command() -> list[str]:
    found = shutil.which("agentplat") or shutil.which("agentplat", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-c", "from agentplat.cli import main; main()"]


def test_agentplat_run_answers_from_the_weather_service(http, paris, tmp_path):
    server = http.serve(lambda seen: http.Reply(body=paris))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AGENTPLAT_HOME": str(tmp_path / "home"),
        "AGENTPLAT_WEATHER_URL": server.url,
        "AGENTPLAT_HTTP_TIMEOUT": "10",
        "NO_PROXY": "127.0.0.1,localhost",
    }

    done = subprocess.run(
        [*agentplat_command(), "run", "--model", "offline", "What's the weather in Paris?"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "weather.current_weather" in done.stdout
    assert "Paris, France: 14°C (57°F), feels like 12°C, Partly cloudy, humidity 72%, wind 11 km/h W" in done.stdout
    assert [seen.target for seen in server.requests] == ["/Paris?format=j1"]
