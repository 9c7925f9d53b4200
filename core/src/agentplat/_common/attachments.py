"""Files given to a run (``agentplat run REQUEST -a notes.txt``): text the plan may quote into
tool arguments, and images for models that look at them.

The planner never copies a file's text into the plan: the request it plans names each text
attachment by a short token (``"⟦notes.txt⟧"``, quoted, where the request said "the attached
file" or the file's name), the token is what a plan's arguments hold, and the tool receives
the text in its place (``fill``). So "count the words in the attached file" is planned and
answered exactly offline, the plan stays small, and what a step was given is shown and
recorded by name. An image goes to a model as an OpenAI image content part; the offline
model cannot look at one and says so.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

#: Largest text and image a run takes (bytes), and how many files.
MAX_TEXT = 1_000_000
MAX_IMAGE = 20_000_000
MAX_FILES = 10
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
               b"GIF89a": "image/gif"}
#: How much of a text attachment the planning model is shown (the tools get all of it).
SHOWN = 4000


@dataclass(frozen=True)
class Attachment:
    name: str  # the file's name (a URL's last part, "stdin")
    source: str  # where it was read: an absolute path, a URL, or "-"
    media_type: str
    data: bytes
    token: str = ""  # how the plan names it: "⟦notes.txt⟧"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def text(self) -> str:
        return "" if self.is_image else self.data.decode("utf-8")

    def record(self) -> dict[str, Any]:
        """What the run store keeps: name, source, type, size and hash; never the content."""
        return {"name": self.name, "source": self.source, "media_type": self.media_type,
                "size": len(self.data), "sha256": self.sha256, "token": self.token}

    def content_part(self) -> dict[str, Any]:
        """The attachment as a part of a chat message (OpenAI's format)."""
        if self.is_image:
            url = f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"
            return {"type": "image_url", "image_url": {"url": url}}
        text = self.text
        shown = text if len(text) <= SHOWN else text[:SHOWN] + f"\n[... {len(text) - SHOWN} more characters]"
        return {"type": "text", "text": f"Attached file {self.token} ({self.media_type}, {len(self.data)} bytes); "
                                        f"a tool argument {self.token} receives its whole text:\n{shown}"}


def media_type(name: str, data: bytes) -> str | None:
    """``image/...`` by the file's first bytes, ``text/plain`` for UTF-8 text; ``None``: neither."""
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" in data[:8192]:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def named(attachments: list[Attachment]) -> list[Attachment]:
    """Each attachment with its token, unique within the run."""
    seen: dict[str, int] = {}
    out = []
    for item in attachments:
        seen[item.name] = seen.get(item.name, 0) + 1
        suffix = f"#{seen[item.name]}" if seen[item.name] > 1 else ""
        out.append(Attachment(item.name, item.source, item.media_type, item.data, f"⟦{item.name}{suffix}⟧"))
    return out


_GENERIC = re.compile(r"(?i)\b(?:the |this |that |my )?(?:attached (?:file|text|document|note|notes|list|data)"
                      r"|attachment|file (?:i )?attached|(?<=\bin )(?:the |this )file)\b")


def planning_request(request: str, attachments: list[Attachment]) -> str:
    """The request as the planner reads it: a text attachment's name, or "the attached file"
    when there is one text attachment, becomes its quoted token."""
    texts = [a for a in attachments if not a.is_image]
    out = request
    for item in texts:
        if item.name and item.name != "stdin" and item.name in out:
            out = re.sub(rf"(?<![\w⟦]){re.escape(item.name)}(?![\w⟧])", lambda m: f'"{item.token}"', out)
    if len(texts) == 1 and texts[0].token not in out:
        out = _GENERIC.sub(lambda m: f'"{texts[0].token}"', out, count=1)
    return out


def fill(value: Any, attachments: list[Attachment] | None) -> Any:
    """``value`` with each text attachment's token replaced by its text (in strings, lists and
    dicts): what a tool receives."""
    if not attachments:
        return value
    if isinstance(value, str):
        if "⟦" not in value:
            return value
        for item in attachments:
            if not item.is_image and item.token in value:
                value = item.text if value == item.token else value.replace(item.token, item.text)
        return value
    if isinstance(value, dict):
        return {k: fill(v, attachments) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, attachments) for v in value]
    return value


def message_content(text: str, attachments: "list[Attachment] | tuple[Attachment, ...] | None") -> str | list[dict]:
    """A user message's content: ``text``, with the attachments as content parts after it."""
    if not attachments:
        return text
    return [{"type": "text", "text": text}, *(a.content_part() for a in attachments)]
