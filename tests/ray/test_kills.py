"""Kill a run's processes on a Ray cluster: a worker mid-run loses nothing; a killed driver resumes.

The fake server (in this process, 127.0.0.1) answers after a few hundred milliseconds, so a
run lasts long enough to be killed in the middle. Only processes this test started are
killed, by their pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from meetx.pipeline.batch import cluster
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.extraction import prompts
from tests.conftest import ROOT, takes_ctrl_c
from tests.faults.fakeserver import FakeServer
from tests.faults.helpers import assert_exactly_once, write_articles
from tests.faults.test_faults import settings_for
from tests.ray.helpers import model_actors

pytestmark = pytest.mark.ray
pytest.importorskip("ray")

SLOTS = 8
SECRET = "sk-" + "ray-test-do-not-leak-77"  # a canary key, split so no scanner mistakes it


def test_a_model_actor_killed_mid_run_loses_nothing_and_pays_little_twice(
    ray_cluster: str, tmp_path: Path
):
    n = 200
    ids = write_articles(tmp_path / "in", n)
    killed: list[int] = []

    def kill_the_actor_when(server: FakeServer, answered: int) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.sent["ok"] < answered:
            time.sleep(0.01)
        for pid in model_actors():  # the one actor of the pool
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with FakeServer(latency_s=0.3, max_requests=2000, max_seconds=240) as server:
        settings = settings_for(server, tmp_path / "out", concurrency=SLOTS, ray_address="auto")
        killer = threading.Thread(target=kill_the_actor_when, args=(server, n // 3))
        killer.start()
        summary = cluster.run(
            [tmp_path / "in"],
            settings,
            prompts.load(settings.prompts_dir),
            OutputStore(settings.output_dir),
        )
        killer.join()
        paid = server.requests

    assert len(killed) == 1, "the actor was not killed mid-run"
    assert_exactly_once(OutputStore(tmp_path / "out"), set(ids))
    assert (summary.articles, summary.failed, summary.meetings) == (n, 0, n)
    # Ray restarted the actor and ran its batches again; answers that had come were in the
    # cache, so only the requests in flight at the kill were paid twice
    assert n <= paid <= n + SLOTS, paid
    assert summary.cached >= 1  # some of them: the batches cut short had answers stored


def driver(server: FakeServer, address: str, articles: Path, out: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.url,
        "OPENAI_API_KEY": SECRET,
        "MEETX_MODEL": "fake-model",
        "MEETX_CONSTRAIN": "0",
        "MEETX_RETRY_WAIT_S": "0.01",
        "MEETX_TIMEOUT_S": "5",
        "MEETX_CONCURRENCY": str(SLOTS),
    }
    command = [sys.executable, "-c", "from meetx.pipeline.cli.app import app; app()"]
    return subprocess.Popen(
        [*command, "extract", str(articles), "--output", str(out), "--ray", address],
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


def wait_for_commits(proc: subprocess.Popen[str], out: Path, commits: int) -> None:
    deadline = time.monotonic() + 120
    while proc.poll() is None and committed(out) < commits and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_killed_driver_resumes_and_an_interrupted_one_stops_cleanly(
    ray_cluster: str, tmp_path: Path
):
    n = 240
    ids = write_articles(tmp_path / "in", n)
    out = tmp_path / "out"
    with FakeServer(latency_s=0.2, max_requests=3000, max_seconds=400) as server:
        proc = driver(server, ray_cluster, tmp_path / "in", out)
        wait_for_commits(proc, out, 40)
        assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        after_kill = committed(out)

        proc = driver(server, ray_cluster, tmp_path / "in", out)
        wait_for_commits(proc, out, after_kill + 40)
        proc.send_signal(signal.SIGINT)  # Ctrl-C: commit what came back, summary, exit 130
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 130, stderr
        said = " ".join(stderr.split())
        assert "interrupted" in said and "articles " in said
        interrupted_at = committed(out)
        assert after_kill < interrupted_at < n
        assert OutputStore(out).recover() == 0  # everything written was committed

        proc = driver(server, ray_cluster, tmp_path / "in", out)
        _, stderr = proc.communicate(timeout=300)
        paid = server.requests
    assert proc.returncode == 0, stderr
    said = " ".join(stderr.split())
    assert f"({interrupted_at} skipped" in said or f"skipped {interrupted_at}" in said, said
    assert_exactly_once(OutputStore(out), set(ids))
    # the killed and the interrupted driver each abandoned at most its requests in flight
    assert n <= paid <= n + 2 * SLOTS, paid
    for path in out.rglob("*"):  # the stored articles of out/articles/ too
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the API key leaked into {path}"
    assert SECRET not in stderr
