"""Batches that go well and badly: every article ends once, in the output or in review.

Synthetic articles (``tests.faults.fakeserver.synthetic_article``) are sent in batches of at
most four requests; the fake provider answers most, answers some with an error, leaves some
unrun (the batch expires), and fails one batch whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.errors import BatchError
from meetx.pipeline.model.batch_api import BatchAPI
from tests.batchapi.fakebatch import FakeBatchServer, Plan
from tests.batchapi.helpers import SECRET, environment, meetx, output_bytes, until_done
from tests.faults.helpers import assert_exactly_once, write_articles

N = 24
PER_BATCH = 4


def number(custom_id: str, ids: dict[str, str]) -> int:
    """The synthetic article's number, from a request's custom_id."""
    name = next(name for article, name in ids.items() if custom_id.startswith(article[:32]))
    return int(name[:5])


def plan(ids: dict[str, str]) -> Plan:
    def error(custom_id: str, body: object) -> tuple[int, str] | None:
        if number(custom_id, ids) % 7 == 1:
            return 400, "This model's maximum context length is 128 tokens"
        return None

    return Plan(
        error=error,
        unrun=lambda custom_id, body: number(custom_id, ids) % 7 == 2,
        fail=lambda n: "model 'fake-model' does not exist" if n == 1 else None,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("outcomes")
    ids = write_articles(base / "in", N)
    out = base / "out"
    with FakeBatchServer(plan(ids)) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        flags = ["--max-requests", str(PER_BATCH)]
        submitted = meetx("batch", "submit", str(base / "in"), "-o", str(out), *flags, env=env)
        collects = until_done(out, env)
        before_twice = output_bytes(out)
        again = meetx("batch", "collect", "-o", str(out), env=env)
        status = meetx("batch", "status", "-o", str(out), "--json", env=env)
    return out, ids, server, submitted.output, collects, before_twice, again, status


def failed_reasons(out: Path) -> dict[str, str]:
    """Article file name -> the reason its review item gives, for failed articles."""
    items = OutputStore(out).review_items()
    return {
        Path(i.provenance.article_path).name: i.reasons[0].message
        for i in items
        if i.kind == "failed_article"
    }


def test_every_article_is_committed_once(run):
    out, ids, *_ = run
    assert_exactly_once(OutputStore(out), set(ids))


def test_large_inputs_are_split_within_the_limits(run):
    _, _, server, submitted, *_ = run
    sizes = [len(lines) for lines in server.inputs.values()]
    assert sizes == [PER_BATCH] * (N // PER_BATCH)
    assert f"sent {N} article(s), {N} request(s), in {N // PER_BATCH} batch(es)" in submitted


def test_per_request_errors_go_to_review_with_the_providers_reason(run):
    out, ids, *_ = run
    reasons = failed_reasons(out)
    erred = [name for name in ids.values() if int(name[:5]) % 7 == 1]
    assert erred
    for name in erred:
        if int(name[:5]) // PER_BATCH != 1:  # not in the failed batch
            assert "HTTP 400" in reasons[name] and "maximum context length" in reasons[name]


def test_expired_requests_go_to_review(run):
    out, ids, *_ = run
    reasons = failed_reasons(out)
    unrun = [n for n in ids.values() if int(n[:5]) % 7 == 2 and int(n[:5]) // PER_BATCH != 1]
    assert unrun
    for name in unrun:
        assert "batch_expired" in reasons[name], reasons[name]


def test_a_failed_batch_sends_all_its_articles_to_review(run):
    out, ids, *_ = run
    reasons = failed_reasons(out)
    in_failed = [name for name in ids.values() if int(name[:5]) // PER_BATCH == 1]
    assert len(in_failed) == PER_BATCH
    for name in in_failed:
        assert "the batch failed" in reasons[name] and "does not exist" in reasons[name]
    items = [i for i in OutputStore(out).review_items() if i.kind == "failed_article"]
    assert {i.reasons[0].kind for i in items} == {"BatchRequestError"}


def test_the_answered_articles_are_clean_records(run):
    out, ids, *_ = run
    failed = set(failed_reasons(out))
    records = OutputStore(out).records()
    assert {Path(r.provenance.article_path).name for r in records} == set(ids.values()) - failed
    planned = {f"{i:05}.txt" for i in range(N) if i % 7 in (1, 2) or i // PER_BATCH == 1}
    assert failed == planned
    for record in records:
        assert len(record.provenance.batch_ids) == 1


def test_collecting_twice_writes_nothing_twice(run):
    out, _, _, _, _, before, again, _ = run
    assert output_bytes(out) == before
    assert "articles 0 |" in again.output


def test_status_counts_every_article_and_batch(run):
    *_, status = run
    shown = json.loads(status.stdout)
    assert shown["articles"] == N and shown["committed"] == N and shown["waiting"] == 0
    states = [b["status"] for b in shown["batches"]]
    assert states.count("failed") == 1 and "expired" in states and "completed" in states
    assert all(b["collected"] for b in shown["batches"])
    failed = next(b for b in shown["batches"] if b["status"] == "failed")
    assert "does not exist" in failed["errors"]


def test_the_key_never_lands_in_the_output(run):
    out, *_ = run
    for path in [*out.iterdir(), *(out / "batches").iterdir()]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("drop_unrun", [False, True])
def test_a_cancelled_batch_sends_what_never_ran_to_review(tmp_path: Path, drop_unrun: bool):
    ids = write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    with FakeBatchServer(Plan(polls=100, drop_unrun=drop_unrun)) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env)
        meetx("batch", "collect", "-o", str(out), env=env)  # still in progress
        (batch_id,) = server.batches
        if drop_unrun:  # cancelled by its owner elsewhere (the provider's dashboard)
            httpx.post(f"{server.url}/batches/{batch_id}/cancel").raise_for_status()
        else:
            kept = meetx("batch", "cancel", "-o", str(out), env=env, input="n\n", code=1)
            assert "cancel every running batch" in kept.output
            assert server.batches[batch_id]["status"] == "in_progress"
            stopped = meetx("batch", "cancel", "-o", str(out), "--yes", env=env)
            assert f"batch {batch_id} cancelled" in stopped.output
        assert until_done(out, env) == 1
    assert_exactly_once(OutputStore(out), set(ids))
    reasons = set(failed_reasons(out).values())
    expected = "cancelled: the batch was cancelled" if drop_unrun else "batch_cancelled"
    assert len(reasons) == 1 and expected in reasons.pop()


def test_cancel_also_stops_a_part_not_sent_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ids = write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"

    async def down(self: BatchAPI, path: Path) -> str:
        raise BatchError("cannot upload: HTTP 503: the provider is down")

    with FakeBatchServer() as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        with monkeypatch.context() as patch:
            patch.setattr(BatchAPI, "upload", down)
            failed = meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env, code=2)
        assert "the provider is down" in failed.output
        meetx("batch", "cancel", "-o", str(out), "--yes", env=env)
        assert until_done(out, env) == 1
        assert server.files == {} and server.batches == {}
    assert_exactly_once(OutputStore(out), set(ids))
    assert set(failed_reasons(out).values()) == {
        "batch request failed: cancelled: the batch was cancelled before it ran"
    }


def test_redo_failed_sends_the_expired_articles_again(tmp_path: Path):
    ids = write_articles(tmp_path / "in", 4)
    out = str(tmp_path / "out")
    expire = Plan(polls=0, unrun=lambda custom_id, body: number(custom_id, ids) == 1)
    with FakeBatchServer(expire) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        meetx("batch", "submit", str(tmp_path / "in"), "-o", out, env=env)
        until_done(Path(out), env)
        assert list(failed_reasons(Path(out))) == ["00001.txt"]
        again = meetx("batch", "submit", str(tmp_path / "in"), "-o", out, env=env)
        assert "sent 0 article(s)" in again.output  # failed is done, unless asked
        server.plan = Plan(polls=0)  # the provider runs everything this time
        redo = ("batch", "submit", str(tmp_path / "in"), "-o", out, "--redo-failed")
        again = meetx(*redo, env=env)
        assert "1 article(s) committed as failed are sent again" in again.output
        assert "sent 1 article(s), 1 request(s), in 1 batch(es)" in again.output
        until_done(Path(out), env)
    store = OutputStore(Path(out))
    assert_exactly_once(store, set(ids))
    assert failed_reasons(Path(out)) == {} and len(store.records()) == 4
