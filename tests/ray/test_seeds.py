"""The seeds on a Ray cluster, replayed: the same records as a local run, then nothing redone."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.batch import cluster, engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.app import app
from meetx.pipeline.config import Settings
from meetx.pipeline.extraction import prompts
from tests.conftest import FIXTURES, SEEDS
from tests.ray.helpers import lines

pytestmark = pytest.mark.ray
pytest.importorskip("ray")

FILES = ("meetings.jsonl", "review.jsonl", "ledger.jsonl")


def test_seeds_on_ray_equal_the_local_run_and_a_rerun_redoes_nothing(
    ray_cluster: str, tmp_path: Path
):
    local = Settings(replay_dir=FIXTURES, output_dir=tmp_path / "local")
    prompt = prompts.load(local.prompts_dir)
    engine.run([SEEDS], local, prompt, OutputStore(local.output_dir))

    result = CliRunner().invoke(
        app,
        ["extract", str(SEEDS), "--replay", str(FIXTURES), "--output", str(tmp_path / "ray")],
        env={"MEETX_RAY": ray_cluster},
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as wrapped for the terminal
    assert f"on the Ray cluster {ray_cluster}" in said
    assert "articles 5 (skipped 0" in said and "failed 0" in said
    for name in FILES:
        assert lines(tmp_path / "ray", name) == lines(tmp_path / "local", name), name
    assert len(lines(tmp_path / "ray", "meetings.jsonl")) >= 4
    assert (tmp_path / "ray" / "events.jsonl").exists()  # merged at the end, as locally

    on_ray = local.model_copy(update={"output_dir": tmp_path / "ray", "ray_address": ray_cluster})
    again = cluster.run([SEEDS], on_ray, prompt, OutputStore(on_ray.output_dir))
    assert (again.articles, again.skipped, again.requests) == (0, 5, 0)
    assert lines(tmp_path / "ray", "ledger.jsonl") == lines(tmp_path / "local", "ledger.jsonl")


def test_force_redoes_every_article_once(ray_cluster: str, tmp_path: Path):
    settings = Settings(replay_dir=FIXTURES, output_dir=tmp_path, ray_address=ray_cluster)
    prompt = prompts.load(settings.prompts_dir)
    seed = sorted(SEEDS.iterdir())[:2]
    first = cluster.run(seed, settings, prompt, OutputStore(tmp_path))
    forced = cluster.run(seed, settings, prompt, OutputStore(tmp_path), force=True)
    assert (first.articles, forced.articles, forced.skipped) == (2, 2, 0)
    assert len(lines(tmp_path, "ledger.jsonl")) == 2
