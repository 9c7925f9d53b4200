"""Folder names from topics: safe on every OS, never a path, unique within a reports folder."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_LENGTH = 60
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# names Windows refuses for files and folders, whatever the extension
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slugify(topic: str) -> str:
    """``"Renewable Energy: Europe/2030"`` -> ``"renewable-energy-europe-2030"``.

    Only ``a-z``, ``0-9`` and ``-`` survive, so the result can never be ``..``, hold a
    separator or be hidden. A topic with no Latin letters or digits gets a stable hash.
    """
    ascii_text = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rsplit("-", 1)[0] or slug[:MAX_LENGTH]
    if not slug:
        return "report-" + hashlib.sha256(topic.encode("utf-8")).hexdigest()[:8]
    if slug in _RESERVED:
        slug += "-report"
    return slug


def unique_slug(topic: str, taken: set[str]) -> str:
    """``slugify(topic)``, suffixed ``-2``, ``-3``... until it is not in ``taken`` (case-insensitive)."""
    base = slugify(topic)
    lowered = {t.lower() for t in taken}
    slug, n = base, 1
    while slug in lowered:
        n += 1
        slug = f"{base}-{n}"
    return slug
