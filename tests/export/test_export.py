"""Export to CSV, Parquet, SQLite and DuckDB with stable columns; the JSONL loads as it is."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.errors import ExportError
from meetx.pipeline.workflow import export, merge
from meetx.pipeline.workflow.review import ReviewLog
from tests.review import seeds

pytestmark = pytest.mark.skipif(
    not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"
)
runner = CliRunner()

# Renaming a column breaks every notebook and dashboard built on the export: pinned here.
COLUMNS = {
    "meetings": (
        "id event_id article_id article_path status date date_text start_time start_time_text "
        "format duration_minutes duration_text venue_place venue_city venue_country "
        "venue_country_code participant_count participant_names outcomes quote reviewed "
        "flagged issues model prompt_version schema_version extracted_at"
    ),
    "participants": (
        "meeting_id event_id position name role country country_code is_organisation quote "
        "article_path date"
    ),
    "events": (
        "event_id status date start_time format duration_minutes venue_place venue_city "
        "venue_country venue_country_code participant_count participant_names outcome_count "
        "mention_count record_ids article_paths disagreement_count disagreement_fields"
    ),
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    seeds.seeds_output(tmp_path / "out", flag_001=False)
    review = ReviewLog(tmp_path / "out")
    review.accept(review.pending()[0], "tester")  # seed 003, so every seed is in the export
    merge.write(tmp_path / "out")
    return tmp_path / "out"


def test_column_names_are_stable():
    assert {name: " ".join(cols) for name, cols in export.COLUMNS.items()} == COLUMNS


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_every_format_holds_the_three_tables(out, fmt):
    result = runner.invoke(app, ["export", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert all(p.exists() and p.parent == out / "export" for p in written)
    tables = read_back(fmt, out / "export")
    for name, frame in tables.items():
        assert tuple(frame.columns) == tuple(COLUMNS[name].split()), name
    meetings, participants, events = tables["meetings"], tables["participants"], tables["events"]
    assert len(meetings) == 5 and len(events) == 4
    assert len(participants) == 3 + 3 + 3 + 3 + 3  # one row per participant per meeting
    merged = events[events["mention_count"] == 2]
    assert len(merged) == 1
    (event_id,) = list(merged["event_id"])
    assert sorted(
        meetings[meetings["event_id"] == event_id]["article_path"].map(lambda p: Path(p).name[:3])
    ) == ["000", "001"]
    assert set(participants[participants["event_id"] == event_id]["name"]) == {
        "Chung Eui-yong",
        "H.R. McMaster",
        "Herbert McMaster",
        "Shotaro Yachi",
    }
    assert "Herbert McMaster" in next(iter(merged["participant_names"]))
    assert str(next(iter(merged["date"])))[:10] == "2017-08-03"
    assert int(meetings["reviewed"].astype(int).sum()) == 1


def read_back(fmt: str, where: Path) -> dict[str, pd.DataFrame]:
    names = ("meetings", "participants", "events")
    if fmt == "csv":
        return {n: pd.read_csv(where / f"{n}.csv") for n in names}
    if fmt == "parquet":
        return {n: pq.read_table(where / f"{n}.parquet").to_pandas() for n in names}
    if fmt == "sqlite":
        with sqlite3.connect(where / "meetx.sqlite") as con:
            return {n: pd.read_sql_query(f"SELECT * FROM {n}", con) for n in names}
    with duckdb.connect(str(where / "meetx.duckdb"), read_only=True) as con:
        return {n: con.sql(f"SELECT * FROM {n}").to_arrow_table().to_pandas() for n in names}


def test_types_survive_in_typed_formats(out):
    export.export(out, "duckdb")
    with duckdb.connect(str(out / "export" / "meetx.duckdb"), read_only=True) as con:
        types = dict(
            con.sql(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'meetings'"
            ).fetchall()
        )
    assert types["date"] == "DATE" and types["start_time"] == "TIME"
    assert types["duration_minutes"] == "INTEGER" and types["reviewed"] == "BOOLEAN"


def test_unknown_format_and_unwritable_target_are_errors(out, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        export.export(out, "xlsx")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        export.export(out, "csv", blocker / "sub")
    result = runner.invoke(app, ["export", "--format", "xml", "--output", str(out)])
    assert result.exit_code == 2 and "unknown export format" in result.stderr


@pytest.mark.parametrize("name", ["meetings", "review", "ledger", "decisions", "events"])
def test_the_jsonl_loads_without_options(out, name):
    path = out / f"{name}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines
    relation = duckdb.read_json(str(path))
    assert relation.shape[0] == len(lines)
    frame = pd.read_json(path, lines=True)
    assert len(frame) == len(lines)
    if name in ("meetings", "events"):
        assert set(frame["id"]) == {line["id"] for line in lines}
