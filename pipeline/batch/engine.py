"""The batch engine: many articles at once, none lost, none twice, nothing paid for twice.

One asyncio loop runs three kinds of task, joined by bounded queues, so memory stays flat
however many articles there are::

    producer ──► todo ──► slots x worker ──► done ──► committer

- the producer walks the inputs (files, pages, dataset rows, standard input:
  ``pipeline.reading.sources``), reads each article and skips what is committed;
- each worker takes the answer from the cache, else asks the endpoint, then runs the stages;
- the committer, the only writer, commits finished articles in groups, in a thread.

The CPU-bound stages (parsing the header, rendering the prompt, normalising, grounding and
checking the answer) run in worker processes (``pipeline.batch.stages``), so the event loop keeps
to the requests. Articles longer than ``settings.chunk_chars`` are asked piece by piece.

- *Concurrency*: ``settings.slots`` workers, each with at most one request in flight; rate
  limits and the pause after a 429 are applied per request by ``pipeline.model.throttle``.
- *Faults*: transport errors are retried in ``pipeline.model.llm``; what outlasts the retries, every
  model fault, and any unexpected error of one article become that article's review item. Only
  errors of the run itself (a replay miss, a busy output directory) stop it.
- *Cache*: an answer is stored (``pipeline.batch.cache``) the moment it arrives, before its
  article's stages run, so a run killed at any later point gets it back for free: a kill
  makes the next run pay again only for the requests that were in flight.
- *Liveness*: no request holds a slot longer than the answer timeout (the throttle's deadline
  covers the whole exchange); nothing is ordered behind a slow article (the committer takes
  articles as they finish, so one hung article holds its own slot and nothing else); and
  after ``settings.stall_warning_s`` without a commit the log says what the run waits for
  (``pipeline.batch.liveness``).
- *Crash safety*: the committer is the only writer (``OutputStore.commit_many``); the store's
  ``recover`` at the start drops whatever a killed run left half-written. The output directory
  is locked for the run.
- *Stopping*: Ctrl-C or SIGTERM cancels the producer and the workers (requests in flight are
  abandoned: their articles are not committed and the next run does them, from the cache when
  the answer had come), commits every finished article, and returns the summary with
  ``interrupted`` set. A second Ctrl-C stops at once; the store stays consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from meetx.pipeline.batch import liveness
from meetx.pipeline.batch.cache import ResponseCache, scope
from meetx.pipeline.batch.liveness import Liveness
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.stages import Stages
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ArticleError, ExtractionError, MeetxError, OutputError
from meetx.pipeline.extraction import chunked, runner
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model import backend
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.reading import sources
from meetx.pipeline.reading.sources import InputOptions, Item
from meetx.schemas.article import Article
from meetx.schemas.record import SCHEMA_VERSION

log = logging.getLogger(__name__)

OpenEndpoint = Callable[[Settings], contextlib.AbstractAsyncContextManager[backend.Endpoint]]
OnArticle = Callable[[Article, ArticleResult], None]
Messages = list[dict[str, str]]


@dataclass(frozen=True)
class _Finished:
    article: Article
    result: ArticleResult
    cached: bool


def run(
    paths: Iterable[Path],
    settings: Settings,
    prompt: Prompt,
    store: OutputStore,
    *,
    force: bool = False,
    open_endpoint: OpenEndpoint = backend.open_endpoint,
    on_article: OnArticle = lambda article, result: None,
    inputs: InputOptions | None = None,
) -> Summary:
    """Process every article under ``paths`` not yet committed; see the module docstring.

    ``inputs`` says how to read them (format, dataset columns, ``--published``); by default
    each file by its suffix or content, within ``settings.max_article_bytes``.
    """
    batch = Batch(settings, prompt, store, open_endpoint, on_article, inputs)
    return asyncio.run(batch.run(list(paths), force))


class Batch:
    def __init__(
        self,
        settings: Settings,
        prompt: Prompt,
        store: OutputStore,
        open_endpoint: OpenEndpoint = backend.open_endpoint,
        on_article: OnArticle = lambda article, result: None,
        inputs: InputOptions | None = None,
    ) -> None:
        self.settings, self.prompt, self.store = settings, prompt, store
        self.open_endpoint, self.on_article = open_endpoint, on_article
        self.inputs = inputs or InputOptions(max_bytes=settings.max_article_bytes)
        self.summary = Summary()
        self.cache: ResponseCache | None = None
        self.liveness = Liveness(settings)

    async def run(self, paths: list[Path], force: bool = False) -> Summary:
        started = time.monotonic()
        try:
            with self.store.lock():
                self.store.recover()
                if force:
                    self._forget(paths)
                done = self.store.done_ids(self.settings.model, self.prompt.version, SCHEMA_VERSION)
                with self._cache():
                    await self._run(paths, done)
        finally:
            self.summary.seconds = time.monotonic() - started
        return self.summary

    @contextlib.contextmanager
    def _cache(self) -> Iterator[None]:
        path = self.settings.cache_path
        if path is None:
            yield
            return
        self.cache = ResponseCache(path, scope(self.settings, self.prompt))
        try:
            yield
        finally:
            self.cache.close()

    def _own_files(self) -> list[Path]:
        """What meetx writes, left out when it lies below an input directory."""
        cache = self.settings.cache_path
        return [self.settings.output_dir, *([cache] if cache else [])]

    def _items(self, paths: list[Path]) -> Iterator[Item | sources.Problem]:
        return sources.iter_inputs(paths, self.inputs, self._own_files())

    def _forget(self, paths: list[Path]) -> None:
        """``--force``: uncommit the articles under ``paths`` (a first pass over them; standard
        input cannot be read twice, so its articles are not forgotten)."""
        keys = set()
        for item in self._items([p for p in paths if p != sources.STDIN]):
            if isinstance(item, sources.Problem):
                continue
            article_id = item.digest().hex()
            if item.is_html:
                try:
                    article_id = sources.to_article(item).id
                except ArticleError:
                    continue
            keys.add((article_id, self.settings.model, self.prompt.version, SCHEMA_VERSION))
        self.store.forget(keys)

    async def _run(self, paths: list[Path], done: set[bytes]) -> None:
        todo: asyncio.Queue[Item | None] = asyncio.Queue(2 * self.settings.slots)
        finished: asyncio.Queue[_Finished | None] = asyncio.Queue(4 * self.settings.slots)
        committer = asyncio.create_task(self._commit(finished))
        run = asyncio.current_task()
        committer.add_done_callback(lambda task: _stop_if_failed(task, run))
        try:
            stages = Stages(self.settings, self.prompt)
            async with self._signals(), self.open_endpoint(self.settings) as endpoint:
                watch = asyncio.create_task(self.liveness.watch(endpoint.traffic))
                try:
                    with stages:
                        async with asyncio.TaskGroup() as group:
                            group.create_task(self._produce(paths, done, todo))
                            for slot in range(self.settings.slots):
                                work = self._work(slot, endpoint, stages, todo, finished, done)
                                group.create_task(work)
                except BaseExceptionGroup as errors:
                    raise _first(errors) from None
                finally:
                    watch.cancel()
                    self.summary.requests = endpoint.traffic.requests
                    self.summary.failed_requests = endpoint.traffic.failed
        except asyncio.CancelledError:
            if not _failed(committer):
                self.summary.interrupted = True
                log.warning("interrupted: committing the finished articles")
        finally:
            await _put_anyway(finished, committer)
            while True:  # the committer finishes whatever happens to this task
                try:
                    await asyncio.shield(committer)  # raises what stopped it, if anything
                    break
                except asyncio.CancelledError:
                    self.summary.interrupted = True

    @contextlib.asynccontextmanager
    async def _signals(self) -> AsyncIterator[None]:
        """SIGTERM stops the run like Ctrl-C (which asyncio already turns into a cancel)."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        try:
            loop.add_signal_handler(signal.SIGTERM, task.cancel if task else lambda: None)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            yield
            return
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    async def _produce(
        self, paths: list[Path], done: set[bytes], todo: asyncio.Queue[Item | None]
    ) -> None:
        """Feed readable articles not yet done; report the rest. ``done`` grows as it goes."""
        for number, item in enumerate(self._items(paths)):
            if isinstance(item, sources.Problem):
                self.summary.problem(item.message)
                await asyncio.sleep(0)
                continue
            digest = item.digest()  # the article's id (a page's own hash)
            if digest in done:  # committed before, or the same text earlier in this run
                self.summary.skipped += 1
                if number % 256 == 0:
                    await asyncio.sleep(0)  # a long run of done rows must not starve the loop
                continue
            done.add(digest)
            await todo.put(item)
        for _ in range(self.settings.slots):
            await todo.put(None)

    async def _work(
        self,
        slot: int,
        endpoint: backend.Endpoint,
        stages: Stages,
        todo: asyncio.Queue[Item | None],
        finished: asyncio.Queue[_Finished | None],
        done: set[bytes],
    ) -> None:
        while (item := await todo.get()) is not None:
            started = time.monotonic()
            self.liveness.doing(slot, item.path, liveness.READING)
            try:
                article, pieces = await stages.read(item)
            except ArticleError as exc:  # a page with no article in it
                self.summary.problem(str(exc))
                self.liveness.idle(slot)
                continue
            except Exception as exc:  # a bug of the stages on this text
                if isinstance(exc, MeetxError):
                    raise
                log.exception("unexpected error reading %s", item.path)
                article = Article(id=item.digest().hex(), path=item.path, text=item.text)
                error = ExtractionError(f"internal error: {type(exc).__name__}: {exc}"[:1000])
                result = runner.finish(article, self.prompt, self.settings, error, 0.0)
                one = _Finished(article, result, cached=False)
            else:
                if item.is_html:  # a page's text is known now: done before, or met in this run?
                    if (digest := bytes.fromhex(article.id)) in done:
                        self.summary.skipped += 1
                        self.liveness.idle(slot)
                        continue
                    done.add(digest)
                one = await self._one(slot, endpoint, stages, article, pieces, started)
            self.liveness.doing(slot, str(item.path), liveness.QUEUED)
            await finished.put(one)
            self.liveness.idle(slot)

    async def _one(
        self,
        slot: int,
        endpoint: backend.Endpoint,
        stages: Stages,
        article: Article,
        pieces: list[Messages],
        started: float,
    ) -> _Finished:
        """One article: its answer from the cache or the endpoint (piece by piece), then the
        stages. Never raises for the article's own faults."""
        self.liveness.doing(slot, article.path, liveness.ASKING)
        answer: Completion | ExtractionError | None = (
            self.cache.get(article.id) if self.cache is not None else None
        )
        cached = answer is not None
        if answer is None:
            try:
                answer = await chunked.aextract(
                    endpoint.extract, self.prompt, article, self.settings.chunk_chars, pieces
                )
            except ExtractionError as exc:
                answer = exc
            except Exception as exc:  # one article's bug must not stop the batch
                if isinstance(exc, MeetxError):
                    raise
                log.exception("unexpected error on %s", article.path)
                answer = ExtractionError(f"unexpected error: {type(exc).__name__}: {exc}")
            else:
                if self.cache is not None:  # before anything else can go wrong
                    await asyncio.to_thread(self.cache.store, article.id, answer)
        seconds = time.monotonic() - started
        self.liveness.doing(slot, article.path, liveness.CHECKING)
        try:
            result = await stages.finish(article, answer, seconds)
        except Exception as exc:
            if isinstance(exc, MeetxError):
                raise
            log.exception("unexpected error in the stages on %s", article.path)
            error = ExtractionError(f"internal error: {type(exc).__name__}: {exc}"[:1000])
            if isinstance(answer, Completion):
                error.usage = answer.usage
            result = runner.finish(article, self.prompt, self.settings, error, seconds)
        return _Finished(article, runner.mark_cached(result) if cached else result, cached)

    def _write(self, articles: list[Article], results: list[ArticleResult]) -> None:
        """In the committer's thread: the articles as read, then their lines, to the store."""
        self.store.save_articles(articles)
        self.store.commit_many(results)

    async def _commit(self, finished: asyncio.Queue[_Finished | None]) -> None:
        """The one writer: commits what is finished, in groups, off the event loop."""
        while True:
            batch = [await finished.get()]
            while not finished.empty():
                batch.append(finished.get_nowait())
            items = [item for item in batch if item is not None]
            if items:
                self.liveness.writing(len(items))
                try:
                    await asyncio.to_thread(
                        self._write, [i.article for i in items], [i.result for i in items]
                    )
                except OSError as exc:
                    where = self.store.directory
                    raise OutputError(f"cannot write to {where}: {exc.strerror or exc}") from exc
                self.liveness.writing(None)
                self.liveness.committed()
                for item in items:
                    self.summary.add(item.result, item.cached)
                    self.on_article(item.article, item.result)
            if None in batch:
                return


async def _put_anyway(
    queue: asyncio.Queue[_Finished | None], committer: asyncio.Task[None]
) -> None:
    """Put the end mark even if the queue is full (while the committer is draining it)."""
    while not committer.done():
        try:
            queue.put_nowait(None)
            return
        except asyncio.QueueFull:
            await asyncio.sleep(0.01)


def _failed(task: asyncio.Task[None]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _stop_if_failed(committer: asyncio.Task[None], run: asyncio.Task[object] | None) -> None:
    """A committer that cannot write stops the run (its workers would wait for it forever)."""
    if _failed(committer) and run is not None:
        run.cancel()


def _first(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report from a task group: a run error before anything else."""
    leaves: list[BaseException] = []

    def walk(group: BaseExceptionGroup[BaseException]) -> None:
        for exc in group.exceptions:
            if isinstance(exc, BaseExceptionGroup):
                walk(exc)
            else:
                leaves.append(exc)

    walk(errors)
    for exc in leaves:
        if isinstance(exc, MeetxError):
            return exc
    return leaves[0]
