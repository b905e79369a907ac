"""The output directory: ``meetings.jsonl``, ``review.jsonl`` and ``ledger.jsonl``.

An article is *committed* when its ledger line is written, after its meeting and review lines.
Each line is written whole by one ``write`` and flushed to disk. :meth:`OutputStore.recover`
runs before every batch and removes what a crash left behind: a partial last line, and lines of
an article whose ledger line never came. So a rerun neither loses nor duplicates an article,
and it skips every article already committed for the same model, prompt and schema version.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from schemas.record import LedgerEntry, MeetingRecord, ReviewItem

log = logging.getLogger(__name__)

Key = tuple[str, ...]


@dataclass
class ArticleResult:
    """Everything one article produced, committed together."""

    ledger: LedgerEntry
    records: list[MeetingRecord] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)


def _lines(path: Path) -> Iterator[dict[str, object]]:
    """Parsed lines of a JSONL file; a partial or corrupt line is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def _key_of(line: dict[str, object]) -> Key | None:
    provenance = line.get("provenance")
    if isinstance(provenance, dict):
        return (
            str(provenance.get("article_id")),
            str(provenance.get("model")),
            str(provenance.get("prompt_version")),
            str(provenance.get("schema_version")),
        )
    key = line.get("key")
    return tuple(str(k) for k in key) if isinstance(key, list) else None


class OutputStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.meetings = directory / "meetings.jsonl"
        self.review = directory / "review.jsonl"
        self.ledger = directory / "ledger.jsonl"

    def done(self) -> set[Key]:
        """Keys (article id, model, prompt version, schema version) already committed."""
        return {k for line in _lines(self.ledger) if (k := _key_of(line)) is not None}

    def recover(self) -> int:
        """Drop partial lines and lines of uncommitted articles; return how many were dropped."""
        self.directory.mkdir(parents=True, exist_ok=True)
        done = self.done()
        dropped = self._rewrite(self.ledger, lambda k: True)
        for path in (self.meetings, self.review):
            dropped += self._rewrite(path, lambda k: k in done)
        if dropped:
            log.warning("recovered from an interrupted run: dropped %d uncommitted lines", dropped)
        return dropped

    def forget(self, keys: Iterable[Key]) -> None:
        """Uncommit articles (for ``--force``): their lines go at the next :meth:`recover`."""
        gone = set(keys)
        self._rewrite(self.ledger, lambda k: k not in gone)
        self.recover()

    def commit(self, result: ArticleResult) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._append(self.meetings, result.records)
        self._append(self.review, result.review)
        self._append(self.ledger, [result.ledger])

    def _append(self, path: Path, items: Iterable[BaseModel]) -> None:
        text = "".join(item.model_dump_json() + "\n" for item in items)
        if not text:
            return
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    def _rewrite(self, path: Path, keep: Callable[[Key], bool]) -> int:
        """Keep whole, parseable lines whose key passes ``keep``; atomic replace if any go."""
        if not path.exists():
            return 0
        raw = path.read_text(encoding="utf-8")
        kept: list[str] = []
        for line in raw.splitlines(keepends=True):
            try:
                parsed = json.loads(line) if line.endswith("\n") else None
            except json.JSONDecodeError:
                parsed = None
            key = _key_of(parsed) if isinstance(parsed, dict) else None
            if key is not None and keep(key):
                kept.append(line)
        dropped = len(raw.splitlines(keepends=True)) - len(kept)
        if dropped:
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text("".join(kept), encoding="utf-8")
            os.replace(tmp, path)
        return dropped

    def review_items(self) -> list[ReviewItem]:
        return [ReviewItem.model_validate(line) for line in _lines(self.review)]

    def records(self) -> list[MeetingRecord]:
        return [MeetingRecord.model_validate(line) for line in _lines(self.meetings)]
