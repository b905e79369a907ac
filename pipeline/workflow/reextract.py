"""Extract a requeued article again, with the reviewer's note added to the prompt.

The messages are the prompt's own (``Prompt.render``) followed by one more user message that
carries the note. The prompt version becomes ``<version>+note-<hash of the notes>``, so the new
records have ids of their own, the ledger keeps both runs apart, and a later requeue of the
same article with another note is another run. The article then goes through the same path as
any extraction (the batch engine of ``meetx extract``: normalise, ground, check) and is
committed to the output store: clean records to ``meetings.jsonl``, flagged ones to
``review.jsonl`` for review. A ``reextracted`` decision names the records it gave.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.workflow.review import ReviewLog, load_article
from meetx.schemas.article import Article
from meetx.schemas.review import Action, Decision

log = logging.getLogger(__name__)

NOTE_INTRO = (
    "A reviewer read your answer for this article and sends it back with this note. "
    "Answer again, for the same article, following the note:\n\n"
)


@dataclass(frozen=True)
class NotedPrompt(Prompt):
    """A prompt whose messages end with the reviewer's note."""

    note: str = ""

    def render(self, article: Article) -> list[dict[str, str]]:
        messages = super().render(article)
        messages.append({"role": "user", "content": NOTE_INTRO + self.note})
        return messages


def with_note(prompt: Prompt, note: str) -> NotedPrompt:
    digest = hashlib.sha256(note.encode("utf-8")).hexdigest()[:8]
    fields = {f.name: getattr(prompt, f.name) for f in dataclasses.fields(prompt)}
    fields["version"] = f"{prompt.version}+note-{digest}"
    return NotedPrompt(**fields, note=note)


def requeued(review: ReviewLog) -> list[Decision]:
    """Requeue decisions not yet followed by a re-extraction."""
    decisions = review.decisions()
    done = {(d.item_id, d.fingerprint) for d in decisions if d.action is Action.reextracted}
    return [
        d
        for d in decisions
        if d.action is Action.requeue and (d.item_id, d.fingerprint) not in done
    ]


OnArticle = Callable[[Article, ArticleResult], None]
Batch = Callable[[list[Path], Prompt, OnArticle], object]
"""Extract these articles with this prompt and commit them, calling back for each one."""


def _collect(into: list[ArticleResult], article: Article, result: ArticleResult) -> None:
    into.append(result)


def run(
    review: ReviewLog, prompt: Prompt, batch: Batch, who: str, articles_dir: Path | None = None
) -> list[Decision]:
    """Re-extract every requeued article (one run per article, its notes together).

    ``batch`` is the extraction path of ``meetx extract`` (the CLI passes the batch engine);
    it commits each article to the output store and reports its result.
    """
    by_article: dict[str, list[Decision]] = {}
    for decision in requeued(review):
        by_article.setdefault(decision.article_id, []).append(decision)
    items = {i.id: i for i in review.items()}
    written: list[Decision] = []
    for decisions in by_article.values():
        first = decisions[0]
        provenance = first.before.provenance if first.before else None
        if provenance is None and first.item_id in items:
            provenance = items[first.item_id].provenance
        if provenance is None:
            log.warning("no provenance for %s; skipped", first.item_id)
            continue
        article = load_article(provenance, articles_dir, review.store)
        note = "\n".join(f"- {d.note}" for d in decisions if d.note)
        results: list[ArticleResult] = []
        stored = review.store.article_file(article.id)  # its text and metadata as extracted
        source = stored if stored.exists() else Path(article.path)
        batch([source], with_note(prompt, note), partial(_collect, results))
        records = [r for result in results for r in result.records]
        flagged = [i for result in results for i in result.review]
        produced = [r.id for r in records] + [i.record.id for i in flagged if i.record is not None]
        for d in decisions:
            done = Decision(
                item_id=d.item_id,
                fingerprint=d.fingerprint,
                action=Action.reextracted,
                who=who,
                at=dt.datetime.now(dt.UTC),
                note=d.note,
                article_id=d.article_id,
                article_path=d.article_path,
                produced=produced,
                why=f"{len(records)} clean, {len(flagged)} flagged"
                + ("" if results else " (the extraction did not finish)"),
            )
            review.record(done)
            written.append(done)
    return written
