"""Tool names both ways stay within what the planner, the OpenAI function-name pattern and
MCP clients accept, and never collide."""

from __future__ import annotations

import re

from agentplat_mcp.names import safe_tool_name, served_name

OPENAI = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_server_tool_names_are_made_safe_and_distinct():
    taken: set[str] = set()
    names = []
    for original in ["shout", "word.stats", "word_stats", "files/read", "x" * 100, "y" * 100, "with space"]:
        name = safe_tool_name(original, taken)
        taken.add(name)
        names.append(name)
    assert names[:2] == ["shout", "word_stats"]
    assert names[2] != "word_stats" and names[2].startswith("word_stats_"), "a collision gets a digest suffix"
    assert names[3] == "files_read"
    assert len(set(names)) == len(names) and all(OPENAI.match(n) for n in names)


def test_served_names_are_agent__tool_and_safe():
    assert served_name("math", "add") == "math__add"
    assert served_name("web_search", "fetch_page") == "web_search__fetch_page"
    odd = [served_name("a__b", "c"), served_name("a", "b__c"), served_name("a" * 40, "b" * 40)]
    assert len(set(odd)) == 3 and all(OPENAI.match(n) and "__" not in n for n in odd)


def test_parameters_that_hold_addresses_are_network_targets():
    from agentplat_mcp.agents import address_parameters

    schema = {"type": "object", "properties": {
        "url": {"type": "string"}, "callback_url": {"type": "string"}, "imageUrl": {"type": "string"},
        "target": {"type": "string", "format": "uri"}, "text": {"type": "string"}, "curl_flags": {"type": "string"},
        "count": {"type": "integer"}}}
    assert address_parameters(schema) == ["url", "callback_url", "imageUrl", "target"]
    assert address_parameters({"type": "object"}) == []
