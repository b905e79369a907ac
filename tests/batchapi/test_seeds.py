"""The seeds through ``meetx batch submit`` -> ``collect`` give the replayed live run's records.

The fake batch server answers every batch line with the live answer recorded for exactly
that request (``tests/fixtures/llamacpp``): a line whose body differed in one byte from what
the live run sent would find no recording and get a synthetic answer instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.model.replay import request_key
from tests.batchapi.fakebatch import FakeBatchServer, Plan, default_answer
from tests.batchapi.helpers import comparable, environment, meetx, output_bytes, until_done
from tests.conftest import FIXTURES, SEEDS


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds replayed through ``meetx extract``, as tests/replay does."""
    out = tmp_path_factory.mktemp("live")
    result = CliRunner().invoke(
        app, ["extract", str(SEEDS), "--replay", str(FIXTURES), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def recorded_body(body: dict[str, object]) -> object:
    key = request_key("POST", "/v1/chat/completions", json.dumps(body).encode())
    path = FIXTURES / f"{key}.json"
    assert path.exists(), "a batch request differs from every request of the live run"
    return json.loads(path.read_text("utf-8"))["request"]["body"]


@pytest.fixture(scope="module")
def batched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FakeBatchServer, int]:
    out = tmp_path_factory.mktemp("batched")
    with FakeBatchServer(Plan(answer=default_answer(FIXTURES)), max_seconds=90) as server:
        env = environment(server, MEETX_WORKERS="1")  # finish in a stage worker process
        result = meetx("batch", "submit", str(SEEDS), "--output", str(out), env=env)
        assert "sent 5 article(s), 5 request(s), in 1 batch(es)" in result.output
        collects = until_done(out, env)
    return out, server, collects


def test_every_batch_request_is_the_live_request(batched):
    _, server, _ = batched
    lines = [line for batch in server.inputs.values() for line in batch]
    first = next(iter(server.inputs.values()))
    assert len(first) == 5  # one request per seed; follow-ups (re-asks) come in later batches
    for line in lines:
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"] == recorded_body(line["body"])
    assert len({line["custom_id"] for line in lines}) == len(lines)
    assert server.chat == []  # nothing was asked live


def test_the_records_are_the_replayed_live_runs(batched, live):
    out, _, _ = batched
    assert comparable(out) == comparable(live)
    assert output_bytes(out)["meetings.jsonl"].count(b"\n") >= 4


def test_provenance_names_the_batches(batched):
    out, server, _ = batched
    batches = list(server.batches)
    for line in (out / "meetings.jsonl").read_text().splitlines():
        provenance = json.loads(line)["provenance"]
        assert provenance["batch_ids"] and set(provenance["batch_ids"]) <= set(batches)
        assert provenance["cost_usd"] is None  # no prices configured


def test_live_followups_ask_any_follow_up_live(tmp_path: Path, live: Path):
    out = tmp_path / "out"
    with FakeBatchServer(Plan(answer=default_answer(FIXTURES), polls=0)) as server:
        env = environment(server)
        meetx("batch", "submit", str(SEEDS), "--output", str(out), env=env)
        until_done(out, env, "--live-followups")
    assert len(server.batches) == 1
    assert all(body == recorded_body(body) for body in server.chat)
    assert comparable(out) == comparable(live)
    (batch_id,) = server.batches
    for line in (out / "meetings.jsonl").read_text().splitlines():
        assert json.loads(line)["provenance"]["batch_ids"] == [batch_id]
