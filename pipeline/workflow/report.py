"""``meetx report``: one self-contained HTML file to read the extraction next to the text.

Each article is shown with its meetings: clean, reviewed, flagged (with the reasons), decided
by a reviewer (with the decision), and failed articles with why. Every value that has
evidence is a button carrying the offsets of its words; hovering or clicking it highlights
those words in the article text. Filters: meeting status, format, country, date range and
flagged only. The page has no external resource (CSS and script are inline), so it works
offline and can be mailed as one file.

Offsets in records count Python characters in the file's text; the page counts UTF-16 code
units in text whose line ends the HTML parser has made ``\\n``, so they are converted here.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from meetx.pipeline.errors import ReviewError
from meetx.pipeline.workflow import merge
from meetx.pipeline.workflow.review import ReviewLog, load_article
from meetx.schemas.article import Article
from meetx.schemas.event import Event
from meetx.schemas.meeting import Meeting
from meetx.schemas.record import Issue, MeetingRecord, Provenance
from meetx.schemas.review import Action

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"


def dom_text(text: str) -> str:
    """The text as the page's DOM holds it: every line end a ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def dom_offset(text: str, offset: int) -> int:
    """A Python character offset in ``text`` as a UTF-16 offset in :func:`dom_text`."""
    return len(dom_text(text[:offset]).encode("utf-16-le")) // 2


@dataclass
class Value:
    label: str
    text: str
    start: int | None = None
    end: int | None = None
    match: str | None = None


@dataclass
class Card:
    """One meeting (or a failed article) as the page shows it."""

    id: str
    state: str  # clean | reviewed | flagged | rejected | requeued | failed
    values: list[Value] = field(default_factory=list)
    participants: list[list[Value]] = field(default_factory=list)
    outcomes: list[Value] = field(default_factory=list)
    reasons: list[Issue] = field(default_factory=list)
    decision: str | None = None
    status: str = ""
    format: str = ""
    date: str = ""
    countries: list[str] = field(default_factory=list)
    event: str | None = None
    same_event: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Page:
    path: str
    anchor: str
    outlet: str | None = None
    headline: str | None = None
    published: str | None = None
    text: str | None = None
    cards: list[Card] = field(default_factory=list)


def _values(
    meeting: Meeting, text: str | None
) -> tuple[list[Value], list[list[Value]], list[Value]]:
    def value(label: str, shown: object, path: str) -> Value:
        found = meeting.evidence_for(path)
        if found is None or text is None:
            return Value(label, "—" if shown in (None, "") else str(shown))
        return Value(
            label,
            "—" if shown in (None, "") else str(shown),
            dom_offset(text, found.start),
            dom_offset(text, found.end),
            found.match,
        )

    v = meeting.venue
    scalars = [
        value("status", meeting.status.value, "status"),
        value("date", meeting.date, "date"),
        value("time", meeting.start_time, "start_time"),
        value("format", meeting.format.value.replace("_", " "), "format"),
        value("minutes", meeting.duration_minutes, "duration_minutes"),
        value("place", v.place, "venue.place"),
        value("city", v.city, "venue.city"),
        value("country", v.country, "venue.country"),
    ]
    people = [
        [
            value("name", p.name or "(not named)", f"participants[{i}].name"),
            value("role", p.role, f"participants[{i}].role"),
            value("country", p.country, f"participants[{i}].country"),
        ]
        for i, p in enumerate(meeting.participants)
    ]
    outcomes = [value("outcome", o.text, f"outcomes[{i}]") for i, o in enumerate(meeting.outcomes)]
    return scalars, people, outcomes


def _card(
    record: MeetingRecord, state: str, text: str | None, reasons: Iterable[Issue] = ()
) -> Card:
    m = record.meeting
    scalars, people, outcomes = _values(m, text)
    codes = {p.country_code or p.country or "" for p in m.participants} | {
        m.venue.country_code or ""
    }
    return Card(
        id=record.id,
        state=state,
        values=scalars,
        participants=people,
        outcomes=outcomes,
        reasons=list(reasons) or list(record.issues),
        status=m.status.value,
        format=m.format.value,
        date=m.date.isoformat() if m.date else "",
        countries=sorted(c for c in codes if c),
    )


def _anchor(path: str) -> str:
    return "a-" + "".join(ch if ch.isalnum() else "-" for ch in Path(path).name)


def _state(action: Action | None) -> str:
    names = {Action.reject: "rejected", Action.requeue: "requeued"}
    return "flagged" if action is None else names.get(action, action.value)


def build(directory: Path, articles_dir: Path | None = None) -> list[Page]:
    """Every article of an output directory with its cards, in article path order."""
    review = ReviewLog(directory)
    review.repair()
    records = review.store.records()
    items = review.items()
    sources: dict[str, Provenance] = {}
    for prov in [r.provenance for r in records] + [i.provenance for i in items]:
        sources.setdefault(prov.article_path, prov)
    pages: dict[str, Page] = {}
    for path, prov in sorted(sources.items()):
        page = Page(path=path, anchor=_anchor(path))
        try:
            article: Article | None = load_article(prov, articles_dir, review.store)
        except ReviewError as exc:
            log.warning("%s", exc)
            article = None
        if article is not None:
            page.outlet, page.headline = article.outlet, article.headline
            page.published = article.published.isoformat() if article.published else None
            page.text = article.text
        pages[path] = page
    for record in records:
        page = pages[record.provenance.article_path]
        state = "reviewed" if record.reviewed else "clean"
        page.cards.append(_card(record, state, page.text))
    settled = review.final()
    for item in items:
        decision = settled.get(item.key)
        if decision is not None and decision.action in (Action.accept, Action.edit):
            continue  # it is in meetings.jsonl, reviewed
        page = pages[item.provenance.article_path]
        state = _state(decision.action if decision else None)
        if item.record is None:
            card = Card(id=item.id, state=state if decision else "failed")
            card.reasons = list(item.review.reasons)
        else:
            card = _card(item.record, state, page.text, item.review.reasons)
        if decision is not None:
            card.decision = f"{decision.action.value} by {decision.who}: "
            card.decision += decision.why or decision.note or ""
        page.cards.append(card)
    _link_events(pages, merge.events(records))
    for page in pages.values():
        page.text = dom_text(page.text) if page.text is not None else None
    return list(pages.values())


def _link_events(pages: dict[str, Page], events: Iterable[Event]) -> None:
    """Cards of events reported by several articles link to the other reports."""
    for event in events:
        if len(event.mentions) < 2:
            continue
        for mention in event.mentions:
            others = [
                (Path(o.article_path).name, _anchor(o.article_path))
                for o in event.mentions
                if o.record_id != mention.record_id
            ]
            for card in pages[mention.article_path].cards:
                if card.id == mention.record_id:
                    card.event, card.same_event = event.id, others


def _options(pages: list[Page]) -> dict[str, list[str]]:
    cards = [c for p in pages for c in p.cards]
    return {
        "status": sorted({c.status for c in cards if c.status}),
        "format": sorted({c.format for c in cards if c.format}),
        "country": sorted({code for c in cards for code in c.countries}),
    }


def render(pages: list[Page], title: str = "meetx report") -> str:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    counts: dict[str, Any] = {}
    for card in (c for p in pages for c in p.cards):
        counts[card.state] = counts.get(card.state, 0) + 1
    return env.get_template(TEMPLATE).render(
        title=title,
        pages=pages,
        options=_options(pages),
        counts=counts,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _template(name: str) -> str:
    templates = importlib.resources.files("meetx.pipeline.workflow") / "templates"
    return (templates / name).read_text("utf-8")


def write(directory: Path, target: Path | None = None, articles_dir: Path | None = None) -> Path:
    """Write the report of an output directory (``report.html`` there by default)."""
    path = target or directory / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(build(directory, articles_dir)), encoding="utf-8")
    return path
