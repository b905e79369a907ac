"""What runs on the Ray cluster: the stages of a run on Ray (``pipeline.batch.cluster``).

Each stage is the local engine's own code, called the same way:

- :func:`read`, a Ray task over a block of inputs: a text file's path (the file is read there,
  with the local engine's checks) or an input the driver read (a dataset's row, a web page,
  standard input: ``reading.sources.Item`` as JSON); drops the articles already committed and
  prepares the rest with ``batch.stages.read`` (a page converted to its text, the header
  parsed, the prompt's pieces rendered);
- :class:`ModelStage`, the class of the actor pool: one endpoint per actor (a client of a shared
  endpoint, or its own embedded llama.cpp server), ``settings.slots`` requests in flight, each
  answer taken from the shared cache first and stored there as soon as it comes;
  ``extraction.chunked.aextract`` asks, exactly as in the local engine;
- :func:`finish`, a Ray task: ``extraction.runner.finish`` (rules, grounding, checks) turns the
  answer into the article's records, review items and ledger line, which the driver commits;
- :class:`CacheService`, the response cache (``batch.cache.ResponseCache``) behind one Ray actor
  that every model actor of the cluster asks (:class:`RayCache`).

Rows cross between stages as Arrow tables of plain columns (:data:`SCHEMA`): the article and
the answer as JSON, never pickled objects, so a row is the same on every node and version of
Python. The stages raise only the errors that stop a run (``MeetxError``, such as a replay
miss or an embedded server that died); an article's own faults become its review item, as in
the local engine. Nothing here imports Ray at import time, so the stages are tested without it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from pydantic import TypeAdapter

from meetx.pipeline.batch import cache as answers
from meetx.pipeline.batch import stages
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ArticleError, ExtractionError, MeetxError, TransportError
from meetx.pipeline.extraction import chunked, runner
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model import backend
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.reading import articles, sources
from meetx.pipeline.reading.sources import Item
from meetx.schemas.article import Article
from meetx.schemas.record import Attempt, LedgerEntry, MeetingRecord, ReviewItem, Usage

log = logging.getLogger(__name__)

OpenEndpoint = Callable[[Settings], contextlib.AbstractAsyncContextManager[backend.Endpoint]]
Row = dict[str, Any]

# kind: "todo" (to extract), "skip" (committed before), "problem" (no article: ``note`` says
# why), "error" (the stages failed on it: ``note``; it is committed as a failed article)
SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("kind", pa.string()),
        ("id", pa.string()),
        ("note", pa.string()),
        ("article", pa.large_string()),  # Article JSON
        ("pieces", pa.large_string()),  # the messages of each piece, JSON
        ("answer", pa.large_string()),  # the Completion, as the response cache stores it
        ("failure", pa.large_string()),  # or the ExtractionError, JSON
        ("seconds", pa.float64()),
        ("cached", pa.bool_()),
        ("requests", pa.int64()),  # requests the actor sent since its last batch (row 0)
        ("failed_requests", pa.int64()),
        ("result", pa.large_string()),  # the ArticleResult, JSON (finish)
    ]
)
_BLANK: Row = {
    "id": "",
    "note": "",
    "article": "",
    "pieces": "",
    "answer": "",
    "failure": "",
    "seconds": 0.0,
    "cached": False,
    "requests": 0,
    "failed_requests": 0,
    "result": "",
}


def row(path: str, kind: str, **values: Any) -> Row:
    return {"path": path, "kind": kind, **_BLANK, **values}


def table(rows: Sequence[Row]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMA)


# ------------------------------------------------------------------ codecs
_ITEM = TypeAdapter(Item)


def encode_item(item: Item) -> str:
    return _ITEM.dump_json(item).decode()


def decode_item(text: str) -> Item:
    return _ITEM.validate_json(text)


_FAILURES = {kind.__name__: kind for kind in (ExtractionError, TransportError)}


def encode_failure(error: ExtractionError) -> str:
    return json.dumps(
        {
            "kind": type(error).__name__,
            "message": str(error),
            "attempts": [a.model_dump(mode="json") for a in error.attempts],
            "usage": error.usage.model_dump(),
        }
    )


def decode_failure(text: str) -> ExtractionError:
    data = json.loads(text)
    kind = _FAILURES.get(data["kind"], ExtractionError)
    attempts = [Attempt.model_validate(a) for a in data["attempts"]]
    return kind(data["message"], attempts=attempts, usage=Usage.model_validate(data["usage"]))


def encode_result(result: ArticleResult) -> str:
    return json.dumps(
        {
            "ledger": result.ledger.model_dump_json(),
            "records": [r.model_dump_json() for r in result.records],
            "review": [i.model_dump_json() for i in result.review],
        }
    )


def decode_result(text: str) -> ArticleResult:
    data = json.loads(text)
    return ArticleResult(
        ledger=LedgerEntry.model_validate_json(data["ledger"]),
        records=[MeetingRecord.model_validate_json(r) for r in data["records"]],
        review=[ReviewItem.model_validate_json(i) for i in data["review"]],
    )


# ------------------------------------------------------------------ read (a Ray task)
class Digests:
    """The ids of the articles committed before, as 32-byte digests sorted in one ``bytes``:
    32 bytes an article, whatever the number, sent to every read task as it is."""

    def __init__(self, digests: set[bytes]) -> None:
        self.blob = b"".join(sorted(digests))

    def __len__(self) -> int:
        return len(self.blob) // 32

    def __getitem__(self, index: int) -> bytes:
        return self.blob[32 * index : 32 * index + 32]

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, bytes) or len(digest) != 32:
            return False
        index = bisect.bisect_left(self, digest)
        return index < len(self) and self[index] == digest


def read(batch: pa.Table, settings: Settings, prompt: Prompt, done: Digests, base: str) -> pa.Table:
    """One row per input: read, skipped if committed (or seen earlier in this block), prepared.

    A relative path is read from ``base`` (the driver's folder) and keeps its name as given,
    the name a local run would put in the provenance.
    """
    seen: set[bytes] = set()
    rows = []
    for path, item in zip(batch.column("path").to_pylist(), _items(batch), strict=True):
        rows.append(_read_one(path, item, settings, prompt, done, seen, Path(base)))
    return table(rows)


def _items(batch: pa.Table) -> list[str | None]:
    """The driver's items (JSON) of a block, None for a path to read here."""
    if "item" not in batch.column_names:
        return [None] * batch.num_rows
    return list(batch.column("item").to_pylist())


def _item(path: str, item: str | None, settings: Settings, base: Path) -> Item:
    """The input of a row (:class:`ArticleError` if its file cannot be read)."""
    if item is not None:
        return decode_item(item)
    return sources.from_text(articles.read_file(base / path, settings.max_article_bytes), path)


def _read_one(
    path: str,
    item_json: str | None,
    settings: Settings,
    prompt: Prompt,
    done: Digests,
    seen: set[bytes],
    base: Path,
) -> Row:
    try:
        item = _item(path, item_json, settings, base)
    except ArticleError as exc:
        return row(path, "problem", note=str(exc))
    digest = item.digest()  # the article's id, or a page's own hash
    if digest in done or digest in seen:
        return row(path, "skip", id=digest.hex())
    seen.add(digest)
    try:
        article, pieces = stages.read(settings, prompt, item)
    except ArticleError as exc:  # a page with no article in it
        return row(path, "problem", note=str(exc))
    except MeetxError:
        raise
    except Exception as exc:  # a bug of the stages on this text: the article fails, not the run
        log.exception("unexpected error reading %s", path)
        article = Article(id=digest.hex(), path=path, text=item.text)
        note = f"internal error: {type(exc).__name__}: {exc}"[:1000]
        return row(path, "error", id=article.id, article=article.model_dump_json(), note=note)
    if item.is_html:  # a page's article is known by its text: committed under another page?
        text_digest = bytes.fromhex(article.id)
        if text_digest in done or text_digest in seen:
            return row(path, "skip", id=article.id)
        seen.add(text_digest)
    return row(
        path, "todo", id=article.id, article=article.model_dump_json(), pieces=json.dumps(pieces)
    )


def ids(batch: pa.Table, settings: Settings, base: str) -> pa.Table:
    """The article id of every readable input (``--force`` uncommits them first)."""
    found = []
    for path, item_json in zip(batch.column("path").to_pylist(), _items(batch), strict=True):
        with contextlib.suppress(ArticleError):
            item = _item(path, item_json, settings, Path(base))
            found.append(sources.to_article(item).id if item.is_html else item.digest().hex())
    return pa.table({"id": pa.array(found, pa.string())})


# ------------------------------------------------------------------ the cache (one actor)
class CacheClient(Protocol):
    """How a model actor reaches the cluster's response cache."""

    async def get_many(self, article_ids: list[str]) -> dict[str, str]: ...

    async def put(self, article_id: str, answer: str) -> None: ...


class CacheService:
    """The run's ``ResponseCache``, in one Ray actor on the driver's node (its file is there).

    Answers cross as the cache's own JSON (``batch.cache.dump``). Every :meth:`put` is one
    SQLite transaction, done before the call returns: an answer a model actor has stored
    survives the actor, its node and the driver.
    """

    def __init__(self, path: Path, scope: answers.Scope) -> None:
        self.cache = answers.ResponseCache(path, scope)

    def get_many(self, article_ids: list[str]) -> dict[str, str]:
        found = {}
        for article_id in article_ids:
            completion = self.cache.get(article_id)
            if completion is not None:
                found[article_id] = answers.dump(completion)
        return found

    def put(self, article_id: str, answer: str) -> None:
        self.cache.store(article_id, answers.load(answer))

    def close(self) -> None:
        self.cache.close()


class RayCache:
    """:class:`CacheClient` over the handle of a :class:`CacheService` actor."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def get_many(self, article_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = await self.handle.get_many.remote(article_ids)
        return found

    async def put(self, article_id: str, answer: str) -> None:
        await self.handle.put.remote(article_id, answer)


# ------------------------------------------------------------------ the model (actor pool)
class ModelStage:
    """One actor of the pool: its own endpoint, opened on the first batch, on the event loop
    Ray Data runs async stages on (one loop per actor, for the actor's life), and kept open:
    for the embedded model that is one llama.cpp server per actor, which dies with it."""

    def __init__(
        self,
        settings: Settings,
        prompt: Prompt,
        cache: CacheClient | None = None,
        open_endpoint: OpenEndpoint = backend.open_endpoint,
    ) -> None:
        self.settings, self.prompt, self.cache = settings, prompt, cache
        self.open_endpoint = open_endpoint
        self._stack = contextlib.AsyncExitStack()
        self._endpoint: backend.Endpoint | None = None
        self._opening = asyncio.Lock()
        self._slots = asyncio.Semaphore(settings.slots)
        self._reported = (0, 0)

    async def _open(self) -> backend.Endpoint:
        async with self._opening:
            if self._endpoint is None:
                context = self.open_endpoint(self.settings)
                self._endpoint = await self._stack.enter_async_context(context)
            return self._endpoint

    async def __call__(self, batch: pa.Table) -> pa.Table:
        rows: list[Row] = batch.to_pylist()
        endpoint = await self._open()
        todo = [r for r in rows if r["kind"] == "todo"]
        found = await self.cache.get_many([r["id"] for r in todo]) if self.cache and todo else {}
        await asyncio.gather(*(self._one(endpoint, r, found.get(r["id"])) for r in todo))
        if rows:  # what went over the wire since the last batch, once
            traffic = endpoint.traffic
            sent, failed = self._reported
            rows[0]["requests"], rows[0]["failed_requests"] = (
                traffic.requests - sent,
                traffic.failed - failed,
            )
            self._reported = (traffic.requests, traffic.failed)
        return table(rows)

    async def _one(self, endpoint: backend.Endpoint, r: Row, cached: str | None) -> None:
        """Fill the row's answer (or failure); never raises for the article's own faults."""
        if cached is not None:
            r["answer"], r["cached"] = cached, True
            return
        async with self._slots:
            started = time.monotonic()
            article = Article.model_validate_json(r["article"])
            pieces = json.loads(r["pieces"])
            try:
                answer = await chunked.aextract(
                    endpoint.extract, self.prompt, article, self.settings.chunk_chars, pieces
                )
            except ExtractionError as exc:
                r["failure"] = encode_failure(exc)
            except MeetxError:
                raise
            except Exception as exc:  # one article's bug must not stop the run
                log.exception("unexpected error on %s", article.path)
                error = ExtractionError(f"unexpected error: {type(exc).__name__}: {exc}")
                r["failure"] = encode_failure(error)
            else:
                r["answer"] = answers.dump(answer)
            r["seconds"] = time.monotonic() - started
            if r["answer"] and self.cache is not None:  # stored before the slot is free: a
                await self.cache.put(r["id"], r["answer"])  # kill loses at most `slots` answers


# ------------------------------------------------------------------ finish (a Ray task)
def finish(batch: pa.Table, settings: Settings, prompt: Prompt) -> pa.Table:
    """The result of every article of the batch; what the driver does not need is dropped (it
    keeps the article, which it stores as a local run does)."""
    rows: list[Row] = batch.to_pylist()
    for r in rows:
        if r["kind"] in ("todo", "error"):
            r["result"] = encode_result(_result(r, settings, prompt))
        r["pieces"] = r["answer"] = r["failure"] = ""
    return table(rows)


def _result(r: Row, settings: Settings, prompt: Prompt) -> ArticleResult:
    article = Article.model_validate_json(r["article"])
    if r["kind"] == "error":
        return runner.finish(article, prompt, settings, ExtractionError(r["note"]), 0.0)
    answer: Completion | ExtractionError = (
        answers.load(r["answer"]) if r["answer"] else decode_failure(r["failure"])
    )
    try:
        result = runner.finish(article, prompt, settings, answer, r["seconds"])
    except MeetxError:
        raise
    except Exception as exc:
        log.exception("unexpected error in the stages on %s", article.path)
        error = ExtractionError(f"internal error: {type(exc).__name__}: {exc}"[:1000])
        if isinstance(answer, Completion):
            error.usage = answer.usage
        result = runner.finish(article, prompt, settings, error, r["seconds"])
    return runner.mark_cached(result) if r["cached"] else result
