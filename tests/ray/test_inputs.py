"""Article datasets, web pages and --published on a Ray cluster: the records of a local run.

The driver reads the rows and pages (``reading.sources``, as the local engine does) and the
read tasks turn them into articles; so a JSONL, a CSV and a Parquet file of the same stories,
and the stories as saved pages, give on the cluster what they give locally, with the rows'
ids, URLs and publication dates in the provenance, and a rerun sends nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from meetx.pipeline.batch import cluster, engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.extraction import prompts
from meetx.pipeline.reading.sources import InputOptions
from tests.faults.fakeserver import FakeServer
from tests.faults.test_faults import settings_for
from tests.inputs.conftest import write_csv, write_jsonl, write_parquet
from tests.inputs.pages import page, rows
from tests.ray.helpers import lines

pytestmark = pytest.mark.ray
pytest.importorskip("ray")

FILES = ("meetings.jsonl", "review.jsonl", "ledger.jsonl")


def _inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    stories = rows()
    pages = folder / "pages"
    pages.mkdir()
    for i in range(len(stories)):
        (pages / f"p{i}.html").write_text(page(i), encoding="utf-8")
    return [
        write_jsonl(folder / "a.jsonl", stories[:1]),
        write_csv(folder / "b.csv", stories[1:2]),
        write_parquet(folder / "c.parquet", stories[2:]),
        pages,
    ]


def test_datasets_and_pages_on_ray_equal_the_local_run(ray_cluster: str, tmp_path: Path):
    inputs = _inputs(tmp_path / "in")
    with FakeServer(max_requests=200, max_seconds=240) as server:
        local = settings_for(server, tmp_path / "local")
        prompt = prompts.load(local.prompts_dir)
        engine.run(inputs, local, prompt, OutputStore(local.output_dir))

        on_ray = settings_for(server, tmp_path / "ray", ray_address=ray_cluster)
        summary = cluster.run(inputs, on_ray, prompt, OutputStore(on_ray.output_dir))
        sent = server.requests
        again = cluster.run(inputs, on_ray, prompt, OutputStore(on_ray.output_dir))
        assert server.requests == sent  # the rerun sent nothing

    # three rows and three pages of the same three stories (the pages' dates are the rows')
    assert summary.articles + summary.skipped == 6 and summary.failed == 0
    for name in FILES:
        assert lines(tmp_path / "ray", name) == lines(tmp_path / "local", name), name
    stored = {path.name: path.read_text() for path in (tmp_path / "local").glob("articles/*/*")}
    assert stored and stored == {
        p.name: p.read_text() for p in (tmp_path / "ray").glob("articles/*/*")
    }
    records = OutputStore(tmp_path / "ray").records()
    assert {r.provenance.source_id for r in records} >= {"story-0", "story-1", "story-2"}
    assert {r.provenance.published_source for r in records} <= {"dataset", "html"}
    assert (again.articles, again.skipped) == (0, 6)


def test_the_published_flag_reaches_the_cluster(ray_cluster: str, tmp_path: Path):
    (tmp_path / "in").mkdir()
    story = rows()[0]["text"]
    (tmp_path / "in" / "story.txt").write_text(story, encoding="utf-8")
    flag = InputOptions(published=dt.date(2022, 1, 4))
    with FakeServer(max_requests=50, max_seconds=120) as server:
        settings = settings_for(server, tmp_path / "out", ray_address=ray_cluster)
        prompt = prompts.load(settings.prompts_dir)
        cluster.run([tmp_path / "in"], settings, prompt, OutputStore(tmp_path / "out"), inputs=flag)
    ((article_id, *_),) = OutputStore(tmp_path / "out").done()
    stored = OutputStore(tmp_path / "out").article(article_id)
    assert (
        stored is not None
        and stored.published == dt.date(2022, 1, 4)
        and stored.published_source == "flag"
    )
