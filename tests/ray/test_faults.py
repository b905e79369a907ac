"""300 articles on a Ray cluster through every fault the fake server makes: each exactly once.

The fake server (tests/faults/fakeserver.py, in this process, on 127.0.0.1) decides faults
from a hash of each request, so the run is the same every time whatever the scheduling. The
cluster's model actor talks to it like any endpoint; then the same run again pays for nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from meetx.pipeline.batch import cluster
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.extraction import prompts
from tests.faults.fakeserver import FAULTS, FakeServer
from tests.faults.helpers import assert_exactly_once, write_articles
from tests.faults.test_faults import MIX, settings_for

pytestmark = pytest.mark.ray
pytest.importorskip("ray")

N = 300


def test_300_articles_through_faults_come_out_exactly_once(ray_cluster: str, tmp_path: Path):
    ids = write_articles(tmp_path / "in", N)
    with FakeServer(MIX, hang_s=3.0, max_requests=3000, max_seconds=240) as server:
        settings = settings_for(server, tmp_path / "out", ray_address=ray_cluster)
        prompt = prompts.load(settings.prompts_dir)
        done: list[str] = []
        summary = cluster.run(
            [tmp_path / "in"],
            settings,
            prompt,
            OutputStore(settings.output_dir),
            on_result=lambda result: done.append(result.ledger.key[0]),
        )
        sent, requests = dict(server.sent), server.requests
        again = cluster.run([tmp_path / "in"], settings, prompt, OutputStore(settings.output_dir))
        requests_after_rerun = server.requests

    assert set(sent) == {*FAULTS, "ok"}, sent  # every fault was met
    store = OutputStore(settings.output_dir)
    assert_exactly_once(store, set(ids))
    assert sorted(done) == sorted(ids)  # the progress saw each article once
    assert summary.articles == N and not summary.interrupted
    assert summary.failed >= 1 and summary.meetings >= N // 2  # faults failed some, not most
    assert summary.meetings + summary.flagged + summary.failed >= N
    assert summary.requests == requests  # the actors' traffic, summed in the driver
    assert summary.failed_requests >= sent["rate_limit"] + sent["server_error"]
    failed = {i.provenance.article_id for i in store.review_items() if i.kind == "failed_article"}
    assert len(failed) == summary.failed
    assert (again.articles, again.skipped) == (0, N) and requests_after_rerun == requests
