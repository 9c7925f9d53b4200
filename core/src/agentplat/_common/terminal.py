"""Untrusted text made safe to print on a terminal.

A tool result, a model's text, an MCP server's description or a stored run may hold escape
sequences: a window title (``ESC ] 0 ; ... BEL``), hidden text (``ESC [ 8 m``), cursor moves
that overwrite earlier lines, a carriage return that hides what came before. On a terminal
those act instead of showing; :func:`visible` shows them as the characters they are
(``\\x1b``), so what the user reads is what the data holds. JSON output needs nothing: JSON
escapes control characters itself.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
#: isolates that reorder what a line shows (and the line/paragraph separators that break it).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _shown(match: re.Match) -> str:
    char = match.group(0)
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character (tab and, unless ``newlines=False``, newline
    kept) written out as its escape (``\\x1b``, ``\\x07``, ``\\u202e``), so that nothing in it
    can act on the terminal."""
    if not isinstance(text, str):
        text = str(text)
    text = _UNSAFE.sub(_shown, text)
    return text if newlines else text.replace("\n", "\\n")
