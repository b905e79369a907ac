"""The stages of a run on Ray, called as Ray calls them but without Ray: rows in, rows out.

The Ray cluster itself is tested in tests/ray (marked ``ray``); here the same functions and
the actor's class run in this process, so the default suite checks them without meetx[ray].
"""

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import socket
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from meetx.pipeline.batch import cache as answers
from meetx.pipeline.batch import cluster, cluster_stages
from meetx.pipeline.batch.cluster_stages import Digests, ModelStage, table
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.config import PROMPTS_DIR, Settings
from meetx.pipeline.errors import (
    ClusterError,
    ConfigError,
    ExtractionError,
    ReplayMiss,
    TransportError,
)
from meetx.pipeline.extraction import runner
from meetx.pipeline.extraction.prompts import load
from meetx.pipeline.model.backend import Endpoint
from meetx.pipeline.model.throttle import Traffic
from meetx.pipeline.reading import articles, sources
from meetx.pipeline.reading.articles import Meta
from meetx.pipeline.reading.sources import Item
from meetx.schemas.article import Article
from meetx.schemas.record import Attempt, Usage
from tests.inputs.pages import clean_text, page
from tests.unit.test_runner import TEXT, FakeExtractor, draft

PROMPT = load(PROMPTS_DIR)


def paths_table(*paths: str):
    return table([cluster_stages.row(p, "todo") for p in paths]).select(["path"])


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class FakeCache:
    """A :class:`CacheClient` in memory, as the CacheService actor answers."""

    def __init__(self, stored: dict[str, str] | None = None) -> None:
        self.stored = dict(stored or {})
        self.asked: list[list[str]] = []

    async def get_many(self, article_ids):
        self.asked.append(list(article_ids))
        return {i: self.stored[i] for i in article_ids if i in self.stored}

    async def put(self, article_id, answer):
        self.stored[article_id] = answer


def prepared(settings: Settings, tmp_path: Path, texts: list[str]) -> list[dict]:
    for n, text in enumerate(texts):
        (tmp_path / f"{n}.txt").write_text(text)
    batch = paths_table(*[f"{n}.txt" for n in range(len(texts))])
    return cluster_stages.read(batch, settings, PROMPT, Digests(set()), str(tmp_path)).to_pylist()


# ------------------------------------------------------------------ sizing the pool
def test_an_endpoint_gets_half_the_cpus_in_actors_of_one_cpu(settings):
    sized = cluster.plan(settings, [16.0, 16.0])
    assert (sized.actors, sized.actor_cpus) == (16, 1.0)
    assert cluster.plan(settings, [2.0]).actors == 1


def test_the_embedded_model_gets_one_server_per_node_on_all_cpus_but_one(settings):
    embedded = settings.model_copy(update={"base_url": None})
    sized = cluster.plan(embedded, [8.0, 8.0, 0.0])  # a node without CPUs holds none
    assert (sized.actors, sized.actor_cpus, sized.threads) == (2, 7.0, 7)
    two_per_node = embedded.model_copy(update={"ray_actor_cpus": 3.0})
    assert cluster.plan(two_per_node, [8.0, 8.0]).actors == 4  # (8 - 1) // 3 each


@pytest.mark.parametrize(
    ("embedded", "nodes", "task_cpus"),
    [(False, [2.0], 0.5), (True, [2.0], 0.5), (False, [16.0, 16.0], 1.0), (True, [8.0, 8.0], 1.0)],
)
def test_a_read_task_the_actors_and_a_finish_task_fit_at_once(settings, embedded, nodes, task_cpus):
    # Ray Data reserves each stage's smallest need upstream first; a finish stage that does
    # not fit beside the read stage waits for every read task (nothing committed for minutes)
    chosen = settings.model_copy(update={"base_url": None}) if embedded else settings
    sized = cluster.plan(chosen, nodes)
    assert sized.task_cpus == task_cpus
    assert sized.actors * sized.actor_cpus + 2 * sized.task_cpus <= sum(nodes)


def test_a_pool_the_cluster_cannot_hold_is_refused_before_it_waits_forever(settings):
    with pytest.raises(ConfigError, match="need 5 CPUs; the cluster has 4"):
        cluster.plan(settings.model_copy(update={"ray_actors": 4}), [2.0, 2.0])
    with pytest.raises(ConfigError, match="largest node has 4"):
        cluster.plan(settings.model_copy(update={"ray_actor_cpus": 6.0}), [4.0, 4.0, 4.0])
    with pytest.raises(ClusterError, match="no CPUs"):
        cluster.plan(settings, [0.0])


def test_each_actor_gets_its_share_of_the_rate_limits(settings):
    limited = settings.model_copy(update={"requests_per_minute": 600.0, "tokens_per_minute": 9e4})
    shared = cluster.actor_settings(limited, cluster.Plan(actors=4, actor_cpus=1, threads=1))
    assert (shared.requests_per_minute, shared.tokens_per_minute) == (150.0, 22500.0)
    assert shared.threads == settings.threads  # an endpoint: no server threads to set


def test_paths_are_made_absolute_for_workers_in_other_folders(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = settings.model_copy(update={"output_dir": Path("out"), "replay_dir": Path("fx")})
    fixed = cluster.absolute(relative)
    assert fixed.output_dir == tmp_path / "out" and fixed.replay_dir == tmp_path / "fx"
    assert fixed.record_dir is None


# ------------------------------------------------------------------ the driver's edges
def test_without_ray_the_run_says_what_to_install(settings, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    on_ray = settings.model_copy(update={"ray_address": "local"})
    with pytest.raises(ClusterError, match=r"pip install 'meetx\[ray\]'"):
        cluster.run([tmp_path], on_ray, PROMPT, OutputStore(settings.output_dir))


def test_ray_client_addresses_are_refused_with_what_to_do_instead(monkeypatch):
    monkeypatch.setattr(cluster, "_ray", lambda: object())
    with pytest.raises(ConfigError, match="ray job submit"), cluster.connect("ray://head:10001"):
        pass


def test_a_meetx_error_inside_rays_wrapping_is_reported_as_itself():
    miss = ReplayMiss("no recorded exchange for POST /v1/chat/completions")
    wrapped = RuntimeError("RayTaskError(UserCodeException): ...")
    wrapped.cause = ValueError("UDF failed")  # Ray's own attribute, then the chain
    wrapped.cause.__cause__ = miss
    assert cluster._reraise(wrapped) is miss
    other = cluster._reraise(RuntimeError("object lost\nmore lines"))
    assert isinstance(other, ClusterError) and "RuntimeError: object lost" in str(other)


# ------------------------------------------------------------------ read
def test_digests_find_exactly_the_committed_ids():
    ids = {digest(f"article {n}") for n in range(500)}
    done = Digests(ids)
    assert len(done) == 500 and all(i in done for i in ids)
    assert digest("article 500") not in done and b"short" not in done
    assert digest("x") not in Digests(set())


def test_read_gives_one_row_per_path_whatever_the_file(settings, tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "again.txt").write_text(TEXT)  # the same text under another name
    (tmp_path / "done.txt").write_text(TEXT + "\nMore.\n")
    (tmp_path / "empty.txt").write_text("")
    names = ["a.txt", "again.txt", "done.txt", "empty.txt", "missing.txt"]
    done = Digests({digest(TEXT + "\nMore.\n")})
    rows = cluster_stages.read(paths_table(*names), settings, PROMPT, done, str(tmp_path))
    rows = rows.to_pylist()
    assert [r["path"] for r in rows] == names  # as given: the provenance's article_path
    assert [r["kind"] for r in rows] == ["todo", "skip", "skip", "problem", "problem"]
    first = rows[0]
    assert first["id"] == digest(TEXT).hex()
    local = articles.parse(TEXT, "a.txt")  # what the local engine makes of it
    assert first["article"] == local.model_dump_json()
    assert json.loads(first["pieces"]) == PROMPT.render_chunks(local, settings.chunk_chars)
    assert "empty" in rows[3]["note"] and rows[4]["note"]


def items_table(*items: Item):
    rows = [{"path": i.path, "item": cluster_stages.encode_item(i)} for i in items]
    return pa.Table.from_pylist(rows)


def test_inputs_the_driver_read_are_prepared_as_the_local_engine_prepares_them(settings):
    """A dataset's row keeps its metadata, a page becomes its text; a page of a text already
    committed, and a page with no article, are skipped or one line, as locally."""
    row_meta = Meta(published=dt.date(2021, 3, 2), published_source="dataset", url="u://1")
    dataset_row = Item("data.jsonl#1", TEXT, row_meta)
    web = Item("p0.html", page(0), is_html=True)
    known = Item("p1.html", page(1), is_html=True)
    empty = Item("menu.html", "<html><body><nav>Home</nav></body></html>", is_html=True)
    assert cluster_stages.decode_item(cluster_stages.encode_item(dataset_row)) == dataset_row
    done = Digests({digest(clean_text(1))})
    rows = cluster_stages.read(
        items_table(dataset_row, web, known, empty), settings, PROMPT, done, "/nowhere"
    ).to_pylist()
    assert [r["kind"] for r in rows] == ["todo", "todo", "skip", "problem"]
    assert Article.model_validate_json(rows[0]["article"]) == sources.to_article(dataset_row)
    assert Article.model_validate_json(rows[0]["article"]).published == dt.date(2021, 3, 2)
    assert rows[1]["id"] == digest(clean_text(0)).hex()  # the page's article, by its text
    assert rows[3]["note"] == "menu.html is an HTML page with no article text in it"
    ids = cluster_stages.ids(items_table(dataset_row, web), settings, "/nowhere")
    assert ids.column("id").to_pylist() == [digest(TEXT).hex(), digest(clean_text(0)).hex()]


def test_a_text_file_with_html_inside_is_read_as_a_page(settings, tmp_path):
    (tmp_path / "saved.txt").write_text(page(0))
    (row,) = cluster_stages.read(
        paths_table("saved.txt"), settings, PROMPT, Digests(set()), str(tmp_path)
    ).to_pylist()
    assert row["kind"] == "todo" and row["id"] == digest(clean_text(0)).hex()


def test_a_bug_of_the_stages_on_one_text_fails_that_article_not_the_run(
    settings, tmp_path, monkeypatch
):
    def broken(*args):
        raise IndexError("a parser bug")

    monkeypatch.setattr(cluster_stages.stages, "read", broken)
    (row,) = prepared(settings, tmp_path, [TEXT])
    assert row["kind"] == "error" and "IndexError: a parser bug" in row["note"]
    (done,) = cluster_stages.finish(table([row]), settings, PROMPT).to_pylist()
    result = cluster_stages.decode_result(done["result"])
    assert result.ledger.failed and "a parser bug" in result.review[0].reasons[0].message


# ------------------------------------------------------------------ the model actor
def run_stage(stage: ModelStage, rows: list[dict]) -> list[dict]:
    return asyncio.run(stage(table(rows))).to_pylist()


def fake_open(fake: FakeExtractor, traffic: Traffic):
    @contextlib.asynccontextmanager
    async def open_endpoint(settings):
        yield Endpoint(fake, traffic)

    return open_endpoint


def test_the_actor_asks_stores_each_answer_and_reports_its_traffic_once(settings, tmp_path):
    rows = prepared(settings, tmp_path, [TEXT, TEXT.replace("Monday", "Tuesday")])
    fake, traffic, cache = FakeExtractor(draft(), draft()), Traffic(requests=2), FakeCache()
    stage = ModelStage(settings, PROMPT, cache, fake_open(fake, traffic))
    out = run_stage(stage, rows)
    assert fake.calls == 2 and [r["cached"] for r in out] == [False, False]
    assert set(cache.stored) == {r["id"] for r in rows}
    assert cache.stored[out[0]["id"]] == out[0]["answer"]
    assert [r["requests"] for r in out] == [2, 0]  # on the first row, once
    traffic.requests = 3
    again = run_stage(stage, [cluster_stages.row("x.txt", "skip", id="00" * 32)])
    assert again[0]["requests"] == 1  # only what was sent since


def test_a_cached_answer_is_not_asked_again(settings, tmp_path):
    (row,) = prepared(settings, tmp_path, [TEXT])
    fake = FakeExtractor()  # any request would fail: it has no answer to give
    completion = asyncio.run(FakeExtractor(draft())(None, TEXT))
    cache = FakeCache({row["id"]: answers.dump(completion)})
    (out,) = run_stage(ModelStage(settings, PROMPT, cache, fake_open(fake, Traffic())), [row])
    assert fake.calls == 0 and out["cached"] and out["answer"] == cache.stored[row["id"]]
    result = cluster_stages.decode_result(
        cluster_stages.finish(table([out]), settings, PROMPT).to_pylist()[0]["result"]
    )
    assert result.records[0].provenance.cached


def test_an_articles_failure_is_its_row_and_is_not_cached(settings, tmp_path):
    rows = prepared(settings, tmp_path, [TEXT, TEXT + "\nTwo.\n"])
    attempt = Attempt(number=1, error="HTTP 503", raw_output=None)
    failure = TransportError("unreachable after 3 attempts", attempts=[attempt], usage=Usage())
    fake, cache = FakeExtractor(failure, ValueError("a bug")), FakeCache()
    out = run_stage(ModelStage(settings, PROMPT, cache, fake_open(fake, Traffic())), rows)
    assert not cache.stored and not any(r["answer"] for r in out)
    back = cluster_stages.decode_failure(out[0]["failure"])
    assert type(back) is TransportError and back.attempts == [attempt]
    assert "unexpected error: ValueError: a bug" in out[1]["failure"]


def test_a_run_error_in_the_actor_stops_the_run(settings, tmp_path):
    rows = prepared(settings, tmp_path, [TEXT])
    fake = FakeExtractor(ReplayMiss("never recorded"))
    with pytest.raises(ReplayMiss):
        run_stage(ModelStage(settings, PROMPT, None, fake_open(fake, Traffic())), rows)


def test_the_actor_keeps_to_its_slots_across_concurrent_batches(settings, tmp_path):
    slots = settings.model_copy(update={"concurrency": 3})
    texts = [TEXT.replace("consulate", f"consulate number {n}") for n in range(12)]
    rows = prepared(slots, tmp_path, texts)
    flying, peak = 0, 0

    class Slow(FakeExtractor):
        async def __call__(self, messages, text):
            nonlocal flying, peak
            flying += 1
            peak = max(peak, flying)
            await asyncio.sleep(0.01)
            flying -= 1
            return await super().__call__(messages, text)

    stage = ModelStage(slots, PROMPT, None, fake_open(Slow(*[draft()] * 12), Traffic()))

    async def four_batches():
        return await asyncio.gather(*(stage(table(rows[n::4])) for n in range(4)))

    asyncio.run(four_batches())
    assert peak == 3


# ------------------------------------------------------------------ finish
def test_finish_gives_the_local_engines_result(settings, tmp_path):
    (row,) = prepared(settings, tmp_path, [TEXT])
    (asked,) = run_stage(
        ModelStage(settings, PROMPT, None, fake_open(FakeExtractor(draft()), Traffic())), [row]
    )
    (done,) = cluster_stages.finish(table([asked]), settings, PROMPT).to_pylist()
    assert done["answer"] == done["pieces"] == ""  # the driver needs the result ...
    article = articles.parse(TEXT, "0.txt")
    assert Article.model_validate_json(done["article"]) == article  # ... and the article
    got = cluster_stages.decode_result(done["result"])
    local = runner.finish(
        article, PROMPT, settings, answers.load(asked["answer"]), asked["seconds"]
    )

    def plain(result):
        lines = [r.model_dump(exclude={"provenance": {"extracted_at"}}) for r in result.records]
        return lines, result.ledger.model_dump(exclude={"finished_at"})

    assert plain(got) == plain(local) and len(got.records) == 1


def test_failures_round_trip_with_their_kind_attempts_and_usage():
    error = ExtractionError(
        "bad JSON", attempts=[Attempt(number=1, error="x")], usage=Usage(total_tokens=7)
    )
    back = cluster_stages.decode_failure(cluster_stages.encode_failure(error))
    assert type(back) is ExtractionError and str(back) == "bad JSON"
    assert back.attempts == error.attempts and back.usage == error.usage


def test_an_address_where_nothing_listens_fails_at_once_with_what_to_do(monkeypatch):
    monkeypatch.setattr(cluster, "_ray", lambda: type("Ray", (), {"is_initialized": bool})())
    with socket.socket() as sock:  # a port of this machine that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = f"no Ray cluster at 127.0.0.1:{port}.*ray start"
    with pytest.raises(ClusterError, match=refused), cluster.connect(f"127.0.0.1:{port}"):
        pass
