"""What the rules know about one article's meetings: which reports are one meeting, which
sentences are about a meeting, and the cues in them (format, date, length, city, tense).

Small models report one meeting several times: once per paragraph that mentions it, once from
the headline, once per outcome. :func:`merge` joins meetings of one article that share their
named participants (at least two, or all of the smaller one's), or their unnamed ones by role
and country, and do not disagree on status, format or date; the richer one leads and the
others fill its gaps, add participants and add outcomes. The rules of
``pipeline.rules.registry`` are built on these functions.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from meetx.pipeline.reading import sentences
from meetx.pipeline.rules import outcomes
from meetx.pipeline.rules.normalise import resolve_date
from meetx.pipeline.text import cues, names, places
from meetx.pipeline.text.countries import country
from meetx.pipeline.text.words import fold
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Participant, Venue

log = logging.getLogger(__name__)

MAJOR_CITY = 1_000_000  # people: a city this large names its country
REMOTE = (MeetingFormat.video_conference, MeetingFormat.phone_call)

_CUES = tuple((MeetingFormat(name), cue) for name, cue in cues.FORMAT)
_DATE_WORDS = re.compile(
    r"\b(?:on\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?"
    r"|yesterday|today|tomorrow)\b",
    re.IGNORECASE,
)


_MEETING_WORDS = cues.MEETING
_NOT_A_MEETING = cues.NOT_HELD
_PAST = cues.PAST
_FUTURE = cues.FUTURE


def _richness(meeting: Meeting) -> tuple[int, int, int]:
    filled = [
        meeting.date,
        meeting.start_time,
        meeting.duration_minutes,
        meeting.venue.city,
        meeting.venue.place,
        meeting.format is not MeetingFormat.unknown,
    ]
    named = sum(1 for p in meeting.participants if p.name)
    return named, len(meeting.participants), sum(bool(v) for v in filled)


def same_person(a: Participant, b: Participant) -> bool:
    """Named: the same name (``text.names.same_name``); unnamed: the same country and role."""
    if a.name and b.name:
        return names.same_name(a.name, b.name)
    if a.name or b.name:
        return False
    if a.country_code != b.country_code or (a.country or "") != (b.country or ""):
        return False
    return a.role is None or b.role is None or fold(a.role) == fold(b.role)


def _shared(lead: Meeting, other: Meeting) -> int:
    return sum(any(same_person(p, q) for q in lead.participants) for p in other.participants)


def _at_the_table(person: Participant, lead: Meeting) -> bool:
    """Someone of ``lead``, or an unnamed person of a country already at its table ("the
    presidential office said ...")."""
    if any(same_person(person, known) for known in lead.participants):
        return True
    countries = {p.country_code for p in lead.participants if p.country_code}
    return person.name is None and person.country_code in countries


def same_event(lead: Meeting, other: Meeting) -> bool:
    """Two participants in common, or ``other`` is a fragment of ``lead``; and no
    disagreement on status, format or date.

    Participants agree by name, or by country and role when unnamed ("the Japanese foreign
    minister" twice). A fragment has no one the lead does not (often no one at all: "the
    presidential office said they agreed ..."). One person's two calls with different people
    share one participant only, and stay two meetings.
    """
    shared = _shared(lead, other)
    fragment = len(lead.participants) >= 2 and all(
        _at_the_table(p, lead) for p in other.participants
    )
    if shared < 2 and not fragment:
        return False
    formats = {lead.format, other.format} - {MeetingFormat.unknown}
    dates = {lead.date, other.date} - {None}
    return lead.status == other.status and len(formats) <= 1 and len(dates) <= 1


def _union_people(lead: list[Participant], more: Sequence[Participant]) -> list[Participant]:
    people = list(lead)
    countries = {p.country_code for p in lead if p.country_code}
    for person in more:
        if not person.name and person.country_code in countries:
            continue  # "the presidential office" of a country already at the table
        for i, known in enumerate(people):
            if same_person(known, person):
                gaps = {
                    k: v
                    for k, v in person.model_dump().items()
                    if v is not None and getattr(known, k) is None
                }
                people[i] = known.model_copy(update=gaps)
                break
        else:
            people.append(person)
    return people


def _absorb(lead: Meeting, other: Meeting) -> Meeting:
    update: dict[str, object] = {}
    for name in (
        "date",
        "date_text",
        "start_time",
        "start_time_text",
        "duration_minutes",
        "duration_text",
        "quote",
    ):
        if getattr(lead, name) is None and getattr(other, name) is not None:
            update[name] = getattr(other, name)
    if lead.format is MeetingFormat.unknown:
        update["format"] = other.format
    if lead.venue.city is None and lead.venue.place is None:
        update["venue"] = other.venue
    update["participants"] = _union_people(lead.participants, other.participants)
    update["outcomes"] = outcomes.unique([*lead.outcomes, *other.outcomes])
    return lead.model_copy(update=update)


def merge(meetings: Sequence[Meeting]) -> list[Meeting]:
    """Meetings of one article, each real meeting once, in the order first reported."""
    order = sorted(range(len(meetings)), key=lambda i: _richness(meetings[i]), reverse=True)
    groups: list[list[int]] = []
    for i in order:
        for group in groups:
            if same_event(meetings[group[0]], meetings[i]):
                group.append(i)
                break
        else:
            groups.append([i])
    merged: list[tuple[int, Meeting]] = []
    for group in groups:
        lead = meetings[group[0]]
        for i in group[1:]:
            lead = _absorb(lead, meetings[i])
        merged.append((min(group), lead))
    return [meeting for _, meeting in sorted(merged, key=lambda pair: pair[0])]


def _about(meeting: Meeting, sentence: str) -> bool:
    """The sentence names one of the meeting's people, or speaks of a meeting."""
    names = [p.name.split()[-1] for p in meeting.participants if p.name]
    return bool(_MEETING_WORDS.search(sentence)) or any(n in sentence for n in names)


def sentences_about(meeting: Meeting, article: Article) -> list[str]:
    """The reporting sentence first, then the body's sentences about the meeting."""
    found = [s.text for s in sentences.numbered(article) if _about(meeting, s.text)]
    return [meeting.quote or "", *found]


def status_of(meeting: Meeting, report: str | None) -> MeetingStatus:
    """Scheduled, says the model, but the sentence says it took place (and nothing of the
    future): held. Held, says the model, but the sentence speaks only of the future
    ("will hold a video conference on Thursday"): scheduled."""
    words = report or ""
    past, future = bool(_PAST.search(words)), bool(_FUTURE.search(words))
    if meeting.status is MeetingStatus.scheduled and past and not future:
        return MeetingStatus.held
    if meeting.status is MeetingStatus.held and future and not past:
        return MeetingStatus.scheduled
    return meeting.status


def format_cue(fmt: MeetingFormat, text: str) -> bool:
    """Whether ``text`` has a cue of the format ``fmt``."""
    cue = dict(_CUES).get(fmt)
    return bool(cue and cue.search(text))


def format_from(meeting: Meeting, texts: list[str]) -> MeetingFormat:
    """The model's format, else the first format cue in the sentences about the meeting."""
    if meeting.format is not MeetingFormat.unknown:
        return meeting.format
    for text in texts:
        for fmt, cue in _CUES:
            if cue.search(text):
                return fmt
    return MeetingFormat.unknown


def date_from(
    status: MeetingStatus, texts: list[str], article: Article
) -> tuple[dt.date, str] | None:
    """The first date expression in the sentences about the meeting that resolves."""
    for text in texts:
        words = _DATE_WORDS.search(text)
        if words:
            date = resolve_date(words.group(0), article.published, status, article.text)
            if date is not None:
                return date, words.group(0)
    return None


def venue_from(meeting: Meeting, texts: list[str]) -> Venue:
    """The city of an in-person meeting from its sentences ("in Tokyo"), and its country.

    Only the reporting sentence and the others of the meeting's tense count ("the two last
    met in Seoul" is not where a planned meeting will be). The country is the city's when
    none is given, or when the city is a large one (:data:`MAJOR_CITY`) of another country:
    a model gives the country of the ministry that reported a meeting held abroad.
    """
    venue = meeting.venue
    if venue.city is None:
        same_tense = [texts[0], *(t for t in texts[1:] if tense_of(meeting, t))]
        found = next((c for c in map(places.city_in, same_tense) if c is not None), None)
        if found is None:
            return venue
        venue = venue.model_copy(update={"city": found[0]})
    city = places.lookup(venue.city or "")
    major = city is not None and city.population >= MAJOR_CITY
    if city is not None and (venue.country is None or major):
        name, code, _ = country(city.country_code)
        venue = venue.model_copy(update={"country": name, "country_code": code})
    return venue


def tense_of(meeting: Meeting, text: str) -> bool:
    """Whether ``text`` speaks in the meeting's tense: the future for a planned one."""
    return bool(_FUTURE.search(text)) == (meeting.status is MeetingStatus.scheduled)


def is_reported(meeting: Meeting) -> bool:
    """Not a denial ("no plans to meet"), a possibility or history ("last met in 2015"), nor
    a plan that is no meeting ("agreed to hold joint exercises next spring")."""
    report = meeting.quote or ""
    if _NOT_A_MEETING.search(report):
        return False
    planned = status_of(meeting, report) is not MeetingStatus.held
    return not planned or bool(_MEETING_WORDS.search(report))


def is_spokesperson(person: Participant) -> bool:
    """Their role says so, or their "name" is the title ("Regierungssprecher")."""
    return any(cues.SPOKESPERSON.search(words or "") for words in (person.role, person.name))
