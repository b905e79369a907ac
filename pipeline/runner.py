"""One article through the stages, and a batch of them into the output store.

The runner knows no network: it is handed an ``extract(messages, text)`` callable (see
``pipeline.backend``), which tests replace with recorded exchanges or a fake.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pipeline import align, articles, checks, consolidate, normalise
from pipeline.config import Settings
from pipeline.errors import ArticleError, ExtractionError
from pipeline.prompts import Prompt
from pipeline.sinks import ArticleResult, Key, OutputStore
from schemas.article import Article
from schemas.meeting import Meeting
from schemas.record import (
    SCHEMA_VERSION,
    Issue,
    LedgerEntry,
    MeetingRecord,
    Provenance,
    ReviewItem,
    Usage,
)

if TYPE_CHECKING:
    from pipeline.llm import Completion

log = logging.getLogger(__name__)

Extractor = Callable[[list[dict[str, str]], str], "Completion"]


@dataclass
class Summary:
    articles: int = 0
    skipped: int = 0
    unreadable: int = 0
    meetings: int = 0
    flagged: int = 0
    failed: int = 0
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def add(self, result: ArticleResult) -> None:
        self.articles += 1
        self.meetings += result.ledger.meetings
        self.flagged += result.ledger.flagged
        self.failed += int(result.ledger.failed)
        self.usage = self.usage + result.ledger.usage


def _provenance(article: Article, settings: Settings, prompt: Prompt) -> Provenance:
    return Provenance(
        article_id=article.id,
        article_path=article.path,
        model=settings.model,
        prompt_version=prompt.version,
        schema_version=SCHEMA_VERSION,
        extracted_at=dt.datetime.now(dt.UTC),
    )


def key_of(article: Article, settings: Settings, prompt: Prompt) -> Key:
    return (article.id, settings.model, prompt.version, SCHEMA_VERSION)


def process(
    article: Article, prompt: Prompt, extract: Extractor, settings: Settings
) -> ArticleResult:
    """Extract, normalise and check one article; never raises for a model failure."""
    provenance = _provenance(article, settings, prompt)
    started = time.monotonic()
    try:
        completion = extract(prompt.render(article), article.text)
    except ExtractionError as exc:
        provenance = provenance.model_copy(
            update={
                "usage": exc.usage,
                "attempts": max(len(exc.attempts), 1),
                "seconds": round(time.monotonic() - started, 2),
            }
        )
        item = ReviewItem(
            kind="failed_article",
            reasons=[Issue(kind=type(exc).__name__, message=str(exc))],
            provenance=provenance,
            raw_output=exc.attempts[-1].raw_output if exc.attempts else None,
            failed_attempts=exc.attempts,
        )
        ledger = _ledger(provenance, meetings=0, flagged=0, failed=True)
        return ArticleResult(ledger=ledger, review=[item])
    provenance = provenance.model_copy(
        update={
            "usage": completion.usage,
            "attempts": completion.calls,
            "seconds": round(time.monotonic() - started, 2),
        }
    )
    result = ArticleResult(ledger=_ledger(provenance, 0, 0, failed=False))
    found: list[Meeting] = []
    for draft in completion.draft.meetings:
        try:
            found.append(normalise.meeting(draft, article))
        except ValidationError as exc:
            result.review.append(
                ReviewItem(
                    kind="flagged_record",
                    provenance=provenance,
                    raw_output=completion.raw_output,
                    reasons=[Issue(kind="invalid_meeting", message=str(exc)[:1000])],
                    failed_attempts=completion.failed_attempts,
                )
            )
    for index, merged in enumerate(consolidate.meetings(found, article)):
        record_id = f"{article.id[:16]}-{prompt.version}-{index}"
        meeting = align.ground(merged, article)
        issues = checks.run(meeting, article)
        if not completion.validated:
            last = completion.failed_attempts[-1].error if completion.failed_attempts else ""
            issues.append(Issue(kind="failed_validation", message=last[:1000]))
        record = MeetingRecord(id=record_id, meeting=meeting, provenance=provenance, issues=issues)
        if issues:
            result.review.append(
                ReviewItem(
                    kind="flagged_record",
                    reasons=issues,
                    provenance=provenance,
                    record=record,
                    raw_output=completion.raw_output,
                    failed_attempts=completion.failed_attempts,
                )
            )
        else:
            result.records.append(record)
    result.ledger = _ledger(
        provenance, meetings=len(result.records), flagged=len(result.review), failed=False
    )
    return result


def _ledger(provenance: Provenance, meetings: int, flagged: int, failed: bool) -> LedgerEntry:
    return LedgerEntry(
        key=list(provenance.key()),
        article_path=provenance.article_path,
        meetings=meetings,
        flagged=flagged,
        failed=failed,
        finished_at=dt.datetime.now(dt.UTC),
        usage=provenance.usage,
    )


def pending(
    paths: Iterable[Path],
    settings: Settings,
    prompt: Prompt,
    store: OutputStore,
    force: bool,
    summary: Summary,
) -> list[Article]:
    """Readable articles not yet committed (all of them with ``force``)."""
    done = store.done()
    todo: list[Article] = []
    seen: set[str] = set()
    for path in articles.iter_paths(paths):
        try:
            article = articles.load(path)
        except ArticleError as exc:
            summary.unreadable += 1
            summary.problems.append(str(exc))
            log.warning("%s", exc)
            continue
        if article.id in seen:
            continue
        seen.add(article.id)
        if key_of(article, settings, prompt) in done and not force:
            summary.skipped += 1
            continue
        todo.append(article)
    if force:
        store.forget(key_of(a, settings, prompt) for a in todo)
    return todo


def run(
    todo: list[Article],
    prompt: Prompt,
    open_extractor: Callable[[], AbstractContextManager[Extractor]],
    settings: Settings,
    store: OutputStore,
    summary: Summary,
    on_article: Callable[[Article, ArticleResult], None] = lambda a, r: None,
) -> Summary:
    """Process ``todo`` in order, committing each article as soon as it is done."""
    started = time.monotonic()
    try:
        if todo:
            with open_extractor() as extract:
                for article in todo:
                    result = process(article, prompt, extract, settings)
                    store.commit(result)
                    summary.add(result)
                    on_article(article, result)
    finally:
        summary.seconds = time.monotonic() - started
    return summary
