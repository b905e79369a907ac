"""Killed and run again: ``meetx batch collect`` and ``submit`` write and send nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meetx.pipeline.batch import manifest
from meetx.pipeline.batch.sinks import OutputStore
from tests.batchapi.fakebatch import FakeBatchServer, Plan
from tests.batchapi.helpers import comparable, environment, meetx, until_done
from tests.conftest import ROOT
from tests.faults.helpers import assert_exactly_once, write_articles

# `meetx batch collect` that commits three articles at a time and kills itself (SIGKILL) in
# its second commit, after the meeting and review lines, before the ledger lines.
DYING = """
import os, signal, sys
from meetx.pipeline.batch import collect, sinks
collect.GROUP = 3
append = sinks.OutputStore._append
ledgers = []
def dying(self, path, items):
    if path.name == "ledger.jsonl":
        ledgers.append(path)
        if len(ledgers) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    append(self, path, items)
sinks.OutputStore._append = dying
from meetx.pipeline.cli.app import app
app(sys.argv[1:])
"""
PLAIN = "import sys\nfrom meetx.pipeline.cli.app import app\napp(sys.argv[1:])\n"


def child(code: str, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, "batch", "collect", "--output", str(out)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines(out: Path, name: str) -> int:
    path = out / name
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture(scope="module")
def server():
    with FakeBatchServer(Plan(polls=0), max_requests=1000, max_seconds=150) as running:
        yield running


def submitted(base: Path, server: FakeBatchServer, n: int) -> tuple[dict[str, str], Path]:
    ids = write_articles(base / "in", n)
    env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
    meetx("batch", "submit", str(base / "in"), "-o", str(base / "out"), env=env)
    return ids, base / "out"


def reference(tmp_path: Path, server: FakeBatchServer, n: int) -> Path:
    """The same articles submitted and collected without a kill."""
    _, out = submitted(tmp_path / "reference", server, n)
    until_done(out, environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0"))
    return out


def test_collect_killed_in_a_commit_then_run_again(tmp_path: Path, server: FakeBatchServer):
    n = 10
    ids, out = submitted(tmp_path, server, n)
    env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
    proc = child(DYING, out, env)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, stderr
    assert lines(out, "ledger.jsonl") == 3  # the first three committed
    assert lines(out, "meetings.jsonl") > 3  # and lines of three more, uncommitted
    downloads = len(server.files)
    assert until_done(out, env) == 1
    assert len(server.files) == downloads  # nothing uploaded again
    store = OutputStore(out)
    assert_exactly_once(store, set(ids))
    assert comparable(out) == comparable(reference(tmp_path, server, n))


def test_collect_killed_at_random_moments_then_run_again(tmp_path: Path, server: FakeBatchServer):
    n = 40
    ids, out = submitted(tmp_path, server, n)
    env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
    rng = random.Random(20261202)
    for _ in range(3):
        proc = child(PLAIN, out, env)
        time.sleep(rng.uniform(2.0, 5.0))  # importing, downloading, committing ...
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    until_done(out, env)
    assert_exactly_once(OutputStore(out), set(ids))
    assert comparable(out) == comparable(reference(tmp_path, server, n))


def test_submit_killed_before_noting_its_batch_finds_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ids = write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    noted = manifest.Manifest.set_state

    def killed(self: manifest.Manifest, name: str, state: object) -> None:
        monkeypatch.setattr(manifest.Manifest, "set_state", noted)
        raise KeyboardInterrupt  # the batch exists; its id is not noted

    monkeypatch.setattr(manifest.Manifest, "set_state", killed)
    with FakeBatchServer(Plan(polls=0)) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        result = meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env, code=130)
        assert "interrupted" in result.output and len(server.batches) == 1
        again = meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env)
        assert "3 article(s) already done or sent" in again.output
        assert len(server.batches) == 1  # found by its tag, not created twice
        assert until_done(out, env) == 1
    assert_exactly_once(OutputStore(out), set(ids))


def test_submitting_twice_sends_nothing_twice(tmp_path: Path):
    write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    with FakeBatchServer(Plan(polls=0)) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env)
        until_done(out, env)
        write_articles(tmp_path / "in", 2, start=3)
        again = meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env)
    assert "sent 2 article(s)" in again.output and "3 article(s) already done" in again.output
    assert [len(lines) for lines in server.inputs.values()] == [3, 2]
