"""The ``meetx`` command line: reads settings once, configures logging, calls the stages."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.cli import workflow as workflow_cli
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.extraction import prompts
from meetx.pipeline.model import local_model
from meetx.schemas.record import MeetingRecord

app = typer.Typer(
    help="Turn news articles into validated records of diplomatic meetings.",
    no_args_is_help=True,
    add_completion=False,
)
model_app = typer.Typer(help="The embedded local model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
err = Console(stderr=True)
log = logging.getLogger("meetx")

Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="output directory [output]")]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the embedded server is stopped and nothing half-written."""
    signal.signal(signal.SIGTERM, _interrupt)


def _logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    if verbose < 2:  # instructor logs every failed attempt at ERROR; we report them ourselves
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


def _settings(**flags: Any) -> Settings:
    return Settings.from_env(os.environ, **flags)


def _fail(exc: MeetxError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="article files or directories")],
    output: Output = None,
    force: Annotated[bool, typer.Option(help="redo articles already done")] = False,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")] = None,
    model: Annotated[str | None, typer.Option(help="model name sent to the endpoint")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="e.g. meeting-v1 [newest]")] = None,
    max_reasks: Annotated[int | None, typer.Option(help="validation re-asks per article")] = None,
    record: Annotated[Path | None, typer.Option(help="save every HTTP exchange here")] = None,
    replay: Annotated[Path | None, typer.Option(help="answer from exchanges saved here")] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="articles in flight [1 embedded, 8 remote]")
    ] = None,
    rpm: Annotated[float | None, typer.Option(help="max requests per minute")] = None,
    tpm: Annotated[float | None, typer.Option(help="max tokens per minute")] = None,
    cache: Annotated[bool, typer.Option(help="reuse answers already paid for")] = True,
    verbose: Verbose = 0,
) -> None:
    """Extract meetings from articles into OUTPUT/meetings.jsonl and OUTPUT/review.jsonl."""
    _logging(verbose)
    _exit_on_sigterm()
    try:
        settings = _settings(
            output_dir=output,
            base_url=base_url,
            model=model,
            prompt_version=prompt_version,
            max_reasks=max_reasks,
            record_dir=record,
            replay_dir=replay,
            concurrency=concurrency,
            requests_per_minute=rpm,
            tokens_per_minute=tpm,
            use_cache=cache,
        )
        prompt = prompts.load(settings.prompts_dir, settings.prompt_version)
        where = (
            f"replay {settings.replay_dir}"
            if settings.replay_dir
            else settings.base_url or f"embedded model {settings.model}"
        )
        err.print(f"extracting with {where}, prompt {prompt.version}, {settings.slots} at once")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        ) as progress:
            task = progress.add_task("articles", total=None)

            def advance(article: Any, result: Any) -> None:
                progress.update(task, advance=1, description=Path(article.path).name[:40])

            summary = engine.run(
                paths,
                settings,
                prompt,
                OutputStore(settings.output_dir),
                force=force,
                on_article=advance,
            )
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]: finished articles are saved; rerun to go on")
        raise typer.Exit(130) from None
    except MeetxError as exc:
        raise _fail(exc) from exc
    _print_summary(summary, settings)
    workflow_cli.after_extract(settings.output_dir)
    if summary.interrupted:
        err.print("[yellow]interrupted[/yellow]: finished articles are saved; rerun to go on")
        raise typer.Exit(130)


def _print_summary(summary: Summary, settings: Settings) -> None:
    per = summary.seconds / summary.articles if summary.articles else 0.0
    if summary.skipped:
        err.print(f"{summary.skipped} article(s) already done (use --force to redo)")
    priced = settings.price_in_per_mtok or settings.price_out_per_mtok
    cost = f" | ${summary.cost(settings):.4f}" if priced else ""
    err.print(
        f"articles {summary.articles} (skipped {summary.skipped}, unreadable "
        f"{summary.unreadable}, cached {summary.cached}) | meetings {summary.meetings} | "
        f"flagged {summary.flagged} | failed {summary.failed} | requests {summary.requests} "
        f"({summary.failed_requests} retried or failed) | tokens paid "
        f"{summary.usage.total_tokens:,} ({summary.usage.prompt_tokens:,} in, "
        f"{summary.usage.completion_tokens:,} out, failed attempts included; "
        f"{summary.cached_usage.total_tokens:,} more from the cache){cost} | "
        f"{summary.seconds:.1f} s ({per:.2f} s/article)"
    )
    err.print(
        f"output: {settings.output_dir / 'meetings.jsonl'}, review: "
        f"{settings.output_dir / 'review.jsonl'}"
    )


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
    _logging(verbose)
    try:
        path = local_model.ensure_weights(_settings().cache_dir)
    except MeetxError as exc:
        raise _fail(exc) from exc
    err.print(f"weights verified: {path}")


@model_app.command("path")
def model_path() -> None:
    """Print where the embedded model's weights live."""
    sys.stdout.write(str(_settings().cache_dir / local_model.QWEN_1_5B.filename) + "\n")


def _register_eval() -> None:
    from meetx.pipeline.cli.evaluate import eval_command

    app.command("eval")(eval_command)


_register_eval()


def _register_workflow() -> None:
    workflow_cli.register(app)


_register_workflow()
