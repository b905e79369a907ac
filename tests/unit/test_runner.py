"""The runner and the batch engine with a fake extractor: no network, no model."""

import contextlib
import json
from pathlib import Path

import pytest

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.config import PROMPTS_DIR
from meetx.pipeline.errors import ExtractionError, ReplayMiss
from meetx.pipeline.extraction import runner
from meetx.pipeline.extraction.prompts import load
from meetx.pipeline.model.backend import Endpoint
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.model.throttle import Traffic
from meetx.pipeline.reading import articles
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import SCHEMA_VERSION, Attempt, Usage
from tests.conftest import bangkok_meeting, person

PROMPT = load(PROMPTS_DIR)
TEXT = (
    "Published: May 5, 2020\n\nForeign Minister Ann Lee met her Thai counterpart, "
    "Somchai Wong, in Bangkok on Monday. They agreed to open a consulate.\n"
)


def draft(name: str = "Somchai Wong", meetings: int = 1) -> ArticleDraft:
    people = [
        person("Ann Lee", "Foreign Minister", "Singapore"),
        person(name, None, "Thailand"),
    ]
    meeting = bangkok_meeting(1, people, outcomes=[2])
    return ArticleDraft.model_validate({"meetings": [meeting] * meetings})


class FakeExtractor:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self, messages, text):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return Completion(answer, answer.model_dump_json(), Usage(total_tokens=5), calls=1)

    @contextlib.asynccontextmanager
    async def open(self, settings):
        yield Endpoint(self, Traffic())


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "a.txt"
    path.parent.mkdir()
    path.write_text(TEXT)
    return path


def batch(paths, settings, fake, force=False):
    if settings.workers is None:  # the stages inline: no worker processes to start
        settings = settings.model_copy(update={"workers": 0})
    store = OutputStore(settings.output_dir)
    summary = engine.run(paths, settings, PROMPT, store, force=force, open_endpoint=fake.open)
    return store, summary


def test_clean_meeting_is_written_with_resolved_values(article_file, settings):
    store, summary = batch([article_file], settings, FakeExtractor(draft()))
    (record,) = store.records()
    assert record.meeting.date.isoformat() == "2020-05-04"  # the Monday before publication
    assert record.meeting.venue.country_code == "TH"
    assert record.provenance.prompt_version == PROMPT.version
    assert record.provenance.usage.total_tokens == 5
    assert (summary.articles, summary.meetings, summary.flagged, summary.failed) == (1, 1, 0, 0)


def test_invented_name_goes_to_review_not_to_meetings(article_file, settings):
    store, summary = batch([article_file], settings, FakeExtractor(draft(name="Prayut Chan")))
    assert store.records() == []
    (item,) = store.review_items()
    assert item.kind == "flagged_record"
    assert [(r.kind, r.severity) for r in item.reasons] == [("name_not_found", "error")]
    assert "Prayut Chan" in (item.raw_output or "")
    assert summary.flagged == 1


def test_failed_article_goes_to_review_with_attempts(article_file, settings):
    error = ExtractionError(
        "cut off",
        attempts=[Attempt(number=1, error="x", raw_output="{")],
        usage=Usage(total_tokens=9),
    )
    store, summary = batch([article_file], settings, FakeExtractor(error))
    (item,) = store.review_items()
    assert item.kind == "failed_article" and item.raw_output == "{"
    assert item.provenance.usage.total_tokens == 9
    assert summary.failed == 1 and summary.usage.total_tokens == 9


def test_rerun_skips_done_articles_and_force_redoes_them(article_file, settings):
    batch([article_file], settings, FakeExtractor(draft()))
    fake = FakeExtractor(draft())
    _, summary = batch([article_file], settings, fake)
    assert fake.calls == 0 and summary.skipped == 1
    fake = FakeExtractor(draft())
    no_cache = settings.model_copy(update={"use_cache": False})
    store, summary = batch([article_file], no_cache, fake, force=True)
    assert summary.articles == 1 and fake.calls == 1
    assert len(store.records()) == 1  # the old line was replaced, not duplicated


def test_article_without_meetings_is_done_too(article_file, settings):
    store, _ = batch([article_file], settings, FakeExtractor(ArticleDraft(meetings=[])))
    assert store.records() == [] and len(store.done()) == 1


def test_unreadable_files_are_reported_and_the_run_goes_on(article_file, settings):
    (article_file.parent / "empty.txt").write_text("")
    store, summary = batch([article_file.parent], settings, FakeExtractor(draft()))
    assert summary.unreadable == 1 and "empty" in summary.problems[0]
    assert len(store.records()) == 1


def test_duplicate_texts_are_extracted_once(article_file, settings):
    (article_file.parent / "copy.txt").write_text(TEXT)
    fake = FakeExtractor(draft())
    batch([article_file.parent], settings, fake)
    assert fake.calls == 1


def test_output_lines_are_plain_json(article_file, settings):
    store, _ = batch([article_file], settings, FakeExtractor(draft()))
    line = json.loads(store.meetings.read_text().splitlines()[0])
    assert line["meeting"]["participants"][1]["country"] == "Thailand"
    assert line["provenance"]["schema_version"] == SCHEMA_VERSION


def test_one_article_records_the_attempts_of_its_answer(article_file, settings):
    answer = Completion(draft(), "{}", Usage(total_tokens=7), calls=2)
    result = runner.finish(articles.load(article_file), PROMPT, settings, answer, 0.5)
    assert result.ledger.meetings == 1 and result.records[0].provenance.attempts == 2


def test_many_articles_at_once_each_committed_once(tmp_path, settings):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:03}.txt").write_text(TEXT + f"Note {i}.\n")
    fake = FakeExtractor(*[draft() for _ in range(40)])
    in_workers = settings.model_copy(update={"concurrency": 8, "workers": 2})
    store, summary = batch([folder], in_workers, fake)
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    assert len(ledger) == 40 == len({tuple(e["key"]) for e in ledger}) == fake.calls
    assert len(store.records()) == 40 and summary.articles == 40


def test_an_unexpected_error_on_one_article_goes_to_review(tmp_path, settings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    (folder / "b.txt").write_text(TEXT + "More.\n")
    fake = FakeExtractor(ValueError("boom"), draft())
    store, summary = batch([folder], settings.model_copy(update={"concurrency": 1}), fake)
    (item,) = store.review_items()
    assert item.kind == "failed_article" and "ValueError: boom" in item.reasons[0].message
    assert summary.articles == 2 and summary.failed == 1 and summary.meetings == 1


def test_a_replay_miss_stops_the_run_and_keeps_what_was_finished(tmp_path, settings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    (folder / "b.txt").write_text(TEXT + "More.\n")
    fake = FakeExtractor(draft(), ReplayMiss("no recorded exchange"))
    with pytest.raises(ReplayMiss):
        batch([folder], settings.model_copy(update={"concurrency": 1}), fake)
    assert len(OutputStore(settings.output_dir).done()) == 1


def test_answers_come_from_the_cache_the_second_time(article_file, settings):
    batch([article_file], settings, FakeExtractor(draft()))
    fake = FakeExtractor()  # would fail if asked
    store, summary = batch([article_file], settings, fake, force=True)
    assert fake.calls == 0 and summary.cached == 1 and summary.usage.total_tokens == 0
    assert summary.cached_usage.total_tokens == 5
    assert store.records()[0].provenance.usage.total_tokens == 5
    fake = FakeExtractor(draft())
    batch([article_file], settings.model_copy(update={"use_cache": False}), fake, force=True)
    assert fake.calls == 1


def test_another_run_on_the_same_output_is_refused(article_file, settings):
    from meetx.pipeline.errors import OutputBusy

    store = OutputStore(settings.output_dir)
    with store.lock(), pytest.raises(OutputBusy, match="another meetx run"):
        batch([article_file], settings, FakeExtractor(draft()))


def test_an_output_directory_inside_the_input_is_not_read(tmp_path, settings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    inside = settings.model_copy(update={"output_dir": folder / "zz-output"})
    batch([folder], inside, FakeExtractor(draft()))
    fake = FakeExtractor()  # the ledger, records and cache must not come back as articles
    _, summary = batch([folder], inside, fake)
    assert fake.calls == 0 and summary.unreadable == 0 and summary.skipped == 1


def test_a_disk_that_fills_up_stops_the_run_and_keeps_what_was_committed(
    tmp_path, settings, monkeypatch
):
    from meetx.pipeline.errors import OutputError

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:02}.txt").write_text(TEXT + f"Note {i}.\n")
    real = OutputStore.commit_many
    calls = []

    def commit_many(self, results):
        calls.append(len(results))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        real(self, results)

    monkeypatch.setattr(OutputStore, "commit_many", commit_many)
    fake = FakeExtractor(*[draft() for _ in range(30)])
    with pytest.raises(OutputError, match="No space left on device"):
        batch([folder], settings.model_copy(update={"concurrency": 2}), fake)
    monkeypatch.undo()
    store = OutputStore(settings.output_dir)
    assert store.recover() == 0 and len(store.done()) == calls[0]


def test_a_broken_cache_is_turned_off_and_the_run_goes_on(
    article_file, settings, caplog, monkeypatch
):
    import sqlite3

    from meetx.pipeline.batch import cache

    def full(completion):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cache, "dump", full)  # fails inside the INSERT
    store, summary = batch([article_file], settings, FakeExtractor(draft()))
    assert summary.meetings == 1 and len(store.records()) == 1
    assert any("going on without it" in r.getMessage() for r in caplog.records)


def test_a_cache_that_cannot_be_opened_stops_the_run_before_it_starts(article_file, settings):
    from meetx.pipeline.errors import OutputError

    blocked = settings.output_dir / "cache-is-a-directory"
    blocked.mkdir(parents=True)
    with pytest.raises(OutputError, match="cannot open the response cache"):
        batch(
            [article_file], settings.model_copy(update={"response_cache": blocked}), FakeExtractor()
        )


def test_cost_per_article_at_the_configured_prices(article_file, settings):
    priced = settings.model_copy(update={"price_in_per_mtok": 2.0, "price_out_per_mtok": 8.0})
    answer = Completion(
        draft(), "{}", Usage(prompt_tokens=1000, completion_tokens=500, total_tokens=1500), 2
    )
    result = runner.finish(articles.load(article_file), PROMPT, priced, answer, 1.0)
    (record,) = result.records
    assert record.provenance.cost_usd == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6)
    assert result.ledger.cost_usd == record.provenance.cost_usd
    failed = ExtractionError("cut off", usage=Usage(prompt_tokens=1000, total_tokens=1000))
    (item,) = runner.finish(articles.load(article_file), PROMPT, priced, failed, 1.0).review
    assert item.provenance.cost_usd == pytest.approx(0.002)  # failed attempts are paid too
    unpriced = runner.finish(articles.load(article_file), PROMPT, settings, answer, 1.0)
    assert unpriced.records[0].provenance.cost_usd is None


def test_answers_from_the_cache_are_marked(article_file, settings):
    answer = Completion(draft(), "{}", Usage(total_tokens=5), 1)
    result = runner.finish(articles.load(article_file), PROMPT, settings, answer, 0.0)
    assert not result.records[0].provenance.cached
    marked = runner.mark_cached(result)
    assert marked.records[0].provenance.cached and marked.ledger == result.ledger
