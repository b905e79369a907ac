"""An article as meetx reads it: the text plus what its header, page or dataset row states."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PublishedSource = Literal["dataset", "html", "flag", "header", "dateline"]
"""Where ``Article.published`` came from, the most specific first: the dataset row's date
column, the HTML page's metadata, ``--published``, the text's header, the body's dateline."""

LangSource = Literal["dataset", "detected"]


class Article(BaseModel):
    """One news article.

    ``id`` is the sha256 of the text, so the same text under another name is the same article.
    ``outlet``, ``headline`` and ``published`` are what the metadata states (a dataset row, an
    HTML page's metadata, ``--published``), else what the text itself states, or null;
    ``published_source`` says which. ``text`` is what every offset of the output refers to:
    the file as read, the row's text column, or the main text extracted from an HTML page.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="sha256 hex digest of the UTF-8 text")
    path: str = Field(description="where the text was read from ('data.csv#3': its row 3)")
    outlet: str | None = None
    headline: str | None = None
    published: dt.date | None = Field(default=None, description="publication date, if stated")
    published_text: str | None = Field(
        default=None, description="the line of the text that states it, if one does"
    )
    published_source: PublishedSource | None = Field(
        default=None, description="where the publication date came from; null: unknown"
    )
    lang: str | None = Field(default=None, description="ISO 639-1 code of the text's language")
    lang_source: LangSource | None = None
    url: str | None = Field(default=None, description="the page's URL (dataset row or HTML)")
    source_id: str | None = Field(default=None, description="the id the dataset row gives it")
    page_sha256: str | None = Field(
        default=None, description="for an HTML page: sha256 of the page as read"
    )
    text: str
