"""The output keeps every article as read, so that offsets stay checkable and the review, the
report and re-extraction work for rows, pages and standard input, which are no text file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from meetx.pipeline.workflow import report
from meetx.pipeline.workflow.review import load_article
from tests.faults.fakeserver import FakeServer
from tests.inputs.conftest import extract, write_jsonl
from tests.inputs.pages import rows


def test_each_article_is_stored_by_its_id_and_offsets_hold_in_its_text(
    server: FakeServer, tmp_path: Path
):
    file = write_jsonl(tmp_path / "a.jsonl", rows())
    _, store = extract(server, [file], tmp_path / "out")
    for record in store.records():
        article_id = record.provenance.article_id
        path = tmp_path / "out" / "articles" / article_id[:2] / f"{article_id}.json"
        stored = json.loads(path.read_text("utf-8"))
        assert hashlib.sha256(stored["text"].encode()).hexdigest() == article_id
        assert stored["source_id"] == record.provenance.source_id
        for evidence in record.meeting.evidence:
            assert stored["text"][evidence.start : evidence.end] == evidence.quote
    file.unlink()  # the dataset is gone: the review and the report still have the text
    record = store.records()[0]
    article = load_article(record.provenance, store=store)
    assert article.published_source == "dataset" and article.url == record.provenance.url
    pages = report.build(tmp_path / "out")
    assert len(pages) == 3 and all(page.text for page in pages)


def test_a_stored_article_is_not_trusted_if_its_text_changed(server: FakeServer, tmp_path: Path):
    _, store = extract(server, [write_jsonl(tmp_path / "a.jsonl", rows()[:1])], tmp_path / "out")
    (record,) = store.records()
    path = store.article_file(record.provenance.article_id)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "text": data["text"].replace("Oslo", "Bergen")}))
    assert store.article(record.provenance.article_id) is None


def test_stored_articles_are_read_again_with_their_metadata(server: FakeServer, tmp_path: Path):
    """``meetx extract output/articles`` with a new output: the rows' dates, ids and URLs hold."""
    file = write_jsonl(tmp_path / "a.jsonl", rows())
    extract(server, [file], tmp_path / "out")
    summary, again = extract(server, [tmp_path / "out" / "articles"], tmp_path / "out2")
    assert summary.articles == 3 and summary.unreadable == 0
    found = {
        (
            r.provenance.source_id,
            r.provenance.published,
            r.provenance.published_source,
            r.provenance.article_path,
        )
        for r in again.records()
    }
    assert found == {
        (f"story-{i}", dt.date(2021, 5, 6 + 7 * i), "dataset", f"{file}#{i + 1}") for i in range(3)
    }
