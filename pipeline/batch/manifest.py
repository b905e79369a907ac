"""The local record of a provider-batch run: ``<output>/batch.sqlite``.

What ``meetx batch submit`` sent and ``meetx batch collect`` got back, so that each step can
be run again, or after a kill, without sending, paying or writing anything twice:

- ``parts``: one row per batch input file, from ``written`` (the JSONL is on disk) through
  ``uploaded`` (its file id) and ``creating`` (the batch may exist: look for its tag) to the
  provider's statuses (``validating`` ... ``completed``, ``failed``, ``expired``,
  ``cancelled``); ``downloaded`` once its answers are in ``requests``;
- ``requests``: one row per request (``custom_id``, its article, its key): waiting (status
  null), answered (200 and the chat completion) or not (the status and the reason);
- ``live``: answers of follow-ups asked live (``--live-followups``), by key;
- ``articles``: every article sent, and whether it is committed to the output files;
- ``meta``: the settings the requests were built with (``batch.cache.scope``): collecting with
  others would match none of them, so it is refused.

The output files stay the truth of what is committed (``OutputStore``: an article is done when
its ledger line is written); ``articles.done`` only saves looking. SQLite in WAL mode with full
sync: each method is one transaction, whole after a kill.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from meetx.pipeline.errors import BatchError, OutputError
from meetx.pipeline.model.batch_answers import Stored
from meetx.pipeline.model.batch_api import BatchState, Result

FILENAME = "batch.sqlite"
COUNTS = ("articles", "committed", "waiting", "requests_waiting", "answered", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    name TEXT PRIMARY KEY, round INTEGER NOT NULL, path TEXT NOT NULL,
    requests INTEGER NOT NULL, bytes INTEGER NOT NULL, written_at REAL NOT NULL,
    status TEXT NOT NULL, file_id TEXT, batch_id TEXT,
    completed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    output_file_id TEXT, error_file_id TEXT, errors TEXT NOT NULL DEFAULT '',
    downloaded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS requests (
    custom_id TEXT PRIMARY KEY, part TEXT NOT NULL, article TEXT NOT NULL,
    key TEXT NOT NULL, round INTEGER NOT NULL, status INTEGER, body TEXT, reason TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_key ON requests (key);
CREATE INDEX IF NOT EXISTS requests_by_article ON requests (article);
CREATE TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, file TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class Part:
    """One batch input file and the batch made of it."""

    name: str
    round: int
    path: Path
    requests: int
    bytes: int
    written_at: float
    status: str
    file_id: str | None
    batch_id: str | None
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    errors: str
    downloaded: bool

    @property
    def sent(self) -> bool:
        """The provider has it (a batch exists)."""
        return self.status not in ("written", "uploaded", "creating")


def _part(row: tuple[Any, ...]) -> Part:
    names = [f.name for f in fields(Part)]
    values = dict(zip(names, row, strict=True))
    return Part(**{**values, "path": Path(row[2]), "downloaded": bool(row[14])})


@dataclass(frozen=True)
class Request:
    custom_id: str
    key: str
    body: dict[str, object]


class Manifest:
    def __init__(self, directory: Path) -> None:
        self.path = directory / FILENAME
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the batch manifest {self.path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(sql, rows)

    # ---------------------------------------------------------------- settings
    @staticmethod
    def exists(directory: Path) -> bool:
        return (directory / FILENAME).exists()

    def check(self, scope: dict[str, str], first: bool = False) -> None:
        """Note the settings of the first submit (``first``); refuse others afterwards."""
        known = dict(self.db.execute("SELECT name, value FROM meta").fetchall())
        if not known and not first:
            raise BatchError(f"no batches were submitted to {self.path.parent}")
        if not known:
            rows = [*scope.items(), ("run", uuid.uuid4().hex[:12])]
            self._write("INSERT OR IGNORE INTO meta VALUES (?, ?)", rows)
            return
        differ = [f"{k} {known.get(k)!r}, not {v!r}" for k, v in scope.items() if known.get(k) != v]
        if differ:
            raise BatchError(
                f"{self.path} holds batches built with other settings ({'; '.join(differ)}): "
                "collect them with the settings they were submitted with, or use another --output"
            )

    @property
    def run(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'run'").fetchone()
        return str(row[0]) if row else "none"

    # ---------------------------------------------------------------- parts
    def next_part(self, round: int) -> str:
        (count,) = self.db.execute("SELECT COUNT(*) FROM parts").fetchone()
        return f"p{count + 1:05}-r{round}"

    def add_part(
        self,
        name: str,
        round: int,
        path: Path,
        size: int,
        requests: list[tuple[str, Request]],
        articles: list[tuple[str, str, str]],
    ) -> None:
        """A written input file, its requests (article id, request) and its articles (id, path
        as given, absolute path), at once."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO parts (name, round, path, requests, bytes, written_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?, 'written')",
                (name, round, str(path), len(requests), size, time.time()),
            )
            self.db.executemany(
                "INSERT INTO requests (custom_id, part, article, key, round) "
                "VALUES (?, ?, ?, ?, ?)",
                [(r.custom_id, name, article, r.key, round) for article, r in requests],
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO articles (id, path, file) VALUES (?, ?, ?)", articles
            )

    def parts(self) -> list[Part]:
        rows = self.db.execute(
            "SELECT name, round, path, requests, bytes, written_at, status, file_id, batch_id, "
            "completed, failed, output_file_id, error_file_id, errors, downloaded "
            "FROM parts ORDER BY name"
        ).fetchall()
        return [_part(row) for row in rows]

    def set_status(self, name: str, status: str, file_id: str | None = None) -> None:
        """``uploaded`` (with its file id) or ``creating``."""
        self._write(
            "UPDATE parts SET status = ?, file_id = COALESCE(?, file_id) WHERE name = ?",
            [(status, file_id, name)],
        )

    def set_state(self, name: str, state: BatchState) -> None:
        """What the provider says of the part's batch."""
        self._write(
            "UPDATE parts SET batch_id = ?, status = ?, completed = ?, failed = ?, "
            "output_file_id = ?, error_file_id = ?, errors = ? WHERE name = ?",
            [
                (
                    state.id,
                    state.status,
                    state.completed,
                    state.failed,
                    state.output_file_id,
                    state.error_file_id,
                    state.errors,
                    name,
                )
            ],
        )

    def resolve(self, part: Part, results: Iterable[Result], unanswered: str) -> int:
        """Store a finished batch's answers and errors; its requests without either get
        ``unanswered`` as their reason. Marks the part downloaded; returns the answers."""
        rows = self.db.execute("SELECT custom_id FROM requests WHERE part = ?", (part.name,))
        ours = {row[0] for row in rows}
        answered = 0
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for result in results:
                if result.custom_id not in ours:
                    continue
                body = json.dumps(result.body) if result.body is not None else None
                answered += result.status == 200
                self.db.execute(
                    "UPDATE requests SET status = ?, body = ?, reason = ? "
                    "WHERE custom_id = ? AND (status IS NULL OR status != 200)",
                    (result.status, body, result.reason, result.custom_id),
                )
            self.db.execute(
                "UPDATE requests SET status = 0, reason = ? WHERE part = ? AND status IS NULL",
                (unanswered, part.name),
            )
            self.db.execute("UPDATE parts SET downloaded = 1 WHERE name = ?", (part.name,))
        return answered

    # ---------------------------------------------------------------- answers
    def lookup(self, key: str) -> Stored | None:
        """What the batches (or an earlier live follow-up) hold for the request ``key``."""
        row = self.db.execute(
            "SELECT r.status, r.body, r.reason, p.batch_id FROM requests r JOIN parts p "
            "ON r.part = p.name WHERE r.key = ? AND r.status IS NOT NULL "
            "ORDER BY r.status = 200 DESC LIMIT 1",
            (key,),
        ).fetchone()
        if row is not None:
            body = json.loads(row[1]) if row[1] is not None else None
            return Stored(row[0], body, row[2], row[3])
        live = self.db.execute("SELECT body FROM live WHERE key = ?", (key,)).fetchone()
        return Stored(200, json.loads(live[0])) if live is not None else None

    def keep_live(self, key: str, body: dict[str, object]) -> None:
        self._write("INSERT OR REPLACE INTO live VALUES (?, ?)", [(key, json.dumps(body))])

    # ---------------------------------------------------------------- articles
    def known(self) -> set[bytes]:
        """The ids of every article sent, as 32-byte digests."""
        return {bytes.fromhex(row[0]) for row in self.db.execute("SELECT id FROM articles")}

    def ready(self) -> Iterator[tuple[str, str, str]]:
        """(id, path, absolute path) of the articles not done whose every request is answered
        or failed."""
        rows = self.db.execute(
            "SELECT a.id, a.path, a.file FROM articles a WHERE a.done = 0 AND NOT EXISTS "
            "(SELECT 1 FROM requests r WHERE r.article = a.id AND r.status IS NULL) ORDER BY a.id"
        ).fetchall()
        yield from rows

    def sent_for(self, article: str) -> tuple[int, int]:
        """How many requests an article has had, and its last round."""
        count, last = self.db.execute(
            "SELECT COUNT(*), COALESCE(MAX(round), 0) FROM requests WHERE article = ?", (article,)
        ).fetchone()
        return int(count), int(last)

    def forget(self, ids: Iterable[str]) -> None:
        """Articles to be sent again: their requests and answers go (``submit --redo-failed``)."""
        rows = [(i,) for i in ids]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM requests WHERE article = ?", rows)
            self.db.executemany("DELETE FROM articles WHERE id = ?", rows)

    def mark_done(self, ids: Iterable[str]) -> None:
        self._write("UPDATE articles SET done = 1 WHERE id = ?", [(i,) for i in ids])

    def counts(self) -> dict[str, int]:
        """Articles sent, committed and waiting; requests waiting, answered and failed."""
        articles, done = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(done), 0) FROM articles"
        ).fetchone()
        waiting, answered, failed = self.db.execute(
            "SELECT COALESCE(SUM(status IS NULL), 0), COALESCE(SUM(status = 200), 0), "
            "COALESCE(SUM(status != 200), 0) FROM requests"
        ).fetchone()
        return {
            "articles": articles,
            "committed": done,
            "waiting": articles - done,
            "requests_waiting": waiting,
            "answered": answered,
            "failed": failed,
        }
