"""Re-asks after a validation error: in a follow-up batch, or live; priced as they were paid.

The fake model first names a participant the article never gives ("Zed Unknown"); instructor
sends the validation error back (a re-ask), and the model then answers well. The same plan
answers a live ``meetx extract``: the records must be the same however they were asked.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.config import PROMPTS_DIR
from meetx.pipeline.extraction.prompts import load
from tests.batchapi.fakebatch import FakeBatchServer, Plan, synthetic
from tests.batchapi.helpers import comparable, environment, meetx, until_done
from tests.faults.fakeserver import synthetic_article
from tests.faults.helpers import write_articles

N = 3
# the prompt's messages: the system message, each example's two turns, the article
FIRST_REQUEST = 2 + 2 * len(load(PROMPTS_DIR).examples)


def invents_first(body: dict[str, Any]) -> dict[str, Any]:
    """A good answer, except that a first request gets a name the article never gives."""
    answer = synthetic(body)
    if len(body["messages"]) == FIRST_REQUEST:
        draft = json.loads(answer["choices"][0]["message"]["content"])
        draft["meetings"][0]["participants"][0]["name"] = "Zed Unknown"
        answer["choices"][0]["message"]["content"] = json.dumps(draft)
    return answer


def env_for(server: FakeBatchServer, **more: str) -> dict[str, str]:
    return environment(server, MEETX_MODEL="fake-model", MEETX_CONSTRAIN="0", **more)


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    write_articles(folder, N)
    return folder


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, articles: Path) -> Path:
    out = tmp_path_factory.mktemp("live")
    with FakeBatchServer(Plan(answer=invents_first)) as server:
        meetx("extract", str(articles), "-o", str(out), "--no-cache", env=env_for(server))
        assert len(server.chat) == 2 * N  # each article asked, then re-asked
    (out / "sent.json").write_text(json.dumps(server.chat))  # what the live run sent
    return out


def test_a_reask_goes_into_a_follow_up_batch(tmp_path: Path, articles: Path, live: Path):
    out = tmp_path / "out"
    with FakeBatchServer(Plan(answer=invents_first, polls=0)) as server:
        env = env_for(server)
        meetx("batch", "submit", str(articles), "-o", str(out), env=env)
        first = meetx("batch", "collect", "-o", str(out), env=env)
        assert f"{N} article(s) need another request" in first.output
        assert not (out / "ledger.jsonl").exists() or not (out / "ledger.jsonl").read_text()
        assert until_done(out, env) == 1
    assert server.chat == []
    first_batch, reasks = server.inputs.values()
    assert len(first_batch) == N and len(reasks) == N
    for line in reasks:
        messages = line["body"]["messages"]
        assert len(messages) == FIRST_REQUEST + 2  # the bad answer, and the error sent back
        assert "Zed Unknown" in messages[-2]["content"]
        assert "does not occur in the article" in messages[-1]["content"]
    sent_live = json.loads((live / "sent.json").read_text())
    batched = [line["body"] for line in [*first_batch, *reasks]]
    key = json.dumps  # the same requests, whatever their order
    assert sorted(batched, key=key) == sorted(sent_live, key=key)
    assert comparable(out) == comparable(live)
    for record in OutputStore(out).records():
        assert record.provenance.attempts == 2 and record.issues == []
        assert record.provenance.batch_ids == list(server.batches)


def test_the_same_with_live_followups(tmp_path: Path, articles: Path, live: Path):
    out = tmp_path / "out"
    with FakeBatchServer(Plan(answer=invents_first, polls=0)) as server:
        env = env_for(server)
        meetx("batch", "submit", str(articles), "-o", str(out), env=env)
        assert until_done(out, env, "--live-followups") == 1
        assert len(server.batches) == 1 and len(server.chat) == N
    assert comparable(out) == comparable(live)


def test_batch_tokens_at_the_batch_price_live_ones_at_the_live_price(
    tmp_path: Path, articles: Path
):
    out = tmp_path / "out"
    prices = {"MEETX_PRICE_IN": "2", "MEETX_PRICE_OUT": "8"}
    with FakeBatchServer(Plan(answer=invents_first, polls=0)) as server:
        env = env_for(server, **prices)
        meetx("batch", "submit", str(articles), "-o", str(out), env=env)
        result = meetx("batch", "collect", "-o", str(out), "--live-followups", env=env)
    assert len(server.chat) == N
    total = 0.0
    for record in OutputStore(out).records():
        usage = record.provenance.usage
        # the live answer to this article's re-ask, as the fake model gives it again
        (asked,) = [b for b in server.chat if record.meeting.quote in json.dumps(b)]
        live = invents_first(asked)["usage"]
        batch_in = usage.prompt_tokens - live["prompt_tokens"]
        batch_out = usage.completion_tokens - live["completion_tokens"]
        expected = (batch_in * 1 + batch_out * 4) / 1e6  # half the live prices
        expected += (live["prompt_tokens"] * 2 + live["completion_tokens"] * 8) / 1e6
        assert record.provenance.cost_usd == pytest.approx(expected, abs=1e-6)
        total += expected
    assert f"${total:.4f} at batch prices" in result.output


def test_batch_prices_can_be_set(tmp_path: Path, articles: Path):
    out = tmp_path / "out"
    prices = {
        "MEETX_PRICE_IN": "2",
        "MEETX_PRICE_OUT": "8",
        "MEETX_BATCH_PRICE_IN": "0.5",
        "MEETX_BATCH_PRICE_OUT": "3",
    }
    with FakeBatchServer(Plan(polls=0)) as server:  # good answers: no follow-ups
        env = env_for(server, **prices)
        meetx("batch", "submit", str(articles), "-o", str(out), env=env)
        result = meetx("batch", "collect", "-o", str(out), env=env)
    total = live_total = 0.0
    for record in OutputStore(out).records():
        usage = record.provenance.usage
        cost = (usage.prompt_tokens * 0.5 + usage.completion_tokens * 3) / 1e6
        assert record.provenance.cost_usd == pytest.approx(cost, abs=1e-6)
        total += cost
        live_total += (usage.prompt_tokens * 2 + usage.completion_tokens * 8) / 1e6
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert sum(entry["cost_usd"] for entry in ledger) == pytest.approx(total, abs=1e-5)
    assert f"${total:.4f} at batch prices (live: ${live_total:.4f})" in result.output


FILLER = (
    "The delegations also reviewed cooperation on ports, fisheries and a rail corridor "
    "that officials in both capitals have discussed for years"
)


def long_article(i: int) -> str:
    """An article of two pieces (over ``chunk_chars`` after cleaning), a meeting in each."""
    rng = random.Random(i)
    words = FILLER.split(" ")
    filler = " ".join(" ".join(rng.sample(words, len(words))) + "." for _ in range(75))
    later = synthetic_article(i + 100, filler=0).split("\n\n", 2)[2]
    return f"{synthetic_article(i, filler=0)}\n\n{filler}\n\n{later}"


def test_the_reasks_of_every_piece_go_into_one_follow_up_batch(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text(long_article(2), encoding="utf-8")
    live_out, out = tmp_path / "live", tmp_path / "out"
    with FakeBatchServer(Plan(answer=invents_first, polls=0)) as server:
        env = env_for(server)
        meetx("extract", str(tmp_path / "in"), "-o", str(live_out), "--no-cache", env=env)
        assert len(server.chat) == 4  # two pieces, each asked and re-asked
        meetx("batch", "submit", str(tmp_path / "in"), "-o", str(out), env=env)
        assert until_done(out, env) == 2
    pieces, reasks = server.inputs.values()
    assert [line["custom_id"][-2:] for line in pieces] == ["-0", "-1"]
    assert [line["custom_id"][-2:] for line in reasks] == ["-2", "-3"]
    assert comparable(out) == comparable(live_out)
    records = OutputStore(out).records()
    assert len(records) == 2  # a meeting in each piece
    assert all(r.provenance.attempts == 4 and r.issues == [] for r in records)


def test_collect_wait_runs_until_the_follow_ups_are_done(
    tmp_path: Path, articles: Path, live: Path
):
    out = tmp_path / "out"
    with FakeBatchServer(Plan(answer=invents_first, polls=2)) as server:
        env = env_for(server)
        meetx("batch", "submit", str(articles), "-o", str(out), env=env)
        done = meetx("batch", "collect", "-o", str(out), "--wait", "--poll", "0.01", env=env)
        assert len(server.batches) == 2  # the first, then the re-asks
    assert "waiting for 1 batch(es)" in done.output and "still waiting" not in done.output
    assert comparable(out) == comparable(live)
