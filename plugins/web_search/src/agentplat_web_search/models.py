"""The one result shape every search backend returns."""

from __future__ import annotations

from pydantic import BaseModel


class SearchResult(BaseModel):
    """A search hit: where it is and why it matched."""

    title: str
    url: str
    snippet: str = ""

    def __str__(self) -> str:
        return f"{self.title} <{self.url}>" + (f"\n  {self.snippet}" if self.snippet else "")
