"""Checks run on every normalised meeting. Each returns issues (data), never raises.

Each issue is an error or a warning (:func:`severity`, the policy the README states):

- **error** — the record is wrong or unsupported, and goes to review instead of the clean
  output: a name the text never gives, a meeting with no participant, one held after the
  article was published, the reporting sentence or the date's words not in the text, no words
  supporting the status, the date or a participant's name, a date or time taken from the
  headline or the publication line;
- **warning** — a detail is missing or weakly supported, and the record stays in the clean
  output with the issue on it: a participant's country unknown, one participant only, a
  role, venue or outcome whose words were not found, a format cue not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from meetx.pipeline.grounding.align import grounded_fields
from meetx.pipeline.text.words import occurs_in
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingStatus
from meetx.schemas.record import Issue

Check = Callable[[Meeting, Article], Iterator[Issue]]


def quoted_values(meeting: Meeting) -> Iterator[tuple[str, str]]:
    """(field path, quote) for every verbatim quote the record carries. (The city is not one:
    it is given by its English name, and its evidence is the words the text names it by.)"""
    scalar = {
        "quote": meeting.quote,
        "date_text": meeting.date_text,
        "start_time_text": meeting.start_time_text,
        "duration_text": meeting.duration_text,
        "venue.place": meeting.venue.place,
    }
    for path, value in scalar.items():
        if value:
            yield path, value
    for i, participant in enumerate(meeting.participants):
        if participant.quote:
            yield f"participants[{i}].quote", participant.quote
    for i, outcome in enumerate(meeting.outcomes):
        yield f"outcomes[{i}].quote", outcome.quote


def quotes_occur(meeting: Meeting, article: Article) -> Iterator[Issue]:
    for path, quote in quoted_values(meeting):
        if not occurs_in(quote, article.text):
            yield Issue(kind="quote_not_found", field=path, message=f"not in the text: {quote!r}")


def _body(article: Article) -> str:
    """The text without its headline and publication line."""
    body = article.text
    for line in (article.headline, article.published_text):
        if line:
            body = body.replace(line, " ")
    return body


def not_from_header(meeting: Meeting, article: Article) -> Iterator[Issue]:
    """Dates, times and outcomes taken from the headline or the publication line.

    The publication date is not the meeting's date, and a headline is not an outcome: small
    models take both when the body's own words are harder to find.
    """
    header = [line for line in (article.headline, article.published_text) if line]
    if not header:
        return
    body = _body(article)
    suspects = [("date_text", meeting.date_text), ("start_time_text", meeting.start_time_text)]
    suspects += [(f"outcomes[{i}].quote", o.quote) for i, o in enumerate(meeting.outcomes)]
    for path, quote in suspects:
        if quote and any(occurs_in(quote, line) for line in header) and not occurs_in(quote, body):
            yield Issue(
                kind="quote_from_header",
                field=path,
                message=f"taken from the headline or publication line: {quote!r}",
            )


_QUOTED_ELSEWHERE = re.compile(r"^(date|start_time|duration_minutes|outcomes\[\d+\]|.*\.name)$")


def values_grounded(meeting: Meeting, article: Article) -> Iterator[Issue]:
    """Every non-null value has evidence (values with a quote of their own: see above)."""
    for path in grounded_fields(meeting):
        if not _QUOTED_ELSEWHERE.match(path) and meeting.evidence_for(path) is None:
            yield Issue(kind="no_evidence", field=path, message="no words in the text support it")


def names_occur(meeting: Meeting, article: Article) -> Iterator[Issue]:
    for i, participant in enumerate(meeting.participants):
        if participant.name and not occurs_in(participant.name, article.text):
            yield Issue(
                kind="name_not_found",
                field=f"participants[{i}].name",
                message=f"the text never gives the name {participant.name!r}",
            )


def held_not_after_publication(meeting: Meeting, article: Article) -> Iterator[Issue]:
    if (
        meeting.status is MeetingStatus.held
        and meeting.date
        and article.published
        and meeting.date > article.published
    ):
        yield Issue(
            kind="held_after_publication",
            field="date",
            message=f"held on {meeting.date} but published on {article.published}",
        )


def enough_participants(meeting: Meeting, article: Article) -> Iterator[Issue]:
    if not meeting.participants:
        yield Issue(kind="no_participants", field="participants", message="nobody met")
    elif len(meeting.participants) < 2 and not meeting.participants_note:
        yield Issue(
            kind="too_few_participants",
            field="participants",
            message=f"{len(meeting.participants)} participant(s) and no stated reason",
        )


def countries_known(meeting: Meeting, article: Article) -> Iterator[Issue]:
    for i, participant in enumerate(meeting.participants):
        if participant.country is None:
            yield Issue(
                kind="country_missing",
                field=f"participants[{i}].country",
                message="no country or organisation for this participant",
            )
        elif participant.country_code is None and not participant.is_organisation:
            yield Issue(
                kind="country_unknown",
                field=f"participants[{i}].country",
                message=f"{participant.country!r} is neither an ISO 3166 country "
                "nor an organisation",
            )


CHECKS: tuple[Check, ...] = (
    quotes_occur,
    values_grounded,
    not_from_header,
    names_occur,
    held_not_after_publication,
    enough_participants,
    countries_known,
)


_ERROR_KINDS = {"name_not_found", "held_after_publication", "no_participants"}
_ERROR_FIELDS = {
    "quote_not_found": re.compile(r"^(quote|date_text|start_time_text)$"),
    "no_evidence": re.compile(r"^(status|date|participants\[\d+\]\.name)$"),
    "quote_from_header": re.compile(r"^(date_text|start_time_text)$"),
}


def severity(issue: Issue) -> Issue:
    """The issue, marked an error or a warning by the policy of the module docstring."""
    pattern = _ERROR_FIELDS.get(issue.kind)
    error = issue.kind in _ERROR_KINDS or bool(pattern and pattern.match(issue.field or ""))
    return issue.model_copy(update={"severity": "error" if error else "warning"})


def errors(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def run(meeting: Meeting, article: Article, checks: tuple[Check, ...] = CHECKS) -> list[Issue]:
    """Every issue every check finds, in check order, each marked error or warning."""
    return [severity(issue) for check in checks for issue in check(meeting, article)]
