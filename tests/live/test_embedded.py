"""Against the real embedded model (llama.cpp server + Qwen2.5-Coder-1.5B). Run: make live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.model.local_model import QWEN_1_5B, ensure_weights
from meetx.schemas.draft import ArticleDraft
from tests.conftest import SEEDS

pytestmark = pytest.mark.live


def test_the_draft_schema_converts_to_a_grammar():
    """llama.cpp silently falls back to plain JSON if a schema does not convert: check it does."""
    from llama_cpp import llama_grammar

    grammar = llama_grammar.json_schema_to_gbnf(json.dumps(ArticleDraft.model_json_schema()))
    for field in ("sentence", "participants", "date", "duration", "outcomes"):
        assert f"-{field}-kv ::=" in grammar


def test_weights_are_the_pinned_file(tmp_path: Path):
    import os

    from meetx.pipeline.config import Settings

    path = ensure_weights(Settings.from_env(os.environ).cache_dir)
    assert path.name == QWEN_1_5B.filename and path.stat().st_size == QWEN_1_5B.size


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_one_seed_end_to_end(tmp_path: Path):
    seed = SEEDS / "000_a9d4ef158633710e.txt"
    result = CliRunner().invoke(app, ["extract", str(seed), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    ledger = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    assert len(ledger) == 1 and not ledger[0]["failed"]
    records = [json.loads(line) for line in _lines(tmp_path / "meetings.jsonl")]
    records += [item["record"] for item in map(json.loads, _lines(tmp_path / "review.jsonl"))]
    records = [r for r in records if r]
    countries = {p["country_code"] for m in records for p in m["meeting"]["participants"]}
    assert {"KR", "US", "JP"} <= countries
    assert any(m["meeting"]["format"] == "video_conference" for m in records)
