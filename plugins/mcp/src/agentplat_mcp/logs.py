"""The MCP SDK's own log records kept off the terminal unless ``--debug``.

The SDK logs what it cannot parse and what it drops: a server that is not one (``/bin/cat``)
gives ~40 lines of pydantic validation errors, and a client of ``mcp serve --http`` that
disconnects gives a ``ClosedResourceError`` traceback. Each command already says in one line
what failed, so these records go to stderr only with ``--debug``. Some SDK modules log
through the root logger (``logging.warning(...)``) or under names like ``client``, so a
record is the SDK's by the file it comes from, not by its logger's name.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

_lock = threading.Lock()
_debug = False
_serving = False
_sdk_dir: str | None = None


def _from_sdk(record: logging.LogRecord) -> bool:
    return bool(_sdk_dir) and os.path.abspath(record.pathname).startswith(_sdk_dir)


def _disconnect(record: logging.LogRecord) -> bool:
    """A client went away mid-stream: nothing an operator of ``mcp serve`` can act on."""
    kind = record.exc_info[0] if record.exc_info else None
    return kind is not None and kind.__name__ in ("ClosedResourceError", "BrokenResourceError", "EndOfStream")


class _SdkFilter(logging.Filter):
    """On a handler that writes to the terminal: the SDK's records are shown in full with
    ``--debug``; a server's own error (``mcp serve``) is one line; the rest is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _from_sdk(record):
            return True
        if _debug:
            _write(logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record))
        elif _serving and record.levelno >= logging.ERROR and not _disconnect(record):
            kind = f" ({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else ""
            first = (record.getMessage().strip().splitlines() or [""])[0]
            _write(f"agentplat: MCP server error: {first[:300]}{kind}")
        return False


class _LastResort(logging.Handler):
    """What Python does with a record when no handler is configured (its message, warnings
    and worse, on the current stderr), installed so that the SDK's ``logging.warning`` does not
    call ``basicConfig`` and change how every later record of the process looks."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _write(self.format(record))
        except Exception:  # noqa: BLE001 - a diagnostic must never break the command
            self.handleError(record)


def _write(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def debugging() -> bool:
    """Whether this command was given ``--debug`` (before or after the command's name)."""
    import click

    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get("debug"):
            return True
        ctx = ctx.parent
    return False


def quiet_sdk(*, serving: bool = False) -> None:
    """Route the SDK's records as the module docstring says. Call it from the command's own
    thread (it reads ``--debug`` from the command line's context) before the SDK runs; calling
    it again only updates the flags."""
    global _debug, _serving, _sdk_dir
    _debug = _debug or debugging()
    _serving = _serving or serving
    with _lock:
        if _sdk_dir is not None:
            return
        import importlib.util

        found = importlib.util.find_spec("mcp")
        locations = list(found.submodule_search_locations or []) if found else []
        _sdk_dir = os.path.abspath(locations[0]) + os.sep if locations else ""
        root = logging.getLogger()
        if not root.handlers:
            root.addHandler(_LastResort())
        for handler in root.handlers:  # the ones that write to the terminal; a log file keeps everything
            terminal = (isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
                        and getattr(handler, "stream", None) not in (sys.stdout, sys.__stdout__))
            if terminal or isinstance(handler, _LastResort):
                handler.addFilter(_SdkFilter())
