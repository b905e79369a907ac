"""Article datasets: JSONL, CSV and Parquet rows, their columns, their metadata, their faults."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from meetx.pipeline.errors import ArticleError
from meetx.pipeline.reading import tables
from meetx.pipeline.reading.sources import InputOptions
from meetx.pipeline.reading.tables import Columns
from tests.faults.fakeserver import FakeServer
from tests.inputs.conftest import extract, write_csv, write_jsonl, write_parquet
from tests.inputs.pages import clean_text, rows


def _records(store) -> list[tuple]:
    """What a record says of its article and its meeting (not where the file was)."""
    found = []
    for r in store.records():
        p = r.provenance
        found.append(
            (
                r.id,
                p.article_id,
                p.source_id,
                p.url,
                p.lang,
                p.published,
                p.published_source,
                r.meeting.model_dump_json(),
            )
        )
    return sorted(found)


def test_jsonl_csv_and_parquet_of_the_same_articles_give_the_same_records(
    server: FakeServer, tmp_path: Path
):
    data = rows()
    files = [
        write_jsonl(tmp_path / "a.jsonl", data),
        write_csv(tmp_path / "a.csv", data),
        write_parquet(tmp_path / "a.parquet", data),
    ]
    results = []
    for file in files:
        summary, store = extract(server, [file], tmp_path / f"out-{file.suffix[1:]}")
        assert (summary.articles, summary.unreadable) == (3, 0), summary.problems
        results.append(_records(store))
    assert len(results[0]) == 3
    assert results[0] == results[1] == results[2]
    ids = {r[2] for r in results[0]}
    assert ids == {"story-0", "story-1", "story-2"}
    paths = {r.provenance.article_path for r in store.records()}
    assert paths == {f"{files[2]}#{n}" for n in (1, 2, 3)}


def test_the_dataset_date_decides_what_on_tuesday_means(server: FakeServer, tmp_path: Path):
    """Story 0 says "in Oslo on Tuesday"; its text also has a header line of another date."""
    text = clean_text(0, published="May 20, 2021")
    cases = [("2021-05-06", dt.date(2021, 5, 4)), ("2021-05-13", dt.date(2021, 5, 11))]
    for published, tuesday in cases:
        row = {"id": "a", "published": published, "text": text}
        out = tmp_path / published
        extract(server, [write_jsonl(tmp_path / f"{published}.jsonl", [row])], out)
        (record,) = [r for r in _store(out).records()]
        assert record.meeting.date == tuesday
        assert record.provenance.published == dt.date.fromisoformat(published)
        assert record.provenance.published_source == "dataset"
    # without a date column, the text's header decides: Tuesday before Thursday, May 20
    extract(server, [write_jsonl(tmp_path / "undated.jsonl", [{"text": text}])], tmp_path / "u")
    (record,) = _store(tmp_path / "u").records()
    assert record.meeting.date == dt.date(2021, 5, 18)
    assert record.provenance.published_source == "header"


def _store(out: Path):
    from meetx.pipeline.batch.sinks import OutputStore

    return OutputStore(out)


def test_the_flag_fills_rows_without_a_date_and_yields_to_rows_with_one(
    server: FakeServer, tmp_path: Path
):
    data = rows(published=["2021-05-06", "", None])
    file = write_jsonl(tmp_path / "a.jsonl", data)
    extract(server, [file], tmp_path / "out", InputOptions(published=dt.date(2021, 5, 13)))
    by_id = {r.provenance.source_id: r.provenance for r in _store(tmp_path / "out").records()}
    assert by_id["story-0"].published_source == "dataset"
    assert by_id["story-0"].published == dt.date(2021, 5, 6)
    assert by_id["story-1"].published_source == by_id["story-2"].published_source == "flag"
    assert by_id["story-2"].published == dt.date(2021, 5, 13)


def test_columns_are_found_by_their_common_names_or_named(server: FakeServer, tmp_path: Path):
    renamed = [
        {
            "doc_id": r["id"],
            "link": r["url"],
            "headline": r["title"],
            "publish_date": r["published"],
            "Body": r["text"],
            "language": "EN-gb",
        }
        for r in rows()
    ]
    _, found = extract(server, [write_csv(tmp_path / "a.csv", renamed)], tmp_path / "o1")
    named = [{"story": r["text"], "ref": r["id"], "when": r["published"]} for r in rows()]
    columns = Columns(text="story", id="ref", published="when")
    file = write_jsonl(tmp_path / "b.jsonl", named)
    _, given = extract(server, [file], tmp_path / "o2", InputOptions(columns=columns))
    for store in (found, given):
        ids = {r.provenance.source_id for r in store.records()}
        assert ids == {"story-0", "story-1", "story-2"}
        assert {r.provenance.published_source for r in store.records()} == {"dataset"}
    assert {r.provenance.url for r in found.records()} >= {"https://daily-ledger.example/world/0"}
    assert {(r.provenance.lang, r.provenance.lang_source) for r in found.records()} == {
        ("en", "dataset")
    }
    assert found.article(found.records()[0].provenance.article_id).headline in {
        r["title"] for r in rows()
    }


def test_a_table_without_a_text_column_is_one_line_naming_its_columns(tmp_path: Path):
    file = write_csv(tmp_path / "a.csv", [{"id": "1", "headline": "h", "story": "s"}])
    with pytest.raises(ArticleError) as caught:
        list(tables.rows(file, "csv"))
    message = str(caught.value)
    assert "no text column" in message and "id, headline, story" in message
    assert "--text-column" in message and "\n" not in message
    with pytest.raises(ArticleError, match=r"has no column 'tekst' \(--text-column; found: id"):
        list(tables.rows(file, "csv", Columns(text="tekst")))
    with pytest.raises(ArticleError, match=r"--date-column"):
        list(tables.rows(file, "csv", Columns(text="story", published="when")))


def test_bad_rows_and_bad_files_are_one_line_each_and_the_run_goes_on(
    server: FakeServer, tmp_path: Path
):
    good = rows()
    folder = tmp_path / "in"
    folder.mkdir()
    jsonl = folder / "a.jsonl"
    jsonl.write_text(
        json.dumps(good[0])
        + "\n"
        + '{"id": "cut", "text": "The minis\n'  # a malformed row
        + "[1, 2]\n"  # not an object
        + json.dumps({"id": "empty", "text": "  "})
        + "\n"  # no text
        + json.dumps({"id": "number", "text": 42})
        + "\n"  # not text
        + json.dumps(good[1])
        + "\n"
    )
    csv_file = write_csv(folder / "b.csv", [good[2]])
    with csv_file.open("a") as fh:
        fh.write("only,three,fields\n")
    write_csv(folder / "c.csv", [{"id": "1", "story": "x"}])  # no text column
    (folder / "d.parquet").write_text("id,text\n1,not parquet at all\n")
    (folder / "e.json").write_text(json.dumps(good))
    summary, store = extract(server, [folder], tmp_path / "out")
    assert summary.articles == 3
    assert {r.provenance.source_id for r in store.records()} == {"story-0", "story-1", "story-2"}
    expected = {
        "a.jsonl row 2": "not JSON",
        "a.jsonl row 3": "a JSON list, not an object",
        "a.jsonl row 4": "no text in column 'text'",
        "a.jsonl row 5": "column 'text' is not text (int)",
        "b.csv row 2": "3 fields where the header has 6",
        "c.csv": "no text column",
        "d.parquet": "is not a Parquet file",
        "e.json": "give one article per line as JSONL",
    }
    assert summary.unreadable == len(expected)
    for where, reason in expected.items():
        (line,) = [p for p in summary.problems if f"/{where}" in p]
        assert reason in line and "\n" not in line, line


def test_a_rerun_skips_rows_done_and_a_changed_row_is_a_new_article(
    server: FakeServer, tmp_path: Path
):
    data = rows()
    file = write_parquet(tmp_path / "a.parquet", data)
    first, store = extract(server, [file], tmp_path / "out")
    assert first.articles == 3
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    assert sorted(e["source_id"] for e in ledger) == ["story-0", "story-1", "story-2"]
    requests = server.requests
    again, _ = extract(server, [file], tmp_path / "out")
    assert (again.articles, again.skipped, server.requests) == (0, 3, requests)
    data[1]["text"] = data[1]["text"].replace("steady", "calm")
    changed, store = extract(server, [write_parquet(file, data)], tmp_path / "out")
    assert (changed.articles, changed.skipped) == (1, 2)
    story1 = [r for r in store.records() if r.provenance.source_id == "story-1"]
    assert len(story1) == 2 and story1[0].provenance.article_id != story1[1].provenance.article_id


def test_rows_stream_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Parquet file is read a batch of rows at a time, never whole."""
    big = [dict(r, id=f"{r['id']}-{n}") for n in range(40) for r in rows()]
    file = write_parquet(tmp_path / "big.parquet", big, row_group_size=50)
    monkeypatch.setattr(tables, "PARQUET_BATCH_ROWS", 7)
    seen: list[int] = []
    import pyarrow.parquet as pq

    real = pq.ParquetFile.iter_batches

    def spy(self, *args, **kwargs):
        for batch in real(self, *args, **kwargs):
            seen.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    read = tables.rows(file, "parquet")
    first = next(read)
    assert isinstance(first, tables.Row) and first.source_id == "story-0-0"
    assert seen == [7]  # one batch read for the first row
    assert len(list(read)) == len(big) - 1 and max(seen) <= 7


def test_gzipped_jsonl_and_semicolon_csv(tmp_path: Path):
    import gzip

    data = rows()
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in data)
    semicolons = write_csv(tmp_path / "b.csv", data, delimiter=";")
    for path, fmt in ((tmp_path / "a.jsonl.gz", "jsonl"), (semicolons, "csv")):
        assert tables.format_of(path) == fmt
        read = [r for r in tables.rows(path, fmt) if isinstance(r, tables.Row)]
        assert [r.source_id for r in read] == ["story-0", "story-1", "story-2"]
        assert read[0].text == data[0]["text"]
