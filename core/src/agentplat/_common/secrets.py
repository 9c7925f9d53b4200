"""Masking secrets: API keys, bearer tokens and the values of secret-looking variables.

Everything agentplat writes (the run store) passes through :func:`redact`, and the command
line prints through :class:`MaskedStream`, so no line it shows can carry a key.
"""

from __future__ import annotations

import os
import re

_SECRET_PATTERNS = [
    re.compile(r"\b(sk|pk|rk|tvly|gsk|xai)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._\-]{8,}"),
]


def _known_secrets() -> list[str]:
    names = [k for k in os.environ if re.search(r"(?i)(api_?key|token|secret|password)", k)]
    return sorted({os.environ[k] for k in names if len(os.environ[k]) >= 6}, key=len, reverse=True)


def redact(text: str) -> str:
    """Mask API keys and bearer tokens (and the values of secret-looking env vars)."""
    for secret in _known_secrets():
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(0).split("-")[0] + "-***" if "-" in m.group(0)[:6] else "Bearer ***", text)
    return text


class MaskedStream:
    """A text stream that masks secrets in whatever is written through it.

    Why at the stream and not at each ``echo``: a key can reach output by many roads (an
    endpoint's error body, a step's argument or result, a ``--debug`` traceback, a library's
    own print); masking where the bytes leave covers the roads nobody thought of.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
