"""The offline planner gives each value to the parameter the request names for it, never by order.

The tools here have the schemas of common MCP servers (files, time, fetch, a memory graph);
what they do is beside the point: only the plans are checked, so their calls are stubs.
"""

from __future__ import annotations

import itertools

import pytest

from agentplat import Agent, NoCapableAgent, PlanningError, Registry, Tool
from agentplat._planners.offline.arguments import values
from agentplat._planners.offline.planner import OfflinePlanner


async def _stub(**args):
    return args


def schema_tool(name, description, properties, required, effect="read"):
    props = {k: ({"type": v} if isinstance(v, str) else v) for k, v in properties.items()}
    return Tool.from_schema(name, description, {"type": "object", "properties": props, "required": required},
                            _stub, effect=effect)


def _zone(which):
    return {"type": "string", "description": f"{which} IANA timezone name (e.g., 'America/New_York', "
                                             f"'Europe/London'). Use 'UTC' as local timezone if none is given."}


FILES = Agent(name="files", description="Secure file system access.", tools=[
    schema_tool("read_file", "Read the complete contents of a file.", {"path": "string"}, ["path"]),
    schema_tool("write_file", "Create a new file or completely overwrite an existing file with new content.",
                {"path": "string", "content": "string"}, ["path", "content"], "destructive"),
    schema_tool("create_directory", "Create a new directory or make sure it exists.", {"path": "string"},
                ["path"], "write"),
    schema_tool("move_file", "Move or rename files and directories.", {"source": "string", "destination": "string"},
                ["source", "destination"], "destructive"),
])
TIME = Agent(name="clock", description="Time and timezone conversions.", tools=[
    schema_tool("convert_time", "Convert time between timezones.", {
        "source_timezone": _zone("Source"),
        "time": {"type": "string", "description": "Time to convert in 24-hour format (HH:MM)"},
        "target_timezone": _zone("Target"),
    }, ["source_timezone", "time", "target_timezone"]),
])
FETCH = Agent(name="fetcher", description="Fetches a URL from the internet.", tools=[
    schema_tool("fetch", "Fetches a URL from the internet and extracts its contents as markdown.", {
        "url": {"type": "string", "format": "uri", "description": "URL to fetch"},
        "max_length": {"type": "integer", "description": "Maximum number of characters to return."},
    }, ["url"]),
])
MEMORY = Agent(name="memory", description="A knowledge graph memory.", tools=[
    schema_tool("create_entities", "Create multiple new entities in the knowledge graph.",
                {"entities": {"type": "array", "items": {"type": "object"}}}, ["entities"], "write"),
    schema_tool("add_person", "Add a person to the contact list.", {"name": "string", "email": "string"},
                ["name", "email"], "write"),
])


@pytest.fixture(scope="module")
def planner():
    return OfflinePlanner(Registry(agents={a.name: a for a in (FILES, TIME, FETCH, MEMORY)}))


def plan(planner, request):
    return [(s.tool, s.args) for s in planner.plan(request).steps]


def test_cue_words_beat_position_in_every_order(planner):
    """Each cue phrase in each order: the time, its source and its target never swap."""
    for time, source, target in [("14:30", "America/New_York", "Europe/London"), ("09:05", "Asia/Tokyo", "UTC")]:
        phrases = [f"the time '{time}'", f"from '{source}'", f"to '{target}'"]
        for order in itertools.permutations(phrases):
            request = "Convert " + " ".join(order)
            assert plan(planner, request) == [("convert_time", {
                "time": time, "source_timezone": source, "target_timezone": target})], request


def test_a_value_whose_cue_is_missing_is_the_one_left(planner):
    assert plan(planner, "Convert '14:30' from 'America/New_York' to 'Europe/London'") == [("convert_time", {
        "time": "14:30", "source_timezone": "America/New_York", "target_timezone": "Europe/London"})]


def test_values_without_cues_are_refused_not_taken_in_order(planner):
    with pytest.raises(NoCapableAgent, match="convert_time"):
        planner.plan("Convert '14:30' 'America/New_York' 'Europe/London'")


def test_two_values_cued_for_one_parameter_are_refused(planner):
    with pytest.raises(NoCapableAgent, match="source"):
        planner.plan("Convert the time '14:30' from 'Asia/Tokyo' from 'Europe/London'")


@pytest.mark.parametrize("request_text, url", [
    ("Fetch the URL https://example.org with the fetch tool", "https://example.org"),
    ("Fetch https://example.org/a?b=1.", "https://example.org/a?b=1"),
    ("Fetch the page at 'https://example.org/x y'", "https://example.org/x y"),
])
def test_a_url_argument_is_the_url_alone(planner, request_text, url):
    assert plan(planner, request_text) == [("fetch", {"url": url})]


def test_a_writing_tool_gets_each_value_where_the_request_puts_it(planner):
    assert plan(planner, "Write 'hello' to the file '/x/new.txt'") == [
        ("write_file", {"path": "/x/new.txt", "content": "hello"})]
    assert plan(planner, "Write to the file '/x/new.txt' the content 'Hi. Bye, now'") == [
        ("write_file", {"path": "/x/new.txt", "content": "Hi. Bye, now"})]
    assert plan(planner, "Move '/a' to '/b'") == [("move_file", {"source": "/a", "destination": "/b"})]
    assert plan(planner, "Add a person named 'Ada' with the email 'ada@example.org'") == [
        ("add_person", {"name": "Ada", "email": "ada@example.org"})]


def test_an_earlier_result_the_request_points_at_is_named_explicitly(planner):
    steps = planner.plan("Fetch https://example.org, then write it to the file '/tmp/page.md'").steps
    assert (steps[1].tool, steps[1].args) == ("write_file", {"path": "/tmp/page.md", "content": "$0"})


@pytest.mark.parametrize("request_text, says", [
    ("Write 'hello' to '/x/new.txt'", "write_file"),
    ("Create an entity named Alice of type person", "create_entities"),
    ("Create an entity named 'Alice'", "entity"),
    ("Create a directory", "path"),
    ("Write hello to the file notes", "write_file"),
    ("Add a person named Ada", "add_person"),
    ("Add a person 'Ada' 'ada@example.org'", "add_person"),
])
def test_a_tool_that_acts_never_gets_a_guessed_argument(planner, request_text, says):
    """Refused, with the tool or the words it does not serve named, rather than guessed."""
    with pytest.raises(PlanningError, match=says):
        planner.plan(request_text)


def test_a_vague_request_does_not_reach_a_writing_tool_of_another_server():
    """With only a file server installed, "create an entity" is not a directory to create."""
    files_only = OfflinePlanner(Registry(agents={"files": FILES}))
    for request in ("Create an entity named Alice of type person", "Create an entity named 'Alice'",
                    "Create a person called Bob"):
        with pytest.raises(NoCapableAgent, match=r"files\.\w+ changes something"):
            files_only.plan(request)


def test_no_acting_argument_comes_from_leftover_words(planner):
    """Many requests that name a writing tool: each acting step's string arguments are values
    the request wrote out (quoted, a URL, a path) or earlier results, never other words."""
    verbs = ["Write", "Create", "Save", "Make", "Move", "Rename", "Add"]
    objects = ["'hello'", "hello", "a file", "the file notes.txt", "the directory '/tmp/d'", "a person named Ada",
               "'/tmp/a'", "an entity named 'Alice' of type 'person'", "it", "the content 'x. y'"]
    tails = ["", " to the file '/tmp/out.txt'", " to '/tmp/b'", " named 'Bob'", " with the email 'b@example.org'",
             " in the folder /tmp/c", " to notes"]
    checked = acted = 0
    for verb, obj, tail in itertools.product(verbs, objects, tails):
        request = f"Fetch https://example.org, then {verb.lower()} {obj}{tail}"
        try:
            steps = planner.plan(request).steps
        except PlanningError:
            continue
        written = {v.text for v in values(request)}
        for step in steps:
            tool = planner.registry.agent(step.agent).tool(step.tool)
            if not tool.acts:
                continue
            acted += 1
            for name, value in step.args.items():
                assert value in written or value.startswith("$"), f"{request!r}: {step.label()} ({name})"
        checked += 1
    assert checked >= 30 and acted >= 20
