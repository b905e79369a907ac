"""Kill ``meetx extract`` at random points, run it again: every article once, nothing lost.

The command runs as a child process against the fake server (in this process, on 127.0.0.1).
It is killed with SIGKILL several times, at random moments or after a random number of
commits, then run to the end; Ctrl-C and SIGTERM must stop it cleanly with the summary.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meetx.pipeline.batch.sinks import OutputStore
from tests.conftest import ROOT, takes_ctrl_c
from tests.faults.fakeserver import FakeServer, Faults
from tests.faults.helpers import assert_exactly_once, write_articles

SECRET = "sk-" + "test-do-not-leak-4242"  # a canary key, split so no scanner mistakes it
CONCURRENCY = 8
FAULTS = Faults(
    rate_limit_retry_after=0.04,
    server_error=0.05,
    reset=0.03,
    garbage=0.03,
    truncated=0.02,
    schema_violation=0.02,
)


def start(server: FakeServer, articles: Path, out: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.url,
        "OPENAI_API_KEY": SECRET,
        "MEETX_MODEL": "fake-model",
        "MEETX_CONSTRAIN": "0",
        "MEETX_RETRY_WAIT_S": "0.01",
        "MEETX_TIMEOUT_S": "5",
        "MEETX_CONCURRENCY": str(CONCURRENCY),
    }
    command = [sys.executable, "-c", "from pipeline.cli.app import app; app()"]
    return subprocess.Popen(
        [*command, "extract", str(articles), "--output", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=takes_ctrl_c,
    )


def committed(out: Path) -> int:
    ledger = out / "ledger.jsonl"
    return ledger.read_bytes().count(b"\n") if ledger.exists() else 0


def wait_for(proc: subprocess.Popen[str], out: Path, commits: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and committed(out) < commits and time.monotonic() < deadline:
        time.sleep(0.005)


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    _, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, stderr


def test_killed_at_random_points_then_resumed(tmp_path: Path):
    n = 150
    ids = write_articles(tmp_path / "in", n)
    out = tmp_path / "out"
    rng = random.Random(20261124)
    kills = 0
    # six starts of the command line, 10-20 s each when the machine is busy: a long budget
    with FakeServer(FAULTS, latency_s=0.02, max_requests=3000, max_seconds=300) as server:
        for round_ in range(5):
            proc = start(server, tmp_path / "in", out)
            if round_ % 2 == 0:  # a random moment: starting, recovering, mid-commit ...
                time.sleep(rng.uniform(0.2, 1.5))
            else:  # after a random number of further commits
                wait_for(proc, out, committed(out) + rng.randint(1, 30))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=30)
        code, stderr = finish(start(server, tmp_path / "in", out))
        paid_twice = sum(n - 1 for n in server.answered.values() if n > 1)
    assert not server.expired, "the fake server stopped before the last run ended"
    assert code == 0, stderr
    assert kills >= 3
    store = OutputStore(out)
    assert store.recover() == 0  # the last run left nothing to clean
    assert_exactly_once(store, set(ids))
    # an answer is cached the moment it arrives: a kill loses only the answers of requests in
    # flight, at most one per slot (the server counts an answer when it decides to send it,
    # so those it sent to a killed client count too)
    print(f"\n{kills} kills: {paid_twice} answers paid twice (bound {kills * CONCURRENCY})")
    assert paid_twice <= kills * CONCURRENCY
    for path in out.rglob("*"):  # the stored articles of out/articles/ too
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the API key leaked into {path}"
    assert SECRET not in stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_cleanly_with_a_summary(tmp_path: Path, stop: signal.Signals):
    n = 80
    ids = write_articles(tmp_path / "in", n)
    out = tmp_path / "out"
    with FakeServer(latency_s=0.05, max_requests=1000, max_seconds=60) as server:
        proc = start(server, tmp_path / "in", out)
        wait_for(proc, out, 10)
        proc.send_signal(stop)
        code, stderr = finish(proc, timeout=30)
        assert code == 130, stderr
        assert "interrupted" in stderr and "articles " in stderr
        store = OutputStore(out)
        assert 10 <= committed(out) < n
        assert store.recover() == 0  # everything written was committed
        code, stderr = finish(start(server, tmp_path / "in", out))
    assert code == 0, stderr
    assert_exactly_once(OutputStore(out), set(ids))
