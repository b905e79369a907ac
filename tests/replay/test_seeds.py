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

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.app import app
from meetx.pipeline.evaluation import evaluate
from meetx.pipeline.grounding import align
from meetx.pipeline.reading import articles
from meetx.schemas.record import MeetingRecord, ReviewItem
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
    # a fragment ("the three sides agreed ...", said the presidential office) merged in
    assert any("close coordination" in o.text for o in meeting.outcomes)


def test_seed_003_split_reports_are_merged_into_one_meeting(store: OutputStore):
    (record,) = by_seed(store.records())["003"]
    meeting = record.meeting
    assert meeting.date == dt.date(2021, 5, 5)  # "on Wednesday", published Thursday May 6
    assert (meeting.venue.city, meeting.venue.country_code) == ("London", "GB")
    assert meeting.duration_minutes == 50 and meeting.format == "in_person"
    assert {p.name for p in meeting.participants} == {
        "Chung Eui-yong",
        "Antony Blinken",
        "Toshimitsu Motegi",
    }
    assert any("reaffirmed the importance of trilateral" in o.text for o in meeting.outcomes)
    assert not any("briefed" in o.text for o in meeting.outcomes)  # a briefing is no outcome


def test_seed_004_date_comes_from_the_caption(store: OutputStore):
    (record,) = by_seed(store.records())["004"]
    assert record.meeting.date == dt.date(2016, 12, 13)  # "met Tuesday" + "Dec. 13, 2016"
    venue = record.meeting.venue
    assert (venue.city, venue.country_code, venue.place) == ("Seoul", "KR", "hotel in Seoul")


def test_seed_002_gaps_filled_from_the_sentences_about_the_meeting(store: OutputStore):
    (record,) = by_seed(store.records())["002"]
    meeting = record.meeting
    # the model's two reports of the meeting (one called scheduled) are one meeting
    assert meeting.status == "held"
    people = {(p.name, p.country_code) for p in meeting.participants}
    # "his Japanese and South Korean counterparts": the South Korean is never named
    assert people == {("Antony Blinken", "US"), ("Shinsuke Sugiyama", "JP"), (None, "KR")}
    # the model gave no date or format: "meeting in Tokyo on Thursday" did
    assert meeting.date == dt.date(2016, 10, 27) and meeting.date_text == "on Thursday"
    assert (meeting.venue.city, meeting.venue.country_code) == ("Tokyo", "JP")
    assert meeting.format == "in_person"
    assert meeting.evidence_for("venue.city") is not None


def test_seed_001_a_lead_that_names_nobody_gets_a_second_pass(store: OutputStore):
    (record,) = by_seed(store.records())["001"]
    meeting = record.meeting
    people = {(p.name, p.country_code) for p in meeting.participants}
    assert people == {("Chung Eui-yong", "KR"), ("Herbert McMaster", "US"), ("Shotaro Yachi", "JP")}
    assert meeting.date == dt.date(2017, 8, 3)  # "on the evening of Aug. 3"
    assert (meeting.format, meeting.duration_minutes) == ("video_conference", 70)
    assert record.provenance.attempts == 2  # the first answer, and the one without the lead


def test_what_the_model_got_wrong_is_flagged_not_written(store: OutputStore):
    review = flagged(store)
    # 002: a speech in a photo caption reported as a meeting
    assert [r.kind for i in review["002"] for r in i.reasons] == ["too_few_participants"]
    assert set(review) == {"002"}
    # 004: the envoys' statements, which the model called phone calls, joined the meeting
    (meeting,) = [r.meeting for r in by_seed(store.records())["004"]]
    assert meeting.format == "in_person" and len(meeting.participants) == 3


def test_clean_records_carry_evidence_for_every_value(store: OutputStore):
    for record in store.records():
        text = articles.load(Path(record.provenance.article_path)).text
        meeting = record.meeting
        for path in align.grounded_fields(meeting):
            evidence = meeting.evidence_for(path)
            assert evidence is not None, (record.id, path)
            assert text[evidence.start : evidence.end] == evidence.quote
            assert evidence.match in ("exact", "fuzzy")
        for participant in meeting.participants:
            assert participant.name is None or participant.name in text
        assert record.provenance.prompt_version == "meeting-v4"
        assert record.provenance.usage.total_tokens > 0


def test_clean_output_scores_against_gold(store: OutputStore):
    gold_path = Path(__file__).resolve().parents[3] / "shared" / "gold" / "seeds.jsonl"
    if not gold_path.exists():
        pytest.skip("shared/gold is not beside this checkout")
    gold = {
        g["article"]: [evaluate.gold_event(m) for m in g["meetings"]]
        for g in map(json.loads, gold_path.read_text().splitlines())
    }
    predicted = evaluate.events_by_article(
        (Path(r.provenance.article_path).name, r.meeting) for r in store.records()
    )
    texts = {name: (SEEDS / name).read_text() for name in gold}
    total, _ = evaluate.score_all(gold, predicted, texts)
    assert total.invented_names == []
    assert total.all_slots.precision >= 0.95  # what is written is right
    assert total.all_slots.f1 >= 0.95


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
