"""The benchmark scripts keep working (tiny sizes; the figures themselves are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_scheduling_benchmark_runs_and_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scheduling.py"), "--steps", "30", "--overhead-steps", "10"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "x bound" in out.stdout and "ms/step" in out.stdout


def test_the_startup_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--runs", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("python -c pass")
    assert len(lines) == 7 and all(line.split()[-1] in ("neither", "flyte", "openai,", "openai") for line in lines[2:])
    assert lines[2].startswith("--help") and lines[2].endswith("neither")  # --help imports neither openai nor flyte
    assert lines[5].startswith("run (offline)") and lines[5].endswith("neither")  # the default engine: no Flyte
    assert lines[6].endswith("flyte")


def test_the_engines_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engines.py"), "--sizes", "10", "--repeat", "1",
                          "--dag", "20", "--runs", "3"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "chain" in out.stdout and "fan-out" in out.stdout and "x the lower bound" in out.stdout


def test_the_batch_benchmark_runs_and_leaves_no_lease_file():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch.py"), "--requests", "30",
                          "--limit-sample", "10", "--rounds", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    row = out.stdout.splitlines()[-1].split()
    assert row[:2] == ["30", "requests"] and row[-1] == "0"  # no lease file left


def test_the_offline_planning_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "offline_planning.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "1000" in out.stdout and "refused (NoCapableAgent)" in out.stdout


def test_the_result_size_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "result_size.py"), "--megabytes", "2",
                          "--cap", "100000"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "peak RSS MiB" in lines[1] and lines[2].startswith("cap 100000") and lines[3].startswith("uncapped")


def test_the_plan_extraction_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "plan_extraction.py"), "--braces", "300"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "plan of 1 step(s)" in out.stdout and "RecursionError" not in out.stdout


def test_the_real_model_benchmark_sorts_answers_per_category_and_writes_them_as_json(endpoint, tmp_path):
    """A succeeded run with another answer is counted wrong, not exact: the benchmark exists to catch it."""
    # requests the offline planner cannot read, so nothing checks the model's operations
    endpoint.reply(json.dumps({"steps": [{"agent": "math", "tool": "multiply", "args": {"a": 9, "b": 11}}]}))
    endpoint.reply(json.dumps({"steps": [{"agent": "math", "tool": "multiply", "args": {"a": 24, "b": 6}}]}))
    results = tmp_path / "results.json"
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "real_model.py"), "--only", "2,37,40",
                          "--category", "beyond_offline", "--json-out", str(results)],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "AGENTPLAT_DETERMINISTIC_FIRST": "0"})
    assert out.returncode == 0, out.stderr
    rows = json.loads(results.read_text())["results"]
    assert [(r["index"], r["verdict"], r["answer"]) for r in rows] == [(37, "exact", "99"), (40, "wrong", "144")]
    assert rows[1]["plan"] == [{"agent": "math", "tool": "multiply", "args": {"a": 24, "b": 6}, "dependencies": []}]
    table = {line.split()[0]: line.split()[1:6] for line in out.stdout.splitlines()
             if line.startswith(("beyond_offline ", "overall "))}
    assert table == {"beyond_offline": ["2", "1", "1", "0", "0"], "overall": ["2", "1", "1", "0", "0"]}


def test_the_streaming_benchmark_runs_and_prints_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "streaming.py"), "--runs", "1",
                          "--chunk-delay", "0.001", "--chunk-size", "16"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "AGENTPLAT_ENGINE": "inline"})
    assert out.returncode == 0, out.stderr
    assert "first answer word" in out.stdout and "LLM calls per run" in out.stdout
