"""Reading what ``-a`` names: a file, ``-`` (standard input) or an http(s) URL, within the
size and type limits of ``_common.attachments``; again on resume, checked against its hash."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .._common.attachments import MAX_FILES, MAX_IMAGE, MAX_TEXT, Attachment, media_type, named
from .._common.errors import AgentplatError

__all__ = ["Attachment", "attach", "attachment", "load_all", "reload"]


async def load_all(specs: list[str] | tuple[str, ...]) -> list[Attachment]:
    """Every ``-a`` in order, each with its token; one clear line for the first that cannot be used."""
    if len(specs) > MAX_FILES:
        raise AgentplatError(f"at most {MAX_FILES} attachments a run, not {len(specs)}")
    if sum(1 for s in specs if s == "-") > 1:
        raise AgentplatError("standard input can be attached once (-a -)")
    return named([await _load(spec) for spec in specs])


def attachment(name: str, data: bytes | str) -> Attachment:
    """A file a program gives a run (``run_request(attachments=[...])``): its bytes (or text),
    checked like ``-a`` (type, size). It is not kept: a resume of its run asks for it again."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return _checked(os.path.basename(name) or "attachment", "given", raw)


def attach(item: Attachment) -> str | None:
    """Give the running run an image a tool got: later model calls of the run see it. Returns
    its token, or ``None`` outside a run. Only images: a text attachment's token is filled into
    tool arguments, and what a tool got must never choose what a tool is given."""
    from .._common.context import current

    if not item.is_image:
        raise AgentplatError(f"{item.name}: only an image can be attached to a run by a tool; text a tool got "
                             "is its result")
    held = current().attachments
    if not isinstance(held, list):
        return None
    [named_item] = named([*held, item])[-1:]
    held.append(named_item)
    return named_item.token


async def reload(records: list[dict]) -> list[Attachment]:
    """A recorded run's attachments, read again from where they came from; each must be the
    very content the run had (its sha256)."""
    out = []
    for record in records:
        source = record.get("source") or ""
        if source in ("-", "given"):
            how = "read from standard input" if source == "-" else "given with the request"
            raise AgentplatError(f"attachment {record.get('name')} was {how} and is not kept; "
                                 "start the run again with it")
        item = await _load(source)
        if item.sha256 != record.get("sha256"):
            raise AgentplatError(f"attachment {record.get('name')} ({source}) changed since the run: its content is not "
                                 "what the run was given (sha256 differs); start a new run with it")
        out.append(Attachment(item.name, item.source, item.media_type, item.data, record.get("token") or ""))
    return out if all(a.token for a in out) else named(out)


async def _load(spec: str) -> Attachment:
    if spec == "-":
        data = sys.stdin.buffer.read(MAX_IMAGE + 1)
        return _checked("stdin", "-", data)
    if spec.startswith(("http://", "https://")):
        return await _fetch(spec)
    path = Path(spec).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AgentplatError(f"cannot attach {spec}: not a file")
        if size > MAX_IMAGE:
            raise AgentplatError(f"cannot attach {spec}: {size} bytes, more than the {MAX_IMAGE} an attachment may have")
        data = path.read_bytes()
    except OSError as exc:
        raise AgentplatError(f"cannot attach {spec}: {exc.strerror or exc}") from None
    return _checked(path.name, str(path.resolve()), data)


async def _fetch(url: str) -> Attachment:
    """A URL the user gave: public addresses only (``AGENTPLAT_FETCH_ALLOW_PRIVATE=1`` for a
    local server), the download stopped past the size limit."""
    from .. import http

    chunks, size = [], 0
    async with http.client("agentplat", public_only=True) as session:
        with http.translated("attachment", url):
            async with session.stream("GET", url) as response:
                http.check_status(response, "attachment")
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_IMAGE:
                        raise AgentplatError(f"cannot attach {url}: more than the {MAX_IMAGE} bytes an attachment "
                                             "may have")
                    chunks.append(chunk)
    name = unquote(os.path.basename(urlsplit(url).path)) or urlsplit(url).hostname or "download"
    return _checked(name, url, b"".join(chunks))


def _checked(name: str, source: str, data: bytes) -> Attachment:
    kind = media_type(name, data)
    shown = {"-": "standard input", "given": name}.get(source, source)
    if kind is None:
        raise AgentplatError(f"cannot attach {shown}: agentplat takes text (UTF-8) and images (PNG, JPEG, GIF, WebP), "
                             "and this is neither")
    limit = MAX_IMAGE if kind.startswith("image/") else MAX_TEXT
    if len(data) > limit:
        raise AgentplatError(f"cannot attach {shown}: {len(data)} bytes, more than the {limit} "
                             f"a{'n image' if kind.startswith('image/') else ' text'} attachment may have")
    if not data:
        raise AgentplatError(f"cannot attach {shown}: it is empty")
    return Attachment(name, source, kind, data)
