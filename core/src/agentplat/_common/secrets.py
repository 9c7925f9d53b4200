"""Masking secrets: the one door every output of agentplat passes.

:func:`redact` is that door. The command line prints through :class:`MaskedStream` (and its
printers call ``redact`` on what they build), the run store masks every value it writes (tags
included), ``mcp serve`` masks every message it sends, the report plugin masks its files and
pages. What it masks:

- the values of secret-looking environment variables (``OPENAI_API_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*_PASSWORD``...), and the password of any URL an environment variable holds
  (``OPENAI_BASE_URL=http://user:pass@host/v1``);
- values a plugin registered with :func:`add_secret` (the MCP plugin: its servers' ``env`` and
  ``headers`` values);
- common transforms of each of those: any upper/lower case, the part after a well-known prefix
  (``sk-``, ``sk-proj-``, ``ghp_``, ``xoxb-``...) when what is left is long enough to be its
  own, and the JSON-escaped and URL-encoded forms;
- well-known key shapes (``sk-...``, ``Bearer ...``) and the password of any URL in the text.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any
from urllib.parse import quote, urlsplit

MASK = "***"

_SECRET_PATTERNS = [
    re.compile(r"\b(sk|pk|rk|tvly|gsk|xai)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._\-]{8,}"),
]
#: ``scheme://user:password@`` anywhere in a text: the password goes.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/@:]*:)([^\s/@]+)(@)")

#: Names of environment variables whose values are secrets.
_SECRET_NAME = re.compile(r"(?i)(api_?key|token|secret|password|passwd|credential|(^|_)key$)")
#: Prefixes keys are issued with; a key without its prefix is still the key (longest first).
PREFIXES = ("sk-proj-", "sk-ant-", "sk-svcacct-", "sk-live-", "sk-test-", "sk-", "pk-", "rk-", "ghp_", "gho_",
            "ghs_", "ghu_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xapp-", "tvly-", "gsk_",
            "xai-", "hf_", "pplx-", "AIza")
#: What is left after a prefix must be at least this long to be masked on its own.
UNPREFIXED_MIN = 12
#: A value registered by a plugin must be at least this long (shorter ones would mask ordinary text).
REGISTERED_MIN = 8
_NOT_SECRET = {"true", "false", "yes", "no", "on", "off", "none", "null", "enabled", "disabled", "debug", "info",
               "warning", "error", "localhost", "127.0.0.1"}
_AUTH_SCHEME = re.compile(r"(?i)^(bearer|basic|token|bot|apikey|api-key|digest)\s+(\S+)$")

_registered: set[str] = set()
_lock = threading.Lock()
_compiled: tuple[tuple[str, ...], re.Pattern | None] = ((), None)


def _plausible(value: str) -> bool:
    """Whether ``value`` can be a secret worth masking everywhere: long enough, not a flag, a
    number or a file path (masking those would blank ordinary output)."""
    value = value.strip()
    return (len(value) >= REGISTERED_MIN and value.lower() not in _NOT_SECRET and not value.isdigit()
            and not value.startswith(("/", "~/", "./", "../")))


def add_secret(value: str) -> bool:
    """Mask ``value`` (and its transforms) in every output of this process from now on.

    For plugins that hold secrets the core cannot see (the MCP plugin: its servers' ``env``
    and ``headers``). A header like ``Bearer TOKEN`` registers ``TOKEN`` too; a URL registers
    only its password. Values too short or too plain to be secrets (``1``, ``true``, a path)
    are not registered; returns whether anything was."""
    if not isinstance(value, str):
        return False
    value = value.strip()
    found = []
    if "://" in value:
        password = _url_password(value)
        if password and _plausible(password):
            found.append(password)
    else:
        scheme = _AUTH_SCHEME.match(value)
        if scheme and _plausible(scheme.group(2)):
            found.append(scheme.group(2))
        if _plausible(value):
            found.append(value)
    with _lock:
        _registered.update(found)
    return bool(found)


def _url_password(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).password
    except ValueError:
        return None


def _env_secrets() -> set[str]:
    found = set()
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name) and len(value.strip()) >= 6:
            found.add(value.strip())
        if "://" in value and "@" in value:
            password = _url_password(value)
            if password and len(password) >= 6:
                found.add(password)
    return found


def secret_forms(secret: str) -> set[str]:
    """The texts that give ``secret`` away: itself, without a known prefix (when what is left
    is long enough), JSON-escaped, URL-encoded. Matching is case-insensitive, so upper- and
    lower-cased forms are covered too."""
    forms = {secret}
    lowered = secret.lower()
    for prefix in PREFIXES:
        if lowered.startswith(prefix.lower()):
            rest = secret[len(prefix):]
            if len(rest) >= UNPREFIXED_MIN:
                forms.add(rest)
            break
    for form in list(forms):
        forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
        forms.add(json.dumps(form)[1:-1])
        forms.add(quote(form, safe=""))
    return {f for f in forms if f}


def _matcher() -> re.Pattern | None:
    """One pattern for every known secret and its forms (rebuilt only when the set changes)."""
    global _compiled
    with _lock:
        secrets = tuple(sorted(_env_secrets() | _registered))
        if secrets == _compiled[0]:
            return _compiled[1]
        forms = sorted({f for s in secrets for f in secret_forms(s)}, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE) if forms else None
        _compiled = (secrets, pattern)
        return pattern


def _redact_text(text: str, matcher: re.Pattern | None) -> str:
    if matcher is not None:
        text = matcher.sub(MASK, text)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(0).split("-")[0] + "-***" if "-" in m.group(0)[:6] else "Bearer ***", text)
    return text


def redact(value: Any) -> Any:
    """Mask every known secret in ``value``: a text, or JSON-like data (dicts, lists; keys and
    string values are masked, other values kept). The one door every output passes."""
    return _redact(value, _matcher())


def _redact(value: Any, matcher: re.Pattern | None) -> Any:
    if isinstance(value, str):
        return _redact_text(value, matcher) if value else value
    if isinstance(value, dict):
        return {_redact(k, matcher): _redact(v, matcher) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, matcher) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact(v, matcher) for v in value)
    return value


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
