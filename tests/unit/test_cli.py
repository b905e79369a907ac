import json

from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import MeetingRecord
from tests.conftest import ROOT

runner = CliRunner()


def test_schema_prints_the_output_line_schema_and_the_copy_is_current():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == MeetingRecord.model_json_schema()
    kept = json.loads((ROOT / "schemas" / "meeting_record.schema.json").read_text())
    assert kept == printed, "run: meetx schema > schemas/meeting_record.schema.json"


def test_schema_of_the_draft():
    result = runner.invoke(app, ["schema", "--draft"])
    assert json.loads(result.stdout) == ArticleDraft.model_json_schema()


def test_extract_needs_paths_and_explains_bad_settings(tmp_path):
    assert runner.invoke(app, ["extract"]).exit_code == 2
    result = runner.invoke(
        app, ["extract", str(tmp_path), "--record", str(tmp_path), "--replay", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "exclude each other" in result.stderr


def test_review_with_nothing_to_review(tmp_path):
    result = runner.invoke(app, ["review", "--output", str(tmp_path)])
    assert result.exit_code == 0 and "nothing to review" in result.stderr
