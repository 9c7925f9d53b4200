"""OpenTelemetry traces of runs: a span per run, step, tool call and LLM call.

On when the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)
is set, or ``[telemetry] endpoint`` in config.toml; the spans go over OTLP/HTTP to that
collector (Jaeger, Grafana Tempo, Phoenix, Langfuse, Logfire...). Off, this module imports
nothing and every ``span`` is a no-op: the OpenTelemetry SDK is imported only when a span is
first wanted. LLM calls carry the GenAI semantic conventions' attributes (operation, model,
tokens, finish reasons); every span carries agentplat's own (``agentplat.run_id``,
``agentplat.step.index``, ``agentplat.agent``, ``agentplat.tool``, ``agentplat.status``).
Values are masked like every other output (``secrets.redact``), and no prompt, argument or
result is sent: names, counts and statuses only (an error's message, masked, on a failed span).

Spans are parented explicitly through the run context (``RunContext.span``), not through
OpenTelemetry's own context, so a step that runs in another thread or task (the local Flyte
engine) still sits under its run; only a run's span asks whether telemetry is on, so an
untraced run pays nothing per step.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Any, Iterator

from .secrets import redact

_state: dict[str, Any] = {}  # "tracer": the OpenTelemetry tracer, once made; "failed": why not
_lock = threading.Lock()


def endpoint() -> str | None:
    """Where spans go, or ``None``: telemetry is off."""
    for name in ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        if value := os.environ.get(name, "").strip():
            return value
    from .settings import load_config

    table = load_config().get("telemetry")
    value = table.get("endpoint") if isinstance(table, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def enabled() -> bool:
    """An endpoint is configured and ``OTEL_SDK_DISABLED`` does not say otherwise."""
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() != "true" and endpoint() is not None


@contextlib.contextmanager
def span(name: str, attributes: dict[str, Any] | None = None, parent: Any = None, *,
         root: bool = False) -> Iterator[Any]:
    """A span named ``name`` under ``parent`` (a span this module made), or a new trace with
    ``root`` (a run's span, the one place that asks whether telemetry is on); ``None`` when it
    is off. So a step's or a call's span costs nothing in a run that is not traced. An
    exception ending the block marks the span failed."""
    if parent is None and not root:
        yield None
        return
    tracer = _tracer() if parent is not None or enabled() else None
    if tracer is None:
        yield None
        return
    from opentelemetry import trace

    context = trace.set_span_in_context(parent) if parent is not None else None
    with tracer.start_as_current_span(name, context=context, attributes=_clean(attributes or {}),
                                      record_exception=False, set_status_on_exception=False) as opened:
        try:
            yield opened
        except BaseException as exc:
            fail(opened, exc)
            raise


def annotate(opened: Any, attributes: dict[str, Any]) -> None:
    """More attributes on a span (``None``: telemetry is off, nothing to do)."""
    if opened is not None:
        opened.set_attributes(_clean(attributes))


def fail(opened: Any, error: BaseException | str) -> None:
    """Mark a span failed, with the (masked) first line of what went wrong."""
    if opened is None:
        return
    from opentelemetry.trace import Status, StatusCode

    text = error if isinstance(error, str) else (str(error) or type(error).__name__)
    line = redact((text.strip().splitlines() or [""])[0])[:500]
    opened.set_status(Status(StatusCode.ERROR, line))
    opened.set_attribute("error.type", "failed" if isinstance(error, str) else type(error).__name__)


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """OpenTelemetry's attribute types only, every text masked, ``None`` left out."""
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, str):
            out[key] = redact(value)[:2000]
        elif isinstance(value, (bool, int, float)):
            out[key] = value
        elif isinstance(value, (list, tuple)):
            out[key] = [redact(str(v))[:500] for v in value]
        else:
            out[key] = redact(str(value))[:2000]
    return out


def _tracer() -> Any:
    """The tracer, made on first use: the application's provider if it configured one, else
    agentplat's own, exporting over OTLP/HTTP in batches (flushed when the process exits)."""
    with _lock:
        if "tracer" in _state or "failed" in _state:
            return _state.get("tracer")
        try:
            from opentelemetry import trace
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            _state["failed"] = "sdk"
            print("agentplat: warning: telemetry is configured but the OpenTelemetry SDK is not installed "
                  "(pip install 'agentplat[telemetry]'); runs are not traced", file=sys.stderr)
            return None
        provider = trace.get_tracer_provider()
        if not hasattr(provider, "add_span_processor"):  # nobody configured one: agentplat's own
            provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get(
                "OTEL_SERVICE_NAME", "agentplat")}))
            given = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            target = None if given else endpoint().rstrip("/") + "/v1/traces"  # config.toml's collector
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=target)))
            trace.set_tracer_provider(provider)
        _state["tracer"] = trace.get_tracer("agentplat")
        return _state["tracer"]


def _forget() -> None:
    """Tests only: make the tracer again on next use (a new endpoint, a new provider)."""
    with _lock:
        _state.clear()
