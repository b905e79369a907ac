"""The five seeds through the exchanges recorded from a real run of the embedded model.

What the recorded run got right is asserted as values; what it got wrong is asserted to be
in the review file, not in the clean output. Re-record with ``make fixtures`` when the prompt
or the draft schema changes, then update these expectations from the new run.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import align, articles
from pipeline.cli import app
from pipeline.sinks import OutputStore
from schemas.record import MeetingRecord, ReviewItem
from tests.conftest import FIXTURES, SEEDS


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> OutputStore:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(
        app, ["extract", str(SEEDS), "--replay", str(FIXTURES), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return OutputStore(out)


def by_seed(items: list[MeetingRecord]) -> dict[str, list[MeetingRecord]]:
    found: dict[str, list[MeetingRecord]] = {}
    for item in items:
        found.setdefault(Path(item.provenance.article_path).name[:3], []).append(item)
    return found


def flagged(store: OutputStore) -> dict[str, list[ReviewItem]]:
    found: dict[str, list[ReviewItem]] = {}
    for item in store.review_items():
        found.setdefault(Path(item.provenance.article_path).name[:3], []).append(item)
    return found


def test_every_seed_is_done_once_and_none_failed(store: OutputStore):
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    assert len(ledger) == 5 and not any(entry["failed"] for entry in ledger)


def test_seed_000_video_conference_is_right_and_clean(store: OutputStore):
    (record,) = by_seed(store.records())["000"]
    meeting = record.meeting
    assert meeting.date == dt.date(2017, 8, 3)  # "agreed Thursday", published Friday Aug. 4
    assert meeting.format == "video_conference" and meeting.status == "held"
    assert meeting.duration_minutes == 70 and meeting.start_time == dt.time(21, 0)
    assert meeting.venue.city is None and meeting.venue.country is None  # remote
    people = {(p.name, p.country_code) for p in meeting.participants}
    assert people == {("Chung Eui-yong", "KR"), ("H.R. McMaster", "US"), ("Shotaro Yachi", "JP")}
    assert any("maximum pressure" in o.text for o in meeting.outcomes)


def test_seed_003_values_are_right_but_a_reworded_quote_sends_it_to_review(store: OutputStore):
    (item,) = [
        i for i in flagged(store)["003"] if i.record and len(i.record.meeting.participants) == 3
    ]
    meeting = item.record.meeting  # type: ignore[union-attr]
    assert meeting.date == dt.date(2021, 5, 5)  # "on Wednesday", published Thursday May 6
    assert (meeting.venue.city, meeting.venue.country_code) == ("London", "GB")
    assert meeting.duration_minutes == 50 and meeting.format == "in_person"
    assert {p.name for p in meeting.participants} == {
        "Chung Eui-yong",
        "Antony Blinken",
        "Toshimitsu Motegi",
    }
    assert [r.kind for r in item.reasons] == ["quote_not_found"]


def test_seed_004_date_comes_from_the_caption(store: OutputStore):
    (item,) = flagged(store)["004"]
    assert item.record is not None
    assert item.record.meeting.date == dt.date(2016, 12, 13)  # "met Tuesday" + "Dec. 13, 2016"
    assert (item.record.meeting.venue.city, item.record.meeting.venue.country_code) == (
        "Seoul",
        "KR",
    )


def test_what_the_model_got_wrong_is_flagged_not_written(store: OutputStore):
    clean = by_seed(store.records())
    assert set(clean) == {"000"}
    review = flagged(store)
    # 002: date, time and an "outcome" taken from the header, not from the body
    tokyo = [i for i in review["002"] if i.record and i.record.meeting.venue.city == "Tokyo"]
    assert {r.kind for r in tokyo[0].reasons} == {"quote_from_header"}
    # 003: the spokesperson's statement reported as a one-person meeting
    assert any(r.kind == "too_few_participants" for i in review["003"] for r in i.reasons)
    # 001: the video conference with the three participants reduced to countries
    assert any(r.kind == "too_few_participants" for i in review["001"] for r in i.reasons)


def test_clean_records_are_grounded_and_invent_no_names(store: OutputStore):
    for record in store.records():
        text = articles.load(Path(record.provenance.article_path)).text
        for participant in record.meeting.participants:
            assert participant.name is None or participant.name in text
        for outcome in record.meeting.outcomes:
            assert align.locate(outcome.quote, text) is not None
        assert record.provenance.prompt_version == "meeting-v1"
        assert record.provenance.usage.total_tokens > 0


def test_a_rerun_skips_everything(store: OutputStore):
    result = CliRunner().invoke(
        app,
        ["extract", str(SEEDS), "--replay", str(FIXTURES), "--output", str(store.directory)],
    )
    assert result.exit_code == 0
    assert "5 article(s) already done" in result.stderr
    assert len(store.ledger.read_text().splitlines()) == 5


def test_a_request_that_was_never_recorded_fails_loudly(tmp_path: Path):
    article = tmp_path / "new.txt"
    article.write_text("Ministers of Chile and Peru met in Lima on Monday and agreed on trade.")
    result = CliRunner().invoke(
        app, ["extract", str(article), "--replay", str(FIXTURES), "--output", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no recorded exchange" in result.stderr and "Chile and Peru" in result.stderr
