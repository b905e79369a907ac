"""A few hundred articles through every fault the fake server can make: none lost, none twice.

The server decides faults from a hash of each request, so this run is the same every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.config import Settings
from meetx.pipeline.extraction import prompts
from tests.faults.fakeserver import FAULTS, TRANSPORT_FAULTS, FakeServer, Faults
from tests.faults.helpers import assert_exactly_once, write_articles

N = 300
MIX = Faults(
    rate_limit=0.06,
    rate_limit_retry_after=0.06,
    server_error=0.08,
    reset=0.04,
    disconnect=0.02,
    timeout=0.01,
    trickle=0.01,
    slow=0.02,
    bad_body=0.03,
    garbage=0.04,
    truncated=0.04,
    schema_violation=0.04,
    refusal=0.03,
)


def settings_for(server: FakeServer, out: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "base_url": server.url,
        "model": "fake-model",
        "constrain": False,
        "output_dir": out,
        "concurrency": 16,
        "max_transport_retries": 3,
        "max_reasks": 1,
        "retry_wait_s": 0.01,
        # generous: only the injected hangs and trickles (longer) may time out, even on a
        # busy machine, where the fake server's thread may wait a second or two for the GIL
        "timeout_s": 4.0,
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("faults")
    ids = write_articles(root / "in", N)
    with FakeServer(
        MIX, hang_s=6.0, trickle_s=8.0, slow_s=0.5, max_requests=3000, max_seconds=90
    ) as server:
        settings = settings_for(server, root / "out")
        prompt = prompts.load(settings.prompts_dir)
        summary = engine.run([root / "in"], settings, prompt, OutputStore(settings.output_dir))
        first = (server.requests, dict(server.sent), server.peak_in_flight)
        again = engine.run([root / "in"], settings, prompt, OutputStore(settings.output_dir))
        yield {
            "ids": ids,
            "store": OutputStore(settings.output_dir),
            "summary": summary,
            "again": again,
            "requests": first[0],
            "sent": first[1],
            "peak": first[2],
            "requests_after_rerun": server.requests,
        }


def test_every_fault_was_injected(run):
    assert set(run["sent"]) == {*FAULTS, "ok"}, run["sent"]


def test_nothing_lost_nothing_twice(run):
    assert_exactly_once(run["store"], set(run["ids"]))
    summary = run["summary"]
    assert summary.articles == N and not summary.interrupted
    assert summary.meetings + summary.failed + summary.flagged >= N


def test_requests_in_flight_stay_within_the_concurrency(run):
    assert run["peak"] <= 16


def test_every_request_is_counted(run):
    assert run["summary"].requests == run["requests"]
    transport = sum(run["sent"].get(f, 0) for f in TRANSPORT_FAULTS)
    assert run["summary"].failed_requests == transport


def test_transport_faults_past_the_retries_go_to_review_with_the_reason(run):
    items = [i for i in run["store"].review_items() if i.kind == "failed_article"]
    transport = [i for i in items if i.reasons[0].kind == "TransportError"]
    assert transport, "the mix should exhaust the retries of some articles"
    for item in transport:  # 4 tries (a try that re-asked made two calls)
        calls = len(item.failed_attempts)
        assert calls >= 4 and f"after {calls} attempts" in item.reasons[0].message


def test_model_faults_go_to_review_with_the_raw_output(run):
    items = [i for i in run["store"].review_items() if i.kind == "failed_article"]
    reasons = {i.reasons[0].kind: i for i in items}
    assert "ExtractionError" in reasons
    raw = [i.raw_output or "" for i in items if i.reasons[0].kind == "ExtractionError"]
    assert any(r.startswith("Sure! Here are the meetings") for r in raw)  # garbage
    assert any("(refused)" in r for r in raw)  # refusals
    assert any("cut off" in i.reasons[0].message for i in items)  # truncated twice
    assert all(i.failed_attempts for i in items)


def test_tokens_of_failed_attempts_are_counted(run):
    retried = [
        r for r in run["store"].records() if r.provenance.attempts > 1 and r.provenance.usage
    ]
    assert retried, "some articles should have needed a re-ask"
    single = min(r.provenance.usage.total_tokens for r in run["store"].records())
    assert any(r.provenance.usage.total_tokens > single for r in retried)
    per_article = {r.provenance.article_id: r.provenance.usage for r in run["store"].records()}
    records_tokens = sum(u.total_tokens for u in per_article.values())
    assert run["summary"].usage.total_tokens >= records_tokens > 0


def test_a_rerun_asks_nothing(run):
    again = run["again"]
    assert again.articles == 0 and again.skipped == N and again.requests == 0
    assert run["requests_after_rerun"] == run["requests"]
