"""Review of flagged records: decisions appended to ``decisions.jsonl``, never rewrites.

``review.jsonl`` is only read. Each of its lines is an :class:`Item` with an id (the flagged
record's id, or ``<article>-<prompt>-failed`` / ``-invalid`` for lines without a record) and a
fingerprint (a hash of the line), and each decision names both, so a decision taken on one
extraction never applies to a later extraction of the same article (``extract --force``).

A decision is written first; for ``accept`` and ``edit`` the record then joins
``meetings.jsonl`` with ``reviewed: true`` (and the issues the reviewer accepted, if any).
:meth:`ReviewLog.repair` re-appends such a record if a crash came between the two writes, so
the two files always agree after the next command. Decisions already taken are skipped when a
review starts again: an item is *pending* until it has an accept, edit, reject or requeue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.errors import ArticleError, ReviewError, UnknownItem
from meetx.pipeline.reading import articles
from meetx.pipeline.workflow.review_edit import Assignment, apply_changes, describe
from meetx.schemas.article import Article
from meetx.schemas.record import Issue, MeetingRecord, Provenance, ReviewItem
from meetx.schemas.review import FINAL, Action, Decision

log = logging.getLogger(__name__)

DECISIONS = "decisions.jsonl"


@dataclass(frozen=True)
class Item:
    """One line of ``review.jsonl`` with its id and fingerprint."""

    id: str
    fingerprint: str
    review: ReviewItem

    @property
    def record(self) -> MeetingRecord | None:
        return self.review.record

    @property
    def provenance(self) -> Provenance:
        return self.review.provenance

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.fingerprint)


def fingerprint(line: str) -> str:
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:16]


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.endswith("\n") and line.strip():
                yield line


def _append(path: Path, items: Sequence[BaseModel]) -> None:
    """Append whole lines with one write, then fsync (the same discipline as the sinks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(item.model_dump_json() + "\n" for item in items))
        fh.flush()
        os.fsync(fh.fileno())


def load_article(
    provenance: Provenance, articles_dir: Path | None = None, store: OutputStore | None = None
) -> Article:
    """The article a record was read from: as the output ``store`` keeps it (its text and
    metadata), else read again from its path, else its file name in ``articles_dir``.

    Raises :class:`ReviewError` when the file is gone or its text changed since extraction.
    """
    stored = store.article(provenance.article_id) if store is not None else None
    if stored is not None:
        return stored
    candidates = [Path(provenance.article_path)]
    if articles_dir is not None:
        candidates.append(articles_dir / Path(provenance.article_path).name)
    for path in candidates:
        try:
            article = articles.load(path)
        except ArticleError:
            continue
        if article.id == provenance.article_id:
            return article
        log.warning("%s has changed since it was extracted", path)
    raise ReviewError(
        f"cannot find the text of {provenance.article_path} as it was extracted "
        "(run from the directory of the extraction, or pass --articles DIR)"
    )


class ReviewLog:
    """Review items of an output directory, and the decisions taken on them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = OutputStore(directory)
        self.path = directory / DECISIONS

    # ------------------------------------------------------------ reading
    def items(self) -> list[Item]:
        found: list[Item] = []
        counts: dict[str, int] = {}
        for line in _lines(self.store.review):
            try:
                review = ReviewItem.model_validate_json(line)
            except ValueError:
                log.warning("skipping an unreadable line of %s", self.store.review)
                continue
            if review.record is not None:
                item_id = review.record.id
            else:
                p = review.provenance
                what = "failed" if review.kind == "failed_article" else "invalid"
                base = f"{p.article_id[:16]}-{p.prompt_version}-{what}"
                counts[base] = counts.get(base, 0) + 1
                item_id = base if counts[base] == 1 else f"{base}-{counts[base]}"
            found.append(Item(item_id, fingerprint(line), review))
        return found

    def decisions(self) -> list[Decision]:
        return [Decision.model_validate_json(line) for line in _lines(self.path)]

    def final(self) -> dict[tuple[str, str], Decision]:
        """The decision that settled each item (the last final one)."""
        return {(d.item_id, d.fingerprint): d for d in self.decisions() if d.action in FINAL}

    def pending(self) -> list[Item]:
        settled = self.final()
        return [item for item in self.items() if item.key not in settled]

    def find(self, item_id: str) -> Item:
        """The item with this id, or the one item whose id starts with it."""
        items = self.items()
        exact = [i for i in items if i.id == item_id]
        matches = exact or [i for i in items if i.id.startswith(item_id)]
        if not matches:
            raise UnknownItem(f"no review item {item_id!r} in {self.store.review}")
        ids = sorted({i.id for i in matches})
        if len(ids) > 1:
            raise UnknownItem(f"{item_id!r} is ambiguous: {', '.join(ids)}")
        settled = self.final()
        open_ = [i for i in matches if i.key not in settled]
        return open_[-1] if open_ else matches[-1]

    def decision_for(self, item: Item) -> Decision | None:
        return self.final().get(item.key)

    # ------------------------------------------------------------ deciding
    def _decide(
        self, item: Item, action: Action, who: str, why: str | None, **fields: object
    ) -> Decision:
        earlier = self.decision_for(item)
        if earlier is not None:
            raise ReviewError(
                f"{item.id} was already decided: {earlier.action} by {earlier.who} "
                f"at {earlier.at:%Y-%m-%d %H:%M}"
            )
        decision = Decision.model_validate(
            {
                "item_id": item.id,
                "fingerprint": item.fingerprint,
                "action": action,
                "who": who,
                "at": dt.datetime.now(dt.UTC),
                "why": why,
                "article_id": item.provenance.article_id,
                "article_path": item.provenance.article_path,
                "before": item.record,
                **fields,
            }
        )
        _append(self.path, [decision])
        if decision.after is not None:
            _append(self.store.meetings, [decision.after])
        return decision

    def accept(self, item: Item, who: str, why: str | None = None) -> Decision:
        """The record as flagged joins ``meetings.jsonl``, reviewed, with its issues kept."""
        if item.record is None:
            raise ReviewError(f"{item.id} has no record to accept ({item.review.kind})")
        after = item.record.model_copy(update={"reviewed": True})
        return self._decide(item, Action.accept, who, why, after=after)

    def preview_edit(
        self, item: Item, assignments: Sequence[Assignment], article: Article
    ) -> tuple[MeetingRecord, list[Issue]]:
        """The edited record and the issues the checks still find; nothing is written."""
        if item.record is None:
            raise ReviewError(f"{item.id} has no record to edit ({item.review.kind})")
        meeting, issues = apply_changes(item.record.meeting, assignments, article)
        record = item.record.model_copy(
            update={"meeting": meeting, "issues": issues, "reviewed": True}
        )
        return record, issues

    def edit(
        self,
        item: Item,
        assignments: Sequence[Assignment],
        article: Article,
        who: str,
        why: str | None = None,
    ) -> Decision:
        """Validate the edited record like an extraction, then it joins ``meetings.jsonl``."""
        after, _ = self.preview_edit(item, assignments, article)
        assert item.record is not None  # preview_edit refuses items without one
        changes = describe(item.record.meeting, assignments)
        return self._decide(item, Action.edit, who, why, after=after, changes=changes)

    def reject(self, item: Item, who: str, why: str) -> Decision:
        if not why.strip():
            raise ReviewError("a rejection needs a reason (--why)")
        return self._decide(item, Action.reject, who, why)

    def requeue(self, item: Item, who: str, note: str, why: str | None = None) -> Decision:
        """Ask for the article to be extracted again with ``note`` added to the prompt."""
        if not note.strip():
            raise ReviewError("a re-extraction needs a note for the model (--note)")
        return self._decide(item, Action.requeue, who, why, note=note.strip())

    def record(self, decision: Decision) -> None:
        """Append a decision made elsewhere (re-extraction results)."""
        _append(self.path, [decision])

    # ------------------------------------------------------------ consistency
    def repair(self) -> int:
        """Append reviewed records whose decision was written but whose line never came."""
        present = {item.key for item in self.items()}
        kept = {
            (r.id, json.dumps(r.model_dump(mode="json"), sort_keys=True))
            for r in self.store.records()
            if r.reviewed
        }
        missing = [
            d.after
            for d in self.final().values()
            if d.after is not None
            and (d.item_id, d.fingerprint) in present
            and (d.after.id, json.dumps(d.after.model_dump(mode="json"), sort_keys=True))
            not in kept
        ]
        if missing:
            log.warning("restoring %d reviewed record(s) to meetings.jsonl", len(missing))
            _append(self.store.meetings, missing)
        return len(missing)
