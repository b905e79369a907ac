"""Helpers for the fault tests: synthetic article folders and the exactly-once check."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from meetx.pipeline.batch.sinks import OutputStore
from tests.faults.fakeserver import synthetic_article


def write_articles(folder: Path, n: int, start: int = 0) -> dict[str, str]:
    """``n`` synthetic articles as files; returns article id -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {}
    for i in range(start, start + n):
        text = synthetic_article(i)
        (folder / f"{i:05}.txt").write_text(text, encoding="utf-8")
        ids[hashlib.sha256(text.encode()).hexdigest()] = f"{i:05}.txt"
    return ids


def assert_exactly_once(store: OutputStore, expected: set[str]) -> None:
    """Every article committed once; every output line whole and of a committed article."""
    for path in (store.meetings, store.review, store.ledger):
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        assert text == "" or text.endswith("\n"), f"partial last line in {path.name}"
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    committed = Counter(entry["key"][0] for entry in ledger)
    assert set(committed) == expected, "lost or unexpected articles"
    assert max(committed.values()) == 1, "an article was committed twice"
    records = store.records()
    assert len({r.id for r in records}) == len(records), "a meeting was written twice"
    assert {r.provenance.article_id for r in records} <= expected
    items = store.review_items()
    failed = Counter(i.provenance.article_id for i in items if i.kind == "failed_article")
    assert not failed or max(failed.values()) == 1
    by_article = {entry["key"][0]: entry for entry in ledger}
    for article_id, entry in by_article.items():
        if entry["failed"]:
            assert failed[article_id] == 1, "a failed article has no review line"
    per_article = Counter(r.provenance.article_id for r in records)
    for article_id, count in per_article.items():
        assert by_article[article_id]["meetings"] == count
