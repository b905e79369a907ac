"""A fake OpenAI-compatible server for the module, and a helper that extracts with it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.config import Settings
from meetx.pipeline.extraction import prompts
from meetx.pipeline.reading.sources import InputOptions
from tests.faults.fakeserver import FakeServer


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(max_requests=400, max_seconds=240) as fake:
        yield fake


def extract(
    server: FakeServer,
    paths: list[Path],
    out: Path,
    inputs: InputOptions | None = None,
    workers: int = 0,
) -> tuple[Summary, OutputStore]:
    """``meetx extract`` over ``paths`` into ``out`` against the fake server."""
    settings = Settings(
        base_url=server.url,
        model="fake-model",
        constrain=False,
        output_dir=out,
        concurrency=2,
        workers=workers,
        retry_wait_s=0.01,
    )
    prompt = prompts.load(settings.prompts_dir)
    store = OutputStore(out)
    return engine.run(paths, settings, prompt, store, inputs=inputs), store


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]], row_group_size: int = 2) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path
