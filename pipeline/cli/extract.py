"""``meetx extract``: the articles under some paths into an output directory.

:func:`extract_articles` is the plain function behind the command (``meetx eval --run`` calls
it too); :func:`extract` is the command: flags and environment in, exit codes out.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from meetx.pipeline.batch import engine
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.cli.common import (
    Output,
    Verbose,
    err,
    exit_on_sigterm,
    fail,
    quiet_ray,
    setup_logging,
)
from meetx.pipeline.cli.common import settings as read_settings
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.extraction import prompts
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.reading.sources import InputOptions
from meetx.pipeline.reading.tables import Columns
from meetx.pipeline.rules import registry
from meetx.pipeline.workflow import merge

INTERRUPTED = "[yellow]interrupted[/yellow]: finished articles are saved; rerun to go on"


def extract_articles(
    paths: list[Path], settings: Settings, force: bool = False, inputs: InputOptions | None = None
) -> Summary:
    """Extract, with a progress bar and a summary on stderr, then refresh ``events.jsonl``.

    On a Ray cluster when ``settings.ray_address`` is set (``batch.cluster``), else with the
    local engine; ``inputs`` says how it reads them (format, dataset
    columns, ``--published``). Raises what stops the run (:class:`MeetxError`,
    ``KeyboardInterrupt``); an interrupted batch returns its summary with ``interrupted`` set.
    """
    prompt = prompts.load(settings.prompts_dir, settings.prompt_version)
    where = (
        f"replay {settings.replay_dir}"
        if settings.replay_dir
        else settings.base_url or f"embedded model {settings.model}"
    )
    on = f" on the Ray cluster {settings.ray_address}" if settings.ray_address else ""
    err.print(f"extracting with {where}{on}, prompt {prompt.version}, {settings.slots} at once")
    store = OutputStore(settings.output_dir)
    with _Progress() as progress:
        if settings.ray_address:
            from meetx.pipeline.batch import cluster  # Ray only when asked for

            summary = cluster.run(
                paths,
                settings,
                prompt,
                store,
                force=force,
                inputs=inputs,
                on_result=progress.advance,
            )
        else:
            summary = engine.run(
                paths,
                settings,
                prompt,
                store,
                force=force,
                on_article=lambda article, result: progress.advance(result),
                inputs=inputs,
            )
    _print_summary(summary, settings)
    after_extract(settings.output_dir)
    return summary


class _Progress:
    """The bar on stderr: articles done, with the last one's name, flagged, failed, tokens."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.task = self.bar.add_task("articles", total=None, stats="")
        self.flagged = self.failed = self.tokens = 0

    def advance(self, result: ArticleResult) -> None:
        self.flagged += result.ledger.flagged
        self.failed += int(result.ledger.failed)
        self.tokens += result.ledger.usage.total_tokens
        self.bar.update(
            self.task,
            advance=1,
            description=Path(result.ledger.article_path).name[:40],
            stats=f"flagged {self.flagged} · failed {self.failed} · tokens {self.tokens:,}",
        )

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)


def _column(role: str) -> Any:
    return typer.Option(help=f"the dataset's {role} column [found by name]", show_default=False)


def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="article files (.txt), web pages (.html), datasets (.jsonl, .csv, .tsv, "
            ".parquet; .gz too) or directories of them; - reads standard input",
            show_default=False,
        ),
    ],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="read every input as: text, html, jsonl, csv or parquet [by suffix or content]",
            show_default=False,
        ),
    ] = None,
    published: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="publication date for articles whose row or page states none (it wins over "
            "the text's header)",
            show_default=False,
        ),
    ] = None,
    text_column: Annotated[str | None, _column("text")] = None,
    id_column: Annotated[str | None, _column("id")] = None,
    url_column: Annotated[str | None, _column("URL")] = None,
    title_column: Annotated[str | None, _column("title")] = None,
    date_column: Annotated[str | None, _column("publication date")] = None,
    lang_column: Annotated[str | None, _column("language")] = None,
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
    rule_off: Annotated[
        list[str] | None,
        typer.Option(help="leave out this rule (repeatable; `meetx rules` lists them)"),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="run on a Ray cluster: local (start one here), auto (the one running here) "
            "or HOST:PORT; needs meetx[ray]",
        ),
    ] = None,
    ray_actors: Annotated[
        int | None, typer.Option(help="model actors on the Ray cluster [automatic]")
    ] = None,
    verbose: Verbose = 0,
) -> None:
    """Extract meetings from articles into OUTPUT/meetings.jsonl and OUTPUT/review.jsonl.

    Texts and metadata as read: OUTPUT/articles/ (the offsets refer to those texts).
    """
    setup_logging(verbose)
    exit_on_sigterm()
    try:
        settings = read_settings(
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
            ray_address=ray,
            ray_actors=ray_actors,
        )
        if rule_off:
            settings = settings.model_copy(
                update={"rules_off": tuple(dict.fromkeys([*settings.rules_off, *rule_off]))}
            )
        registry.check_names(settings.rules_off)
        if settings.ray_address:
            if settings.ray_address == "local":  # a cluster for this run alone: loopback only
                os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
            quiet_ray(verbose)
        inputs = InputOptions(
            format=input_format,
            columns=Columns(
                text_column, id_column, url_column, title_column, date_column, lang_column
            ),
            published=published.date() if published else None,
            max_bytes=settings.max_article_bytes,
        )
        summary = extract_articles(paths, settings, force, inputs)
    except KeyboardInterrupt:
        err.print(INTERRUPTED)
        raise typer.Exit(130) from None
    except MeetxError as exc:
        raise fail(exc) from exc
    if summary.interrupted:
        err.print(INTERRUPTED)
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


def after_extract(output_dir: Path) -> None:
    """Run at the end of an extraction: refresh ``events.jsonl``."""
    try:
        events = merge.write(output_dir)
    except MeetxError as exc:
        err.print(f"[yellow]events not merged:[/yellow] {exc}")
        return
    merged = sum(1 for e in events if len(e.mentions) > 1)
    err.print(f"events: {output_dir / merge.EVENTS} ({len(events)}, {merged} merged)")
