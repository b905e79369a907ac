"""``meetx batch submit``: the requests a live run would send, as provider batches.

For every article of the inputs that is neither committed nor already sent (read as
``meetx extract`` reads them: text files, HTML pages, a dataset's rows, ``reading.sources``),
the article is read and stored (``articles/``, which ``collect`` reads it back from) and the
prompt rendered as for a live run (``stages.read``: one piece, or several for a long
article), and each piece's request is built by the live code itself
(``model.batch_answers.Asker.request``). The requests go into JSONL input files (``Parts``),
one ``custom_id`` per request (``<article id>-<n>``), an article's requests always in the same
file, each file within ``settings.batch_max_requests`` and ``settings.batch_max_bytes``. Each
file, once written, is noted in the manifest (``batch.manifest``), uploaded and made a batch
(``batches.send``); a step a kill interrupted is taken again by the next ``submit`` or
``collect``, and a batch created but not noted is found again by its tag, not made twice.
Follow-up batches (``batch.collect``) are written and sent the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from meetx.pipeline.batch import cache, stages
from meetx.pipeline.batch.batches import FOLDER, OnPart, send_pending
from meetx.pipeline.batch.manifest import Manifest, Part, Request
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ArticleError, ConfigError, ExtractionError, MeetxError
from meetx.pipeline.extraction import runner
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model.batch_answers import Asker
from meetx.pipeline.model.batch_api import BatchAPI, request_line
from meetx.pipeline.reading import sources
from meetx.pipeline.reading.sources import InputOptions, Item, Problem
from meetx.schemas.article import Article
from meetx.schemas.record import SCHEMA_VERSION

log = logging.getLogger(__name__)

OnArticle = Callable[[str], None]


def scope(settings: Settings, prompt: Prompt) -> dict[str, str]:
    """What the requests were built with (the answer cache's scope): collect must match it."""
    found = cache.scope(settings, prompt)
    return {"endpoint": found.endpoint, "model": found.model, "prompt": found.prompt}


def custom_id(article_id: str, n: int) -> str:
    return f"{article_id[:32]}-{n}"


@dataclass
class Parts:
    """Input files being written: an article's requests go whole into the current file, which
    is closed (and noted in the manifest) first when they would take it over a limit."""

    manifest: Manifest
    settings: Settings
    round: int = 0
    closed: list[str] = field(default_factory=list)
    _lines: list[bytes] = field(default_factory=list)
    _requests: list[tuple[str, Request]] = field(default_factory=list)
    _articles: list[tuple[str, str, str]] = field(default_factory=list)
    _bytes: int = 0

    def add(self, article: str, path: str, requests: list[Request], round: int = 0) -> bool:
        """Queue an article's requests; True when that closed the file before them."""
        lines = [request_line(r.custom_id, r.body) for r in requests]
        size = sum(len(line) for line in lines)
        limits = self.settings.batch_max_requests, self.settings.batch_max_bytes
        if len(lines) > limits[0] or size > limits[1]:
            raise ConfigError(
                f"{path}: {len(lines)} request(s) of {size:,} bytes do not fit in one batch "
                f"(MEETX_BATCH_MAX_REQUESTS {limits[0]:,}, MEETX_BATCH_MAX_BYTES {limits[1]:,})"
            )
        full = len(self._lines) + len(lines) > limits[0] or self._bytes + size > limits[1]
        if full:
            self.close()
        self.round = max(self.round, round)
        self._lines += lines
        self._bytes += size
        self._requests += [(article, r) for r in requests]
        self._articles.append((article, path, str(Path(path).absolute())))
        return full

    def __len__(self) -> int:
        return len(self._lines)

    def close(self) -> None:
        """Write the current file and note it with its requests (nothing if it is empty)."""
        if not self._lines:
            return
        name = self.manifest.next_part(self.round)
        folder = self.manifest.path.parent / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.jsonl"
        with path.open("wb") as fh:
            fh.write(b"".join(self._lines))
            fh.flush()
            os.fsync(fh.fileno())
        self.manifest.add_part(name, self.round, path, self._bytes, self._requests, self._articles)
        self.closed.append(name)
        self._lines, self._requests, self._articles, self._bytes = [], [], [], 0
        self.round = 0


@dataclass
class Submitted:
    """What ``submit`` did."""

    summary: Summary = field(default_factory=Summary)  # failed articles, unreadable, skipped
    articles: int = 0
    requests: int = 0
    parts: list[Part] = field(default_factory=list)  # the parts sent by this run
    redone: int = 0  # articles committed as failed before, sent again (--redo-failed)


def _failed(
    settings: Settings, prompt: Prompt, text: str, path: str, exc: Exception
) -> ArticleResult:
    article = Article(id=hashlib.sha256(text.encode()).hexdigest(), path=path, text=text)
    error = ExtractionError(f"internal error: {type(exc).__name__}: {exc}"[:1000])
    return runner.finish(article, prompt, settings, error, 0.0)


class _Submit:
    def __init__(
        self, settings: Settings, prompt: Prompt, store: OutputStore, api: BatchAPI
    ) -> None:
        self.settings, self.prompt, self.store, self.api = settings, prompt, store, api
        self.done = Submitted()
        self.manifest = Manifest(settings.output_dir)
        self.asker = Asker(settings)
        self.parts = Parts(self.manifest, settings)

    def _read(self, paths: Iterable[Path], quiet: bool = False) -> Iterator[Item]:
        """Every article of the inputs, as ``meetx extract`` reads them (``reading.sources``:
        text files, pages, a dataset's rows)."""
        settings = self.settings
        own = [settings.output_dir, *([settings.cache_path] if settings.cache_path else [])]
        options = InputOptions(max_bytes=settings.max_article_bytes)
        for item in sources.iter_inputs(paths, options, own):
            if isinstance(item, Problem):
                if not quiet:
                    self.done.summary.problem(item.message)
                continue
            yield item

    def redo_failed(self, paths: Iterable[Path]) -> None:
        """Uncommit and forget the articles under ``paths`` that were committed as failed
        (an expired request, a failed batch ...), so that they are sent again."""
        settings = self.settings
        failed = self.store.done_ids(settings.model, self.prompt.version, SCHEMA_VERSION, True)
        ids = set()
        for item in self._read(paths, quiet=True):
            digest = item.digest()
            if digest in failed:
                ids.add(digest.hex())
        keys = [(i, settings.model, self.prompt.version, SCHEMA_VERSION) for i in ids]
        self.store.forget(keys)
        self.manifest.forget(ids)
        self.done.redone = len(ids)

    def _texts(self, paths: Iterable[Path]) -> Iterator[Item]:
        """Readable articles neither committed nor sent (nor met before in this run)."""
        settings, summary = self.settings, self.done.summary
        skip = self.store.done_ids(settings.model, self.prompt.version, SCHEMA_VERSION)
        skip |= self.manifest.known()
        for item in self._read(paths):
            digest = item.digest()
            if digest in skip:
                summary.skipped += 1
                continue
            skip.add(digest)
            yield item

    async def _requests(self, item: Item) -> tuple[Article, list[Request]] | None:
        """The article and its requests, or None when the stages fail on it (then it is
        committed as failed, as a live run does) or a page holds no article. The article is
        stored (``articles/``) for ``collect``: a dataset's row has no file of its own."""
        try:
            article, pieces = stages.read(self.settings, self.prompt, item)
        except ArticleError as exc:  # a page with no article in it: one line, as extract
            self.done.summary.problem(str(exc))
            return None
        except Exception as exc:  # a bug of the stages on this text: its review item
            if isinstance(exc, MeetxError):
                raise
            log.exception("unexpected error reading %s", item.path)
            result = _failed(self.settings, self.prompt, item.text, item.path, exc)
            self.store.commit(result)
            self.done.summary.add(result)
            return None
        self.store.save_articles([article])
        requests = []
        for n, messages in enumerate(pieces):
            key, body = await self.asker.request(messages, article.text)
            requests.append(Request(custom_id(article.id, n), key, body))
        return article, requests

    async def run(
        self, paths: list[Path], on_article: OnArticle, on_part: OnPart, redo_failed: bool
    ) -> None:
        def sent(part: Part) -> None:
            self.done.parts.append(part)
            on_part(part)

        self.manifest.check(scope(self.settings, self.prompt), first=True)
        await send_pending(self.api, self.manifest, sent)  # what a killed run left
        if redo_failed:
            self.redo_failed(paths)
        for item in self._texts(paths):
            on_article(item.path)
            found = await self._requests(item)
            if found is None:
                continue
            article, requests = found
            if self.parts.add(article.id, article.path, requests):
                await send_pending(self.api, self.manifest, sent)
            self.done.articles += 1
            self.done.requests += len(requests)
        self.parts.close()
        await send_pending(self.api, self.manifest, sent)

    async def aclose(self) -> None:
        await self.asker.aclose()
        self.manifest.close()


async def submit(
    paths: Iterable[Path],
    settings: Settings,
    prompt: Prompt,
    store: OutputStore,
    api: BatchAPI,
    *,
    on_article: OnArticle = lambda path: None,
    on_part: OnPart = lambda part: None,
    redo_failed: bool = False,
) -> Submitted:
    """Send every article under ``paths`` not committed nor sent yet (see the module doc);
    ``redo_failed``: and those committed as failed (expired, a failed batch ...), again.

    Holds the output directory (``OutputStore.lock``) meanwhile. Interrupted, it keeps what it
    wrote whole: the articles of the file being written are sent by the next ``submit``.
    """
    with store.lock():
        store.recover()
        job = _Submit(settings, prompt, store, api)
        try:
            await job.run(list(paths), on_article, on_part, redo_failed)
        finally:
            await job.aclose()
    return job.done
