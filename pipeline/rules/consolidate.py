"""One article's meetings, as the article tells them: duplicates merged, gaps filled from cues.

Small models report one meeting several times: once per paragraph that mentions it, once from
the headline, once per outcome. :func:`merge` joins meetings of one article that share their
named participants (at least two, or all of the smaller one's) and do not disagree on status,
format or date; the richer one leads and the others fill its gaps, add participants and add
outcomes.

:func:`fill_from_cues` then fills what the model left unknown from the words of the sentence
that reports the meeting: a format cue ("video conference", "by phone", "met in"), and a date
expression ("on Wednesday", "Aug. 3") resolved like any other. The city of a meeting that is
not remote ("meeting in Tokyo") comes from GeoNames (``pipeline.rules.places``) when the model left
it out, and a meeting with a venue and no remote cue is in person. A meeting the model calls
scheduled whose sentence says it took place ("met", "after meeting") with no word of the
future is held. Outcomes that state no agreement, decision or result ("discussed ...",
"briefed ...") are dropped (``pipeline.rules.outcomes``).

Meetings the model reports from a denial ("there were no plans for talks"), a possibility or
history ("the two last met in 2015") are dropped: the gold rules say they are not meetings.

Small models list one or two outcomes and stop. So when an article reports one held meeting of
several people, it gets every agreement the article states (``outcomes.agreement_sentences``).
Counterparts the text gives by nationality complete the participants (``counterparts``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from meetx.pipeline.reading import clean
from meetx.pipeline.rules import counterparts, outcomes, places
from meetx.pipeline.rules.normalise import parse_duration, resolve_date
from meetx.pipeline.text.countries import country
from meetx.pipeline.text.words import fold
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Outcome, Participant, Venue

log = logging.getLogger(__name__)

MAJOR_CITY = 1_000_000  # people: a city this large names its country

_CUES = (
    (
        MeetingFormat.video_conference,
        re.compile(r"video[- ]?conferenc|videoconferenc|virtual|video (call|link|talks)", re.I),
    ),
    (
        MeetingFormat.phone_call,
        re.compile(r"\b(tele)?phone\b|phone call|by phone|spoke by|call with", re.I),
    ),
    (
        MeetingFormat.in_person,
        re.compile(
            r"\bmet\b|\bsat down\b|held talks|visit(ed)? |\b(meeting|talks|summit) (in|at)\b", re.I
        ),
    ),
)
_DATE_WORDS = re.compile(
    r"\b(?:on\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?"
    r"|yesterday|today|tomorrow)\b",
    re.IGNORECASE,
)


_MEETING_WORDS = re.compile(
    r"\b(met|meet|meets|meeting|talks|conference|summit|call|visit|visits|sat down|gather\w*)\b",
    re.IGNORECASE,
)
_NOT_A_MEETING = re.compile(
    r"\bno plans?\b|\bnot (planned|scheduled|expected)\b|\bruled out\b|\bdenied\b|"
    r"\b(may|might|could) (meet|hold)\b|\bpossible (meeting|talks|summit)\b|"
    r"\b(last|previously|first) met\b|\bhad met\b",
    re.IGNORECASE,
)
_DURATION_WORDS = re.compile(
    r"\b(from|between) \d{1,2}(:\d{2})?\s*([ap]\.?m\.?)? (to|and) \d{1,2}(:\d{2})?\s*([ap]\.?m\.?)?"
    r"|\b\d+-(minute|hour)\b"
    r"|\b(lasted|for) [\w\s-]{1,30}?(hours?|minutes)(\s+and\s+[\w-]+\s+minutes)?\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(met|held|after meeting|sat down|agreed|talked|spoke|discussed|was held)\b", re.I
)
_FUTURE = re.compile(r"\b(will|to meet|plans? to|next|scheduled|upcoming|is to|are to)\b", re.I)


def _names(meeting: Meeting) -> set[str]:
    return {fold(p.name) for p in meeting.participants if p.name}


def _richness(meeting: Meeting) -> tuple[int, int]:
    filled = [
        meeting.date,
        meeting.start_time,
        meeting.duration_minutes,
        meeting.venue.city,
        meeting.venue.place,
        meeting.format is not MeetingFormat.unknown,
    ]
    return len(meeting.participants), sum(bool(v) for v in filled)


def same_event(lead: Meeting, other: Meeting) -> bool:
    """Two named participants in common, or ``other`` is a fragment of ``lead``.

    A fragment names no one the lead does not (often no one at all: "the presidential office
    said they agreed ..."); it must not disagree on status, format or date.
    """
    mine, theirs = _names(lead), _names(other)
    shared = mine & theirs
    fragment = theirs <= mine and len(mine) >= 2
    if len(shared) < 2 and not fragment:
        return False
    formats = {lead.format, other.format} - {MeetingFormat.unknown}
    dates = {lead.date, other.date} - {None}
    return lead.status == other.status and len(formats) <= 1 and len(dates) <= 1


def _same_person(a: Participant, b: Participant) -> bool:
    if a.name and b.name:
        return fold(a.name) == fold(b.name)
    return not a.name and not b.name and a.country_code == b.country_code and a.role == b.role


def _union_people(lead: list[Participant], more: Sequence[Participant]) -> list[Participant]:
    people = list(lead)
    countries = {p.country_code for p in lead if p.country_code}
    for person in more:
        if not person.name and person.country_code in countries:
            continue  # "the presidential office" of a country already at the table
        for i, known in enumerate(people):
            if _same_person(known, person):
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


def _sentences_about(meeting: Meeting, article: Article) -> list[str]:
    """The reporting sentence first, then the body's sentences about the meeting."""
    body = clean.body(article)
    found = [s for s in clean.sentences(body) if _about(meeting, s)]
    return [meeting.quote or "", *found]


def _status(meeting: Meeting, report: str) -> MeetingStatus:
    """Scheduled, says the model, but the sentence says it took place: held."""
    if meeting.status is MeetingStatus.scheduled and _PAST.search(report):
        return MeetingStatus.scheduled if _FUTURE.search(report) else MeetingStatus.held
    return meeting.status


def _format(meeting: Meeting, sentences: list[str]) -> MeetingFormat:
    """The model's format, else the first format cue in the sentences about the meeting."""
    if meeting.format is not MeetingFormat.unknown:
        return meeting.format
    for text in sentences:
        for fmt, cue in _CUES:
            if cue.search(text):
                return fmt
    return MeetingFormat.unknown


def _date(
    status: MeetingStatus, sentences: list[str], article: Article
) -> tuple[dt.date, str] | None:
    """The first date expression in the sentences about the meeting that resolves."""
    for text in sentences:
        words = _DATE_WORDS.search(text)
        if words:
            date = resolve_date(words.group(0), article.published, status, article.text)
            if date is not None:
                return date, words.group(0)
    return None


def _venue(meeting: Meeting, sentences: list[str]) -> Venue:
    """The city of an in-person meeting from its sentences ("in Tokyo"), and its country.

    Only the reporting sentence and the others of the meeting's tense count ("the two last
    met in Seoul" is not where a planned meeting will be). The country is the city's when
    none is given, or when the city is a large one (:data:`MAJOR_CITY`) of another country:
    the model gives the country of the ministry that reported a meeting in Lima, Chile.
    """
    venue = meeting.venue
    if venue.city is None:
        same_tense = [sentences[0], *(t for t in sentences[1:] if _tense_of(meeting, t))]
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


def _tense_of(meeting: Meeting, text: str) -> bool:
    """Whether ``text`` speaks in the meeting's tense: the future for a planned one."""
    return bool(_FUTURE.search(text)) == (meeting.status is MeetingStatus.scheduled)


def _outcomes(meeting: Meeting, article: Article) -> list[Outcome]:
    """The meeting's outcomes that are stated results, each once, without a briefing first."""
    found = [outcomes.without_preamble(o) for o in meeting.outcomes]
    return outcomes.unique([o for o in found if outcomes.stated(o, article)])


def fill_from_cues(meeting: Meeting, article: Article) -> Meeting:
    """Status, format and date from the sentences about the meeting; outcomes that are."""
    sentences = _sentences_about(meeting, article)
    status = _status(meeting, sentences[0])
    fmt = _format(meeting, sentences)
    remote = fmt in (MeetingFormat.video_conference, MeetingFormat.phone_call)
    venue = Venue() if remote else _venue(meeting, sentences)  # remote: no venue
    if fmt is MeetingFormat.unknown and (venue.city or venue.place):
        fmt = MeetingFormat.in_person
    update: dict[str, object] = {
        "status": status,
        "format": fmt,
        "venue": venue,
        "outcomes": _outcomes(meeting, article),
    }
    if meeting.date is None and meeting.date_text is None:
        found = _date(status, sentences, article)
        if found:
            update["date"], update["date_text"] = found
    if meeting.duration_minutes is None and status is MeetingStatus.held:
        own = [meeting.start_time_text or "", meeting.duration_text or ""]
        span = _duration(own + [t for t in sentences if _same_format(t, fmt)])
        if span:
            update["duration_minutes"], update["duration_text"] = span
    return meeting.model_copy(update=update)


def _same_format(sentence: str, fmt: MeetingFormat) -> bool:
    """False when the sentence speaks of another kind of meeting ("the 40-minute call")."""
    cues = {f for f, cue in _CUES if cue.search(sentence)}
    return not cues or fmt in cues or fmt is MeetingFormat.unknown


def _duration(texts: list[str]) -> tuple[int, str] | None:
    """The first length of a meeting in the texts: '50-minute', 'from 9:15 to 10:30 a.m.'."""
    for text in texts:
        for words in _DURATION_WORDS.finditer(text):
            minutes = parse_duration(words.group(0))
            if minutes:
                return minutes, words.group(0)
    return None


def _with_agreements(meetings: list[Meeting], article: Article) -> list[Meeting]:
    """The article's one held meeting of several people gets every agreement stated in it."""
    main = [i for i, m in enumerate(meetings)
            if m.status is MeetingStatus.held and len(m.participants) >= 2]  # fmt: skip
    if len(main) != 1:
        return meetings
    meeting = meetings[main[0]]
    stated = outcomes.agreement_sentences(clean.body(article))
    found = outcomes.unique([*meeting.outcomes, *stated])
    meetings[main[0]] = meeting.model_copy(update={"outcomes": found})
    return meetings


def is_reported(meeting: Meeting) -> bool:
    """Not a denial ("no plans to meet"), a possibility or history ("last met in 2015"), nor
    a plan that is no meeting ("agreed to hold joint exercises next spring")."""
    report = meeting.quote or ""
    if _NOT_A_MEETING.search(report):
        return False
    planned = _status(meeting, report) is not MeetingStatus.held
    return not planned or bool(_MEETING_WORDS.search(report))


def meetings(found: Sequence[Meeting], article: Article) -> list[Meeting]:
    """Drop denials and history, merge, fill from cues, add the counterparts given by
    nationality only (``pipeline.rules.counterparts``) and the stated agreements."""
    reported = [_as_reported(m) for m in found if is_reported(m)]
    if len(reported) < len(found):
        log.info(
            "%s: dropped %d denied or past meeting(s)", article.path, len(found) - len(reported)
        )
    filled = [_with_counterparts(fill_from_cues(m, article), article) for m in merge(reported)]
    return _with_agreements(filled, article)


def _as_reported(meeting: Meeting) -> Meeting:
    """Status and format as the reporting sentence supports them, before merging.

    A report the model calls scheduled that says "met" is held; a phone call or video
    conference its sentence gives no cue for is of unknown format until ``fill_from_cues``
    looks at the other sentences about the meeting. Both let the reports of one meeting
    merge: on seed 004 the model made two "phone calls" of the envoys' statements after the
    meeting ("Yun reassured ...", "Kanasugi emphasized that the meeting was held ..."), and on
    a hard case a video conference of "met ... on the sidelines of the UN General Assembly".
    (An in-person claim stays: it is the default of a meeting somewhere, and its sentence
    often says only "will travel to Mexico City to meet ...".)
    """
    report = meeting.quote or ""
    update: dict[str, object] = {"status": _status(meeting, report)}
    remote = meeting.format in (MeetingFormat.video_conference, MeetingFormat.phone_call)
    if remote and not dict(_CUES)[meeting.format].search(report):
        update["format"] = MeetingFormat.unknown
    return meeting.model_copy(update=update)


def _with_counterparts(meeting: Meeting, article: Article) -> Meeting:
    """Counterparts given by nationality, if the words before them have this meeting's tense
    ("Lund will meet his Swedish counterpart" is not about the meeting Lund held; "told
    reporters after meeting with his Japanese counterpart" is, whatever else will be said)."""

    def same_tense(counterpart: counterparts.Counterpart) -> bool:
        return _tense_of(meeting, counterpart.lead_in)

    return counterparts.add_counterparts(
        meeting, _sentences_about(meeting, article), keep=same_tense
    )
