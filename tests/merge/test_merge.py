"""One event per real meeting: seeds 000 and 001 merge, nothing else does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.workflow import merge
from meetx.pipeline.workflow.review import ReviewLog, load_article
from meetx.pipeline.workflow.review_edit import Assignment
from meetx.schemas.event import Event
from meetx.schemas.meeting import MeetingFormat, Participant, Venue
from meetx.schemas.record import MeetingRecord
from tests.review import seeds

pytestmark = pytest.mark.skipif(
    not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"
)
SEED_NAMES = sorted((seeds.GOLD.exists() and seeds.gold()) or [])


@pytest.fixture(scope="module")
def records() -> dict[str, MeetingRecord]:
    return {name[:3]: seeds.record(name) for name in SEED_NAMES}


def other_article(record: MeetingRecord, tag: str, **meeting: object) -> MeetingRecord:
    """The same record as if another article had reported it (another id and article)."""
    provenance = record.provenance.model_copy(
        update={"article_id": tag * 64, "article_path": f"other/{tag}.txt"}
    )
    return record.model_copy(
        update={
            "id": f"{tag * 16}-x-0",
            "provenance": provenance,
            "meeting": record.meeting.model_copy(update=meeting),
        }
    )


def by_mentions(events: list[Event]) -> list[set[str]]:
    return sorted(({m.record_id[:3] for m in e.mentions} for e in events), key=sorted)


def test_seeds_000_and_001_are_one_event_and_nothing_else_merges(records):
    events = merge.events(list(records.values()))
    assert len(events) == 4
    (both,) = [e for e in events if len(e.mentions) == 2]
    assert {Path(m.article_path).name[:3] for m in both.mentions} == {"000", "001"}
    assert both.date == dt.date(2017, 8, 3) and both.format is MeetingFormat.video_conference
    assert both.duration_minutes == 70 and both.start_time == dt.time(21, 0)
    names = {p.name: p for p in both.participants}
    assert set(names) == {"Chung Eui-yong", "Herbert McMaster", "Shotaro Yachi"}
    assert names["Herbert McMaster"].names == ["H.R. McMaster", "Herbert McMaster"]
    assert len(names["Herbert McMaster"].record_ids) == 2
    (spelling,) = [d for d in both.disagreements if d.field.endswith(".name")]
    assert [v.value for v in spelling.values] == ["Herbert McMaster", "H.R. McMaster"]
    said = {v.value: v.article_paths for v in spelling.values}
    assert Path(said["H.R. McMaster"][0]).name.startswith("000")
    assert Path(said["Herbert McMaster"][0]).name.startswith("001")
    # the outcomes both articles report are one outcome with both records behind it
    assert any(len(o.record_ids) == 2 for o in both.outcomes)


def test_a_week_apart_the_same_people_are_two_meetings(records):
    again = other_article(records["000"], "a", date=dt.date(2017, 8, 10))
    assert len(merge.events([records["000"], again])) == 2
    next_day = other_article(records["000"], "b", date=dt.date(2017, 8, 4))
    assert len(merge.events([records["000"], next_day])) == 1  # time zones: within a day


def test_the_same_day_with_one_person_in_common_stays_apart(records):
    chung, _mcmaster, yachi = records["000"].meeting.participants
    lunch = other_article(
        records["000"],
        "c",
        participants=[chung, Participant(name="Kang Kyung-wha", country_code="KR")],
    )
    assert not merge.same_event(records["000"], lunch)
    two_of_three = other_article(records["000"], "d", participants=[chung, yachi])
    assert merge.same_event(records["000"], two_of_three)


def test_format_and_venue_must_be_compatible(records):
    phone = other_article(records["000"], "e", format=MeetingFormat.phone_call)
    assert not merge.same_event(records["000"], phone)
    unknown = other_article(records["000"], "f", format=MeetingFormat.unknown)
    assert merge.same_event(records["000"], unknown)
    elsewhere = other_article(records["004"], "g", venue=Venue(city="Tokyo", country_code="JP"))
    assert not merge.same_event(records["004"], elsewhere)
    no_venue = other_article(records["004"], "h", venue=Venue())
    assert merge.same_event(records["004"], no_venue)


def test_undated_or_unnamed_records_and_one_extraction_never_merge(records):
    undated = other_article(records["000"], "i", date=None)
    assert not merge.same_event(records["000"], undated)
    nameless = seeds.unnamed(records["000"].meeting).model_copy(
        update={"date": dt.date(2017, 8, 3)}
    )
    assert not merge.same_event(
        records["000"], other_article(records["000"], "j", **dict(nameless))
    )
    twin = records["000"].model_copy(update={"id": "twin"})
    assert not merge.same_event(records["000"], twin)


def test_a_country_contradiction_is_another_person(records):
    kim = Participant(name="Kim Hong-kyun", country_code="KR")
    assert not merge.same_participant(kim, Participant(name="Kim Hong-kyun", country_code="KP"))
    assert merge.same_participant(kim, Participant(name="Kim Hong-kyun", country_code=None))


def test_merge_reads_meetings_jsonl_with_reviewed_records_and_optionally_flagged(tmp_path):
    store = seeds.seeds_output(tmp_path)  # seed 001 is flagged: nobody named, no date
    events = merge.write(tmp_path)
    assert all(len(e.mentions) == 1 for e in events)
    assert not any(m.record_id.startswith("2120014f") for e in events for m in e.mentions)
    with_flagged = merge.write(tmp_path, include_flagged=True)
    assert any(m.flagged for e in with_flagged for m in e.mentions)
    assert all(len(e.mentions) == 1 for e in with_flagged)  # no names: cannot be matched

    review = ReviewLog(tmp_path)
    (item,) = [i for i in review.pending() if i.id.startswith("2120014f")]
    names = ["Chung Eui-yong", "Herbert McMaster", "Shotaro Yachi"]
    edits = [Assignment(f"participants[{i}].name", n) for i, n in enumerate(names)]
    edits.append(Assignment("date_text", "on the evening of Aug. 3"))
    review.edit(item, edits, load_article(item.provenance), "tester", "names are in the text")

    events = merge.write(tmp_path)
    (both,) = [e for e in events if len(e.mentions) == 2]
    reviewed = [m for m in both.mentions if m.reviewed]
    assert [m.record_id for m in reviewed] == [item.id] and not any(
        m.flagged for m in both.mentions
    )
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert [Event.model_validate_json(line).id for line in lines] == [e.id for e in events]
    assert len(store.records()) == 4


def test_merge_command_prints_and_writes_events(tmp_path):
    seeds.seeds_output(tmp_path, flag_001=False)
    result = CliRunner().invoke(app, ["merge", "--output", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(printed) == 3  # 003 is flagged by the checks; 000 and 001 are one event
    assert "1 reported by several articles" in result.stderr
    assert (tmp_path / "events.jsonl").read_text().count("\n") == 3


def test_extract_merges_at_its_end(tmp_path):
    from tests.conftest import FIXTURES

    seeds.seeds_output(tmp_path / "out", flag_001=False)
    empty = tmp_path / "nothing-new"
    empty.mkdir()
    result = CliRunner().invoke(
        app, ["extract", str(empty), "--replay", str(FIXTURES), "--output", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "events:" in result.stderr
    events = merge.read(tmp_path / "out")
    ids = {r.id for r in ReviewLog(tmp_path / "out").store.records()}
    assert {m.record_id for e in events for m in e.mentions} == ids
    assert sum(len(e.mentions) == 2 for e in events) == 1
