"""How soon the first words of a model's answer reach the user, against the whole reply.

    uv run python benchmarks/streaming.py [--runs 5] [--chunk-delay 0.02] [--chunk-size 4]

A run whose request states a condition goes through the real ``openai`` client over HTTP to
the loopback OpenAI server, which streams each reply in chunks of ``--chunk-size`` characters
every ``--chunk-delay`` seconds (a model writing ~``size/delay`` characters a second). Printed,
as medians over ``--runs`` runs: from the joiner's last call being sent to the first answer
word the listener got, to the reply's end, and the whole run; and the LLM calls per run (the
planner and one joiner call per round).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time


def main(runs: int, chunk_delay: float, chunk_size: int) -> None:
    os.environ["AGENTPLAT_HOME"] = tempfile.mkdtemp(prefix="agentplat-stream-")
    os.environ["AGENTPLAT_DETERMINISTIC_FIRST"] = "0"
    from agentplat._run.request import run_request
    from agentplat.testing import OpenAIServer
    from agentplat.testing.openai_server import Reply

    request = "Compute 12 times 15; if it is over 100, subtract 100, otherwise add 100"
    plan = {"steps": [{"agent": "math", "tool": "multiply", "args": {"a": 12, "b": 15}, "dependencies": []}]}
    more = {"action": "continue", "checks": [{"left": "$0", "op": ">", "right": "100", "holds": True}],
            "steps": [{"agent": "math", "tool": "subtract", "args": {"a": "$0", "b": 100}, "dependencies": [0]}],
            "answer_steps": [], "answer": "", "unanswered": ""}
    words = ("12 times 15 is 180, which is over 100, so 100 is subtracted from it and the answer is 80; "
             "the other branch, adding 100, does not apply.")
    finish = {"action": "finish", "checks": [], "steps": [], "answer_steps": [1], "answer": words, "unanswered": ""}
    first_word, reply_end, whole, calls = [], [], [], []
    with OpenAIServer(chunk_delay=chunk_delay, chunk_size=chunk_size) as server:
        os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench")
        for _ in range(runs):
            for reply in (plan, more, finish):
                server.reply(Reply(content=json.dumps(reply)))
            marks: dict[str, float] = {}

            class Listener:
                def joining(self, round_number: int) -> None:
                    marks["asked"] = time.perf_counter()  # the last one asked is the one that answers

                def answer_delta(self, text: str) -> None:
                    marks.setdefault("first", time.perf_counter())

            started = time.perf_counter()
            result = asyncio.run(run_request(request, engine="inline", listener=Listener()))
            ended = time.perf_counter()
            assert result.answer == "80" and result.synthesized == words, (result.answer, result.error)
            last = server.chat_requests[-1]
            first_word.append(marks["first"] - marks["asked"])
            reply_end.append((last.chunk_times[-1] if last.chunk_times else ended) - last.received_at
                             if last.chunk_times else ended - marks["asked"])
            whole.append(ended - started)
            calls.append(result.usage.llm_calls)
    print(f"{runs} runs, a reply streamed {chunk_size} characters every {chunk_delay * 1000:g} ms "
          f"(the answer's decision is {len(json.dumps(finish))} characters, its words {len(words)})")
    print(f"  first answer word after the joiner is asked  {statistics.median(first_word) * 1000:8.1f} ms (median)")
    print(f"  the joiner's whole reply                     {statistics.median(reply_end) * 1000:8.1f} ms")
    print(f"  the whole run (plan, 2 rounds, 2 joiner calls) {statistics.median(whole) * 1000:6.1f} ms")
    print(f"  LLM calls per run                            {statistics.median(calls):8.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chunk-delay", type=float, default=0.02, help="seconds between streamed chunks")
    parser.add_argument("--chunk-size", type=int, default=4, help="characters per streamed chunk")
    args = parser.parse_args()
    sys.exit(main(args.runs, args.chunk_delay, args.chunk_size))
