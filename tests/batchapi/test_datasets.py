"""``meetx batch submit`` reads its inputs as ``meetx extract`` does: a dataset is its rows.

A JSONL or CSV table of articles is one request per row (not one article of the whole file),
and ``collect`` reads each row back from the stored articles, so the records keep the row's
id, URL and publication date.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.batchapi.fakebatch import FakeBatchServer, Plan
from tests.batchapi.helpers import environment, meetx, until_done
from tests.faults.fakeserver import synthetic_article

ROWS = 3


def rows() -> list[dict[str, str]]:
    return [
        {
            "id": f"wire-{i}",
            "url": f"https://news.example/{i}",
            "published": f"2024-03-{10 + i:02}",
            "text": synthetic_article(i),
        }
        for i in range(ROWS)
    ]


def write(folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"articles.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows()[0]))
            writer.writeheader()
            writer.writerows(rows())
    return path


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_a_dataset_is_submitted_and_collected_row_by_row(tmp_path: Path, kind: str):
    path, out = write(tmp_path / "in", kind), tmp_path / "out"
    with FakeBatchServer(Plan(polls=0), max_seconds=60) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        result = meetx("batch", "submit", str(path), "-o", str(out), env=env)
        assert f"sent {ROWS} article(s), {ROWS} request(s)" in result.output
        until_done(out, env)
        again = meetx("batch", "submit", str(path), "-o", str(out), env=env)
        assert "sent 0 article(s)" in again.output  # every row is committed: nothing twice
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert len(ledger) == ROWS
    records = [json.loads(line) for line in (out / "meetings.jsonl").read_text().splitlines()]
    by_id = {r["provenance"]["source_id"]: r for r in records}
    assert set(by_id) == {row["id"] for row in rows()}
    for row in rows():
        provenance = by_id[row["id"]]["provenance"]
        assert provenance["url"] == row["url"]
        assert provenance["published"] == row["published"]
        assert provenance["published_source"] == "dataset"
        assert provenance["article_path"].startswith(f"{path}#")


def test_a_row_without_text_is_one_line_and_the_rest_is_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    folder = tmp_path / "in"
    folder.mkdir()
    good = rows()[:2]
    lines = [json.dumps(good[0]), json.dumps({"id": "empty", "text": ""}), json.dumps(good[1])]
    path = folder / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with FakeBatchServer(Plan(polls=0), max_seconds=60) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        result = meetx("batch", "submit", str(path), "-o", str(tmp_path / "out"), env=env)
    assert "sent 2 article(s), 2 request(s)" in result.output
    assert "row 2: no text in column 'text'" in caplog.text  # the bad row, named
