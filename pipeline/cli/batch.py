"""``meetx batch submit | status | collect | cancel``: half-price runs through a Batch API.

The plain functions are ``batch.submit.submit``, ``batch.batches.status``,
``batch.collect.collect`` and ``batch.batches.cancel``; here are their flags, progress bars
and summaries.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from meetx.pipeline.batch import batches
from meetx.pipeline.batch import collect as collecting
from meetx.pipeline.batch import submit as submitting
from meetx.pipeline.batch.manifest import Part
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.common import Output, Verbose, err, exit_on_sigterm, fail, setup_logging
from meetx.pipeline.cli.common import settings as read_settings
from meetx.pipeline.cli.extract import after_extract
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.extraction import prompts
from meetx.pipeline.model.batch_api import BatchAPI

T = TypeVar("T")

batch_app = typer.Typer(
    help="Half-price large runs: a provider's Batch API (OpenAI's, or a compatible one). "
    "submit sends the articles, status shows how the batches stand, collect writes the "
    "answers to the output files as a live run would; cancel stops the running batches.",
    no_args_is_help=True,
)

BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint with a Batch API")]
Model = Annotated[str | None, typer.Option(help="model name sent to the endpoint")]
PromptVersion = Annotated[str | None, typer.Option(help="e.g. meeting-v1 [newest]")]
MaxReasks = Annotated[int | None, typer.Option(help="validation re-asks per article")]
INTERRUPTED = (
    "[yellow]interrupted[/yellow]: what was sent or committed is noted; run the command again"
)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _run(settings: Settings, job: Callable[[BatchAPI], Awaitable[T]]) -> T:
    """Run ``job`` with the provider's client; errors and Ctrl-C become exit codes."""

    async def main() -> T:
        async with BatchAPI(settings) as api:
            return await job(api)

    exit_on_sigterm()
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        err.print(INTERRUPTED)
        raise typer.Exit(130) from None
    except MeetxError as exc:
        raise fail(exc) from exc


def _settings(**flags: Any) -> Settings:
    try:
        return read_settings(**flags)
    except MeetxError as exc:
        raise fail(exc) from exc


def _load_prompt(settings: Settings) -> prompts.Prompt:
    try:
        return prompts.load(settings.prompts_dir, settings.prompt_version)
    except MeetxError as exc:
        raise fail(exc) from exc


def _describe(part: Part) -> str:
    counts = f"{part.completed}/{part.requests} done" + (
        f", {part.failed} failed" if part.failed else ""
    )
    return f"{part.name}: batch {part.batch_id or '-'} {part.status} ({counts})"


@batch_app.command("submit")
def submit_command(
    paths: Annotated[list[Path], typer.Argument(help="article files or directories")],
    output: Output = None,
    base_url: BaseUrl = None,
    model: Model = None,
    prompt_version: PromptVersion = None,
    max_reasks: MaxReasks = None,
    max_requests: Annotated[
        int | None, typer.Option(help="requests per batch [50000, OpenAI's limit]")
    ] = None,
    max_bytes: Annotated[
        int | None, typer.Option(help="bytes per batch input file [200000000]")
    ] = None,
    redo_failed: Annotated[
        bool,
        typer.Option(
            help="send again the articles committed as failed (expired, a failed batch, ...); "
            "their review items go"
        ),
    ] = False,
    verbose: Verbose = 0,
) -> None:
    """Send the articles not yet done as batches: the requests a live run would send."""
    setup_logging(verbose)
    settings = _settings(
        output_dir=output,
        base_url=base_url,
        model=model,
        prompt_version=prompt_version,
        max_reasks=max_reasks,
        batch_max_requests=max_requests,
        batch_max_bytes=max_bytes,
    )
    prompt = _load_prompt(settings)
    err.print(f"submitting to {settings.base_url}, model {settings.model}, prompt {prompt.version}")
    store = OutputStore(settings.output_dir)
    with _progress() as progress:
        task = progress.add_task("articles", total=None)

        def advance(path: str) -> None:
            progress.update(task, advance=1, description=Path(path).name[:40])

        def sent(part: Part) -> None:
            progress.console.print(_describe(part))

        done = _run(
            settings,
            lambda api: submitting.submit(
                paths,
                settings,
                prompt,
                store,
                api,
                on_article=advance,
                on_part=sent,
                redo_failed=redo_failed,
            ),
        )
    summary = done.summary
    if done.redone:
        err.print(f"{done.redone} article(s) committed as failed are sent again")
    if summary.skipped:
        err.print(f"{summary.skipped} article(s) already done or sent")
    if summary.unreadable:
        err.print(f"{summary.unreadable} input(s) skipped: not articles (see above)")
    err.print(
        f"sent {done.articles} article(s), {done.requests} request(s), in "
        f"{len(done.parts)} batch(es); `meetx batch status` shows how they stand, "
        "`meetx batch collect` writes what they answered"
    )


@batch_app.command("status")
def status_command(
    output: Output = None,
    base_url: BaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    verbose: Verbose = 0,
) -> None:
    """How the batches of OUTPUT stand, as the provider says now."""
    setup_logging(verbose)
    settings = _settings(output_dir=output, base_url=base_url)
    parts, counts = _run(settings, lambda api: batches.status(settings, api))
    if as_json:
        rows = [
            {
                "part": p.name,
                "round": p.round,
                "batch_id": p.batch_id,
                "status": p.status,
                "requests": p.requests,
                "completed": p.completed,
                "failed": p.failed,
                "collected": p.downloaded,
                "errors": p.errors or None,
            }
            for p in parts
        ]
        sys.stdout.write(json.dumps({"batches": rows, **counts}, indent=2) + "\n")
        return
    if not parts:
        err.print(f"no batches were submitted to {settings.output_dir}")
        return
    table = Table("part", "round", "batch", "status", "requests", "done", "failed", "collected")
    for p in parts:
        table.add_row(
            p.name,
            str(p.round),
            p.batch_id or "-",
            p.status + (f" ({p.errors[:60]})" if p.errors else ""),
            str(p.requests),
            str(p.completed),
            str(p.failed),
            "yes" if p.downloaded else "no",
        )
    err.print(table)
    err.print(
        f"articles: {counts['articles']} sent, {counts['committed']} committed, "
        f"{counts['waiting']} waiting | requests: {counts['answered']} answered, "
        f"{counts['failed']} failed, {counts['requests_waiting']} waiting"
    )


@batch_app.command("collect")
def collect_command(
    output: Output = None,
    live_followups: Annotated[
        bool,
        typer.Option(
            help="ask re-asks and second passes live now, at the live price, instead of in a "
            "follow-up batch (the default: half price, one more batch to wait for)"
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option(help="wait for running batches (and follow-ups) until all is done")
    ] = False,
    poll: Annotated[float, typer.Option(help="with --wait: seconds between looks")] = 60.0,
    base_url: BaseUrl = None,
    model: Model = None,
    prompt_version: PromptVersion = None,
    max_reasks: MaxReasks = None,
    concurrency: Annotated[
        int | None, typer.Option(help="articles in flight (live follow-ups) [8]")
    ] = None,
    rpm: Annotated[float | None, typer.Option(help="max live requests per minute")] = None,
    tpm: Annotated[float | None, typer.Option(help="max live tokens per minute")] = None,
    verbose: Verbose = 0,
) -> None:
    """Write what the finished batches answered into OUTPUT, as a live run would; once."""
    setup_logging(verbose)
    settings = _settings(
        output_dir=output,
        base_url=base_url,
        model=model,
        prompt_version=prompt_version,
        max_reasks=max_reasks,
        concurrency=concurrency,
        requests_per_minute=rpm,
        tokens_per_minute=tpm,
    )
    prompt = _load_prompt(settings)
    store = OutputStore(settings.output_dir)
    with _progress() as progress:
        task = progress.add_task("articles", total=None)

        def advance(path: str, result: object) -> None:
            progress.update(task, advance=1, description=Path(path).name[:40])

        def waiting(done: collecting.Collected) -> None:
            running = [p for p in done.parts if not p.downloaded]
            progress.console.print(
                f"waiting for {len(running)} batch(es) ({done.waiting} article(s)); "
                f"next look in {poll:g} s"
            )

        done = _run(
            settings,
            lambda api: collecting.collect(
                settings,
                prompt,
                store,
                api,
                live_followups=live_followups,
                wait=wait,
                poll_s=poll,
                on_article=advance,
                on_wait=waiting,
            ),
        )
    _print_collected(done, settings)
    if done.summary.articles:
        after_extract(settings.output_dir)


@batch_app.command("cancel")
def cancel_command(
    output: Output = None,
    base_url: BaseUrl = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
    verbose: Verbose = 0,
) -> None:
    """Cancel the batches of OUTPUT still running; collect then reviews what never ran."""
    setup_logging(verbose)
    settings = _settings(output_dir=output, base_url=base_url)
    if not yes:
        typer.confirm(
            f"cancel every running batch of {settings.output_dir}? What they answered so far "
            "is kept; `meetx batch collect` sends the rest to review.jsonl as cancelled",
            abort=True,
            err=True,
        )
    parts = _run(settings, lambda api: batches.cancel(settings, api))
    for part in parts:
        err.print(_describe(part))
    err.print(f"{len(parts)} batch(es) cancelled or cancelling; run `meetx batch collect`")


def _print_collected(done: collecting.Collected, settings: Settings) -> None:
    summary = done.summary
    for part in done.downloaded:
        err.print(f"collected {_describe(part)}")
    for problem in summary.problems:
        err.print(f"[yellow]waiting:[/yellow] {problem}")
    cost = ""
    if done.cost_usd is not None:
        cost = f" | ${done.cost_usd:.4f} at batch prices"
        if done.live_cost_usd is not None:
            cost += f" (live: ${done.live_cost_usd:.4f})"
    live = done.live_usage.total_tokens
    err.print(
        f"articles {summary.articles} | meetings {summary.meetings} | flagged {summary.flagged} "
        f"| failed {summary.failed} | tokens {summary.usage.total_tokens:,} "
        f"({summary.usage.prompt_tokens:,} in, {summary.usage.completion_tokens:,} out"
        f"{f'; {live:,} live' if live else ''}){cost}"
    )
    if done.sent:
        err.print(
            f"{done.followups} article(s) need another request: sent in "
            + ", ".join(p.batch_id or p.name for p in done.sent)
        )
    if done.waiting:
        err.print(f"{done.waiting} article(s) still waiting: run `meetx batch collect` again")
    err.print(
        f"output: {settings.output_dir / 'meetings.jsonl'}, review: "
        f"{settings.output_dir / 'review.jsonl'}"
    )
