"""The core's leaves, each merged from copies that had drifted apart: settings read from the
environment, which HTTP statuses are transient, error and JSON text, replayed-call accounting."""

from __future__ import annotations

import asyncio

import pytest

from agentplat import AgentplatError, ToolError, TransientError, http
from agentplat.refine import ChatCritic, ChatWriter
from agentplat._common.retry import TRANSIENT_STATUS, is_transient
from agentplat._common.settings import number
from agentplat._common.wording import describe, embedded_json, problems
from agentplat._llm.chat import ChatResponse
from agentplat.testing import run_cli


@pytest.mark.parametrize("raw, kind, minimum, expected", [
    ("5", int, 1, 5), (" 2.5 ", float, 0, 2.5), ("0", int, 0, 0), ("", int, 1, 3),
])
def test_numbers_from_the_environment(monkeypatch, raw, kind, minimum, expected):
    monkeypatch.setenv("AGENTPLAT_PROBE", raw)
    assert number("AGENTPLAT_PROBE", 3, kind=kind, minimum=minimum) == expected


@pytest.mark.parametrize("raw, message", [
    ("three", "AGENTPLAT_PROBE must be a whole number, not 'three'"),
    ("0", "AGENTPLAT_PROBE must be at least 1, not '0'"),
    ("2.5", "AGENTPLAT_PROBE must be a whole number, not '2.5'"),
])
def test_a_bad_setting_names_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("AGENTPLAT_PROBE", raw)
    with pytest.raises(AgentplatError) as caught:
        number("AGENTPLAT_PROBE", 3, kind=int, minimum=1)
    assert str(caught.value) == message


def test_a_tools_setting_stays_a_tool_error(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_PROBE", "lots")
    with pytest.raises(ToolError, match="AGENTPLAT_PROBE must be a number of seconds, not 'lots'"):
        http.env_number("AGENTPLAT_PROBE", 1.0, unit="seconds")


def test_a_bad_retry_setting_ends_in_one_line():
    result = run_cli("run", "What is 2 plus 2", env={"AGENTPLAT_MAX_ATTEMPTS": "three", "AGENTPLAT_ENGINE": "inline"})
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        "agentplat: error: step 0 (math.add) failed: AGENTPLAT_MAX_ATTEMPTS must be a whole number, not 'three' "
        f"(run {result.stderr.split('(run ')[-1].strip()}"
    ]


def test_tools_and_model_calls_agree_on_what_is_transient():
    import httpx

    assert http.TRANSIENT_STATUS == TRANSIENT_STATUS
    request = httpx.Request("GET", "https://example.org")
    for status in (409, 429, 503):
        with pytest.raises(TransientError):
            http.check_status(httpx.Response(status, request=request), "the service")
        assert is_transient(httpx.HTTPStatusError("x", request=request, response=httpx.Response(status)))
    with pytest.raises(ToolError):
        http.check_status(httpx.Response(404, request=request), "the service")


def test_error_and_validation_text():
    assert describe(ValueError("bad\nworse")) == "ValueError: bad\nworse"
    assert describe(ValueError("bad\nworse"), first_line=True) == "ValueError: bad"
    assert describe(KeyboardInterrupt()) == "KeyboardInterrupt"
    assert problems([{"loc": ("a", 0), "msg": "too big"}, {"loc": (), "msg": "missing"}]) == \
        "a.0: too big; arguments: missing"


def test_embedded_json_skips_chatter_and_finds_nested_values():
    text = 'Sure! ```json\n{"plan": {"steps": []}}\n``` and [1, 2] {broken'
    assert list(embedded_json(text)) == [{"plan": {"steps": []}}, {"steps": []}]
    assert list(embedded_json(text, "[")) == [[], [1, 2]]


class _Replaying:
    """An LLM whose every answer comes from the run store (a resumed run)."""

    def __init__(self, text: str):
        self.text = text

    async def call(self, role, messages, **kwargs) -> ChatResponse:
        return ChatResponse(text=self.text, prompt_tokens=100, completion_tokens=50, replayed=True)


def test_replayed_answers_are_not_counted_as_paid_by_writers_and_critics():
    writer = ChatWriter(_Replaying("# Draft"))
    critic = ChatCritic(_Replaying('{"score": 8, "summary": "Fine."}'))
    asyncio.run(writer.draft("solar power"))
    asyncio.run(critic.critique("solar power", "# Draft"))
    for usage in (writer.usage, critic.usage):
        assert (usage.llm_calls, usage.prompt_tokens, usage.replayed_calls) == (0, 0, 1)


def test_one_timestamp_formatter_for_epoch_seconds_and_datetimes():
    from datetime import datetime, timezone

    from agentplat._common.clock import iso

    assert iso(None) is None and iso(0) is None
    assert iso(1_700_000_000) == "2023-11-14T22:13:20+00:00"
    assert iso(datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)) == "2023-11-14T22:13:20+00:00"
    assert iso(datetime(1970, 1, 1, tzinfo=timezone.utc)) is None  # an unset protobuf timestamp
