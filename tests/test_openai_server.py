"""The OpenAI-compatible test server, exercised through the real ``openai`` SDK."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

from agentplat.testing import Delay, Fail, OpenAIServer, Reply, ScriptedToolCall, wait_until

pytest_plugins = ["agentplat.testing.pytest_plugin", "pytester"]

MODEL = "gpt-4o-mini"
USER = [{"role": "user", "content": "What is two plus two?"}]


def sync_client(server: OpenAIServer, **kwargs) -> openai.OpenAI:
    kwargs.setdefault("api_key", "sk-test")
    kwargs.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, **kwargs)


@pytest.fixture
def server():
    with OpenAIServer(api_key="sk-test") as srv:
        yield srv


# --------------------------------------------------------------------------- completions


def test_plain_completion(server):
    server.reply("Four.")
    resp = sync_client(server).chat.completions.create(model=MODEL, messages=USER, temperature=0)

    choice = resp.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Four."
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert resp.model == MODEL
    assert resp.id.startswith("chatcmpl-")
    assert resp.usage.prompt_tokens > 0 and resp.usage.completion_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens

    (req,) = server.requests
    assert (req.method, req.path, req.status) == ("POST", "/v1/chat/completions", 200)
    assert req.body["temperature"] == 0
    assert req.model == MODEL and req.messages == USER and not req.stream
    assert req.headers["authorization"] == "Bearer sk-test"
    assert server.pending == 0


def test_streamed_completion_with_usage():
    with OpenAIServer(chunk_size=4) as server:
        text = "The answer is four, obviously."
        server.reply(text)
        stream = sync_client(server).chat.completions.create(
            model=MODEL, messages=USER, stream=True, stream_options={"include_usage": True}
        )
        chunks = list(stream)

    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) == len(range(0, len(text), 4))
    assert "".join(c.choices[0].delta.content for c in content_chunks) == text
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    # include_usage: a final chunk with usage and no choices; the others carry usage=None.
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert {c.id for c in chunks} == {chunks[0].id}


def test_stream_without_include_usage_has_no_usage_chunk(server):
    server.reply("hi there")
    chunks = list(sync_client(server).chat.completions.create(model=MODEL, messages=USER, stream=True))
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "hi there"


def test_tool_call_reply(server):
    server.reply_tool_call("add", {"a": 2, "b": 2}, id="call_abc")
    resp = sync_client(server).chat.completions.create(
        model=MODEL,
        messages=USER,
        tools=[{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}],
    )
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert (call.id, call.type, call.function.name) == ("call_abc", "function", "add")
    assert json.loads(call.function.arguments) == {"a": 2, "b": 2}
    assert server.requests[0].body["tools"][0]["function"]["name"] == "add"


def test_streamed_tool_calls_reassemble():
    with OpenAIServer(chunk_size=5) as server:
        server.enqueue(Reply(tool_calls=(
            ScriptedToolCall("add", {"a": 2, "b": 2}),
            ScriptedToolCall("lookup", '{"query": "weather in Paris"}', id="call_2"),
        )))
        chunks = list(sync_client(server).chat.completions.create(model=MODEL, messages=USER, stream=True))

    calls: dict[int, dict] = {}
    finish = None
    for chunk in chunks:
        delta = chunk.choices[0].delta
        finish = chunk.choices[0].finish_reason or finish
        for tc in delta.tool_calls or ():
            slot = calls.setdefault(tc.index, {"id": None, "name": None, "arguments": "", "deltas": 0})
            if tc.id:
                assert slot["id"] is None, "id is sent once, in the first delta"
                slot["id"], slot["name"] = tc.id, tc.function.name
                assert tc.type == "function"
            slot["arguments"] += tc.function.arguments or ""
            slot["deltas"] += 1

    assert finish == "tool_calls"
    assert sorted(calls) == [0, 1]
    assert calls[0]["name"] == "add" and calls[0]["id"].startswith("call_")
    assert json.loads(calls[0]["arguments"]) == {"a": 2, "b": 2}
    assert (calls[1]["id"], calls[1]["name"]) == ("call_2", "lookup")
    assert json.loads(calls[1]["arguments"]) == {"query": "weather in Paris"}
    assert calls[1]["deltas"] > 2, "arguments are split across several deltas"


def test_openai_shaped_dict_reply_and_handler_fallback(server):
    server.enqueue({
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "call_x", "type": "function",
                        "function": {"name": "echo", "arguments": '{"text": "a"}'}}],
    })
    server.handler = lambda body: f"you said: {body['messages'][-1]['content']}"
    client = sync_client(server)

    first = client.chat.completions.create(model=MODEL, messages=USER)
    assert first.choices[0].message.tool_calls[0].function.arguments == '{"text": "a"}'
    second = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hello"}])
    assert second.choices[0].message.content == "you said: hello"


def test_empty_queue_without_handler_is_a_clear_500(server):
    with pytest.raises(openai.InternalServerError) as exc_info:
        sync_client(server).chat.completions.create(model=MODEL, messages=USER)
    assert "no scripted reply left" in exc_info.value.message


def test_handler_exception_becomes_500_and_is_recorded(server):
    def handler(body):
        raise ValueError("boom")

    server.handler = handler
    with pytest.raises(openai.InternalServerError, match="boom"):
        sync_client(server).chat.completions.create(model=MODEL, messages=USER)
    assert [type(e) for e in server.errors] == [ValueError]


# --------------------------------------------------------------------------- models, errors, auth


def test_models_list_and_retrieve():
    with OpenAIServer(models=["alpha", "beta"]) as server:
        client = sync_client(server)
        assert [m.id for m in client.models.list()] == ["alpha", "beta"]
        assert client.models.retrieve("beta").id == "beta"
        with pytest.raises(openai.NotFoundError):
            client.models.retrieve("gamma")


def test_unknown_model_is_404(server):
    server.reply("never sent")
    with pytest.raises(openai.NotFoundError) as exc_info:
        sync_client(server).chat.completions.create(model="gpt-nope", messages=USER)
    err = exc_info.value
    assert err.status_code == 404
    assert err.code == "model_not_found"
    assert err.type == "invalid_request_error"
    assert err.body["message"] == "The model `gpt-nope` does not exist"
    assert server.pending == 1, "a rejected request does not consume a scripted reply"


def test_wrong_api_key_is_401(server):
    server.reply("never sent")
    with pytest.raises(openai.AuthenticationError) as exc_info:
        sync_client(server, api_key="sk-wrong").chat.completions.create(model=MODEL, messages=USER)
    assert exc_info.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        sync_client(server, api_key="sk-wrong").models.list()


def test_missing_api_key_is_401(server):
    client = sync_client(server)
    with pytest.raises(openai.AuthenticationError, match="didn't provide an API key"):
        client.chat.completions.create(
            model=MODEL, messages=USER, extra_headers={"Authorization": openai.Omit()}
        )
    assert "authorization" not in server.requests[-1].headers
    # And a raw request with no header at all, to be independent of SDK header handling.
    req = urllib.request.Request(server.base_url + "/models")
    with pytest.raises(urllib.error.HTTPError) as exc_info:
        urllib.request.urlopen(req, timeout=5)
    assert exc_info.value.code == 401
    assert json.loads(exc_info.value.read())["error"]["type"] == "invalid_request_error"


def test_no_api_key_configured_accepts_anything():
    with OpenAIServer() as server:
        server.reply("ok")
        resp = sync_client(server, api_key="whatever").chat.completions.create(model=MODEL, messages=USER)
        assert resp.choices[0].message.content == "ok"


def test_429_then_success_is_retried_by_the_sdk(server):
    server.fail(429, retry_after=0.01).reply("finally")
    resp = sync_client(server, max_retries=2).chat.completions.create(model=MODEL, messages=USER)
    assert resp.choices[0].message.content == "finally"

    first, second = server.requests
    assert [first.status, second.status] == [429, 200]
    assert first.body == second.body
    assert [r.headers.get("x-stainless-retry-count") for r in (first, second)] == ["0", "1"]


def test_429_without_retries_is_rate_limit_error(server):
    server.fail(429, retry_after=3)
    with pytest.raises(openai.RateLimitError) as exc_info:
        sync_client(server).chat.completions.create(model=MODEL, messages=USER)
    assert exc_info.value.response.headers["retry-after"] == "3"
    assert exc_info.value.code == "rate_limit_exceeded"


def test_500_without_retries_is_internal_server_error(server):
    server.fail(500).reply("unused")
    with pytest.raises(openai.InternalServerError) as exc_info:
        sync_client(server).chat.completions.create(model=MODEL, messages=USER)
    assert exc_info.value.status_code == 500
    assert len(server.requests) == 1
    assert server.pending == 1


def test_fail_times_and_delay_are_consumed_in_order():
    with OpenAIServer(replies=[Fail(503, times=2), Delay(0.2), "ok"]) as server:
        client = sync_client(server)
        for _ in range(2):
            with pytest.raises(openai.InternalServerError):
                client.chat.completions.create(model=MODEL, messages=USER)
        start = time.monotonic()
        assert client.chat.completions.create(model=MODEL, messages=USER).choices[0].message.content == "ok"
        assert time.monotonic() - start >= 0.2
        assert [r.status for r in server.requests] == [503, 503, 200]

        server.reset()
        assert server.requests == [] and server.pending == 0


def test_bad_request_body_is_400(server):
    with pytest.raises(openai.BadRequestError):
        sync_client(server).chat.completions.create(model=MODEL, messages=[])


# --------------------------------------------------------------------------- timing, concurrency


def test_latency_overlaps_across_concurrent_async_calls():
    latency = 0.5
    with OpenAIServer(latency=latency, handler=lambda body: body["messages"][-1]["content"]) as server:

        async def main() -> tuple[list[str], float]:
            async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
                start = time.monotonic()
                resps = await asyncio.gather(*(
                    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": f"q{i}"}])
                    for i in range(4)
                ))
                return [r.choices[0].message.content for r in resps], time.monotonic() - start

        answers, elapsed = asyncio.run(main())

    assert answers == ["q0", "q1", "q2", "q3"]
    assert latency <= elapsed < 3 * latency, elapsed


def test_streamed_chunks_arrive_progressively():
    with OpenAIServer(chunk_size=2, chunk_delay=0.05) as server:
        server.reply("abcdefghijklmnop")  # 8 content deltas -> >= 0.35 s of chunk delays
        stream = sync_client(server).chat.completions.create(model=MODEL, messages=USER, stream=True)
        first_content_at = None
        pieces = []
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                first_content_at = first_content_at or time.monotonic()
                pieces.append(chunk.choices[0].delta.content)
        (req,) = server.requests

    assert "".join(pieces) == "abcdefghijklmnop"
    # Causal, not a timing guess: the client held the first chunk before the server had
    # even written the last one (same process, same monotonic clock).
    assert first_content_at < req.chunk_times[-1]
    assert req.chunk_times[-1] - req.chunk_times[0] >= 0.3


def test_async_streaming(server):
    server.reply("streamed asynchronously")

    async def main() -> str:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
            stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in stream])

    assert asyncio.run(main()) == "streamed asynchronously"


# --------------------------------------------------------------------------- connection handling


def test_keep_alive_connection_is_reused(server):
    server.handler = lambda body: "reply " * 20
    client = sync_client(server)
    for _ in range(3):
        client.chat.completions.create(model=MODEL, messages=USER)
    assert len({r.client_address for r in server.requests}) == 1, "JSON replies keep the connection"

    # The async SDK drains a stream after [DONE], so chunked SSE replies keep it too.
    server.reset()

    async def main() -> None:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as aclient:
            for _ in range(2):
                stream = await aclient.chat.completions.create(model=MODEL, messages=USER, stream=True)
                assert "".join([c.choices[0].delta.content or "" async for c in stream]).startswith("reply")
            await aclient.chat.completions.create(model=MODEL, messages=USER)

    asyncio.run(main())
    assert len({r.client_address for r in server.requests}) == 1


def test_sync_client_works_after_a_stream(server):
    # The sync SDK stops reading at [DONE] and drops that connection; the next call must
    # still work (on a fresh connection).
    server.handler = lambda body: "x" * 40
    client = sync_client(server)
    for _ in range(3):
        stream = client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream) == "x" * 40
        assert client.chat.completions.create(model=MODEL, messages=USER).choices[0].message.content == "x" * 40
    assert [r.status for r in server.requests] == [200] * 6


def test_stop_is_quick_with_idle_and_busy_connections():
    server = OpenAIServer(latency=30).start()
    client = sync_client(server, timeout=60)
    errors: list[BaseException] = []

    def slow_call() -> None:
        try:
            client.chat.completions.create(model=MODEL, messages=USER)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    wait_until(lambda: server.requests, 5, interval=0.01)  # the slow call has reached the server

    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 2
    caller.join(timeout=5)
    assert not caller.is_alive()
    assert errors and isinstance(errors[0], openai.APIConnectionError)


def test_concurrent_requests_consume_queue_once_each():
    with OpenAIServer(latency=0.05, replies=[f"r{i}" for i in range(8)]) as server:
        results: list[str] = []
        lock = threading.Lock()

        def call() -> None:
            text = sync_client(server).chat.completions.create(model=MODEL, messages=USER).choices[0].message.content
            with lock:
                results.append(text)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert sorted(results) == sorted(f"r{i}" for i in range(8))
    assert len(server.chat_requests) == 8


# --------------------------------------------------------------------------- pytest plugin


def test_fixture_yields_a_started_server(openai_server):
    openai_server.reply("from the fixture")
    resp = openai_server.client().chat.completions.create(model=MODEL, messages=USER)
    assert resp.choices[0].message.content == "from the fixture"


@pytest.mark.parametrize("openai_server_kwargs", [{"api_key": "sk-param", "models": ["custom-model"]}])
def test_fixture_is_configured_by_overriding_kwargs(openai_server):
    assert openai_server.api_key == "sk-param"
    with pytest.raises(openai.AuthenticationError):
        sync_client(openai_server).models.list()
    assert [m.id for m in openai_server.client().models.list()] == ["custom-model"]


def test_plugin_in_a_third_party_test_suite(pytester):
    """How a plugin author uses it: enable from conftest, configure with the marker."""
    pytester.makeconftest('pytest_plugins = ["agentplat.testing.pytest_plugin"]')
    pytester.makepyfile(
        test_plugin_suite="""
        import openai
        import pytest

        def test_default(openai_server):
            openai_server.reply("hello")
            client = openai.OpenAI(base_url=openai_server.base_url, api_key="k", max_retries=0)
            assert client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            ).choices[0].message.content == "hello"

        @pytest.mark.openai_server(api_key="sk-marker", latency=0.01)
        def test_marker(openai_server):
            assert (openai_server.api_key, openai_server.latency) == ("sk-marker", 0.01)

        def test_failing_test_still_stops_the_server(openai_server):
            pytest.fail("deliberate")
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
