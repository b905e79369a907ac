"""Answers already paid for, in SQLite, so that a rerun or a resumed run never pays twice.

An answer is stored the moment it arrives, in a transaction of its own, before its article's
stages run and so before the article is committed: a run killed at any point after that
finds it here next time. What a kill can still make a run pay twice is the requests in flight
at that moment (at most ``settings.slots``): the endpoint may finish and bill them, and their
answers never reached meetx. The key is (endpoint, model, prompt, schema, article id):

- *endpoint*: the server, without credentials, query or port of the embedded model;
- *prompt*: the prompt version plus a fingerprint of its text and of the request settings that
  change an answer (temperature, max tokens, re-asks, grammar), so an edited prompt file or a
  new setting is a miss, never a stale answer;
- *schema*: the record schema version plus a fingerprint of the draft schema the model fills.

Only answers are kept: a failure (transport or model) is tried again by the next run that
asks. SQLite in WAL mode with ``synchronous=NORMAL`` makes each store one transaction that
survives a killed process without an ``fsync`` (a lost power supply may lose the last few);
``--no-cache`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import OutputError
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.model.llm import Completion
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import SCHEMA_VERSION, Attempt, Usage

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    schema TEXT NOT NULL,
    article TEXT NOT NULL,
    completion TEXT NOT NULL,
    stored_at REAL NOT NULL,
    PRIMARY KEY (endpoint, model, prompt, schema, article)
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class Scope:
    """The part of the key that is the same for every article of a run."""

    endpoint: str
    model: str
    prompt: str
    schema: str


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def endpoint_name(settings: Settings) -> str:
    """The endpoint without what varies between identical runs or must stay secret."""
    if settings.embedded:
        return "embedded"
    if settings.base_url is None:
        return "replay"
    url = urlsplit(settings.base_url)
    host = url.hostname or ""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{host}{port}{url.path.rstrip('/')}"


def scope(settings: Settings, prompt: Prompt) -> Scope:
    prompt_text = {
        "system": prompt.system,
        "user": prompt.user.template,
        "examples": [(e.article, e.answer) for e in prompt.examples],
        "input": prompt.input,
        "request": [
            settings.temperature,
            settings.max_tokens,
            settings.max_reasks,
            settings.constrain,
            settings.chunk_chars,
        ],
    }
    return Scope(
        endpoint=endpoint_name(settings),
        model=settings.model,
        prompt=f"{prompt.version}@{_digest(prompt_text)}",
        schema=f"{SCHEMA_VERSION}@{_digest(ArticleDraft.model_json_schema())}",
    )


def dump(completion: Completion) -> str:
    return json.dumps(
        {
            "draft": completion.draft.model_dump(mode="json"),
            "raw_output": completion.raw_output,
            "usage": completion.usage.model_dump(),
            "calls": completion.calls,
            "failed_attempts": [a.model_dump() for a in completion.failed_attempts],
            "validated": completion.validated,
        }
    )


def load(text: str) -> Completion:
    data = json.loads(text)
    return Completion(
        draft=ArticleDraft.model_validate(data["draft"]),
        raw_output=data["raw_output"],
        usage=Usage.model_validate(data["usage"]),
        calls=data["calls"],
        failed_attempts=[Attempt.model_validate(a) for a in data["failed_attempts"]],
        validated=data["validated"],
    )


class ResponseCache:
    """Lookups on one connection (the event loop's thread); stores on another, which the
    engine uses from a worker thread (:meth:`store`, one at a time), so that the event loop
    never waits for a write.

    A cache that cannot be opened stops the run before it starts (:class:`OutputError`); one
    that fails later (disk full, a corrupt file) is turned off with a warning, and the run goes
    on paying for its answers.
    """

    def __init__(self, path: Path, run: Scope) -> None:
        self.path, self.run = path, run
        self.hits = 0
        self.off = False
        self._lock = threading.Lock()  # one writer at a time on the writing connection
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.writer.execute("PRAGMA journal_mode=WAL")
            self.writer.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
            self.writer.execute(_SCHEMA)
            self.writer.commit()
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the response cache {path}: {exc}") from exc

    def _fail(self, exc: sqlite3.Error) -> None:
        log.warning("the response cache %s failed (%s): going on without it", self.path, exc)
        self.off = True

    def _key(self, article_id: str) -> tuple[str, ...]:
        r = self.run
        return (r.endpoint, r.model, r.prompt, r.schema, article_id)

    def get(self, article_id: str) -> Completion | None:
        if self.off:
            return None
        try:
            row = self.db.execute(
                "SELECT completion FROM answers WHERE endpoint=? AND model=? AND prompt=? "
                "AND schema=? AND article=?",
                self._key(article_id),
            ).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        if row is None:
            return None
        try:
            completion = load(row[0])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("ignoring an unreadable cached answer for %s: %s", article_id[:16], exc)
            return None
        self.hits += 1
        return completion

    def store(self, article_id: str, completion: Completion) -> None:
        """Store one answer now, in its own transaction (blocking: call it off the loop)."""
        if self.off:
            return
        with self._lock:
            try:
                row = (*self._key(article_id), dump(completion), time.time())
                with self.writer:
                    self.writer.execute(
                        "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)", row
                    )
            except sqlite3.Error as exc:
                self._fail(exc)

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self.db.close()
            self.writer.close()
