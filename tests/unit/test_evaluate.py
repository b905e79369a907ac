"""The scorer on small hand-made cases: each kind of error moves the right counter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.evaluation import evaluate
from meetx.pipeline.text.outcomes import same_outcome
from tests.review import seeds

TEXT = (
    "Foreign Minister Ann Lee met her Thai counterpart Somchai Wong and a Lao deputy minister "
    "in Bangkok on Monday for 45 minutes. They agreed to open a consulate in Chiang Mai and "
    "pledged to expand river patrols. Lee also called Vietnamese envoy Kim Tran."
)


def gold_meeting(**changes: Any) -> dict[str, Any]:
    meeting = {
        "status": "held",
        "date": "2020-03-02",
        "format": "in_person",
        "duration_minutes": 45,
        "city": "Bangkok",
        "country": "Thailand",
        "place": None,
        "participants": [
            {"name": "Ann Lee", "role": "Foreign Minister", "country": "Singapore"},
            {"name": "Somchai Wong", "role": None, "country": "Thailand"},
            {"name": None, "role": "deputy minister", "country": "Laos"},
        ],
        "outcomes": ["Agreed to open a consulate in Chiang Mai", "Pledged to expand river patrols"],
    }
    meeting.update(changes)
    return meeting


def score(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> evaluate.Score:
    return evaluate.score_article(
        [evaluate.gold_event(m) for m in gold], [evaluate.gold_event(m) for m in predicted], TEXT
    )


def counts(s: evaluate.Score, name: str) -> tuple[int, int, int]:
    c = s.fields[name]
    return c.gold, c.predicted, c.correct


def test_a_perfect_prediction_scores_one():
    s = score([gold_meeting()], [gold_meeting()])
    assert s.all_slots.f1 == 1.0 and s.all_slots.gold == 15
    assert all(c.f1 == 1.0 for c in s.fields.values())


def test_aliases_case_accents_and_name_variants_are_equal():
    variant = gold_meeting(city="BANGKOK", country="TH")
    variant["participants"] = [
        {"name": "Lee", "country": "SG"},  # token containment
        {"name": "Somchai  WONG", "country": "Thailand"},  # case and spacing
        {"name": None, "country": "Lao People's Democratic Republic"},
    ]
    s = score([gold_meeting()], [variant])
    assert counts(s, "city") == (1, 1, 1) and counts(s, "country") == (1, 1, 1)
    assert counts(s, "participants") == (3, 3, 3)
    assert counts(s, "participant_country") == (3, 3, 3)


def test_an_invented_name_is_a_wrong_slot_and_reported():
    invented = gold_meeting()
    invented["participants"] = [
        *invented["participants"][:2],
        {"name": "Khampheng Saysompheng", "country": "Laos"},
    ]
    s = score([gold_meeting()], [invented])
    assert counts(s, "participants") == (3, 3, 2)
    assert s.invented_names == ["Khampheng Saysompheng"]


def test_unnamed_gold_needs_an_unnamed_prediction_of_the_same_country():
    wrong_country = gold_meeting()
    wrong_country["participants"] = [
        *wrong_country["participants"][:2],
        {"name": None, "country": "Vietnam"},
    ]
    assert counts(score([gold_meeting()], [wrong_country]), "participants") == (3, 3, 2)


def test_a_wrong_date_moves_only_the_date_counter():
    s = score([gold_meeting()], [gold_meeting(date="2020-03-03")])
    assert counts(s, "date") == (1, 1, 0)
    assert counts(s, "format") == (1, 1, 1) and counts(s, "meetings") == (1, 1, 1)


def test_null_and_unknown_count_as_not_predicted():
    s = score([gold_meeting()], [gold_meeting(date=None, format="unknown", duration_minutes=None)])
    assert counts(s, "date") == (1, 0, 0) and counts(s, "format") == (1, 0, 0)
    assert counts(s, "duration") == (1, 0, 0)
    assert s.fields["date"].precision == 0.0 and s.fields["date"].recall == 0.0


def test_a_missed_meeting_loses_recall_and_an_extra_one_precision():
    other = gold_meeting(
        date="2020-03-09",
        participants=[
            {"name": "Ann Lee", "country": "Singapore"},
            {"name": "Kim Tran", "country": "Vietnam"},
        ],
    )
    missed = score([gold_meeting(), other], [gold_meeting()])
    assert counts(missed, "meetings") == (2, 1, 1)
    assert counts(missed, "participants") == (5, 3, 3)
    extra = score([gold_meeting()], [gold_meeting(), other])
    assert counts(extra, "meetings") == (1, 2, 1)
    assert counts(extra, "date") == (1, 2, 1) and extra.fields["date"].precision == 0.5


def test_pairing_prefers_the_prediction_with_more_people_and_the_same_date():
    a = gold_meeting()
    b = gold_meeting(
        date="2020-03-09",
        format="phone_call",
        participants=[
            {"name": "Ann Lee", "country": "Singapore"},
            {"name": "Kim Tran", "country": "Vietnam"},
        ],
    )
    s = score([a, b], [b, a])  # predicted in the other order
    assert s.all_slots.f1 == 1.0


def test_no_pair_without_a_shared_participant():
    stranger = gold_meeting(participants=[{"name": "Kim Tran", "country": "Vietnam"}])
    s = score([gold_meeting()], [stranger])
    assert counts(s, "meetings") == (1, 1, 0)
    assert counts(s, "date") == (1, 1, 0)  # its slots count against precision


def test_outcomes_by_content_word_overlap():
    assert same_outcome(
        "Agreed to open a consulate in Chiang Mai", "they agreed to open a consulate"
    )
    assert not same_outcome("Agreed to open a consulate in Chiang Mai", "discussed regional trade")
    s = score([gold_meeting()], [gold_meeting(outcomes=["open a consulate", "talked about rain"])])
    assert counts(s, "outcomes") == (2, 2, 1)


def test_eval_command_reads_files_and_prints_json(tmp_path: Path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"article": "a.txt", "meetings": [gold_meeting()]}) + "\n")
    (tmp_path / "a.txt").write_text(TEXT)
    record = {
        "id": "x",
        "provenance": {
            "article_id": "i",
            "article_path": str(tmp_path / "a.txt"),
            "model": "m",
            "prompt_version": "v",
            "extracted_at": "2026-01-01T00:00:00Z",
        },
        "meeting": {
            "status": "held",
            "date": "2020-03-02",
            "format": "in_person",
            "venue": {"city": "Bangkok", "country": "Thailand", "country_code": "TH"},
            "participants": [{"name": "Ann Lee", "country": "Singapore", "country_code": "SG"}],
            "outcomes": [{"text": "agreed to open a consulate", "quote": "x"}],
        },
    }
    (tmp_path / "meetings.jsonl").write_text(json.dumps(record) + "\n")
    result = CliRunner().invoke(
        app, ["eval", "--gold", str(gold), "--pred", str(tmp_path / "meetings.jsonl"), "--json"]
    )
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)["fields"]
    assert fields["meetings"]["f1"] == 1.0
    assert fields["participants"] == pytest.approx(
        {"gold": 3, "predicted": 1, "correct": 1, "precision": 1.0, "recall": 0.3333, "f1": 0.5}
    )
    assert fields["duration"]["recall"] == 0.0


def test_eval_command_without_predictions(tmp_path: Path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("")
    result = CliRunner().invoke(
        app, ["eval", "--gold", str(gold), "--pred", str(tmp_path / "none.jsonl")]
    )
    assert result.exit_code == 2 and "no predictions" in result.stderr


def test_same_surname_with_half_the_tokens_is_the_same_person():
    gold = evaluate.Person("Herbert McMaster", "US")
    assert evaluate.same_person(gold, evaluate.Person("H.R. McMaster", "US"))
    assert not evaluate.same_person(gold, evaluate.Person("Herbert Hoover", "US"))
    assert not evaluate.same_person(gold, evaluate.Person(None, "US"))


def test_eval_run_extracts_the_gold_articles_then_scores(tmp_path: Path):
    from tests.conftest import FIXTURES, ROOT

    articles = ROOT / "tests" / "articles"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--gold",
            str(articles / "gold.jsonl"),
            "--run",
            "--articles",
            str(articles),
            "--replay",
            str(FIXTURES),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout[result.stdout.index("{") :])
    # the floor under the recorded run (0.848, see tests/replay/test_seeds.py)
    assert scores["fields"]["all"]["f1"] >= 0.8 and scores["invented_names"] == []


def test_eval_run_fails_loudly_when_extraction_fails(tmp_path: Path):
    (tmp_path / "gold.jsonl").write_text(json.dumps({"article": "a.txt", "meetings": []}) + "\n")
    (tmp_path / "a.txt").write_text("Ministers of Chile and Peru met in Lima on Monday.")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--gold",
            str(tmp_path / "gold.jsonl"),
            "--run",
            "--articles",
            str(tmp_path),
            "--replay",
            str(tmp_path / "no-fixtures"),
        ],
    )
    assert result.exit_code == 2 and "nothing scored" in result.stderr


@pytest.mark.skipif(not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout")
def test_include_flagged_counts_an_accepted_record_once(tmp_path: Path):
    out = tmp_path / "out"
    seeds.seeds_output(out)  # the seeds' records, seed 001's flagged
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"article": "001_df28b0d16f782817.txt", "meetings": []}) + "\n")

    def predicted() -> int:
        result = CliRunner().invoke(
            app,
            [
                "eval",
                "--gold",
                str(gold),
                "--pred",
                str(out / "meetings.jsonl"),
                "--include-flagged",
                "--json",
            ],
        )
        return int(json.loads(result.stdout)["fields"]["meetings"]["predicted"])

    before = predicted()
    pending = json.loads(
        CliRunner()
        .invoke(app, ["review", "list", "--json", "--output", str(out)])
        .stdout.splitlines()[0]
    )
    accepted = CliRunner().invoke(
        app, ["review", "accept", pending["id"], "--output", str(out), "--who", "t"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert predicted() == before  # now in meetings.jsonl, no longer counted from review.jsonl
