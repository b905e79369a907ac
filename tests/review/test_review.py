"""Review decisions: appended, never rewriting review.jsonl; accepted records join meetings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.errors import InvalidEdit, ReviewError, UnknownItem
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.workflow import reextract
from meetx.pipeline.workflow.review import ReviewLog, load_article
from meetx.pipeline.workflow.review_edit import Assignment
from meetx.schemas.article import Article
from meetx.schemas.record import LedgerEntry, ReviewItem
from meetx.schemas.review import Action
from tests.review import seeds

pytestmark = pytest.mark.skipif(
    not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"
)
runner = CliRunner()
MCMASTER = "2120014fe6db7fb6"  # seed 001, flagged: nobody named, no date
VENUE = "16be1a91912ea16c"  # seed 003, flagged by the checks (venue.place)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    seeds.seeds_output(tmp_path)
    return tmp_path


def meetx(*args: str) -> object:
    return runner.invoke(app, [*args])


def test_pending_items_have_ids_and_reasons(out):
    review = ReviewLog(out)
    assert sorted(i.id[:16] for i in review.pending()) == sorted([MCMASTER, VENUE])
    result = meetx("review", "list", "--json", "--output", str(out))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["id"][:16] for line in lines} == {MCMASTER, VENUE}
    assert all(line["reasons"] and line["decision"] is None for line in lines)


def test_accept_joins_meetings_reviewed_and_keeps_review_file_untouched(out):
    before = (out / "review.jsonl").read_bytes()
    result = meetx("review", "accept", VENUE, "--output", str(out), "--who", "ann", "--why", "ok")
    assert result.exit_code == 0, result.output
    (decision,) = ReviewLog(out).decisions()
    assert (decision.action, decision.who, decision.why) == (Action.accept, "ann", "ok")
    assert decision.before is not None and decision.after is not None
    assert decision.after.reviewed and decision.after.issues == decision.before.issues
    reviewed = [r for r in ReviewLog(out).store.records() if r.reviewed]
    assert [r.id[:16] for r in reviewed] == [VENUE]
    assert (out / "review.jsonl").read_bytes() == before
    assert [i.id[:16] for i in ReviewLog(out).pending()] == [MCMASTER]

    again = meetx("review", "accept", VENUE, "--output", str(out))
    assert again.exit_code == 2 and "already decided: accept by ann" in again.stderr
    listed = meetx("review", "list", "--all", "--json", "--output", str(out)).stdout
    decided = {
        json.loads(line)["id"][:16]: json.loads(line)["decision"] for line in listed.splitlines()
    }
    assert decided[VENUE]["action"] == "accept" and decided[MCMASTER] is None


def test_reject_needs_a_reason_and_adds_nothing_to_meetings(out):
    missing = meetx("review", "reject", MCMASTER, "--output", str(out))
    assert missing.exit_code == 2 and "--why" in missing.stderr
    blank = meetx("review", "reject", MCMASTER, "--why", " ", "--output", str(out))
    assert blank.exit_code == 2 and "needs a reason" in blank.stderr
    ok = meetx("review", "reject", MCMASTER, "--why", "not a meeting", "--output", str(out))
    assert ok.exit_code == 0
    assert len(ReviewLog(out).store.records()) == 3
    assert ReviewLog(out).decisions()[0].after is None


def test_unknown_and_ambiguous_ids(out):
    review = ReviewLog(out)
    with pytest.raises(UnknownItem, match="no review item"):
        review.find("ffff")
    assert review.find(MCMASTER[:6]).id.startswith(MCMASTER)
    result = meetx("review", "show", "nope", "--output", str(out))
    assert result.exit_code == 2 and "no review item" in result.stderr


def edits(*pairs: str) -> list[str]:
    return [arg for pair in pairs for arg in ("--set", pair)]


NAMES = (
    "participants[0].name=Chung Eui-yong",
    "participants[1].name=Herbert McMaster",
    "participants[2].name=Shotaro Yachi",
)


def test_edit_is_validated_grounded_and_checked_like_an_extraction(out):
    result = meetx(
        "review",
        "edit",
        MCMASTER,
        "--output",
        str(out),
        "--who",
        "bo",
        "--why",
        "names",
        *edits(*NAMES, "date_text=on the evening of Aug. 3"),
    )
    assert result.exit_code == 0, result.output
    (decision,) = ReviewLog(out).decisions()
    assert decision.action is Action.edit and len(decision.changes) == 4
    assert decision.changes[1].before is None and decision.changes[1].after == "Herbert McMaster"
    after = decision.after
    assert after is not None and after.reviewed and after.issues == []
    assert str(after.meeting.date) == "2017-08-03"  # resolved from the words, as extraction does
    evidence = after.meeting.evidence_for("participants[1].name")
    text = load_article(after.provenance).text
    assert evidence is not None and text[evidence.start : evidence.end] == "Herbert McMaster"
    saved = [r for r in ReviewLog(out).store.records() if r.id == after.id]
    assert saved == [after]


def test_an_edit_the_schema_refuses_writes_nothing(out):
    for bad in ("format=teleport", "duration_minutes=-5", "participants[1].nmae=X"):
        result = meetx("review", "edit", MCMASTER, "--set", bad, "--output", str(out))
        assert result.exit_code == 2 and "not valid" in result.stderr, bad
    malformed = meetx("review", "edit", MCMASTER, "--set", "Participants!=x", "--output", str(out))
    assert malformed.exit_code == 2 and "not a field path" in malformed.stderr
    gap = meetx("review", "edit", MCMASTER, "--set", "participants[9].name=X", "--output", str(out))
    assert gap.exit_code == 2 and "no list item 9" in gap.stderr
    assert not (out / "decisions.jsonl").exists()


def test_an_edit_that_still_fails_a_check_needs_accept_issues(out):
    invented = "participants[1].name=Donald Duck"
    result = meetx("review", "edit", MCMASTER, "--set", invented, "--output", str(out))
    assert result.exit_code == 1 and "name_not_found" in result.stderr
    assert not (out / "decisions.jsonl").exists()
    forced = meetx(
        "review", "edit", MCMASTER, "--set", invented, "--accept-issues", "--output", str(out)
    )
    assert forced.exit_code == 0
    (after,) = [r for r in ReviewLog(out).store.records() if r.reviewed]
    assert [i.kind for i in after.issues] == ["name_not_found"]


def test_edit_adds_and_removes_items_and_normalises_countries(out):
    review = ReviewLog(out)
    item = review.find(MCMASTER)
    article = load_article(item.provenance)
    record, _ = review.preview_edit(
        item,
        [
            Assignment.removal("participants[2]"),
            Assignment.parse('participants[2]={"name": "Shotaro Yachi", "country": "Japanese"}'),
            Assignment.parse("participants[0].country=Republic of Korea"),
        ],
        article,
    )
    people = record.meeting.participants
    assert len(people) == 3 and people[2].country_code == "JP" and people[0].country_code == "KR"
    with pytest.raises(InvalidEdit, match="only a list item"):
        Assignment.removal("date")
    with pytest.raises(InvalidEdit, match="no change"):
        review.preview_edit(item, [], article)


def test_failed_articles_can_be_rejected_or_requeued_but_not_accepted(out):
    seeds.article("002_0d119e41657acbd8.txt")
    item = ReviewItem(
        kind="failed_article",
        reasons=[{"kind": "ExtractionError", "message": "no answer"}],
        provenance=seeds.provenance(seeds.article("002_0d119e41657acbd8.txt")),
    )
    with (out / "review.jsonl").open("a") as fh:
        fh.write(item.model_dump_json() + "\n")
    review = ReviewLog(out)
    failed = review.find("971e1266242a41ef-meeting-test-failed")
    with pytest.raises(ReviewError, match="no record to accept"):
        review.accept(failed, "me")
    review.requeue(failed, "me", "the meeting is in the second paragraph")
    assert failed.key not in {i.key for i in review.pending()}


def test_a_decision_belongs_to_one_extraction(out):
    review = ReviewLog(out)
    review.reject(review.find(VENUE), "me", "wrong")
    line = next(x for x in (out / "review.jsonl").read_text().splitlines() if VENUE in x)
    redone = line.replace('"2026-11-24T08:00:00Z"', '"2026-11-25T08:00:00Z"')
    assert redone != line
    with (out / "review.jsonl").open("a") as fh:
        fh.write(redone + "\n")  # the same article extracted again: a new item, same id
    pending = [i.id[:16] for i in ReviewLog(out).pending()]
    assert sorted(pending) == sorted([MCMASTER, VENUE])


def test_repair_restores_a_record_whose_decision_came_without_it(out):
    review = ReviewLog(out)
    review.accept(review.find(VENUE), "me")
    lines = (out / "meetings.jsonl").read_text().splitlines(keepends=True)
    (out / "meetings.jsonl").write_text("".join(lines[:-1]))  # a crash between the writes
    assert not any(r.reviewed for r in review.store.records())
    assert review.repair() == 1 and review.repair() == 0
    assert [r.id[:16] for r in review.store.records() if r.reviewed] == [VENUE]


def test_requeue_then_reextract_with_the_note_in_the_prompt(out):
    requeue = meetx(
        "review", "requeue", MCMASTER, "--note", "name the three officials", "--output", str(out)
    )
    assert requeue.exit_code == 0, requeue.output
    listed = meetx("review", "requeued", "--output", str(out))
    assert "name the three officials" in listed.stdout

    prompt = Prompt(
        version="meeting-test",
        system="sys",
        user=__import__("string").Template("$article"),
        examples=(),
        path=Path("p"),
    )
    seen: list[tuple[list[Path], list[dict[str, str]], str]] = []

    def batch(paths, noted, on_article):
        article = load_article(ReviewLog(out).find(MCMASTER).provenance)
        seen.append((paths, noted.render(article), noted.version))
        rec = seeds.record(Path(paths[0]).name).model_copy(update={"id": "new-0"})
        ledger = LedgerEntry(
            key=["k"],
            article_path=str(paths[0]),
            meetings=1,
            flagged=0,
            failed=False,
            finished_at=seeds.AT,
        )
        on_article(article, ArticleResult(ledger=ledger, records=[rec]))

    review = ReviewLog(out)
    (done,) = reextract.run(review, prompt, batch, "me")
    ((paths, messages, version),) = seen
    assert Path(paths[0]).name.startswith("001")
    assert messages[-1]["role"] == "user" and messages[-1]["content"].endswith(
        "- name the three officials"
    )
    assert (
        messages[-2]["content"]
        == Article.model_validate(load_article(review.find(MCMASTER).provenance)).text
    )
    assert version.startswith("meeting-test+note-")
    assert done.action is Action.reextracted and done.produced == ["new-0"]
    assert reextract.requeued(ReviewLog(out)) == []
    assert reextract.run(ReviewLog(out), prompt, batch, "me") == [] and len(seen) == 1


def test_bare_review_without_a_terminal_lists_and_says_how(out):
    result = meetx("review", "--output", str(out))
    assert result.exit_code == 0 and "meetx review accept" in result.stderr
    assert MCMASTER in result.stdout
    assert meetx("review", "--json", "--output", str(out)).stdout.count("\n") == 2
