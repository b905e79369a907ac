"""Output lines: clean meeting records, review items and the ledger of finished articles."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from meetx.schemas.article import LangSource, PublishedSource
from meetx.schemas.meeting import Meeting

SCHEMA_VERSION = "2"  # 2: issues carry a severity; evidence says who set the value


class Usage(BaseModel):
    """Tokens spent on one article, failed attempts included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Issue(BaseModel):
    """One problem found by a check. Problems are data on a record, not exceptions."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="machine-readable name of the check, e.g. 'quote_not_found'")
    field: str | None = Field(default=None, description="path of the value, e.g. 'date_text'")
    message: str
    severity: Literal["error", "warning"] = Field(
        default="error",
        description="error: the record is wrong or unsupported and goes to review; "
        "warning: a detail is missing or weakly supported, the record stays clean",
    )


class Attempt(BaseModel):
    """One call to the model that did not give a usable answer."""

    number: int
    error: str
    raw_output: str | None = None


class Provenance(BaseModel):
    """Where a record comes from: the article (and what its metadata states), the run."""

    article_id: str
    article_path: str
    source_id: str | None = Field(default=None, description="the id of the dataset row")
    url: str | None = Field(default=None, description="the article's URL (row or page)")
    lang: str | None = Field(default=None, description="ISO 639-1 code of the article's language")
    lang_source: LangSource | None = None
    published: dt.date | None = Field(
        default=None, description="the publication date the dates were resolved against"
    )
    published_source: PublishedSource | None = Field(
        default=None,
        description="where it came from: dataset, html (page metadata), flag (--published), "
        "header or dateline (read from the text); null: unknown",
    )
    model: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    extracted_at: dt.datetime
    usage: Usage = Field(default_factory=Usage)
    attempts: int = Field(default=1, description="model calls made for this article")
    seconds: float = 0.0
    cost_usd: float | None = Field(
        default=None,
        description="USD for usage at the configured prices (at the batch prices for what a "
        "provider's batch answered); null: no prices",
    )
    batch_ids: list[str] = Field(
        default_factory=list,
        description="the provider batches that answered this article (meetx batch); "
        "empty: asked live",
    )
    cached: bool = Field(
        default=False, description="the answer came from the cache: paid for by an earlier run"
    )

    def key(self) -> tuple[str, str, str, str]:
        return (self.article_id, self.model, self.prompt_version, self.schema_version)


class MeetingRecord(BaseModel):
    """One line of ``meetings.jsonl`` (or, with issues, inside a review item)."""

    id: str = Field(description="stable id: article id, prompt version and meeting index")
    meeting: Meeting
    provenance: Provenance
    issues: list[Issue] = Field(default_factory=list)
    reviewed: bool = False


class ReviewItem(BaseModel):
    """One line of ``review.jsonl``: a flagged record or an article that failed."""

    kind: Literal["flagged_record", "failed_article"]
    reasons: list[Issue]
    provenance: Provenance
    record: MeetingRecord | None = None
    raw_output: str | None = None
    failed_attempts: list[Attempt] = Field(default_factory=list)


class LedgerEntry(BaseModel):
    """One line of ``ledger.jsonl``: an article finished, with what it produced."""

    key: list[str] = Field(description="[article id, model, prompt version, schema version]")
    article_path: str
    source_id: str | None = None
    page_sha256: str | None = Field(
        default=None, description="an HTML page's sha256: a rerun skips the page unread"
    )
    meetings: int
    flagged: int
    failed: bool
    finished_at: dt.datetime
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
