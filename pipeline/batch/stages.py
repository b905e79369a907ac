"""The CPU-bound stages of a batch, in worker processes so that they use every core.

Converting a page (``trafilatura``), parsing an article's header (``dateparser``) and detecting
its language, rendering its prompt (``pipeline.reading.clean``)
and normalising, grounding and checking the model's answer (``pipeline.extraction.runner.finish``)
cost a few milliseconds of CPU per article, as much as the HTTP and instructor work of the event
loop; in one process they would cap a batch at one core. :class:`Stages` runs them in a
``ProcessPoolExecutor`` of ``settings.stage_workers`` processes (inline when 0, as for the
embedded model, which is slower than any of this by far).

Workers are forked from a ``forkserver`` that has imported the pipeline once (a plain fork
would copy the locks of the caller's threads, such as the progress bar's). They ignore Ctrl-C,
which the engine handles, and each gets the settings and the prompt once, at start.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, TypeVar

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ExtractionError, WorkerCrashed
from meetx.pipeline.extraction import runner
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.reading import sources
from meetx.pipeline.reading.sources import Item
from meetx.schemas.article import Article
from meetx.schemas.record import Attempt, Usage

Messages = list[dict[str, str]]
T = TypeVar("T")
_state: tuple[Settings, Prompt] | None = None  # in a worker: what _start gave it


@dataclass(frozen=True)
class _Failure:
    """An :class:`ExtractionError` as it crosses to a worker (exceptions pickle their args only)."""

    kind: type[ExtractionError]
    message: str
    attempts: list[Attempt]
    usage: Usage

    def error(self) -> ExtractionError:
        return self.kind(self.message, attempts=self.attempts, usage=self.usage)


def prepare(
    settings: Settings, prompt: Prompt, text: str, path: str
) -> tuple[Article, list[Messages]]:
    """The article of a text and the messages for each piece of it (one piece for most)."""
    return read(settings, prompt, Item(path, text))


def read(settings: Settings, prompt: Prompt, item: Item) -> tuple[Article, list[Messages]]:
    """:func:`prepare` for any input (``reading.sources``): an HTML page becomes its main text;
    :class:`ArticleError` if a page holds no article."""
    article = sources.to_article(item)
    return article, prompt.render_chunks(article, settings.chunk_chars)


def finish(
    settings: Settings,
    prompt: Prompt,
    article: Article,
    answer: Completion | _Failure,
    seconds: float,
) -> ArticleResult:
    outcome = answer.error() if isinstance(answer, _Failure) else answer
    return runner.finish(article, prompt, settings, outcome, seconds)


def _start(settings: Settings, prompt: Prompt, run: int) -> None:
    """A worker's first act: die with the run, leave Ctrl-C to it, keep what it needs."""
    threading.Thread(target=_exit_with, args=(run,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _state
    _state = (settings, prompt)


def _exit_with(run: int) -> None:
    """Exit when process ``run`` does.

    A killed run (SIGKILL) cannot stop its workers, which would wait for work forever, holding
    its pipes and the forkserver (which lives as long as a worker does).
    """
    try:
        pidfd = os.pidfd_open(run)  # Linux >= 5.3: readable when the run ends
        select.select([pidfd], [], [])
    except OSError:  # no pidfd: ask every second
        while True:
            try:
                os.kill(run, 0)
            except ProcessLookupError:
                break
            time.sleep(1)
    os._exit(0)


def _read_in_worker(item: Item) -> tuple[Article, list[Messages]]:
    assert _state is not None
    return read(*_state, item)


def _finish_in_worker(
    article: Article, answer: Completion | _Failure, seconds: float
) -> ArticleResult:
    assert _state is not None
    return finish(*_state, article, answer, seconds)


class Stages:
    """``await stages.prepare(...)`` and ``await stages.finish(...)``, in workers or inline."""

    def __init__(self, settings: Settings, prompt: Prompt) -> None:
        self.settings, self.prompt = settings, prompt
        self.workers = settings.stage_workers
        self.pool: Executor | None = None
        if self.workers == 0:
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["meetx.pipeline.batch.stages"])
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start,
            initargs=(settings, prompt, os.getpid()),
        )

    async def _call(self, function: Any, *args: Any) -> Any:
        assert self.pool is not None
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.pool, partial(function, *args)
            )
        except BrokenProcessPool as exc:
            raise WorkerCrashed(f"a stage worker process died: {exc}") from exc

    async def prepare(self, text: str, path: str) -> tuple[Article, list[Messages]]:
        """The article (header parsed) and the messages of each of its pieces."""
        return await self.read(Item(path, text))

    async def read(self, item: Item) -> tuple[Article, list[Messages]]:
        """:meth:`prepare` for any input: a page converted, a row's metadata taken."""
        if self.pool is None:
            return read(self.settings, self.prompt, item)
        result: tuple[Article, list[Messages]] = await self._call(_read_in_worker, item)
        return result

    async def finish(
        self, article: Article, answer: Completion | ExtractionError, seconds: float
    ) -> ArticleResult:
        """``runner.finish`` for one article."""
        if self.pool is None:
            return runner.finish(article, self.prompt, self.settings, answer, seconds)
        sent: Completion | _Failure = (
            answer
            if isinstance(answer, Completion)
            else _Failure(type(answer), str(answer), answer.attempts, answer.usage)
        )
        result: ArticleResult = await self._call(_finish_in_worker, article, sent, seconds)
        return result

    def __enter__(self) -> Stages:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
