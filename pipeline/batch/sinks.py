"""The output directory: ``meetings.jsonl``, ``review.jsonl``, ``ledger.jsonl``, ``articles/``.

An article is *committed* when its ledger line is written, after its meeting and review lines.
Each line is written whole by one ``write`` and flushed to disk. :meth:`OutputStore.recover`
runs before every batch and removes what a crash left behind: a partial last line, and lines of
an article whose ledger line never came. So a rerun neither loses nor duplicates an article,
and it skips every article already committed for the same model, prompt and schema version.

Commits are serialised: one writer at a time (the batch engine has a single committer, and
:meth:`OutputStore.lock` keeps a second meetx process out of the same directory).
:meth:`OutputStore.commit_many` commits several articles with one ``fsync`` per file: all their
meeting and review lines first, then all their ledger lines, so the rule above still holds.
Reading the files for :meth:`recover` and :meth:`done_ids` streams them line by line.

``articles/<first two hex digits>/<article id>.json`` holds each committed article as it was
read (``schemas.Article``: the text every offset refers to, and its metadata), written before
its lines; the id is the text's sha256, so a file is written once and never changes. The
review, the report and re-extraction read articles from there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from meetx.pipeline.errors import OutputBusy
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.schemas.article import Article
from meetx.schemas.record import MeetingRecord, ReviewItem

log = logging.getLogger(__name__)

Key = tuple[str, ...]
ARTICLES = "articles"


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
        self.articles = directory / ARTICLES

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the directory for one run; another process gets :class:`OutputBusy`.

        An ``flock`` on ``.lock``: the kernel releases it when the process dies, even by SIGKILL.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputBusy(f"another meetx run is writing to {self.directory}") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def done(self) -> set[Key]:
        """Keys (article id, model, prompt version, schema version) already committed."""
        return {k for line in _lines(self.ledger) if (k := _key_of(line)) is not None}

    def done_ids(
        self, model: str, prompt_version: str, schema_version: str, failed: bool = False
    ) -> set[bytes]:
        """Ids of the articles committed for this model, prompt and schema, as 32-byte digests
        (``failed``: only those committed as failed).

        Compact (about 80 bytes an article), so that resuming a large run stays small.
        An HTML page's own sha256 is among them too, so that a rerun skips the page unread.
        """
        ids: set[bytes] = set()
        for line in _lines(self.ledger):
            key = _key_of(line)
            if key is None or key[1:] != (model, prompt_version, schema_version):
                continue
            if not failed or line.get("failed") is True:
                for digest in (key[0], line.get("page_sha256")):
                    if isinstance(digest, str):
                        with contextlib.suppress(ValueError):
                            ids.add(bytes.fromhex(digest))
        return ids

    def recover(self) -> int:
        """Drop partial lines and lines of uncommitted articles; return how many were dropped."""
        dropped = self._drop_uncommitted()
        if dropped:
            log.warning("recovered from an interrupted run: dropped %d uncommitted lines", dropped)
        return dropped

    def _drop_uncommitted(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        dropped = self._rewrite(self.ledger, lambda k: True)
        done = self.done()
        for path in (self.meetings, self.review):
            dropped += self._rewrite(path, lambda k: k in done)
        return dropped

    def forget(self, keys: Iterable[Key]) -> None:
        """Uncommit articles (for ``--force``) and remove their lines."""
        gone = set(keys)
        if gone:
            self._rewrite(self.ledger, lambda k: k not in gone)
            self._drop_uncommitted()

    def commit(self, result: ArticleResult) -> None:
        self.commit_many([result])

    def article_file(self, article_id: str) -> Path:
        return self.articles / article_id[:2] / f"{article_id}.json"

    def save_articles(self, articles: Iterable[Article]) -> None:
        """Store articles before their lines are committed (a file once written stays)."""
        for article in articles:
            path = self.article_file(article.id)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                fh.write(article.model_dump_json())
                _sync(fh)
            os.replace(tmp, path)

    def article(self, article_id: str) -> Article | None:
        """The stored article of this id, or None (not stored, unreadable, or not this text)."""
        path = self.article_file(article_id)
        try:
            article = Article.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None
        digest = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        return article if article.id == article_id == digest else None

    def commit_many(self, results: list[ArticleResult]) -> None:
        """Commit articles together: their meeting and review lines, then their ledger lines."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._append(self.meetings, [r for result in results for r in result.records])
        self._append(self.review, [r for result in results for r in result.review])
        self._append(self.ledger, [result.ledger for result in results])

    def _append(self, path: Path, items: Iterable[BaseModel]) -> None:
        text = "".join(item.model_dump_json() + "\n" for item in items)
        if not text:
            return
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    def _rewrite(self, path: Path, keep: Callable[[Key], bool]) -> int:
        """Keep whole, parseable lines whose key passes ``keep``; atomic replace if any go.

        Streams the file into a temporary one, which replaces it only if a line was dropped.
        """
        if not path.exists():
            return 0
        tmp = path.with_suffix(path.suffix + ".tmp")
        dropped = 0
        with (
            path.open(encoding="utf-8", errors="replace") as src,
            tmp.open("w", encoding="utf-8") as dst,
        ):
            for line in src:
                if _keeps(line, keep):
                    dst.write(line)
                else:
                    dropped += 1
            if dropped:
                _sync(dst)
        if dropped:
            os.replace(tmp, path)
        else:
            tmp.unlink()
        return dropped

    def review_items(self) -> list[ReviewItem]:
        return [ReviewItem.model_validate(line) for line in _lines(self.review)]

    def records(self) -> list[MeetingRecord]:
        return [MeetingRecord.model_validate(line) for line in _lines(self.meetings)]


def _keeps(line: str, keep: Callable[[Key], bool]) -> bool:
    if not line.endswith("\n"):
        return False
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError:
        return False
    key = _key_of(parsed) if isinstance(parsed, dict) else None
    return key is not None and keep(key)


def _sync(fh: IO[str]) -> None:
    fh.flush()
    os.fsync(fh.fileno())
