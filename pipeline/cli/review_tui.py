"""``meetx review`` in a terminal: one flagged record at a time, one key per decision.

Plain terminal I/O, so it works over SSH and in any terminal: ``rich`` renders, single keys
are read with ``click.getchar`` (raw mode for one key, the terminal restored after it) and
lines (reasons, notes, edits) with ``input``. Every decision is written as it is taken, so
quitting at any point loses nothing, and the next ``meetx review`` starts at the first item
not yet decided.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from meetx.pipeline.errors import ReviewError
from meetx.pipeline.workflow.review import Item, ReviewLog, load_article
from meetx.pipeline.workflow.review_edit import Assignment
from meetx.schemas.article import Article
from meetx.schemas.meeting import Evidence, Meeting
from meetx.schemas.record import Issue

log = logging.getLogger(__name__)

CONTEXT_CHARS = 90
MAX_CONTEXTS = 6
KEYS = (
    "[bold]a[/] accept  [bold]e[/] edit  [bold]r[/] reject  [bold]x[/] re-extract with a note  "
    "[bold]s[/] skip  [bold]t[/] full text  [bold]q[/] quit"
)


@dataclass
class Tally:
    decided: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    def add(self, action: str) -> None:
        self.decided[action] = self.decided.get(action, 0) + 1


def _oneline(text: str) -> str:
    return " ".join(text.split())


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> Text:
    """The words around ``text[start:end]``, the quote highlighted."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    out = Text("…" if lo else "")
    out.append(_oneline(text[lo:start]) + " ")
    out.append(_oneline(text[start:end]), style="bold black on yellow")
    out.append(" " + _oneline(text[end:hi]) + ("…" if hi < len(text) else ""))
    return out


def _value_rows(meeting: Meeting) -> list[tuple[str, str]]:
    venue = ", ".join(
        v for v in (meeting.venue.place, meeting.venue.city, meeting.venue.country) if v
    )
    rows = [
        ("status", meeting.status.value),
        ("date", f"{meeting.date or '—'}  ({meeting.date_text or 'no words'})"),
        ("start_time", f"{meeting.start_time or '—'}  ({meeting.start_time_text or 'no words'})"),
        ("format", meeting.format.value),
        (
            "duration_minutes",
            f"{meeting.duration_minutes or '—'}  ({meeting.duration_text or '—'})",
        ),
        ("venue", venue or "—"),
    ]
    for i, p in enumerate(meeting.participants):
        who = p.name or "(not named)"
        rows.append((f"participants[{i}]", f"{who} | {p.role or '—'} | {p.country or '—'}"))
    if meeting.participants_note:
        rows.append(("participants_note", meeting.participants_note))
    rows += [(f"outcomes[{i}]", o.text) for i, o in enumerate(meeting.outcomes)]
    return rows


def _evidence_shown(meeting: Meeting, reasons: list[Issue]) -> list[Evidence]:
    """Evidence to show: for the fields the reasons name (or their parent), then the rest."""
    flagged = {r.field for r in reasons if r.field}
    parents = {f.split(".")[0] for f in flagged}

    def rank(e: Evidence) -> int:
        return 0 if e.field in flagged else 1 if e.field.split(".")[0] in parents else 2

    ordered = sorted(meeting.evidence, key=rank)
    seen: set[tuple[int, int]] = set()
    shown = []
    for e in ordered:
        if (e.start, e.end) not in seen:
            seen.add((e.start, e.end))
            shown.append(e)
    return shown[:MAX_CONTEXTS]


def render(item: Item, article: Article | None, position: str = "") -> Group:
    """The reasons, the record, and the article's words around its quotes."""
    p = item.provenance
    title = f"{position} {item.id}  ·  {Path(p.article_path).name}  ·  {item.review.kind}"
    reasons = Text()
    for r in item.review.reasons:
        reasons.append("• ", style="red")
        reasons.append(f"{r.kind}", style="bold red")
        reasons.append(f" {r.field or ''}: {_oneline(r.message)[:300]}\n")
    parts: list[Panel | Table | Text] = [
        Panel(reasons, title=escape(title.strip()), title_align="left")
    ]
    record = item.record
    if record is not None:
        table = Table("field", "value", show_header=False, expand=True, box=None)
        flagged = {r.field.split(".")[0] for r in item.review.reasons if r.field}
        for name, value in _value_rows(record.meeting):
            style = "bold red" if name in flagged or name.split("[")[0] in flagged else ""
            table.add_row(Text(name, style=style or "cyan"), Text(value))
        parts.append(table)
        if article is not None:
            lines = Text()
            for e in _evidence_shown(record.meeting, item.review.reasons):
                lines.append(f"{e.field} ({e.match}): ", style="cyan")
                lines.append(context(article.text, e.start, e.end))
                lines.append("\n")
            parts.append(Panel(lines, title="in the text", title_align="left"))
    if article is None:
        parts.append(Text("(the article text is not available)", style="yellow"))
    parts.append(Text.from_markup(KEYS))
    return Group(*parts)


class Walk:
    """The interactive loop; ``getchar`` and ``ask`` are injectable for tests."""

    def __init__(
        self,
        log: ReviewLog,
        who: str,
        console: Console,
        articles_dir: Path | None = None,
        getchar: Callable[[], str] = click.getchar,
        ask: Callable[[str], str] | None = None,
    ) -> None:
        self.log, self.who, self.console = log, who, console
        self.articles_dir = articles_dir
        self.getchar = getchar
        self.ask = ask or (lambda prompt: console.input(prompt))
        self.tally = Tally()

    def _article(self, item: Item) -> Article | None:
        try:
            return load_article(item.provenance, self.articles_dir, self.log.store)
        except ReviewError as exc:
            self.console.print(f"[yellow]{escape(str(exc))}[/]")
            return None

    def run(self) -> Tally:
        items = self.log.pending()
        self.console.print(f"{len(items)} item(s) to review; decisions go to {self.log.path}")
        for n, item in enumerate(items, start=1):
            article = self._article(item)
            if not self._one(item, article, f"[{n}/{len(items)}]"):
                break
        self.console.print(
            f"done: {self.tally.decided or 'no decisions'}, skipped {self.tally.skipped}"
        )
        return self.tally

    def _one(self, item: Item, article: Article | None, position: str) -> bool:
        """Decide one item; False when the reviewer quits."""
        self.console.print(render(item, article, position))
        while True:
            key = self.getchar().lower()
            try:
                if key == "a":
                    self.log.accept(item, self.who)
                    return self._done("accept")
                if key == "r":
                    why = self.ask("why reject? (empty: back) ").strip()
                    if why:
                        self.log.reject(item, self.who, why)
                        return self._done("reject")
                elif key == "x":
                    note = self.ask("note for the model (empty: back) ").strip()
                    if note:
                        self.log.requeue(item, self.who, note)
                        return self._done("requeue")
                elif key == "e":
                    if self._edit(item, article):
                        return self._done("edit")
                elif key in ("s", "n", " "):
                    self.tally.skipped += 1
                    return True
                elif key == "t" and article is not None:
                    self.console.print(Panel(escape(article.text), title=escape(article.path)))
                elif key == "q":
                    return False
            except ReviewError as exc:
                self.console.print(f"[red]{escape(str(exc))}[/]")
            self.console.print(Text.from_markup(KEYS))

    def _done(self, action: str) -> bool:
        self.tally.add(action)
        self.console.print(f"[green]{action}ed[/]" if action != "requeue" else "[green]requeued[/]")
        return True

    def _edit(self, item: Item, article: Article | None) -> bool:
        if item.record is None or article is None:
            self.console.print("[yellow]nothing to edit here (no record, or no article text)[/]")
            return False
        self.console.print(
            "one [bold]path=value[/] a line (e.g. [cyan]participants[1].name=Herbert McMaster[/],"
            " [cyan]date_text=on the evening of Aug. 3[/], [cyan]-participants[2][/] removes);"
            " an empty line ends"
        )
        assignments: list[Assignment] = []
        while True:
            line = self.ask("edit> ").strip()
            if not line:
                break
            try:
                assignments.append(
                    Assignment.removal(line[1:]) if line.startswith("-") else Assignment.parse(line)
                )
            except ReviewError as exc:
                self.console.print(f"[red]{escape(str(exc))}[/]")
        if not assignments:
            return False
        try:
            record, issues = self.log.preview_edit(item, assignments, article)
        except ReviewError as exc:
            self.console.print(f"[red]{escape(str(exc))}[/]")
            return False
        table = Table("field", "value", show_header=False, box=None)
        for name, value in _value_rows(record.meeting):
            table.add_row(Text(name, style="cyan"), Text(value))
        self.console.print(table)
        if issues:
            self.console.print("[yellow]the checks still find:[/]")
            for i in issues:
                self.console.print(
                    f"  • {escape(i.kind)} ({i.severity}) {escape(i.field or '')}: "
                    f"{escape(i.message)}"
                )
        else:
            self.console.print("[green]the checks find no issue[/]")
        answer = self.ask("save this record? (y/N) ").strip().lower()
        if answer != "y":
            self.console.print("edit discarded")
            return False
        self.log.edit(item, assignments, article, self.who)
        return True
