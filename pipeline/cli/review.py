"""``meetx review``: walk the flagged records in a terminal, or decide one by one in scripts.

``meetx review`` alone walks the pending items interactively (on a terminal; elsewhere it
lists them). ``list``, ``show``, ``accept``, ``edit``, ``reject``, ``requeue``, ``requeued``
and ``reextract`` are the non-interactive forms. The reviewer's name is ``--who``, else
``MEETX_REVIEWER``, else the login name.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from meetx.pipeline.cli.review_tui import Walk, render
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.extraction import prompts
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.workflow import reextract
from meetx.pipeline.workflow.review import Item, ReviewLog, load_article
from meetx.pipeline.workflow.review_edit import Assignment
from meetx.schemas.review import Decision

err = Console(stderr=True)
review_app = typer.Typer(
    help="Review flagged records: walk them in the terminal, or decide one by one.",
    invoke_without_command=True,
)

Output = Annotated[Path | None, typer.Option("--output", "-o", help="output directory [output]")]
Who = Annotated[str | None, typer.Option(help="reviewer's name [$MEETX_REVIEWER or login]")]
Articles = Annotated[
    Path | None, typer.Option("--articles", help="where to look for article files moved since")
]
Why = Annotated[str | None, typer.Option("--why", help="the reason, kept in decisions.jsonl")]
ItemId = Annotated[str, typer.Argument(help="the item's id (or a unique prefix)")]


def _log(output: Path | None) -> ReviewLog:
    review = ReviewLog(Settings.from_env(os.environ, output_dir=output).output_dir)
    review.repair()
    return review


def _who(who: str | None) -> str:
    return who or os.environ.get("MEETX_REVIEWER") or getpass.getuser()


def _fail(exc: MeetxError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)


def _item_json(item: Item, decision: Decision | None) -> str:
    data = {
        "id": item.id,
        "fingerprint": item.fingerprint,
        "decision": decision.model_dump(mode="json", exclude={"before", "after"})
        if decision
        else None,
        **item.review.model_dump(mode="json"),
    }
    return json.dumps(data, ensure_ascii=False)


def _table(review: ReviewLog, items: list[Item]) -> None:
    settled = review.final()
    table = Table("article", "participants", "reasons", "decision", show_lines=True)
    table.columns.insert(0, Column("id", no_wrap=True))
    for item in items:
        who = ""
        if item.record is not None:
            who = ", ".join(
                p.name or f"({p.role or '?'}, {p.country or '?'})"
                for p in item.record.meeting.participants
            )
        reasons = "\n".join(f"{r.kind}: {r.message[:120]}" for r in item.review.reasons)
        decision = settled.get(item.key)
        table.add_row(
            item.id,
            Path(item.provenance.article_path).name,
            who,
            reasons,
            f"{decision.action} ({decision.who})" if decision else "",
        )
    Console().print(table)


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    output: Output = None,
    as_json: Annotated[bool, typer.Option("--json", help="list pending items as JSON")] = False,
    who: Who = None,
    articles: Articles = None,
) -> None:
    """Walk the flagged records not yet decided: accept, edit, reject or send back."""
    if ctx.invoked_subcommand is not None:
        return
    review_log = _log(output)
    pending = review_log.pending()
    if as_json:
        for item in pending:
            sys.stdout.write(_item_json(item, None) + "\n")
        return
    if not pending:
        err.print("nothing to review")
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _table(review_log, pending)
        err.print(
            f"{len(pending)} item(s) to review: run `meetx review` in a terminal, or "
            "`meetx review accept|edit|reject|requeue ID`",
            soft_wrap=True,
        )
        return
    Walk(review_log, _who(who), Console(highlight=False), articles).run()


@review_app.command("list")
def list_items(
    output: Output = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    everything: Annotated[bool, typer.Option("--all", help="decided items too")] = False,
) -> None:
    """List the items to review (with --all, also those decided, with their decision)."""
    review_log = _log(output)
    items = review_log.items() if everything else review_log.pending()
    if as_json:
        settled = review_log.final()
        for item in items:
            sys.stdout.write(_item_json(item, settled.get(item.key)) + "\n")
        return
    if not items:
        err.print("nothing to review")
        return
    _table(review_log, items)
    err.print(f"{len(items)} item(s)")


@review_app.command()
def show(item_id: ItemId, output: Output = None, articles: Articles = None) -> None:
    """Show one item: its reasons, its record and the text around its quotes."""
    try:
        review_log = _log(output)
        item = review_log.find(item_id)
        try:
            article = load_article(item.provenance, articles, review_log.store)
        except MeetxError as exc:
            err.print(f"[yellow]{exc}[/yellow]")
            article = None
        Console().print(render(item, article))
    except MeetxError as exc:
        raise _fail(exc) from exc


@review_app.command()
def accept(item_id: ItemId, output: Output = None, who: Who = None, why: Why = None) -> None:
    """Accept a flagged record as it is: it joins meetings.jsonl, marked reviewed."""
    try:
        review_log = _log(output)
        decision = review_log.accept(review_log.find(item_id), _who(who), why)
    except MeetxError as exc:
        raise _fail(exc) from exc
    err.print(f"accepted {decision.item_id}")


@review_app.command()
def edit(
    item_id: ItemId,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="path=value, e.g. 'participants[1].name=X'")
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="a list item to drop, e.g. outcomes[2]")
    ] = None,
    accept_issues: Annotated[
        bool, typer.Option(help="save even if the checks still find issues")
    ] = False,
    output: Output = None,
    who: Who = None,
    why: Why = None,
    articles: Articles = None,
) -> None:
    """Edit a flagged record; it is validated and checked like an extraction, then saved."""
    try:
        review_log = _log(output)
        item = review_log.find(item_id)
        changes = [Assignment.removal(p) for p in remove or []]
        changes += [Assignment.parse(a) for a in set_ or []]
        article = load_article(item.provenance, articles, review_log.store)
        _, issues = review_log.preview_edit(item, changes, article)
        for issue in issues:
            err.print(
                f"[yellow]{issue.kind}[/yellow] ({issue.severity}) {issue.field or ''}: "
                f"{issue.message}"
            )
        if any(i.severity == "error" for i in issues) and not accept_issues:
            err.print("not saved: the checks still find errors (fix them, or --accept-issues)")
            raise typer.Exit(1)
        decision = review_log.edit(item, changes, article, _who(who), why)
    except MeetxError as exc:
        raise _fail(exc) from exc
    err.print(f"edited {decision.item_id}: {len(decision.changes)} change(s)")


@review_app.command()
def reject(
    item_id: ItemId,
    why: Annotated[str, typer.Option("--why", help="why the record is wrong")],
    output: Output = None,
    who: Who = None,
) -> None:
    """Reject a flagged record: it never joins meetings.jsonl."""
    try:
        review_log = _log(output)
        decision = review_log.reject(review_log.find(item_id), _who(who), why)
    except MeetxError as exc:
        raise _fail(exc) from exc
    err.print(f"rejected {decision.item_id}")


@review_app.command()
def requeue(
    item_id: ItemId,
    note: Annotated[str, typer.Option("--note", help="what the model should do differently")],
    output: Output = None,
    who: Who = None,
    why: Why = None,
) -> None:
    """Send the article back for extraction with a note (run them with `reextract`)."""
    try:
        review_log = _log(output)
        decision = review_log.requeue(review_log.find(item_id), _who(who), note, why)
    except MeetxError as exc:
        raise _fail(exc) from exc
    err.print(f"requeued {decision.item_id}: `meetx review reextract` extracts it again")


@review_app.command()
def requeued(
    output: Output = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """List the articles sent back for extraction and not yet extracted again."""
    todo = reextract.requeued(_log(output))
    for decision in todo:
        if as_json:
            sys.stdout.write(decision.model_dump_json(exclude={"before", "after"}) + "\n")
        else:
            sys.stdout.write(f"{decision.item_id}\t{decision.article_path}\t{decision.note}\n")
    if not as_json:
        err.print(f"{len(todo)} requeued item(s)")


@review_app.command("reextract")
def reextract_command(
    output: Output = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")] = None,
    model: Annotated[str | None, typer.Option(help="model name sent to the endpoint")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="e.g. meeting-v2 [newest]")] = None,
    replay: Annotated[Path | None, typer.Option(help="answer from exchanges saved here")] = None,
    who: Who = None,
    articles: Articles = None,
) -> None:
    """Extract the requeued articles again, each with its reviewer's note in the prompt."""
    try:
        settings = Settings.from_env(
            os.environ,
            output_dir=output,
            base_url=base_url,
            model=model,
            prompt_version=prompt_version,
            replay_dir=replay,
        )
        prompt = prompts.load(settings.prompts_dir, settings.prompt_version)
        review_log = ReviewLog(settings.output_dir)

        def batch(paths: list[Path], noted: Prompt, on_article: reextract.OnArticle) -> object:
            from meetx.pipeline.batch import engine  # the batch engine of `meetx extract`

            return engine.run(
                paths, settings, noted, review_log.store, force=True, on_article=on_article
            )

        done = reextract.run(review_log, prompt, batch, _who(who), articles)
    except MeetxError as exc:
        raise _fail(exc) from exc
    for decision in done:
        err.print(f"{decision.item_id}: {decision.why}; records {', '.join(decision.produced)}")
    err.print(f"{len(done)} item(s) extracted again")
