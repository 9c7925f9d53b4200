"""Masking secrets: the one door every output of agentplat passes.

:func:`redact` is that door. The command line prints through :class:`MaskedStream` (and its
printers call ``redact`` on what they build), the run store masks every value it writes (tags
included), ``mcp serve`` masks every message it sends, the report plugin masks its files and
pages. What it masks:

- the values of secret-looking environment variables (``OPENAI_API_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*_PASSWORD``...), the password of any URL an environment variable holds
  (``OPENAI_BASE_URL=http://user:pass@host/v1``), and the values of ``*_HEADERS`` variables
  (``OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer ...``);
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

_KEY_SHAPE = re.compile(r"\b(sk|pk|rk|tvly|gsk|xai)-[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._\-]{8,}")
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
_version = 0  # bumped when a plugin registers a new secret
_compiled: tuple[tuple[Any, int], re.Pattern | None] = ((None, -1), None)


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
    global _version
    with _lock:
        if not _registered.issuperset(found):
            _registered.update(found)
            _version += 1
    return bool(found)


def _url_password(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).password
    except ValueError:
        return None


_env_seen: tuple[dict | None, set[str]] = (None, set())


def _env_secrets() -> set[str]:
    """The secrets the environment holds, computed again only when the environment changed
    (a comparison of two dicts in C, where scanning every name costs a regex each: this runs on
    every write of a run)."""
    global _env_seen
    data = getattr(os.environ, "_data", None)  # CPython's mapping behind os.environ
    if data is not None and data == _env_seen[0]:
        return _env_seen[1]
    found = _scan_env()
    _env_seen = (dict(data) if data is not None else None, found)
    return found


def _scan_env() -> set[str]:
    found = set()
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name) and len(value.strip()) >= 6:
            found.add(value.strip())
        if "://" in value and "@" in value:
            password = _url_password(value)
            if password and len(password) >= 6:
                found.add(password)
        if name.endswith("_HEADERS"):  # OTEL_EXPORTER_OTLP_HEADERS="Authorization=Basic abc,x-key=..."
            found.update(_header_values(value))
    return found


def _header_values(value: str) -> set[str]:
    """The values of ``key=value,key2=value2`` (URL-encoded, as OpenTelemetry writes them),
    and the credential of an ``Authorization`` scheme."""
    from urllib.parse import unquote

    found = set()
    for pair in value.split(","):
        _, sep, raw = pair.partition("=")
        item = unquote(raw).strip()
        if not sep or not _plausible(item):
            continue
        found.add(item)
        if scheme := _AUTH_SCHEME.match(item):
            if _plausible(scheme.group(2)):
                found.add(scheme.group(2))
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
    """One pattern for every known secret and its forms (rebuilt only when the set changes:
    the environment's secrets are the same object while it is unchanged, and a registration
    bumps ``_version``)."""
    global _compiled
    env = _env_secrets()
    key = (env, _version)
    cached = _compiled
    if cached[0][0] is env and cached[0][1] == _version:
        return cached[1]
    with _lock:
        forms = sorted({f for s in env | _registered for f in secret_forms(s)}, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, forms)), re.IGNORECASE) if forms else None
        _compiled = (key, pattern)
        return pattern


def _redact_text(text: str, matcher: re.Pattern | None) -> str:
    if matcher is not None:
        text = matcher.sub(MASK, text)
    # each shape is looked for only where the text holds its mark (a substring test costs a
    # fraction of a regex scan, and this runs on every value a run writes)
    if "://" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    if "k-" in text or "tvly-" in text or "xai-" in text:  # sk- pk- rk- gsk- tvly- xai-
        text = _KEY_SHAPE.sub(lambda m: m.group(0).split("-")[0] + "-***", text)
    if "bearer" in text.lower():
        text = _BEARER.sub("Bearer ***", text)
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
