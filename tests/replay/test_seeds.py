"""The seeds and the team's hard cases through exchanges recorded from a real run of the
embedded model (``make fixtures``; re-record whenever the prompt or the draft schema changes).

What must hold whatever the model answered: every article done once; every clean record
grounded (each value's evidence is the article's own words at its offsets, set by the model
or by a registered rule), no name the text never gives; every flagged record flagged for an
error, never for warnings alone; and the clean output scoring against gold no lower than the
recorded run's level (the project's goal for the seeds, 0.95, is not met by prompt
meeting-v7: see the README, Accuracy).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.app import app
from meetx.pipeline.config import PROMPTS_DIR
from meetx.pipeline.evaluation import evaluate
from meetx.pipeline.extraction import prompts
from meetx.pipeline.grounding import align
from meetx.pipeline.reading import articles
from meetx.pipeline.rules import registry
from tests.conftest import FIXTURES, ROOT, SEEDS

HARD = ROOT / "tests" / "articles"
SHARED_GOLD = ROOT.parent / "shared" / "gold" / "seeds.jsonl"
SETS = {
    # name: (article files, gold, least all-slot F1, least precision)
    # floors under the recorded run of prompt meeting-v7 with the rules of this checkout
    # (seeds 0.618 / P 0.691, hard cases 0.875 / P 0.919): a change to the rules that loses
    # what the answers give fails here
    "seeds": (sorted(SEEDS.glob("*.txt")), SHARED_GOLD, 0.58, 0.65),
    "hard": (sorted(HARD.glob("*.txt")), HARD / "gold.jsonl", 0.85, 0.88),
}


@pytest.fixture(scope="module", params=sorted(SETS))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    paths, gold, least_f1, least_precision = SETS[request.param]
    out = tmp_path_factory.mktemp(request.param)
    result = CliRunner().invoke(
        app, ["extract", *map(str, paths), "--replay", str(FIXTURES), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return paths, gold, least_f1, least_precision, OutputStore(out)


def test_every_article_is_done_once_and_none_failed(run):
    paths, *_, store = run
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    assert len(ledger) == len(paths) and not any(entry["failed"] for entry in ledger)


def test_clean_records_are_grounded_and_say_who_set_each_value(run):
    *_, store = run
    sources = {"model", *(f"rule:{name}" for name in registry.names())}
    version = prompts.load(PROMPTS_DIR).version
    records = store.records()
    assert records
    for record in records:
        text = articles.load(Path(record.provenance.article_path)).text
        meeting = record.meeting
        for path in align.grounded_fields(meeting):
            evidence = meeting.evidence_for(path)
            if evidence is None:  # allowed only as a warning on the record
                assert any(i.field == path and i.severity == "warning" for i in record.issues)
                continue
            assert text[evidence.start : evidence.end] == evidence.quote
            assert evidence.source in sources
        assert meeting.participants, record.id  # a meeting of nobody is no record
        assert all(p.name is None or p.name in text for p in meeting.participants)
        assert all(i.severity == "warning" for i in record.issues)
        assert record.provenance.prompt_version == version
        assert record.provenance.usage.completion_tokens > 0


def test_a_record_goes_to_review_only_for_an_error(run):
    *_, store = run
    for item in store.review_items():
        assert any(reason.severity == "error" for reason in item.reasons), item.reasons


def test_clean_output_scores_against_gold(run):
    _, gold_path, least_f1, least_precision, store = run
    if not gold_path.exists():
        pytest.skip(f"{gold_path} is not beside this checkout")
    gold = {
        g["article"]: [evaluate.gold_event(m) for m in g["meetings"]]
        for g in map(json.loads, gold_path.read_text().splitlines())
    }
    predicted = evaluate.events_by_article(
        (Path(r.provenance.article_path).name, r.meeting) for r in store.records()
    )
    paths, *_ = run
    texts = {path.name: path.read_text() for path in paths}
    total, _ = evaluate.score_all(gold, predicted, texts)
    assert total.invented_names == []
    assert total.all_slots.precision >= least_precision
    assert total.all_slots.f1 >= least_f1


def test_a_rerun_skips_everything(run):
    paths, *_, store = run
    result = CliRunner().invoke(
        app,
        ["extract", *map(str, paths), "--replay", str(FIXTURES), "--output", str(store.directory)],
    )
    assert result.exit_code == 0
    assert f"{len(paths)} article(s) already done" in result.stderr
    assert len(store.ledger.read_text().splitlines()) == len(paths)


def test_a_request_that_was_never_recorded_fails_loudly(tmp_path: Path):
    article = tmp_path / "new.txt"
    article.write_text("Ministers of Chile and Peru met in Lima on Monday and agreed on trade.")
    result = CliRunner().invoke(
        app, ["extract", str(article), "--replay", str(FIXTURES), "--output", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no recorded exchange" in result.stderr and "Chile and Peru" in result.stderr
