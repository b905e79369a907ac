"""One article through the stages: its answer (or failure) into records and review items.

The runner knows no network: :func:`finish` is handed the answer itself (or the error that
came instead), which is how the batch engine (``pipeline.batch.engine``) calls it once an answer
has come from the endpoint or the cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ExtractionError
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.grounding import align, checks
from meetx.pipeline.rules import normalise, registry
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting
from meetx.schemas.record import (
    SCHEMA_VERSION,
    Issue,
    LedgerEntry,
    MeetingRecord,
    Provenance,
    ReviewItem,
    Usage,
)

if TYPE_CHECKING:
    from meetx.pipeline.model.llm import Completion


@dataclass
class ArticleResult:
    """Everything one article produced, committed together (by ``batch.sinks.OutputStore``)."""

    ledger: LedgerEntry
    records: list[MeetingRecord] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)


def _provenance(article: Article, settings: Settings, prompt: Prompt) -> Provenance:
    return Provenance(
        article_id=article.id,
        article_path=article.path,
        source_id=article.source_id,
        url=article.url,
        lang=article.lang,
        lang_source=article.lang_source,
        published=article.published,
        published_source=article.published_source,
        model=settings.model,
        prompt_version=prompt.version,
        schema_version=SCHEMA_VERSION,
        extracted_at=dt.datetime.now(dt.UTC),
    )


def finish(
    article: Article,
    prompt: Prompt,
    settings: Settings,
    answer: Completion | ExtractionError,
    seconds: float,
) -> ArticleResult:
    """Normalise, ground and check the model's answer for one article; never raises for it."""
    provenance = _provenance(article, settings, prompt)
    if isinstance(answer, ExtractionError):
        exc = answer
        provenance = provenance.model_copy(
            update={
                "usage": exc.usage,
                "cost_usd": cost(exc.usage, settings),
                "attempts": max(len(exc.attempts), 1),
                "seconds": round(seconds, 2),
            }
        )
        item = ReviewItem(
            kind="failed_article",
            reasons=[Issue(kind=type(exc).__name__, message=str(exc))],
            provenance=provenance,
            raw_output=exc.attempts[-1].raw_output if exc.attempts else None,
            failed_attempts=exc.attempts,
        )
        ledger = _ledger(provenance, meetings=0, flagged=0, failed=True, article=article)
        return ArticleResult(ledger=ledger, review=[item])
    completion = answer
    provenance = provenance.model_copy(
        update={
            "usage": completion.usage,
            "cost_usd": cost(completion.usage, settings),
            "attempts": completion.calls,
            "seconds": round(seconds, 2),
        }
    )
    result = ArticleResult(ledger=_ledger(provenance, 0, 0, failed=False, article=article))
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
    for index, merged in enumerate(registry.apply(found, article, settings.rules_off)):
        record_id = f"{article.id[:16]}-{prompt.version}-{index}"
        meeting = align.ground(merged, article)
        # An answer that failed validation after every re-ask is kept (see llm._salvage):
        # the checks flag the meetings at fault (a name the text never gives), not the others.
        issues = checks.run(meeting, article)
        record = MeetingRecord(id=record_id, meeting=meeting, provenance=provenance, issues=issues)
        if checks.errors(issues):  # warnings stay on the clean record
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
        provenance, len(result.records), len(result.review), failed=False, article=article
    )
    return result


def cost(usage: Usage, settings: Settings) -> float | None:
    """USD for ``usage`` at the configured prices, or None when no price is configured."""
    if not (settings.price_in_per_mtok or settings.price_out_per_mtok):
        return None
    paid = usage.prompt_tokens * settings.price_in_per_mtok
    paid += usage.completion_tokens * settings.price_out_per_mtok
    return round(paid / 1e6, 6)


def mark_cached(result: ArticleResult) -> ArticleResult:
    """The same result, its provenance saying the answer came from the cache."""

    def cached(provenance: Provenance) -> Provenance:
        return provenance.model_copy(update={"cached": True})

    return ArticleResult(
        ledger=result.ledger,
        records=[r.model_copy(update={"provenance": cached(r.provenance)}) for r in result.records],
        review=[i.model_copy(update={"provenance": cached(i.provenance)}) for i in result.review],
    )


def _ledger(
    provenance: Provenance, meetings: int, flagged: int, failed: bool, article: Article
) -> LedgerEntry:
    return LedgerEntry(
        key=list(provenance.key()),
        article_path=provenance.article_path,
        source_id=article.source_id,
        page_sha256=article.page_sha256,
        meetings=meetings,
        flagged=flagged,
        failed=failed,
        finished_at=dt.datetime.now(dt.UTC),
        usage=provenance.usage,
        cost_usd=provenance.cost_usd,
    )
