"""The engine's orderings: nothing waits behind a slow article, and an answer is kept before
anything can lose it (issue 15)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.stages import Stages
from meetx.pipeline.errors import ExtractionError
from meetx.pipeline.model.backend import Endpoint
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.model.throttle import Traffic
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import Usage
from tests.unit.test_runner import PROMPT, TEXT, draft

SLOW = "Reference slow."


class HeldBack:
    """Answers every article at once, but the one that says ``SLOW`` only once all the
    others are committed (or after ``limit_s``, which fails the test)."""

    def __init__(self, others: int, limit_s: float = 60.0) -> None:
        self.others, self.limit_s = others, limit_s
        self.committed: list[str] = []
        self.all_others_in = asyncio.Event()

    def on_article(self, article, result) -> None:
        self.committed.append(Path(article.path).name)
        if len(self.committed) == self.others:
            self.all_others_in.set()

    async def __call__(self, messages, text) -> Completion:
        answer = draft()
        if SLOW in text:
            try:
                await asyncio.wait_for(self.all_others_in.wait(), self.limit_s)
            except TimeoutError:
                raise ExtractionError("held back behind the others: they waited for it") from None
        return Completion(answer, answer.model_dump_json(), Usage(total_tokens=5), calls=1)

    @contextlib.asynccontextmanager
    async def open(self, settings):
        self.all_others_in = asyncio.Event()  # on the run's own loop
        yield Endpoint(self, Traffic())


def articles(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    (folder / "000-slow.txt").write_text(TEXT + "\n" + SLOW + "\n")
    for i in range(1, n):
        (folder / f"{i:03}.txt").write_text(TEXT + f"\nReference {i}.\n")


def test_a_slow_article_holds_back_nobody_but_itself(tmp_path: Path, settings):
    """The first article of 20 is answered only after the 19 others are committed: were
    commits ordered (or the slots shared with it), the run would wait for it for 60 s and
    it would fail."""
    articles(tmp_path / "in", 20)
    fake = HeldBack(others=19)
    settings = settings.model_copy(update={"workers": 0, "concurrency": 4})
    store = OutputStore(settings.output_dir)
    summary = engine.run(
        [tmp_path / "in"],
        settings,
        PROMPT,
        store,
        open_endpoint=fake.open,
        on_article=fake.on_article,
    )
    assert summary.failed == 0 and summary.articles == 20
    assert fake.committed[-1] == "000-slow.txt" and len(fake.committed) == 20


def test_an_answer_is_in_the_cache_before_its_stages_run(tmp_path: Path, settings, monkeypatch):
    """So that a run killed while the answer is checked, queued or committed, even by
    SIGKILL, gets it back without paying for it again."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    seen: list[bool] = []
    finish = Stages.finish

    async def checking(self, article, answer, seconds):
        path = settings.output_dir / "cache.sqlite"
        with contextlib.closing(sqlite3.connect(path)) as db:  # another connection
            rows = db.execute("SELECT completion FROM answers WHERE article=?", (article.id,))
            stored = [ArticleDraft.model_validate(json.loads(r[0])["draft"]) for r in rows]
        seen.append(stored == [answer.draft])
        return await finish(self, article, answer, seconds)

    monkeypatch.setattr(Stages, "finish", checking)

    class Once:
        async def __call__(self, messages, text):
            answer = draft()
            return Completion(answer, answer.model_dump_json(), Usage(total_tokens=5), calls=1)

        @contextlib.asynccontextmanager
        async def open(self, settings):
            yield Endpoint(self, Traffic())

    settings = settings.model_copy(update={"workers": 0})
    engine.run(
        [folder], settings, PROMPT, OutputStore(settings.output_dir), open_endpoint=Once().open
    )
    assert seen == [True]
