"""Bytes from the user (a file, the command line) as text, or one line saying where they are not.

Why: Python's own errors ("'utf-8' codec can't decode byte 0xff in position 12") name neither
the file nor the line, and a command-line argument that is not UTF-8 only fails later, deep in
a run, as "surrogates not allowed". The user needs the place to fix it.
"""

from __future__ import annotations

import os

from .errors import AgentplatError


def place(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of ``offset`` in ``data``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def decode_file(data: bytes, where: str) -> str:
    """``data`` (the contents of the file ``where``) as UTF-8 text, a leading BOM dropped;
    else an ``AgentplatError`` like "batch.txt:3:7: not valid UTF-8 text (byte 0xff)"."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = place(data, exc.start)
        raise AgentplatError(f"{where}:{line}:{column}: not valid UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def read_text_file(path: str | os.PathLike[str]) -> str:
    """The UTF-8 text of the file at ``path`` (``OSError`` as ``open`` raises it)."""
    with open(path, "rb") as fh:
        return decode_file(fh.read(), os.fspath(path))


def invalid_argument(args: list[str]) -> str | None:
    """The sentence for the first of ``args`` (the command line, as Python decoded it) that
    was not valid UTF-8, or ``None`` if all were."""
    for number, arg in enumerate(args, 1):
        raw = os.fsencode(arg)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", "backslashreplace")
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            return (f"argument {number} ({shown}) is not valid text "
                    f"(byte 0x{raw[exc.start]:02x} at position {exc.start})")
    return None
