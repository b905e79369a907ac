"""``meetx batch collect``: the batches' answers through everything a live answer goes through.

One pass (``--wait``: passes until nothing waits):

1. every batch sent and not finished is asked how it stands (``manifest.set_state``);
2. every finished batch not yet downloaded: its output and error files are downloaded to
   ``<output>/batches/`` and stored in the manifest; a request with neither an answer nor an
   error line gets the batch's reason (failed, expired, cancelled);
3. every article whose requests are all answered or failed is run through the live path:
   ``stages.prepare``, ``chunked.aextract`` over ``batch_answers.Asker.extract`` (instructor's
   validation of each answer, the pieces joined, the second pass), ``stages.finish``
   (``runner.finish``: rules, grounding, checks) and committed by ``OutputStore`` with the
   batch price in its provenance. An article whose requests failed in the batch becomes a
   ``failed_article`` with the provider's reason, as a live error would;
4. an article that needs another request (a re-ask after a validation error, a second pass)
   goes into a follow-up batch (sent at the end of the pass), or, with ``live_followups``, is
   asked live at once.

Follow-ups are batched by default: they cost half as much too and keep to the batch rate
limits, and at temperature 0 a re-ask or a second pass is needed by few articles (one seed in
five), which then wait for one more batch. ``--live-followups`` finishes every article in one
collect, at the live price for the follow-ups.

Committing exactly once: ``OutputStore.recover`` first, then every article already in the
ledger is skipped, so a collect run twice, or after a kill at any point, writes nothing twice;
answers are in the manifest before any article uses them, so none is downloaded or paid for
again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from meetx.pipeline.batch.batches import download, refresh, send_pending
from meetx.pipeline.batch.manifest import Manifest, Part, Request
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.stages import Stages
from meetx.pipeline.batch.submit import Parts, custom_id, scope
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import (
    ArticleError,
    BatchError,
    ExtractionError,
    MeetxError,
    NotInBatch,
)
from meetx.pipeline.extraction import chunked, runner
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model import backend
from meetx.pipeline.model.batch_answers import Asker
from meetx.pipeline.model.batch_api import BatchAPI
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.reading import articles, sources
from meetx.pipeline.reading.sources import Item
from meetx.schemas.article import Article
from meetx.schemas.record import SCHEMA_VERSION, Provenance, Usage

log = logging.getLogger(__name__)

MAX_ROUNDS = 8  # follow-up batches per article: more means the requests are not reproducible
GROUP = 64  # articles committed together (one fsync per file)
OnArticle = Callable[[str, ArticleResult | None], None]
Messages = list[dict[str, str]]
Answer = Completion | ExtractionError | list[NotInBatch]


@dataclass
class Collected:
    """What a collect did, and where things stand."""

    summary: Summary = field(default_factory=Summary)  # the articles committed
    batch_usage: Usage = field(default_factory=Usage)
    live_usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None  # at the batch prices (and live ones for live follow-ups)
    live_cost_usd: float | None = None  # what the same tokens cost asked live
    downloaded: list[Part] = field(default_factory=list)
    followups: int = 0  # articles sent to a follow-up batch
    sent: list[Part] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)  # every part, as it stands at the end
    waiting: int = 0  # articles not committed yet


def _add(total: float | None, more: float | None) -> float | None:
    return more if total is None else total if more is None else round(total + more, 6)


def _stamp(result: ArticleResult, cost: float | None, batch_ids: list[str]) -> ArticleResult:
    """The same result, its provenance priced at the batch prices and naming its batches."""

    def priced(provenance: Provenance) -> Provenance:
        return provenance.model_copy(update={"cost_usd": cost, "batch_ids": batch_ids})

    return ArticleResult(
        ledger=result.ledger.model_copy(update={"cost_usd": cost}),
        records=[r.model_copy(update={"provenance": priced(r.provenance)}) for r in result.records],
        review=[i.model_copy(update={"provenance": priced(i.provenance)}) for i in result.review],
    )


def _internal(exc: Exception) -> ExtractionError:
    return ExtractionError(f"internal error: {type(exc).__name__}: {exc}"[:1000])


def _first(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to report from a task group: ours before anything else."""
    leaves = list(_leaves(errors))
    return next((e for e in leaves if isinstance(e, MeetxError)), leaves[0])


def _leaves(errors: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for exc in errors.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc


class _Collect:
    def __init__(
        self,
        settings: Settings,
        prompt: Prompt,
        store: OutputStore,
        api: BatchAPI,
        live_followups: bool,
        on_article: OnArticle,
    ) -> None:
        self.settings, self.prompt, self.store, self.api = settings, prompt, store, api
        self.live_followups, self.on_article = live_followups, on_article
        self.manifest = Manifest(settings.output_dir)
        self.batch_prices = settings.batch_pricing()
        self.done = Collected()
        self.pending: list[ArticleResult] = []

    def _item(self, article_id: str, path: str, file: str) -> Item | None:
        """The article as it was sent: stored by ``submit`` (a dataset's row, a page: with the
        metadata it was read with), or its text file read again; None: it waits."""
        stored = self.store.article(article_id)
        if stored is not None:
            return sources.item_of(stored)
        text = self._text(article_id, path, file)
        return None if text is None else Item(path, text)

    def _text(self, article_id: str, path: str, file: str) -> str | None:
        """The article's text as it was sent, or None (then it waits, with a reason)."""
        try:
            text = articles.read_text(Path(file), self.settings.max_article_bytes)
        except ArticleError as exc:
            self.done.summary.problem(f"{exc}: it waits for its file to come back")
            return None
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != article_id:
            self.done.summary.problem(f"{path} changed since it was submitted: it waits")
            return None
        return text

    async def _answer(
        self, asker: Asker, article: Article, pieces: list[list[dict[str, str]]]
    ) -> Answer:
        """The article's answer through the live path, or the requests it still needs."""
        if len(pieces) > 1 and not self.live_followups:
            # every piece's re-ask at once, rather than one follow-up batch per piece
            misses: list[NotInBatch] = []
            for messages in pieces:
                mark = asker.mark()
                try:
                    await asker.extract(messages, article.text)
                except NotInBatch as miss:
                    misses.append(miss)
                except ExtractionError as exc:  # this piece failed: so does the article
                    asker.begin(mark)
                    return exc
            if misses:
                return misses
            asker.begin()
        try:
            return await chunked.aextract(
                asker.extract, self.prompt, article, self.settings.chunk_chars, pieces
            )
        except NotInBatch as miss:
            return [miss]
        except ExtractionError as exc:
            return exc

    def _follow_up(self, parts: Parts, article: Article, misses: list[NotInBatch]) -> bool:
        """Queue an article's missing requests; False when it had its last round."""
        count, last = self.manifest.sent_for(article.id)
        if last >= MAX_ROUNDS:
            return False
        keys: dict[str, NotInBatch] = {miss.key: miss for miss in misses}
        requests = [
            Request(custom_id(article.id, count + n), miss.key, miss.body)
            for n, miss in enumerate(keys.values())
        ]
        parts.add(article.id, article.path, requests, round=last + 1)
        self.done.followups += 1
        return True

    async def _one(
        self, asker: Asker, stages: Stages, parts: Parts, row: tuple[str, str, str]
    ) -> ArticleResult | None:
        article_id, path, file = row
        started = time.monotonic()
        item = self._item(article_id, path, file)
        if item is None:
            return None
        text = item.text
        try:
            article, pieces = await stages.read(item)
        except Exception as exc:  # a bug of the stages on this text: its review item
            if isinstance(exc, MeetxError):
                raise
            log.exception("unexpected error reading %s", path)
            article = Article(id=article_id, path=path, text=text)
            return runner.finish(article, self.prompt, self.settings, _internal(exc), 0.0)
        asker.begin()
        answer = await self._answer(asker, article, pieces)
        if isinstance(answer, list):
            if self._follow_up(parts, article, answer):
                return None
            answer = ExtractionError(f"no answer after {MAX_ROUNDS} follow-up batches")
        try:
            result = await stages.finish(article, answer, time.monotonic() - started)
        except Exception as exc:
            if isinstance(exc, MeetxError):
                raise
            log.exception("unexpected error in the stages on %s", path)
            result = runner.finish(article, self.prompt, self.settings, _internal(exc), 0.0)
        batch, live, ids = asker.usage()
        self.done.batch_usage = self.done.batch_usage + batch
        self.done.live_usage = self.done.live_usage + live
        cost = _add(runner.cost(batch, self.batch_prices), runner.cost(live, self.settings))
        self.done.cost_usd = _add(self.done.cost_usd, cost)
        self.done.live_cost_usd = _add(
            self.done.live_cost_usd, runner.cost(batch + live, self.settings)
        )
        return _stamp(result, cost, ids)

    def commit(self) -> None:
        """Commit the finished articles (the only writer: one event loop, one thread)."""
        if not self.pending:
            return
        group, self.pending = self.pending, []
        self.store.commit_many(group)
        self.manifest.mark_done(result.ledger.key[0] for result in group)
        for result in group:
            self.done.summary.add(result)

    async def _work(
        self, queue: asyncio.Queue[tuple[str, str, str]], stages: Stages, parts: Parts
    ) -> None:
        asker = Asker(
            self.settings,
            self.manifest.lookup,
            backend.throttled(self.settings, backend.network(self.settings))
            if self.live_followups
            else None,
            self.manifest.keep_live,
        )
        try:
            while not queue.empty():
                row = queue.get_nowait()
                result = await self._one(asker, stages, parts, row)
                self.on_article(row[1], result)
                if result is not None:
                    self.pending.append(result)
                    if len(self.pending) >= GROUP:
                        self.commit()
        finally:
            await asker.aclose()

    async def finish_ready(self) -> None:
        """Every article that has its answers, through the live path to the output files."""
        done = self.store.done_ids(self.settings.model, self.prompt.version, SCHEMA_VERSION)
        queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
        already = []
        for row in self.manifest.ready():
            if bytes.fromhex(row[0]) in done:
                already.append(row[0])  # committed by a collect killed before noting it
            else:
                queue.put_nowait(row)
        self.manifest.mark_done(already)
        if queue.empty():
            return
        parts = Parts(self.manifest, self.settings)
        try:
            with Stages(self.settings, self.prompt) as stages:
                workers = min(self.settings.slots, max(queue.qsize(), 1))
                async with asyncio.TaskGroup() as group:
                    for _ in range(workers):
                        group.create_task(self._work(queue, stages, parts))
        except BaseExceptionGroup as errors:
            raise _first(errors) from None
        finally:
            self.commit()
        parts.close()
        await send_pending(self.api, self.manifest, self.done.sent.append)

    def outstanding(self) -> bool:
        """A batch is still running, or finished and not yet read."""
        return any(not p.downloaded for p in self.manifest.parts())

    async def run(self, wait: bool, poll_s: float, on_wait: Callable[[Collected], None]) -> None:
        self.manifest.check(scope(self.settings, self.prompt))
        await send_pending(self.api, self.manifest, self.done.sent.append)
        while True:
            await refresh(self.api, self.manifest)
            self.done.downloaded += await download(
                self.api, self.manifest, self.settings.output_dir
            )
            await self.finish_ready()
            self.done.parts = self.manifest.parts()
            self.done.waiting = self.manifest.counts()["waiting"]
            if not (wait and self.done.waiting and self.outstanding()):
                return
            on_wait(self.done)
            await asyncio.sleep(poll_s)


async def collect(
    settings: Settings,
    prompt: Prompt,
    store: OutputStore,
    api: BatchAPI,
    *,
    live_followups: bool = False,
    wait: bool = False,
    poll_s: float = 60.0,
    on_article: OnArticle = lambda path, result: None,
    on_wait: Callable[[Collected], None] = lambda collected: None,
) -> Collected:
    """Collect every finished batch into the output files (see the module doc)."""
    if not Manifest.exists(settings.output_dir):
        raise BatchError(
            f"no batches were submitted to {settings.output_dir} (meetx batch submit first)"
        )
    with store.lock():
        store.recover()
        job = _Collect(settings, prompt, store, api, live_followups, on_article)
        try:
            await job.run(wait, poll_s, on_wait)
        finally:
            job.manifest.close()
    return job.done
