"""An article as meetx reads it: the text plus what its header states."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class Article(BaseModel):
    """One news article.

    ``id`` is the sha256 of the text, so the same text under another name is the same article.
    ``outlet``, ``headline`` and ``published`` are what the text itself states, or null.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="sha256 hex digest of the UTF-8 text")
    path: str = Field(description="where the text was read from")
    outlet: str | None = None
    headline: str | None = None
    published: dt.date | None = Field(default=None, description="publication date, if stated")
    published_text: str | None = Field(default=None, description="the words it was read from")
    text: str
