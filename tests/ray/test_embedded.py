"""The embedded model on a Ray cluster: one server per actor, its own threads, one request at a
time, stopped with its actor. A fake server stands in for llama.cpp (tests/ray/standin.py)."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import pytest

from meetx.pipeline.batch import cluster
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.config import Settings
from meetx.pipeline.extraction import prompts
from tests.faults.helpers import assert_exactly_once, write_articles
from tests.ray.standin import open_embedded

pytestmark = pytest.mark.ray
pytest.importorskip("ray")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_each_actor_runs_its_own_server_and_takes_it_down_with_it(ray_cluster: str, tmp_path: Path):
    n = 40
    ids = write_articles(tmp_path / "in", n)
    marks = tmp_path / "marks"
    marks.mkdir()
    # two actors of half a CPU on the two-CPU test cluster; no endpoint: the embedded model
    settings = Settings(
        output_dir=tmp_path / "out",
        model="fake-model",
        ray_address=ray_cluster,
        ray_actors=2,
        ray_actor_cpus=0.5,
        retry_wait_s=0.01,
        threads=7,  # this machine's setting: each actor gets what it reserves instead
    )
    assert settings.embedded and settings.slots == 1
    summary = cluster.run(
        [tmp_path / "in"],
        settings,
        prompts.load(settings.prompts_dir),
        OutputStore(settings.output_dir),
        open_endpoint=functools.partial(open_embedded, marks),
    )
    assert_exactly_once(OutputStore(settings.output_dir), set(ids))
    assert (summary.articles, summary.meetings, summary.failed) == (n, n, 0)
    servers = [json.loads(p.read_text()) for p in marks.iterdir()]
    assert len(servers) == 2 and len({s["actor"] for s in servers}) == 2  # one per actor
    assert all(s["threads"] == 1 and s["slots"] == 1 for s in servers)
    assert all(s["peak"] == 1 for s in servers)  # the embedded server's one slot, kept
    # the actors end with the run, and their servers too; an actor's process exits a moment
    # after its server (it stops the server first), so both are waited for
    pids = [pid for s in servers for pid in (s["pid"], s["actor"])]
    deadline = time.monotonic() + 60
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if alive(pid)]
