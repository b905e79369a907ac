"""``meetx eval``: score predictions against gold annotations (``pipeline.evaluation.evaluate``)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.common import err, exit_on_sigterm, setup_logging
from meetx.pipeline.cli.common import settings as read_settings
from meetx.pipeline.cli.extract import INTERRUPTED, extract_articles
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError
from meetx.pipeline.evaluation import evaluate
from meetx.pipeline.workflow.review import ReviewLog
from meetx.schemas.meeting import Meeting


def _gold(path: Path, lang: str | None = None) -> dict[str, list[evaluate.Event]]:
    """Gold events by article file; with ``lang``, only the articles in that language
    (``other``: every language but English). Gold lines without ``lang`` count as English."""
    try:
        lines = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise MeetxError(f"cannot read gold file {path}: {exc}") from exc
    if lang is not None:
        lines = [g for g in lines if _in_language(g.get("lang") or "en", lang)]
    return {_gold_article(g): [evaluate.gold_event(m) for m in g["meetings"]] for g in lines}


def _in_language(article_lang: str, wanted: str) -> bool:
    return article_lang != "en" if wanted == "other" else article_lang == wanted


def _gold_article(line: dict[str, Any]) -> str:
    """The article file a gold line is for: ``article`` (the seeds' gold), else ``id`` + .txt
    (the development set's, whose texts are ``texts/<id>.txt``)."""
    return str(line["article"]) if "article" in line else f"{line['id']}.txt"


def _predictions(store: OutputStore, include_flagged: bool) -> list[tuple[str, str, Meeting]]:
    """(article file name, article path, meeting) for every record to score."""
    found = [
        (Path(r.provenance.article_path).name, r.provenance.article_path, r.meeting)
        for r in store.records()
    ]
    if include_flagged:  # undecided ones: accepted and edited records are in meetings.jsonl
        found += [
            (Path(i.provenance.article_path).name, i.provenance.article_path, i.record.meeting)
            for i in ReviewLog(store.directory).pending()
            if i.record is not None
        ]
    return found


def _texts(paths: dict[str, str], articles_dir: Path | None) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, path in paths.items():
        candidates = [Path(path)] + ([articles_dir / name] if articles_dir else [])
        for candidate in candidates:
            if candidate.is_file():
                texts[name] = candidate.read_text("utf-8", errors="replace")
                break
    return texts


def _table(title: str, score: evaluate.Score) -> Table:
    table = Table("field", "gold", "pred", "correct", "P", "R", "F1", title=title)
    rows = [*score.fields.items(), ("all slots", score.all_slots)]
    for name, counts in rows:
        table.add_row(
            name,
            str(counts.gold),
            str(counts.predicted),
            str(counts.correct),
            f"{counts.precision:.3f}",
            f"{counts.recall:.3f}",
            f"{counts.f1:.3f}",
        )
    return table


def _run_extraction(
    articles_dir: Path, names: list[str], output: Path, replay: Path | None, prompt: str | None
) -> None:
    """Extract the gold's articles into ``output`` as `meetx extract` does (the same function,
    settings, logging and summary), without going through the command line again."""
    paths = [articles_dir / name for name in names if (articles_dir / name).is_file()]
    if not paths:
        raise MeetxError(f"none of the gold's articles are in {articles_dir}")
    setup_logging(0)
    exit_on_sigterm()
    try:
        settings = read_settings(output_dir=output, replay_dir=replay, prompt_version=prompt)
        summary = extract_articles(paths, settings)
    except KeyboardInterrupt:
        err.print(INTERRUPTED)
        raise MeetxError("meetx extract was interrupted; nothing scored") from None
    except MeetxError as exc:
        raise MeetxError(f"meetx extract failed: {exc}; nothing scored") from exc
    if summary.interrupted:
        err.print(INTERRUPTED)
        raise MeetxError("meetx extract was interrupted; nothing scored")


def eval_command(
    gold: Annotated[Path, typer.Option(help="gold annotations (JSONL, one article per line)")],
    pred: Annotated[Path | None, typer.Option(help="meetings.jsonl to score [output/]")] = None,
    run: Annotated[
        bool, typer.Option(help="extract the gold's articles first, then score")
    ] = False,
    articles: Annotated[
        Path | None, typer.Option(help="where the gold's articles are [seeds/ with --run]")
    ] = None,
    include_flagged: Annotated[
        bool, typer.Option(help="also score the records in review.jsonl")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    by_article: Annotated[bool, typer.Option(help="a table per article as well")] = False,
    replay: Annotated[
        Path | None, typer.Option(help="with --run: recorded exchanges instead of the model")
    ] = None,
    prompt_version: Annotated[
        str | None, typer.Option(help="with --run: e.g. meeting-v2 [newest]")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="score only the gold's articles in this language (en, de, other …)"),
    ] = None,
) -> None:
    """Precision, recall and F1 per field and for all slots, by the gold README's rules."""
    try:
        gold_events = _gold(gold, lang)
        if run:
            articles = articles or Path("seeds")
            output = Path(tempfile.mkdtemp(prefix="meetx-eval-"))
            _run_extraction(articles, sorted(gold_events), output, replay, prompt_version)
            store = OutputStore(output)
        else:
            default = Settings.from_env(os.environ).output_dir / "meetings.jsonl"
            pred = pred or default
            if not pred.exists():
                raise MeetxError(f"no predictions at {pred} (run `meetx extract` or use --run)")
            store = OutputStore(pred.parent)
            store.meetings = pred
    except MeetxError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    predictions = _predictions(store, include_flagged)
    predicted = evaluate.events_by_article((name, meeting) for name, _, meeting in predictions)
    texts = _texts({name: path for name, path, _ in predictions}, articles)
    total, per_article = evaluate.score_all(gold_events, predicted, texts)
    if as_json:
        result: dict[str, Any] = total.as_dict()
        if by_article:
            result["articles"] = {name: s.as_dict() for name, s in per_article.items()}
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    console = Console()
    if by_article:
        for name, score in per_article.items():
            console.print(_table(name, score))
    console.print(_table(f"{len(per_article)} article(s)", total))
    if total.invented_names:
        console.print(f"[red]invented names:[/red] {', '.join(total.invented_names)}")
    else:
        console.print("no invented names")
