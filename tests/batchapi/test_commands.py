"""``meetx batch``: help, refusals with a clear reason, and the wire format's parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetx.pipeline.batch.manifest import Manifest, Request
from meetx.pipeline.batch.submit import Parts
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ConfigError
from meetx.pipeline.model.batch_api import BatchState, parse_result, request_line
from tests.batchapi.fakebatch import FakeBatchServer, Plan
from tests.batchapi.helpers import environment, meetx
from tests.faults.helpers import write_articles


def test_help_names_the_commands_and_the_follow_up_default():
    shown = meetx("batch", "--help", env={}).output
    for command in ("submit", "status", "collect", "cancel"):
        assert command in shown
    collect = meetx("batch", "collect", "--help", env={}).output
    assert "--live-followups" in collect and "follow-up batch" in collect and "--wait" in collect


def test_batch_needs_an_endpoint(tmp_path: Path):
    write_articles(tmp_path / "in", 1)
    env = {"OPENAI_BASE_URL": "", "MEETX_OUTPUT_DIR": str(tmp_path / "out")}
    result = meetx("batch", "submit", str(tmp_path / "in"), env=env, code=2)
    assert "needs an endpoint with a Batch API" in result.output


def test_collect_refuses_other_settings_than_submit(tmp_path: Path):
    write_articles(tmp_path / "in", 2)
    out = str(tmp_path / "out")
    with FakeBatchServer(Plan(polls=0)) as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        meetx("batch", "submit", str(tmp_path / "in"), "-o", out, env=env)
        result = meetx("batch", "collect", "-o", out, "--model", "other-model", env=env, code=2)
        assert "other settings" in result.output and "other-model" in result.output
        meetx("batch", "collect", "-o", out, env=env)  # with the same ones it goes on
    assert (tmp_path / "out" / "ledger.jsonl").read_text().count("\n") == 2


def test_a_request_larger_than_a_batch_file_is_refused(tmp_path: Path):
    write_articles(tmp_path / "in", 1)
    with FakeBatchServer() as server:
        env = environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0")
        args = ("batch", "submit", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
        result = meetx(*args, "--max-bytes", "2000", env=env, code=2)
    assert "do not fit in one batch" in result.output and "MEETX_BATCH_MAX_BYTES" in result.output
    assert server.files == {}


def test_status_and_collect_without_batches(tmp_path: Path):
    out = str(tmp_path / "out")
    with FakeBatchServer() as server:
        env = environment(server)
        shown = json.loads(meetx("batch", "status", "-o", out, "--json", env=env).stdout)
        assert shown["batches"] == [] and shown["articles"] == 0
        assert "no batches were submitted" in meetx("batch", "status", "-o", out, env=env).output
        result = meetx("batch", "collect", "-o", out, env=env, code=2)
        assert "no batches were submitted" in result.output
        assert server.requests == 0
    assert not (tmp_path / "out" / "batch.sqlite").exists()


# ---------------------------------------------------------------- the wire format
def test_a_request_line_holds_the_body_as_given():
    body = {"model": "m", "messages": [{"role": "user", "content": "Zürich »quoted«"}]}
    line = request_line("abc-0", body)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    parsed = json.loads(line)
    assert parsed == {"custom_id": "abc-0", "method": "POST", "url": "/v1/chat/completions",
                      "body": body}  # fmt: skip


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        (
            {"id": "b1", "custom_id": "a-0", "error": None,
             "response": {"status_code": 200, "request_id": "r", "body": {"choices": []}}},
            200,
            None,
        ),
        (
            {"id": "b2", "custom_id": "a-0", "error": None,
             "response": {"status_code": 400, "body": {"error": {
                 "message": "Invalid model", "type": "invalid_request_error", "code": None}}}},
            400,
            "HTTP 400: Invalid model",
        ),
        (
            {"id": "b3", "custom_id": "a-0", "response": None,
             "error": {"code": "batch_expired", "message": "not run in time"}},
            0,
            "batch_expired: not run in time",
        ),
        (
            {"custom_id": "a-0", "response": {"status_code": 200, "body": '{"choices": []}'}},
            200,
            None,
        ),
        (
            {"custom_id": "a-0", "response": {"status_code": 500}, "error": None},
            500,
            "HTTP 500",
        ),
    ],
)  # fmt: skip
def test_a_result_line_is_an_answer_or_the_reason_there_is_none(line, status, reason):
    result = parse_result(json.dumps(line).encode())
    assert result is not None and result.custom_id == "a-0"
    assert (result.status, result.reason) == (status, reason)
    assert (result.body is not None) == (status == 200)


@pytest.mark.parametrize("line", [b"", b"{", b'{"response": {}}', b"[1, 2]", b"\xff\xfe"])
def test_what_is_no_result_line_is_skipped(line: bytes):
    assert parse_result(line) is None


def test_parts_keep_an_article_whole_and_within_the_limits(tmp_path: Path):
    settings = Settings(base_url="http://x.invalid/v1", batch_max_requests=3)
    manifest = Manifest(tmp_path)
    parts = Parts(manifest, settings)
    body = {"messages": [{"role": "user", "content": "x" * 100}]}
    for article, pieces in (("a" * 64, 2), ("b" * 64, 2), ("c" * 64, 1), ("d" * 64, 3)):
        requests = [Request(f"{article[:32]}-{n}", f"{article[0]}{n}", body) for n in range(pieces)]
        parts.add(article, f"{article[0]}.txt", requests)
    parts.close()
    sizes = [p.requests for p in manifest.parts()]
    assert sizes == [2, 3, 3]  # a | b c | d: never a split article, never over three
    with pytest.raises(ConfigError, match="do not fit"):
        parts.add("e" * 64, "e.txt", [Request(f"e-{n}", f"e{n}", body) for n in range(4)])
    assert manifest.counts()["articles"] == 4


def test_a_finished_batch_resolves_every_request(tmp_path: Path):
    settings = Settings(base_url="http://x.invalid/v1")
    manifest = Manifest(tmp_path)
    parts = Parts(manifest, settings)
    parts.add("a" * 64, "a.txt", [Request("a-0", "ka", {}), Request("a-1", "kb", {})])
    parts.close()
    (part,) = manifest.parts()
    manifest.set_state(part.name, BatchState(id="batch-1", status="expired"))
    answer = parse_result(
        json.dumps({"custom_id": "a-0", "response": {"status_code": 200, "body": {"x": 1}}})
    )
    assert answer is not None
    assert manifest.resolve(part, [answer], "expired: never ran") == 1
    found, missing = manifest.lookup("ka"), manifest.lookup("kb")
    assert found is not None and found.body == {"x": 1} and found.batch_id == "batch-1"
    assert missing is not None and missing.status == 0 and missing.reason == "expired: never ran"
    assert manifest.lookup("kc") is None
    assert [row[0] for row in manifest.ready()] == ["a" * 64]


def test_batch_prices_default_to_half_the_live_ones():
    live = Settings(price_in_per_mtok=2.0, price_out_per_mtok=8.0)
    assert (live.batch_pricing().price_in_per_mtok, live.batch_pricing().price_out_per_mtok) == (
        1.0,
        4.0,
    )
    set_ = Settings.from_env(
        {"MEETX_PRICE_IN": "2", "MEETX_BATCH_PRICE_IN": "0.3", "MEETX_BATCH_PRICE_OUT": "0"}
    )
    assert (set_.batch_pricing().price_in_per_mtok, set_.batch_pricing().price_out_per_mtok) == (
        0.3,
        0.0,
    )
    assert Settings.from_env({"MEETX_BATCH_MAX_REQUESTS": "7"}).batch_max_requests == 7
