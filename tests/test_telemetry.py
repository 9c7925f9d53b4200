"""OpenTelemetry: with the standard OTLP endpoint set, every run is a trace (a span per run,
step, tool call and LLM call, GenAI attributes on LLM calls, secrets masked) that a real
OTLP/HTTP receiver on loopback decodes with OpenTelemetry's own protobuf definitions; with
nothing set, the SDK is not even imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from otlp_receiver import Receiver

from agentplat.testing import run_cli

REQUEST = "Calculate 10 times 5 and count words in 'Hello World', then multiply the word count by the calculation result"


def by_name(spans, prefix):
    return [s for s in spans if s["name"].startswith(prefix)]


def test_an_offline_run_is_one_trace_of_run_steps_and_tool_calls(tmp_path):
    with Receiver() as receiver:
        result = run_cli("run", REQUEST, "--json", home=tmp_path,
                         env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "AGENTPLAT_MODEL": "offline",
                              "OTEL_SERVICE_NAME": "agentplat-test"})
        assert result.code == 0, result.stderr
        run = result.json()
        spans = receiver.wait_for(7)
    [root] = by_name(spans, "agentplat run")
    steps = sorted(by_name(spans, "step "), key=lambda s: s["attributes"]["agentplat.step.index"])
    tools = by_name(spans, "execute_tool ")
    assert len(spans) == 7 and len(steps) == 3 and len(tools) == 3
    assert {s["trace_id"] for s in spans} == {root["trace_id"]}  # one trace
    assert root["parent"] is None and root["service"] == "agentplat-test" and root["scope"] == "agentplat"
    assert root["attributes"]["agentplat.run_id"] == run["run_id"]
    assert root["attributes"]["agentplat.status"] == "succeeded" and root["attributes"]["agentplat.steps"] == 3
    assert all(s["parent"] == root["span_id"] for s in steps)
    assert [s["attributes"]["agentplat.tool"] for s in steps] == ["multiply", "count_words", "multiply"]
    assert [s["name"] for s in steps] == ["step 0: math.multiply", "step 1: text.count_words", "step 2: math.multiply"]
    for step in steps:  # each tool call sits under its own step
        [tool] = [t for t in tools if t["parent"] == step["span_id"]]
        assert tool["attributes"]["gen_ai.operation.name"] == "execute_tool"
        assert tool["attributes"]["agentplat.tool"] == step["attributes"]["agentplat.tool"]
        assert tool["attributes"]["agentplat.step.index"] == step["attributes"]["agentplat.step.index"]
    assert all(s["status"] != 2 for s in spans)  # STATUS_CODE_ERROR


def test_llm_calls_carry_the_genai_attributes_and_a_failed_step_is_marked(tmp_path, endpoint):
    endpoint.reply(json.dumps({"steps": [
        {"agent": "math", "tool": "multiply", "args": {"a": 6, "b": 7}, "dependencies": []},
        {"agent": "math", "tool": "divide", "args": {"a": "$0", "b": 0}, "dependencies": [0]}]}))
    with Receiver() as receiver:
        result = run_cli("run", "Multiply 6 by 7, then divide it by 0", "--json", "--model-plans", "--no-reflect",
                         home=tmp_path, env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                                             "OPENAI_BASE_URL": endpoint.base_url, "OPENAI_API_KEY": "sk-test"})
        spans = receiver.wait_for(6)
    assert result.code != 0 or result.json()["status"] in ("failed", "partial"), result.stderr
    [root] = by_name(spans, "agentplat run")
    [chat] = by_name(spans, "chat ")
    assert chat["parent"] == root["span_id"]
    attrs = chat["attributes"]
    assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.request.model"] and attrs["agentplat.role"] == "planner"
    assert attrs["gen_ai.usage.input_tokens"] > 0 and attrs["gen_ai.usage.output_tokens"] > 0
    assert attrs["gen_ai.response.finish_reasons"] == ["stop"]
    [divide] = [s for s in by_name(spans, "step ") if s["attributes"].get("agentplat.tool") == "divide"]
    assert divide["status"] == 2 and divide["attributes"]["agentplat.status"] == "failed"
    assert "zero" in divide["message"].lower()


def test_secrets_never_reach_the_collector(tmp_path):
    key = "sk-telemetrysecret0123456789"
    with Receiver() as receiver:
        result = run_cli("run", f"Count the words in 'token {key} here'", "--json", home=tmp_path,
                         env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "AGENTPLAT_MODEL": "offline",
                              "MY_SERVICE_API_KEY": key})
        assert result.code == 0, result.stderr
        spans = receiver.wait_for(3)
    assert spans and key not in json.dumps(spans) and "telemetrysecret" not in json.dumps(spans)
    [root] = by_name(spans, "agentplat run")
    assert "***" in root["attributes"]["agentplat.request"]


def test_config_toml_turns_it_on_and_nothing_set_imports_no_sdk(tmp_path):
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print('SDK' if 'opentelemetry.sdk' in sys.modules else 'NO SDK', file=sys.stderr))\n"
             "from agentplat.cli import main\nmain()")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(AGENTPLAT_HOME=str(tmp_path), AGENTPLAT_MODEL="offline")
    out = subprocess.run([sys.executable, "-c", probe, "run", "What is 2 plus 3?"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "NO SDK"
    with Receiver() as receiver:
        (tmp_path / "config.toml").write_text(f'[telemetry]\nendpoint = "{receiver.url}"\n', encoding="utf-8")
        out = subprocess.run([sys.executable, "-c", probe, "run", "What is 2 plus 3?"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        spans = receiver.wait_for(3)
    assert out.stderr.strip().splitlines()[-1] == "SDK"
    assert by_name(spans, "agentplat run") and by_name(spans, "execute_tool math.add")


def test_an_unreachable_collector_costs_a_bounded_wait_and_loses_nothing(tmp_path):
    result = run_cli("run", "What is 2 plus 3?", "--json", home=tmp_path, timeout=60,
                     env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "AGENTPLAT_MODEL": "offline",
                          "OTEL_EXPORTER_OTLP_TIMEOUT": "2"})
    assert result.code == 0 and result.json()["answer"] == "5"


def test_the_collectors_credentials_are_masked_like_any_key(monkeypatch):
    from agentplat._common.secrets import redact

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic%20cGstbGYtMTIzNDU2Nzg5MA==,x-honeycomb-team=abcdef123456")
    assert redact("sent cGstbGYtMTIzNDU2Nzg5MA== and abcdef123456") == "sent *** and ***"
