"""Hard cases the team wrote (tests/articles), replayed from a real run of the embedded model.

Their gold (tests/articles/gold.jsonl) is annotated by the shared rules; the clean output is
scored with the same scorer as the seeds, and the cases are asserted one by one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import evaluate
from pipeline.cli import app
from pipeline.sinks import OutputStore
from schemas.meeting import Meeting
from tests.conftest import FIXTURES, ROOT

ARTICLES = ROOT / "tests" / "articles"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> OutputStore:
    out = tmp_path_factory.mktemp("hard")
    paths = [str(p) for p in sorted(ARTICLES.glob("*.txt"))]
    result = CliRunner().invoke(
        app, ["extract", *paths, "--replay", str(FIXTURES), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return OutputStore(out)


def meetings_of(store: OutputStore, prefix: str) -> list[Meeting]:
    return [
        r.meeting
        for r in store.records()
        if Path(r.provenance.article_path).name.startswith(prefix)
    ]


def test_scores_against_our_gold(store: OutputStore):
    gold = {
        g["article"]: [evaluate.gold_event(m) for m in g["meetings"]]
        for g in map(json.loads, (ARTICLES / "gold.jsonl").read_text().splitlines())
    }
    predicted = evaluate.events_by_article(
        (Path(r.provenance.article_path).name, r.meeting) for r in store.records()
    )
    texts = {name: (ARTICLES / name).read_text() for name in gold}
    total, _ = evaluate.score_all(gold, predicted, texts)
    assert total.invented_names == []
    assert total.all_slots.precision >= 0.95 and total.all_slots.f1 >= 0.9


def test_a_call_and_a_planned_visit_history_left_out(store: OutputStore):
    call, visit = meetings_of(store, "h01")
    assert (call.status, call.format, call.date) == ("held", "phone_call", dt.date(2023, 3, 13))
    assert call.duration_minutes == 40 and call.venue.city is None  # remote: no venue
    assert (visit.status, visit.venue.city, visit.venue.country_code) == (
        "scheduled",
        "Mexico City",
        "MX",
    )
    assert visit.duration_minutes is None  # the 40 minutes were the call's
    # "The two leaders last met in 2021 at a summit in Washington": history, not output


def test_a_group_a_time_span_and_a_denial(store: OutputStore):
    (meeting,) = meetings_of(store, "h02")  # "no plans for a meeting with Russian officials"
    eu = [p for p in meeting.participants if p.country == "European Union"]
    assert eu and eu[0].name is None and eu[0].is_organisation
    assert meeting.duration_minutes == 75  # "from 9:15 to 10:30 a.m."
    assert meeting.date == dt.date(2022, 6, 6) and meeting.venue.city == "Brussels"


def test_no_publication_date_means_no_date_for_yesterday(store: OutputStore):
    (meeting,) = meetings_of(store, "h03")  # "agreed to hold joint exercises": no meeting
    assert meeting.format == "video_conference" and meeting.date is None
    assert meeting.duration_minutes == 90  # "one and a half hours"


def test_sidelines_in_another_time_zone(store: OutputStore):
    (meeting, *_) = meetings_of(store, "h04")
    # published Thursday 08:10 in Asia; "on Wednesday" in New York is the day before
    assert meeting.date == dt.date(2024, 9, 25)
    assert (meeting.venue.city, meeting.venue.country_code) == ("New York", "US")


def test_a_cancelled_meeting(store: OutputStore):
    (meeting,) = meetings_of(store, "h05")
    assert meeting.status == "cancelled" and meeting.venue.city == "Brussels"
    assert {p.country_code for p in meeting.participants} == {"RS", "XK"}


def test_every_value_has_evidence_at_its_offsets(store: OutputStore):
    for record in store.records():
        text = Path(record.provenance.article_path).read_text()
        for evidence in record.meeting.evidence:
            assert text[evidence.start : evidence.end] == evidence.quote
