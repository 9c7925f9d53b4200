"""The core refinement loop: stopping rules, kept critiques, critique parsing and repair."""

from __future__ import annotations

import asyncio
import json

import agentplat
import pytest
from agentplat._refine.critique import ChatCritic, Critique, CritiqueError, parse_critique
from agentplat._refine.loop import ChatWriter, Iteration, Refinement, refine
from agentplat.testing import ScriptedModel


def critique(score: int, *improvements: str) -> str:
    return json.dumps({"score": score, "strengths": ["clear"], "improvements": list(improvements),
                       "summary": f"worth {score}"})


def run(model: ScriptedModel, **kwargs) -> Refinement:
    return asyncio.run(refine("tidal power", writer=ChatWriter(model), critic=ChatCritic(model), **kwargs))


def test_the_loop_stops_as_soon_as_a_draft_meets_the_threshold():
    model = ScriptedModel(["draft one", critique(6, "add numbers"), "draft two", critique(9)])
    result = run(model, quality_threshold=8, max_iterations=5)
    assert result.stopped_because == "threshold"
    assert [i.critique.score for i in result.iterations] == [6, 9]
    assert [i.draft for i in result.iterations] == ["draft one", "draft two"]
    assert (result.final, result.score, result.final_iteration) == ("draft two", 9, 2)
    assert [r.role for r in model.requests] == ["writer", "critic", "writer", "critic"]


def test_the_loop_stops_at_max_iterations_and_critiques_the_last_draft():
    model = ScriptedModel(["d1", critique(3, "a"), "d2", critique(5, "b"), "d3", critique(7, "c")])
    result = run(model, quality_threshold=8, max_iterations=3)
    assert result.stopped_because == "max_iterations"
    assert len(result.iterations) == 3 and len(result.critiques) == 3  # the final draft was critiqued too
    assert (result.final, result.score) == ("d3", 7)
    assert not model.client.replies  # no revision after the last critique


def test_defaults_are_three_iterations_and_a_threshold_of_eight():
    model = ScriptedModel(["d1", critique(7), "d2", critique(7), "d3", critique(7)])
    result = run(model)
    assert (result.max_iterations, result.quality_threshold, len(result.iterations)) == (3, 8, 3)
    assert run(ScriptedModel(["d1", critique(8)])).stopped_because == "threshold"


def test_the_revision_prompt_carries_the_draft_and_the_critique():
    model = ScriptedModel(["first draft", critique(4, "cite the 2023 capacity figures"), "second", critique(9)])
    run(model)
    revise = model.requests[2].messages
    assert {"role": "assistant", "content": "first draft"} in revise
    assert "cite the 2023 capacity figures" in revise[-1]["content"] and "4/10" in revise[-1]["content"]
    assert "tidal power" in model.requests[1].messages[-1]["content"]  # the critic sees the subject


def test_a_fenced_chatty_critique_is_accepted():
    reply = "Here is my review:\n```json\n" + critique(9) + "\n```\nHope that helps!"
    result = run(ScriptedModel(["draft", reply]))
    assert result.score == 9 and result.iterations[0].critique.strengths == ["clear"]


def test_a_malformed_critique_is_sent_back_with_the_error_and_repaired():
    model = ScriptedModel(["draft", '{"score": 14, "summary": "great"}', "I'd say it is fine.", critique(8)])
    result = run(model)
    assert result.score == 8 and len(result.iterations) == 1
    first_repair, second_repair = model.requests[2].messages, model.requests[3].messages
    assert first_repair[-2] == {"role": "assistant", "content": '{"score": 14, "summary": "great"}'}
    assert "score" in first_repair[-1]["content"] and "less than or equal to 10" in first_repair[-1]["content"]
    assert "no JSON object" in second_repair[-1]["content"]
    assert all(r.role == "critic" for r in model.requests[1:])


def test_repairs_are_bounded():
    model = ScriptedModel(["draft", "nope", "still nope", "no"])
    with pytest.raises(CritiqueError, match=r"after 2 repairs"):
        run(model)
    assert len(model.requests) == 4


@pytest.mark.parametrize("raw, score", [('"8/10"', 8), ("7.6", 8), ('"9"', 9), ("10", 10)])
def test_scores_are_read_the_way_models_write_them(raw, score):
    parsed = parse_critique('{"score": %s, "summary": "ok", "strengths": "one thing"}' % raw)
    assert parsed.score == score and parsed.strengths == ["one thing"] and parsed.improvements == []


@pytest.mark.parametrize("reply, problem", [
    ("", "empty"),
    ('{"score": 0, "summary": "x"}', "score"),
    ('{"score": 5}', "summary"),
    ('{"score": "great", "summary": "x"}', "score"),
])
def test_invalid_critiques_say_what_is_wrong(reply, problem):
    with pytest.raises(CritiqueError, match=problem):
        parse_critique(reply)


class Stubborn:
    """A deterministic writer whose revisions get worse: the best draft must survive."""

    def __init__(self):
        self.revisions = 0

    async def draft(self, subject):
        return "good"

    async def revise(self, subject, draft, critique):
        self.revisions += 1
        return f"worse {self.revisions}"


class Scores:
    def __init__(self, *scores):
        self.scores = list(scores)

    async def critique(self, subject, draft):
        return Critique(score=self.scores.pop(0), summary="s", improvements=["more"])


def test_a_revision_that_scores_lower_never_replaces_a_better_draft():
    result = asyncio.run(refine("x", writer=Stubborn(), critic=Scores(7, 5, 4)))
    assert [i.draft for i in result.iterations] == ["good", "worse 1", "worse 2"]
    assert (result.final, result.score, result.final_iteration) == ("good", 7, 1)


def test_on_iteration_sees_every_iteration_and_may_be_async():
    seen = []

    async def note(iteration):
        seen.append((iteration.number, iteration.critique.score))

    asyncio.run(refine("x", writer=Stubborn(), critic=Scores(3, 6, 9), on_iteration=note, max_iterations=5))
    assert seen == [(1, 3), (2, 6), (3, 9)]


def test_saved_iterations_are_continued_not_redone():
    saved = [Iteration(1, "good", Critique(score=5, summary="s", improvements=["more"]))]
    writer = Stubborn()
    result = asyncio.run(refine("x", writer=writer, critic=Scores(9), previous=saved))
    assert writer.revisions == 1 and [i.number for i in result.iterations] == [1, 2]
    assert Refinement.from_json(json.loads(json.dumps(result.to_json()))).iterations == result.iterations


def test_bad_bounds_are_refused():
    with pytest.raises(ValueError):
        asyncio.run(refine("x", writer=Stubborn(), critic=Scores(5), max_iterations=0))
    with pytest.raises(ValueError):
        asyncio.run(refine("x", writer=Stubborn(), critic=Scores(5), quality_threshold=11))


def test_the_api_is_exported_from_its_public_module():
    import agentplat.refine as public

    assert public.Critique is Critique and public.ChatWriter is ChatWriter
    result = asyncio.run(public.refine("x", writer=Stubborn(), critic=Scores(9)))
    assert result.score == 9
    assert not hasattr(agentplat, "Critique")  # the user API keeps to planning and running


def test_inside_a_flyte_task_iterations_are_groups_and_llm_calls_traces():
    import flyte
    from agentplat._engines.flyte import ensure_initialised

    env = flyte.TaskEnvironment(name="refine-test")

    @env.task
    async def refine_in_task(subject: str) -> str:
        model = ScriptedModel(["d1", critique(5, "more"), "d2", critique(9)])
        result = await refine(subject, writer=ChatWriter(model), critic=ChatCritic(model))
        return json.dumps(result.to_json())

    ensure_initialised()
    run = flyte.run(refine_in_task, subject="tidal power")
    data = json.loads(run.outputs()[0])
    assert [i["critique"]["score"] for i in data["iterations"]] == [5, 9]


def test_the_real_client_path_over_loopback_http(openai_server, monkeypatch, home):
    from agentplat._models.select import select_model
    from agentplat._plugin.registry import get_registry

    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("AGENTPLAT_MODEL", raising=False)
    openai_server.reply("# Tidal power\n\nDraft.").reply("```json\n" + critique(6, "expand") + "\n```")
    openai_server.reply("# Tidal power\n\nBetter.").reply(critique(8))
    model = select_model(get_registry())
    result = asyncio.run(refine("tidal power", writer=ChatWriter(model), critic=ChatCritic(model)))
    assert result.final == "# Tidal power\n\nBetter." and result.score == 8
    requests = openai_server.chat_requests
    assert len(requests) == 4
    assert requests[1].body.get("response_format") == {"type": "json_object"}  # the critic asks for JSON
