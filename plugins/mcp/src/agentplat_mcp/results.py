"""An MCP tool result as a step result: what ``$N`` references and the answer see."""

from __future__ import annotations

import json
from typing import Any

from agentplat import ToolError


def as_value(result: Any, *, server: str, tool: str) -> Any:
    """Structured content when the server gives it (a bare ``{"result": x}`` wrapper, which
    the SDK's servers add around a plain return value, is unwrapped to ``x``); otherwise the
    text of the content, parsed when it is JSON data (an object, a list, a number), as many
    servers send structured results as JSON text. A result flagged as an error
    raises ``ToolError`` with the server's message."""
    texts = [getattr(c, "text", None) for c in result.content or []]
    shown = [t for t in texts if isinstance(t, str)]
    others = [c for c in result.content or [] if getattr(c, "text", None) is None]
    if result.isError:
        message = " ".join(" ".join(shown).split()) or "the tool reported an error"
        raise ToolError(f"MCP server {server!r}: tool {tool} failed: {message[:500]}")
    structured = result.structuredContent
    if structured is not None:
        if isinstance(structured, dict) and list(structured) == ["result"]:
            return structured["result"]
        return structured
    images = [c for c in others if getattr(c, "type", "") == "image" and getattr(c, "data", None)]
    for number, image in enumerate(images, 1):
        token = _pass_on(image, f"{server}-{tool}-{number}")
        if token is not None:
            shown.append(f"[image {token} attached to the run]")
            others.remove(image)
    if others:
        kinds = ", ".join(sorted({getattr(c, "type", "content") for c in others}))
        shown.append(f"[{len(others)} {kinds} item(s) not shown]")
    text = "\n".join(shown)
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return data if isinstance(data, (dict, list, int, float)) and not isinstance(data, bool) else text


def _pass_on(image: Any, stem: str) -> str | None:
    """An image a tool returned, attached to the running run (its later model calls see it);
    its token, or ``None`` when there is no run or it is not an image agentplat takes."""
    import base64
    import binascii

    from agentplat import AgentplatError
    from agentplat.extend import attach, attachment

    try:
        data = base64.b64decode(image.data, validate=True)
        extension = (getattr(image, "mimeType", "") or "image/png").split("/")[-1]
        item = attachment(f"{stem}.{extension}", data)
    except (binascii.Error, ValueError, AgentplatError):
        return None
    # only a real image: text passed on would be a token a later step's arguments could carry,
    # and a tool's result must never choose what a tool is given
    return attach(item) if item.is_image else None
