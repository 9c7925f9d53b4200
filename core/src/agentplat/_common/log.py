"""Where the core's own diagnostics go: the ``agentplat`` logger, so library code never
prints. The CLI sends it to stderr, one line each (``to_stderr``); an application that embeds
agentplat routes it as it likes (left unconfigured, Python shows warnings on stderr)."""

from __future__ import annotations

import logging
import sys

from .terminal import visible

log = logging.getLogger("agentplat")


class _Stderr(logging.Handler):
    """Each record as its own line on whatever ``sys.stderr`` is when it is written (the CLI
    wraps stderr to mask secrets after start-up)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(visible(self.format(record)) + "\n")  # a message may quote a server's words
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - a diagnostic must never break the command
            self.handleError(record)


def to_stderr() -> None:
    """Show the core's diagnostics on stderr (the CLI does this once, at start-up)."""
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        log.addHandler(_Stderr())
        log.propagate = False
