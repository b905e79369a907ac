"""Draft (sentence numbers and quotes) -> :class:`~schemas.Meeting` (typed values), by code.

- Sentences: the number of the reporting sentence and of each outcome's sentence become that
  sentence's words (``pipeline.reading.sentences``); a number the article does not have is
  dropped.
- Dates: an explicit date ("Dec. 13, 2016", "Aug. 3") is parsed by ``dateparser`` with the
  publication date as base; a weekday is the most recent such day on or before publication
  for a held meeting, the next one for a scheduled one or after "next"; "yesterday", "today",
  "tomorrow" count from publication. Without a publication date only a date with its year
  resolves; anything else stays null rather than guessed.
- Durations: number words become digits (``text2num``), then hours and minutes are summed;
  "from 9:15 to 10:30 p.m." is the difference of two times.
- Countries: ``pipeline.text.countries.country`` (ISO 3166 codes and common names; names
  that are no country are kept as organisations: EU, UN, NATO).
"""

from __future__ import annotations

import datetime as dt
import re

import dateparser
import pycountry
from dateparser.date import DateDataParser
from dateparser.search import search_dates
from text_to_num import alpha2digit

from meetx.pipeline.reading import sentences
from meetx.pipeline.text import names
from meetx.pipeline.text.countries import country
from meetx.schemas.article import Article
from meetx.schemas.draft import MeetingDraft, ParticipantDraft
from meetx.schemas.meeting import (
    MAX_DURATION_MINUTES,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Outcome,
    Participant,
    Venue,
)

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_MONTH_DAY = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b\d{4}\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_RELATIVE = {
    "yesterday": -1,
    "today": 0,
    "tonight": 0,
    "tomorrow": 1,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "earlier today": 0,
    "last night": -1,
}
_TIME = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)?(?![\d])", re.I)
_HOUR_WORDS = r"hours?|hrs?|h|horas?|stunden?|std|heures?|jam|ore|ora|klukkustund\w*"
_MINUTE_WORDS = r"minutes?|mins?|minutos?|minuten?|menit|minuti|mínút\w*"
_DURATION_PART = re.compile(
    rf"(\d+(?:[.,]\d+)?)\s*({_HOUR_WORDS}|{_MINUTE_WORDS})\b", re.IGNORECASE
)
_HOUR = re.compile(rf"^(?:{_HOUR_WORDS})$", re.IGNORECASE)
_NUMBER_LANGUAGES = {"en", "fr", "es", "de", "pt", "it", "nl"}  # text2num's


# ---------------------------------------------------------------- dates and times
def resolve_date(
    text: str | None,
    published: dt.date | None,
    status: MeetingStatus,
    article_text: str | None = None,
    lang: str | None = None,
) -> dt.date | None:
    """The calendar day a date expression names, or None when it cannot be known.

    With no publication date, a bare weekday takes the one full date elsewhere in the article
    (a photo caption, say) that falls on that weekday; if there is none, or several, it stays
    null. Words in another language than English (``lang``) are read by ``dateparser`` in
    that language, against the publication date: "el jueves", "am Dienstagabend", "hier".
    """
    if not text:
        return None
    if lang and lang != "en":
        return _foreign_date(text, lang, published, status)
    explicit = _MONTH_DAY.search(text)
    if explicit:
        return _explicit_date(explicit.group(0), published, status)
    lowered = text.casefold()
    for words, offset in _RELATIVE.items():
        if re.search(rf"\b{words}\b", lowered):
            return published + dt.timedelta(days=offset) if published else None
    weekday = _WEEKDAY.search(text)
    if weekday and published is None and article_text:
        return _only_full_date_on(WEEKDAYS.index(weekday.group(1).casefold()), article_text)
    if weekday and published:
        target = WEEKDAYS.index(weekday.group(1).casefold())
        forward = status is MeetingStatus.scheduled or re.search(r"\bnext\b", lowered)
        if forward:
            return published + dt.timedelta(days=(target - published.weekday()) % 7 or 7)
        return published - dt.timedelta(days=(published.weekday() - target) % 7)
    return None


# "Dienstagabend", "Freitagmorgen": a German weekday with a part of the day
_GERMAN_DAYPART = re.compile(
    r"(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)"
    r"(?:abend|morgen|nachmittag|vormittag|mittag|nacht)",
    re.IGNORECASE,
)
_PERIOD_ONLY = re.compile(
    r"\b(semana|woche|semaine|minggu|settimana|week|mes|monat|mois|bulan|mese|m[êe]s)\b", re.I
)


def _foreign_date(
    text: str, lang: str, published: dt.date | None, status: MeetingStatus
) -> dt.date | None:
    words = _GERMAN_DAYPART.sub(r"\1", text)
    if _PERIOD_ONLY.search(words) and not re.search(r"\d", words):
        return None  # "la próxima semana": a week, not a day
    if published is None and not _YEAR.search(words):
        return None
    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "future" if status is MeetingStatus.scheduled else "past",
        "DATE_ORDER": "DMY",
    }
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time(23, 59))
    try:
        parser = DateDataParser(languages=[lang, "en"], settings=settings)
        data = parser.get_date_data(words)
        parsed = data.date_obj
        if parsed is None:
            found = search_dates(words, languages=[lang, "en"], settings=settings)
            if found:  # the words that name a date ("am Dienstag" in a longer phrase)
                parsed, data = found[0][1], parser.get_date_data(found[0][0])
    except (ValueError, OverflowError, KeyError):  # a language dateparser does not have
        return None
    if parsed is None or data.period not in ("day", "time"):
        return None  # "2019-09", "im Mai": a month names no day (dateparser would add one)
    return parsed.date()


def _only_full_date_on(weekday: int, article_text: str) -> dt.date | None:
    found = set()
    for match in _MONTH_DAY.finditer(article_text):
        if _YEAR.search(match.group(0)):
            day = _explicit_date(match.group(0), None, MeetingStatus.held)
            if day is not None and day.weekday() == weekday:
                found.add(day)
    return found.pop() if len(found) == 1 else None


def _explicit_date(words: str, published: dt.date | None, status: MeetingStatus) -> dt.date | None:
    has_year = _YEAR.search(words) is not None
    if not has_year and published is None:
        return None
    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "future" if status is MeetingStatus.scheduled else "past",
        "REQUIRE_PARTS": ["day", "month"],
    }
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time(23, 59))
    parsed = dateparser.parse(words.rstrip("."), languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def _times(text: str) -> list[tuple[int, int, str | None]]:
    found = []
    for match in _TIME.finditer(text):
        hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if match.group(2) is None and meridiem is None:
            continue  # a bare number is no time
        if hour > 23 or minute > 59:
            continue
        found.append((hour, minute, meridiem[0].lower() if meridiem else None))
    return found


def _to_24h(hour: int, minute: int, meridiem: str | None) -> dt.time:
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    return dt.time(hour, minute)


def parse_time(text: str | None) -> dt.time | None:
    """'9 p.m.' -> 21:00; 'noon' -> 12:00; the first time in the words."""
    if not text:
        return None
    if re.search(r"\bnoon\b", text, re.IGNORECASE):
        return dt.time(12, 0)
    times = _times(text)
    return _to_24h(*times[0]) if times else None


def parse_duration(text: str | None, lang: str | None = None) -> int | None:
    """Minutes in '70-minute', 'one hour and 10 minutes', 'from 9:15 to 10:30 p.m.', and in
    the article's language: 'una hora y media', 'zwei Stunden', '45 menit'."""
    if not text:
        return None
    times = _times(text)
    if len(times) >= 2 and re.search(r"\b(from|between)\b", text, re.IGNORECASE):
        return _span(times[0], times[1])
    numbers = lang if lang in _NUMBER_LANGUAGES else "en"
    words = alpha2digit(text.replace("-", " "), numbers, threshold=0)
    words = re.sub(r"\bhalf an hour\b", "30 minutes", words, flags=re.IGNORECASE)
    words = re.sub(r"(\d+) and a half hours?", r"\1.5 hours", words, flags=re.IGNORECASE)
    words = re.sub(r"(\d+) horas? y media", r"\1.5 horas", words, flags=re.IGNORECASE)
    words = re.sub(r"\ban hour\b|\bhour long\b", "1 hour", words, flags=re.IGNORECASE)
    minutes = 0.0
    for number, unit in _DURATION_PART.findall(words):
        value = float(number.replace(",", "."))
        minutes += value * (60 if _HOUR.match(unit) else 1)
    if 0 < minutes <= MAX_DURATION_MINUTES:
        return round(minutes)
    return None


def _span(start: tuple[int, int, str | None], end: tuple[int, int, str | None]) -> int | None:
    start_meridiem = start[2] or end[2]  # "from 9:15 to 10:30 p.m."
    begin = _to_24h(start[0], start[1], start_meridiem)
    finish = _to_24h(*end)
    minutes = (finish.hour * 60 + finish.minute) - (begin.hour * 60 + begin.minute)
    if minutes <= 0:
        minutes += 24 * 60
    return minutes if minutes <= MAX_DURATION_MINUTES else None


# ---------------------------------------------------------------- meetings
_NULL_WORDS = {"", "none", "null", "n/a", "na", "unknown", "not stated", "not given", "-"}


def _none_if_blank(value: str | None) -> str | None:
    """Strip; None for empty strings and the words small models write for null."""
    if value is None or value.strip().casefold() in _NULL_WORDS:
        return None
    return value.strip()


def _country_only(draft: ParticipantDraft) -> bool:
    """A 'participant' that is just a country ("US", role "country"): not a person, dropped."""
    if _none_if_blank(draft.name) is not None:
        return False
    role = (_none_if_blank(draft.role) or "country").casefold()
    return role in {"country", "nation", "government", "state"}


_RELATION = re.compile(r"\bcounterparts?\b", re.IGNORECASE)


def role(text: str | None) -> str | None:
    """A title as given; 'US counterpart' says who they match, not what they are: None."""
    value = _none_if_blank(text)
    return None if value is None or _RELATION.search(value) else value


def person_name(text: str | None) -> str | None:
    """A person's name; 'US', 'Japan' or 'Russia' in the name field is a country, not a name:
    None; a title written into it goes ("Vice Foreign Minister Shinsuke Sugiyama")."""
    value = _none_if_blank(text)
    if value is None or _is_country(value):
        return None
    return names.without_titles(value) or None


def _is_country(words: str) -> bool:
    """'US', 'Japan', 'Russia', 'Japanese': a country, never a person ("Jordan Smith" is)."""
    try:  # exact names and codes
        pycountry.countries.lookup(words.replace(".", ""))
        return True
    except LookupError:
        pass
    code = country(words)[1]
    return code is not None and len(words.split()) <= 2 and " " not in words.strip(".")


def participant(draft: ParticipantDraft) -> Participant:
    name, code, is_org = country(_none_if_blank(draft.country))
    person = person_name(draft.name)
    title = role(draft.role)
    return Participant(
        name=person,
        role=title,
        country=name,
        country_code=code,
        is_organisation=is_org,
    )


def meeting(draft: MeetingDraft, article: Article) -> Meeting:
    """The meeting a draft describes; its sentence numbers become the sentences' words."""
    numbered = sentences.numbered(article)
    status = MeetingStatus(draft.status)
    # kept even for a remote format, as the model gave it: a rule that cleared the venue of
    # calls paid nothing on the development set and was deleted
    place_country, place_code, _ = country(_none_if_blank(draft.country))
    venue = Venue(city=_none_if_blank(draft.city), country=place_country, country_code=place_code)
    report = sentences.at(numbered, draft.sentence)
    stated = [sentences.at(numbered, n) for n in dict.fromkeys(draft.outcomes)]
    return Meeting(
        status=status,
        date=resolve_date(draft.date, article.published, status, article.text, article.lang),
        date_text=_none_if_blank(draft.date),
        start_time=parse_time(draft.time),
        start_time_text=_none_if_blank(draft.time),
        venue=venue,
        format=MeetingFormat(draft.format),
        duration_minutes=parse_duration(draft.duration, article.lang),
        duration_text=_none_if_blank(draft.duration),
        participants=[participant(p) for p in draft.participants if not _country_only(p)],
        outcomes=[Outcome(text=s.text, quote=s.text) for s in stated if s is not None],
        quote=report.text if report else None,
    )
