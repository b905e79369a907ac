"""``meetx extract -``: one article, or JSONL/CSV rows, from standard input, in a pipeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from meetx.pipeline.batch.sinks import OutputStore
from tests.conftest import ROOT
from tests.faults.fakeserver import FakeServer
from tests.inputs.pages import clean_text, page, rows


def meetx(server: FakeServer, args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.url,
        "MEETX_MODEL": "fake-model",
        "MEETX_CONSTRAIN": "0",
        "MEETX_RETRY_WAIT_S": "0.01",
        "MEETX_WORKERS": "0",
        "COLUMNS": "400",  # one problem, one line on stderr
    }
    command = [sys.executable, "-c", "from meetx.pipeline.cli.app import app; app()"]
    return subprocess.run(
        [*command, "extract", *args],
        input=stdin,
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )


def test_one_article_from_stdin_with_a_publication_date(server: FakeServer, tmp_path: Path):
    out = tmp_path / "out"
    done = meetx(server, ["-", "-o", str(out), "--published", "2021-05-13"], clean_text(0).encode())
    assert done.returncode == 0, done.stderr.decode()
    (record,) = OutputStore(out).records()
    assert record.provenance.article_path == "<stdin>"
    assert record.provenance.published_source == "flag"
    assert str(record.meeting.date) == "2021-05-11"  # the Tuesday before
    article = OutputStore(out).article(record.provenance.article_id)
    assert article is not None and article.text == clean_text(0)  # kept: nowhere else


def test_a_page_from_stdin(server: FakeServer, tmp_path: Path):
    done = meetx(server, ["-", "-o", str(tmp_path)], page(2).encode())
    assert done.returncode == 0, done.stderr.decode()
    (record,) = OutputStore(tmp_path).records()
    assert record.provenance.published_source == "html"


def test_jsonl_rows_from_stdin_stream_in_a_pipeline(server: FakeServer, tmp_path: Path):
    lines = "".join(json.dumps(r) + "\n" for r in rows()) + "not json\n"
    done = meetx(server, ["-", "--format", "jsonl", "-o", str(tmp_path)], lines.encode())
    assert done.returncode == 0, done.stderr.decode()
    records = OutputStore(tmp_path).records()
    assert sorted(r.provenance.source_id for r in records) == ["story-0", "story-1", "story-2"]
    assert {r.provenance.article_path for r in records} == {"<stdin>#1", "<stdin>#2", "<stdin>#3"}
    assert "<stdin> row 4: not JSON" in done.stderr.decode()


def test_a_bad_format_is_a_clear_error(server: FakeServer, tmp_path: Path):
    done = meetx(server, ["-", "--format", "xml", "-o", str(tmp_path)], b"")
    assert done.returncode == 2
    assert "unknown input format 'xml'" in done.stderr.decode()
    parquet = meetx(server, ["-", "--format", "parquet", "-o", str(tmp_path)], b"PAR1")
    assert parquet.returncode == 0
    assert "parquet cannot be read from a stream; name the file" in parquet.stderr.decode()
