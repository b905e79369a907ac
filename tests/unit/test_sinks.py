import datetime as dt
import json
from pathlib import Path

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.schemas.meeting import Meeting, MeetingStatus
from meetx.schemas.record import (
    SCHEMA_VERSION,
    Issue,
    LedgerEntry,
    MeetingRecord,
    Provenance,
    ReviewItem,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def result(article_id: str, meetings: int = 1, flagged: int = 0) -> ArticleResult:
    prov = Provenance(
        article_id=article_id,
        article_path=f"{article_id}.txt",
        model="m",
        prompt_version="meeting-v1",
        extracted_at=NOW,
    )
    records = [
        MeetingRecord(
            id=f"{article_id}-{i}", meeting=Meeting(status=MeetingStatus.held), provenance=prov
        )
        for i in range(meetings)
    ]
    review = [
        ReviewItem(kind="flagged_record", reasons=[Issue(kind="k", message="m")], provenance=prov)
        for _ in range(flagged)
    ]
    ledger = LedgerEntry(
        key=list(prov.key()),
        article_path=prov.article_path,
        meetings=meetings,
        flagged=flagged,
        failed=False,
        finished_at=NOW,
    )
    return ArticleResult(ledger=ledger, records=records, review=review)


def ids(path: Path) -> list[str]:
    return [json.loads(line)["provenance"]["article_id"] for line in path.read_text().splitlines()]


def test_commit_writes_whole_lines_and_marks_done(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("a", meetings=2, flagged=1))
    assert ids(store.meetings) == ["a", "a"]
    assert ids(store.review) == ["a"]
    assert store.done() == {("a", "m", "meeting-v1", SCHEMA_VERSION)}
    assert store.records()[0].id == "a-0"
    assert store.review_items()[0].reasons[0].kind == "k"


def test_recover_drops_partial_line_and_uncommitted_article(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("a"))
    crashed = result("b", meetings=1, flagged=1)  # lines written, ledger line never came
    store._append(store.meetings, crashed.records)
    store._append(store.review, crashed.review)
    with store.meetings.open("a") as fh:
        fh.write('{"id": "c-0", "meeting": {"sta')  # killed mid-line
    assert store.recover() == 3
    assert ids(store.meetings) == ["a"]
    assert not store.review.read_text()
    assert store.meetings.read_text().endswith("\n")
    assert store.recover() == 0  # nothing more to do


def test_forget_uncommits_for_force(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("a"))
    store.commit(result("b"))
    store.forget([("a", "m", "meeting-v1", SCHEMA_VERSION)])
    assert store.done() == {("b", "m", "meeting-v1", SCHEMA_VERSION)}
    assert ids(store.meetings) == ["b"]


def test_other_prompt_versions_are_not_done(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("a"))
    assert ("a", "m", "meeting-v2", SCHEMA_VERSION) not in store.done()


def test_commit_many_writes_all_lines_then_all_ledger_lines(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit_many([result("a", meetings=2), result("b", flagged=1)])
    assert ids(store.meetings) == ["a", "a", "b"] and ids(store.review) == ["b"]
    assert [json.loads(line)["key"][0] for line in store.ledger.read_text().splitlines()] == [
        "a",
        "b",
    ]


def test_done_ids_are_compact_and_scoped(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("ab" * 32))
    store.commit(result("not-hex"))  # ignored, not fatal
    assert store.done_ids("m", "meeting-v1", SCHEMA_VERSION) == {bytes.fromhex("ab" * 32)}
    assert store.done_ids("m", "meeting-v2", SCHEMA_VERSION) == set()


def test_recover_leaves_a_clean_file_alone(tmp_path: Path):
    store = OutputStore(tmp_path)
    store.commit(result("a"))
    before = store.meetings.stat().st_ino
    assert store.recover() == 0
    assert store.meetings.stat().st_ino == before  # not rewritten
    assert not list(tmp_path.glob("*.tmp"))


def test_a_second_writer_is_refused(tmp_path: Path):
    import pytest

    from meetx.pipeline.errors import OutputBusy

    store = OutputStore(tmp_path)
    with store.lock(), pytest.raises(OutputBusy), OutputStore(tmp_path).lock():
        pass
    with OutputStore(tmp_path).lock():  # released
        pass
