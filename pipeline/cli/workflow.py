"""``meetx merge``, ``meetx report`` and ``meetx export``: what follows an extraction."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.workflow import export, merge, report

err = Console(stderr=True)

Output = Annotated[Path | None, typer.Option("--output", "-o", help="output directory [output]")]
Flagged = Annotated[
    bool, typer.Option("--include-flagged", help="also the flagged records not yet decided")
]


def _directory(output: Path | None) -> Path:
    return Settings.from_env(os.environ, output_dir=output).output_dir


def merge_command(
    output: Output = None,
    include_flagged: Flagged = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the events too")] = False,
) -> None:
    """Merge meetings reported by several articles into OUTPUT/events.jsonl."""
    try:
        directory = _directory(output)
        events = merge.write(directory, include_flagged)
    except MeetxError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        for event in events:
            sys.stdout.write(event.model_dump_json() + "\n")
    merged = sum(1 for e in events if len(e.mentions) > 1)
    err.print(
        f"{len(events)} event(s) from {sum(len(e.mentions) for e in events)} meeting(s), "
        f"{merged} reported by several articles: {directory / merge.EVENTS}"
    )


def report_command(
    output: Output = None,
    to: Annotated[
        Path | None, typer.Option("--to", help="the HTML file [OUTPUT/report.html]")
    ] = None,
    articles: Annotated[
        Path | None, typer.Option("--articles", help="where to look for article files moved since")
    ] = None,
) -> None:
    """Write one self-contained HTML page: articles, their meetings, quotes highlighted."""
    try:
        path = report.write(_directory(output), to, articles)
    except MeetxError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    err.print(f"report: {path}")


def export_command(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet, sqlite or duckdb")],
    output: Output = None,
    to: Annotated[Path | None, typer.Option("--to", help="directory [OUTPUT/export]")] = None,
    include_flagged: Flagged = False,
) -> None:
    """Export meetings, participants and events as CSV, Parquet, SQLite or DuckDB."""
    try:
        written = export.export(_directory(output), fmt, to, include_flagged)
    except MeetxError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for path in written:
        sys.stdout.write(f"{path}\n")
