"""The runner with a fake extractor: no network, no model."""

import contextlib
import json
from pathlib import Path

import pytest

from pipeline import runner
from pipeline.config import PROJECT_ROOT
from pipeline.errors import ExtractionError
from pipeline.llm import Completion
from pipeline.prompts import load
from pipeline.sinks import OutputStore
from schemas.draft import ArticleDraft
from schemas.record import Attempt, Usage

PROMPT = load(PROJECT_ROOT / "prompts")
TEXT = (
    "Published: May 5, 2020\n\nForeign Minister Ann Lee met her Thai counterpart, "
    "Somchai Wong, in Bangkok on Monday. They agreed to open a consulate.\n"
)


def draft(name: str = "Somchai Wong", meetings: int = 1) -> ArticleDraft:
    people = [
        {
            "mention": "Foreign Minister Ann Lee",
            "name": "Ann Lee",
            "role": "Foreign Minister",
            "country": "Singapore",
        },
        {"mention": "her Thai counterpart", "name": name, "role": None, "country": "Thailand"},
    ]
    meeting = {
        "report": "Foreign Minister Ann Lee met her Thai counterpart",
        "participants": people,
        "format": "in_person",
        "date_text": "on Monday",
        "time_text": None,
        "duration_text": None,
        "place": None,
        "city": "Bangkok",
        "country": "Thailand",
        "status": "held",
        "outcomes": ["They agreed to open a consulate."],
    }
    return ArticleDraft.model_validate({"meetings": [meeting] * meetings})


class FakeExtractor:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, messages, text):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Completion(answer, answer.model_dump_json(), Usage(total_tokens=5), calls=1)

    @contextlib.contextmanager
    def open(self):
        yield self


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "a.txt"
    path.parent.mkdir()
    path.write_text(TEXT)
    return path


def batch(paths, settings, fake, force=False):
    store = OutputStore(settings.output_dir)
    store.recover()
    summary = runner.Summary()
    todo = runner.pending(paths, settings, PROMPT, store, force, summary)
    runner.run(todo, PROMPT, fake.open, settings, store, summary)
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
    assert [r.kind for r in item.reasons] == ["name_not_found"]
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
    store, summary = batch([article_file], settings, fake, force=True)
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
    assert line["provenance"]["schema_version"] == "1"
