"""``meetx export``: meetings, participants and events as CSV, Parquet, SQLite or DuckDB.

Three tables with stable column names (:data:`COLUMNS`, pinned by a test):

- ``meetings``: one row per meeting record (``meetings.jsonl``: clean and reviewed; with
  ``include_flagged`` also the flagged records not yet decided), with the id of its event;
- ``participants``: one row per participant per meeting;
- ``events``: one row per event (see ``pipeline.workflow.merge``), recomputed from the same records.

Lists inside a row (names, outcomes, record ids) are joined with ``"; "``. The tables are
built as ``pyarrow`` tables with a fixed schema, then written by ``pyarrow`` (CSV, Parquet),
``duckdb`` (a ``.duckdb`` file) or the standard library's ``sqlite3``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from meetx.pipeline.errors import ExportError
from meetx.pipeline.workflow import merge
from meetx.schemas.event import Event
from meetx.schemas.record import MeetingRecord

log = logging.getLogger(__name__)

FORMATS = ("csv", "parquet", "sqlite", "duckdb")
SEP = "; "

SCHEMAS: dict[str, pa.Schema] = {
    "meetings": pa.schema(
        [
            ("id", pa.string()),
            ("event_id", pa.string()),
            ("article_id", pa.string()),
            ("article_path", pa.string()),
            ("status", pa.string()),
            ("date", pa.date32()),
            ("date_text", pa.string()),
            ("start_time", pa.time32("s")),
            ("start_time_text", pa.string()),
            ("format", pa.string()),
            ("duration_minutes", pa.int32()),
            ("duration_text", pa.string()),
            ("venue_place", pa.string()),
            ("venue_city", pa.string()),
            ("venue_country", pa.string()),
            ("venue_country_code", pa.string()),
            ("participant_count", pa.int32()),
            ("participant_names", pa.string()),
            ("outcomes", pa.string()),
            ("quote", pa.string()),
            ("reviewed", pa.bool_()),
            ("flagged", pa.bool_()),
            ("issues", pa.string()),
            ("model", pa.string()),
            ("prompt_version", pa.string()),
            ("schema_version", pa.string()),
            ("extracted_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
    "participants": pa.schema(
        [
            ("meeting_id", pa.string()),
            ("event_id", pa.string()),
            ("position", pa.int32()),
            ("name", pa.string()),
            ("role", pa.string()),
            ("country", pa.string()),
            ("country_code", pa.string()),
            ("is_organisation", pa.bool_()),
            ("quote", pa.string()),
            ("article_path", pa.string()),
            ("date", pa.date32()),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("status", pa.string()),
            ("date", pa.date32()),
            ("start_time", pa.time32("s")),
            ("format", pa.string()),
            ("duration_minutes", pa.int32()),
            ("venue_place", pa.string()),
            ("venue_city", pa.string()),
            ("venue_country", pa.string()),
            ("venue_country_code", pa.string()),
            ("participant_count", pa.int32()),
            ("participant_names", pa.string()),
            ("outcome_count", pa.int32()),
            ("mention_count", pa.int32()),
            ("record_ids", pa.string()),
            ("article_paths", pa.string()),
            ("disagreement_count", pa.int32()),
            ("disagreement_fields", pa.string()),
        ]
    ),
}
COLUMNS = {name: tuple(schema.names) for name, schema in SCHEMAS.items()}


def _time(value: dt.time | None) -> dt.time | None:
    return value.replace(microsecond=0) if value else None


def _meeting_row(record: MeetingRecord, event_id: str | None, flagged: bool) -> dict[str, Any]:
    m, p = record.meeting, record.provenance
    return {
        "id": record.id,
        "event_id": event_id,
        "article_id": p.article_id,
        "article_path": p.article_path,
        "status": m.status.value,
        "date": m.date,
        "date_text": m.date_text,
        "start_time": _time(m.start_time),
        "start_time_text": m.start_time_text,
        "format": m.format.value,
        "duration_minutes": m.duration_minutes,
        "duration_text": m.duration_text,
        "venue_place": m.venue.place,
        "venue_city": m.venue.city,
        "venue_country": m.venue.country,
        "venue_country_code": m.venue.country_code,
        "participant_count": len(m.participants),
        "participant_names": SEP.join(x.name for x in m.participants if x.name),
        "outcomes": SEP.join(o.text for o in m.outcomes),
        "quote": m.quote,
        "reviewed": record.reviewed,
        "flagged": flagged,
        "issues": SEP.join(f"{i.kind}:{i.field or ''}" for i in record.issues),
        "model": p.model,
        "prompt_version": p.prompt_version,
        "schema_version": p.schema_version,
        "extracted_at": p.extracted_at,
    }


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "status": event.status.value,
        "date": event.date,
        "start_time": _time(event.start_time),
        "format": event.format.value,
        "duration_minutes": event.duration_minutes,
        "venue_place": event.venue.place,
        "venue_city": event.venue.city,
        "venue_country": event.venue.country,
        "venue_country_code": event.venue.country_code,
        "participant_count": len(event.participants),
        "participant_names": SEP.join(x.name for x in event.participants if x.name),
        "outcome_count": len(event.outcomes),
        "mention_count": len(event.mentions),
        "record_ids": SEP.join(m.record_id for m in event.mentions),
        "article_paths": SEP.join(m.article_path for m in event.mentions),
        "disagreement_count": len(event.disagreements),
        "disagreement_fields": SEP.join(d.field for d in event.disagreements),
    }


def tables(
    records: Sequence[MeetingRecord], events: Sequence[Event], flagged: frozenset[str]
) -> dict[str, pa.Table]:
    """The three tables, typed by :data:`SCHEMAS`."""
    event_of = {m.record_id: e.id for e in events for m in e.mentions}
    meetings = [_meeting_row(r, event_of.get(r.id), r.id in flagged) for r in records]
    participants = [
        {
            "meeting_id": r.id,
            "event_id": event_of.get(r.id),
            "position": i,
            "name": x.name,
            "role": x.role,
            "country": x.country,
            "country_code": x.country_code,
            "is_organisation": x.is_organisation,
            "quote": x.quote,
            "article_path": r.provenance.article_path,
            "date": r.meeting.date,
        }
        for r in records
        for i, x in enumerate(r.meeting.participants)
    ]
    rows = {
        "meetings": meetings,
        "participants": participants,
        "events": list(map(_event_row, events)),
    }
    return {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


_SQLITE_TYPES = {"string": "TEXT", "bool": "INTEGER", "int32": "INTEGER"}


def _write_sqlite(path: Path, data: dict[str, pa.Table]) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as con:
        for name, table in data.items():
            columns = ", ".join(
                f'"{f.name}" {_SQLITE_TYPES.get(str(f.type), "TEXT")}' for f in table.schema
            )
            con.execute(f'CREATE TABLE "{name}" ({columns})')
            marks = ", ".join("?" for _ in table.schema)
            con.executemany(
                f'INSERT INTO "{name}" VALUES ({marks})',
                [tuple(_sqlite_value(v) for v in row.values()) for row in table.to_pylist()],
            )
    con.close()


def _write_duckdb(path: Path, data: dict[str, pa.Table]) -> None:
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        for name, table in data.items():
            con.register("incoming", table)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            con.unregister("incoming")


def write(data: dict[str, pa.Table], fmt: str, target: Path) -> list[Path]:
    """Write the tables to ``target`` (a directory) in ``fmt``; return the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    try:
        target.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            written = [target / f"{name}.csv" for name in data]
            for (_, table), path in zip(data.items(), written, strict=True):
                pa_csv.write_csv(table, path)
            return written
        if fmt == "parquet":
            written = [target / f"{name}.parquet" for name in data]
            for (_, table), path in zip(data.items(), written, strict=True):
                pq.write_table(table, path)
            return written
        path = target / f"meetx.{fmt}"
        (_write_sqlite if fmt == "sqlite" else _write_duckdb)(path, data)
        return [path]
    except (OSError, pa.ArrowException, sqlite3.Error, duckdb.Error) as exc:
        raise ExportError(f"cannot write the {fmt} export to {target}: {exc}") from exc


def export(
    directory: Path, fmt: str, target: Path | None = None, include_flagged: bool = False
) -> list[Path]:
    """Export an output directory's records and their events."""
    records, flagged = merge.inputs(directory, include_flagged)
    events = merge.events(records, flagged)
    written = write(tables(records, events, flagged), fmt, target or directory / "export")
    log.info("exported %d meetings and %d events to %s", len(records), len(events), written)
    return written
