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
    assert len(lines) == 6  # five seeds, then seed 001's second pass in a follow-up batch
    for line in lines:
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"] == recorded_body(line["body"])
    assert len({line["custom_id"] for line in lines}) == 6


def test_the_records_are_the_replayed_live_runs(batched, live):
    out, _, _ = batched
    assert comparable(out) == comparable(live)
    assert output_bytes(out)["meetings.jsonl"].count(b"\n") >= 4


def test_a_second_pass_goes_into_a_follow_up_batch(batched):
    _, server, collects = batched
    first, second = server.inputs.values()
    assert len(first) == 5 and len(second) == 1
    (again,) = second
    seed_001 = next(line for line in first if line["custom_id"] == again["custom_id"][:-1] + "0")
    assert again["custom_id"].endswith("-1")  # the article's second request
    assert again["body"]["messages"][:-1] == seed_001["body"]["messages"][:-1]
    assert again["body"]["messages"][-1] != seed_001["body"]["messages"][-1]  # without a lead
    assert server.chat == []  # nothing was asked live
    assert collects == 4  # in progress; done + follow-up sent; in progress; done


def test_provenance_names_the_batches(batched):
    out, server, _ = batched
    first, second = list(server.batches)
    for line in (out / "meetings.jsonl").read_text().splitlines():
        provenance = json.loads(line)["provenance"]
        assert provenance["batch_ids"] in ([first], [first, second])
        assert provenance["cost_usd"] is None  # no prices configured


def test_live_followups_ask_the_second_pass_live(tmp_path: Path, live: Path):
    out = tmp_path / "out"
    with FakeBatchServer(Plan(answer=default_answer(FIXTURES), polls=0)) as server:
        env = environment(server)
        meetx("batch", "submit", str(SEEDS), "--output", str(out), env=env)
        assert until_done(out, env, "--live-followups") == 1
    assert len(server.batches) == 1 and len(server.chat) == 1
    assert server.chat[0] == recorded_body(server.chat[0])
    assert comparable(out) == comparable(live)
    (batch_id,) = server.batches
    for line in (out / "meetings.jsonl").read_text().splitlines():
        assert json.loads(line)["provenance"]["batch_ids"] == [batch_id]
