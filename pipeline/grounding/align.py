"""Ground every value in the article: its words and their character offsets.

Small models copy almost verbatim: a space in "U. S.", a curly quote made straight, a word
added or dropped. :func:`locate` tries, in order:

1. the quote as written (``exact``);
2. the same words in the same order, ignoring case, whitespace and quote style (``exact``:
   nothing but spacing and typography differs);
3. the best-matching window of the text (``rapidfuzz`` partial ratio, whitespace folded)
   scoring at least :data:`FUZZY_THRESHOLD` out of 100, snapped to whole words and kept
   within one paragraph (``fuzzy``).

:func:`ground` replaces each located quote by the article's own words and attaches an
:class:`~schemas.meeting.Evidence` (quote, start, end, match) to every non-null value:

- date, start time, duration: their ``*_text`` words; a short expression that is not found
  as written ("on Aug. 3" for "on the evening of Aug. 3") falls back to its core ("Aug. 3");
- status: the sentence that reports the meeting; format: its cue words ("video conference",
  "phone") in or near that sentence;
- venue: the place and city words; the venue country: the country's name or adjective in the
  text, else the city it was inferred from;
- participants: the name exactly as written (names are never fuzzy-matched: a name the text
  does not give must stay visible as invented), the role, and the country's name or adjective
  in the words that introduce them, else those words;
- outcomes: the clause quoted; failing that, the sentence sharing most of its content words
  (at least :data:`SENTENCE_OVERLAP`).

A value left without evidence is flagged by ``checks.values_grounded``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from meetx.pipeline.reading import clean
from meetx.pipeline.text import countries, cues, places
from meetx.pipeline.text.words import content_words
from meetx.schemas.article import Article
from meetx.schemas.meeting import Evidence, Meeting, MeetingFormat, Participant

FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 12  # shorter quotes match too much by chance
SENTENCE_OVERLAP = 0.6  # share of an outcome's content words its sentence must contain
_QUOTE_CHARS = {
    "'": "['‘’`]",
    '"': '["“”]',
    "‘": "['‘’`]",
    "’": "['‘’`]",
    "“": '["“”]',
    "”": '["“”]',
    "`": "['‘’`]",
}
_EDGE = " \t\n\r\xa0.,;:"
_LEADING = re.compile(r"^(?:on|in|at|during|for|from|the|of|a|an|about|around|some)\s+", re.I)
_FORMAT_CUES = {MeetingFormat(name): cue.pattern for name, cue in cues.FORMAT}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    match: Literal["exact", "fuzzy"]
    score: float = 100.0


# ---------------------------------------------------------------- locating words
def _tolerant_pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    parts = ["".join(_QUOTE_CHARS.get(ch, re.escape(ch)) for ch in word) for word in words]
    head = r"\b" if words[0][0].isalnum() else ""
    tail = r"\b" if words[-1][-1].isalnum() else ""
    return re.compile(head + r"\s*".join(parts) + tail, re.IGNORECASE)


def _squash_spaces(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of whitespace as one space, and each char's original index."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        chars.append(char)
        origin.append(index)
    return "".join(chars), origin


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen to whole words, then trim spaces and punctuation at the edges."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def locate(quote: str, text: str, fuzzy: bool = True) -> Span | None:
    """Where ``quote`` stands in ``text``, or None."""
    stripped = quote.strip(_EDGE)
    if not stripped:
        return None
    found = text.find(stripped)
    if found >= 0:
        return Span(found, found + len(stripped), "exact")
    pattern = _tolerant_pattern(stripped)
    match = pattern.search(text) if pattern else None
    if match:
        return Span(match.start(), match.end(), "exact")
    if not fuzzy or len(stripped) < MIN_FUZZY_CHARS:
        return None
    squashed, origin = _squash_spaces(text)
    needle, _ = _squash_spaces(stripped)
    best = fuzz.partial_ratio_alignment(needle, squashed, score_cutoff=FUZZY_THRESHOLD)
    if best is None or best.dest_end <= best.dest_start:
        return None
    start, end = _snap(text, origin[best.dest_start], origin[best.dest_end - 1] + 1)
    if "\n\n" in text[start:end] or end <= start:
        return None
    return Span(start, end, "fuzzy", round(best.score, 1))


def locate_expression(quote: str, text: str) -> Span | None:
    """A date, time or duration expression; without its leading words if need be."""
    span = locate(quote, text)
    core = quote.strip(_EDGE)
    while span is None and _LEADING.match(core):
        core = _LEADING.sub("", core, count=1)
        span = locate(core, text, fuzzy=False)
    return span


def best_sentence(claim: str, text: str) -> Span | None:
    """The sentence holding most of ``claim``'s content words, if it holds enough of them."""
    wanted = content_words(claim)
    if len(wanted) < 3:
        return None
    best: tuple[float, int, int] | None = None
    for start, end in clean.sentence_spans(text):
        share = len(wanted & content_words(text[start:end])) / len(wanted)
        if share >= SENTENCE_OVERLAP and (best is None or share > best[0]):
            best = (share, start, end)
    if best is None:
        return None
    start, end = _snap(text, best[1], best[2])
    return Span(start, end, "fuzzy", round(100 * best[0], 1))


def _city_words(city: str, text: str) -> Span | None:
    """The city's words: as written, else its name in the article's language as a whole
    word ("Wien" for the city given in English as "Vienna")."""
    span = locate(city, text, fuzzy=False)
    if span is not None:
        return span
    for name in places.names_of(city)[1:]:
        found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
        if found:
            return Span(found.start(), found.end(), "exact")
    return None


def _country_words(code: str | None, text: str, within: Span | None = None) -> Span | None:
    """A word or two naming the country with ISO code ``code`` ('Japanese', 'U.S.')."""
    lo, hi = (within.start, within.end) if within else (0, len(text))
    found = countries.named_in(code, text, lo, hi)
    return Span(found[0], found[1], "exact") if found else None


# ---------------------------------------------------------------- grounding a meeting
class _Grounding:
    def __init__(self, text: str, set_by: dict[str, str]) -> None:
        self.text = text
        self.set_by = set_by
        self.evidence: list[Evidence] = []

    def add(self, path: str, span: Span | None) -> Span | None:
        if span is not None:
            quote = self.text[span.start : span.end]
            top = re.split(r"[.\[]", path, maxsplit=1)[0]  # participants[1].name: participants
            self.evidence.append(
                Evidence(
                    field=path,
                    quote=quote,
                    start=span.start,
                    end=span.end,
                    match=span.match,
                    score=span.score,
                    source=self.set_by.get(top, "model"),
                )
            )
        return span

    def words(self, span: Span | None, fallback: str | None) -> str | None:
        return self.text[span.start : span.end] if span else fallback


def _format_span(fmt: MeetingFormat, report: Span | None, text: str) -> Span | None:
    cue = _FORMAT_CUES.get(fmt)
    if cue is None:
        return None
    windows = [(report.start, report.end)] if report else []
    windows.append((0, len(text)))
    for lo, hi in windows:
        match = re.search(cue, text[lo:hi], re.IGNORECASE)
        if match:
            return Span(lo + match.start(), lo + match.end(), "exact")
    return report


def _represented(
    person: Participant, text: str, mention: Span | None, name: Span | None
) -> Span | None:
    """Evidence for whom a participant represents: a country's words or the organisation's."""
    if person.country_code is None:  # an organisation: its name, else the introduction
        named = locate(person.country or "", text, fuzzy=False)
        return named if named else (mention if person.is_organisation else None)
    return (
        _country_words(person.country_code, text, mention)
        or mention
        or name
        or _country_words(person.country_code, text)
    )


def _participant(g: _Grounding, i: int, person: Participant) -> Participant:
    mention = locate(person.quote, g.text) if person.quote else None
    name = (
        g.add(f"participants[{i}].name", locate(person.name, g.text, fuzzy=False))
        if person.name
        else None
    )
    if person.role:
        g.add(f"participants[{i}].role", locate(person.role, g.text))
    if person.country:
        g.add(f"participants[{i}].country", _represented(person, g.text, mention, name))
    return person.model_copy(update={"quote": g.words(mention or name, person.quote)})


def ground(meeting: Meeting, article: Article) -> Meeting:
    """A copy of ``meeting`` with quotes in the article's own words and evidence for each value."""
    g = _Grounding(article.text, meeting.set_by)
    report = locate(meeting.quote, g.text) if meeting.quote else None
    g.add("status", report)
    if meeting.format is not MeetingFormat.unknown:
        g.add("format", _format_span(meeting.format, report, g.text))
    date = locate_expression(meeting.date_text, g.text) if meeting.date_text else None
    time = locate_expression(meeting.start_time_text, g.text) if meeting.start_time_text else None
    duration = locate_expression(meeting.duration_text, g.text) if meeting.duration_text else None
    if meeting.date:
        g.add("date", date)
    if meeting.start_time:
        g.add("start_time", time)
    if meeting.duration_minutes:
        g.add("duration_minutes", duration)
    venue = meeting.venue
    if venue.place:
        g.add("venue.place", locate(venue.place, g.text))
    city = g.add("venue.city", _city_words(venue.city, g.text)) if venue.city else None
    if venue.country:
        g.add("venue.country", _country_words(venue.country_code, g.text) or city)
    participants = [_participant(g, i, p) for i, p in enumerate(meeting.participants)]
    outcomes = []
    for i, outcome in enumerate(meeting.outcomes):
        span = g.add(
            f"outcomes[{i}]", locate(outcome.quote, g.text) or best_sentence(outcome.quote, g.text)
        )
        outcomes.append(outcome.model_copy(update={"quote": g.words(span, outcome.quote)}))
    return meeting.model_copy(
        update={
            "quote": g.words(report, meeting.quote),
            "date_text": g.words(date, meeting.date_text),
            "start_time_text": g.words(time, meeting.start_time_text),
            "duration_text": g.words(duration, meeting.duration_text),
            "participants": participants,
            "outcomes": outcomes,
            "evidence": g.evidence,
        }
    )


def grounded_fields(meeting: Meeting) -> list[str]:
    """Paths of every non-null value, which should each have evidence."""
    paths = ["status"]
    if meeting.format is not MeetingFormat.unknown:
        paths.append("format")
    scalars = {
        "date": meeting.date,
        "start_time": meeting.start_time,
        "duration_minutes": meeting.duration_minutes,
        "venue.place": meeting.venue.place,
        "venue.city": meeting.venue.city,
        "venue.country": meeting.venue.country,
    }
    paths += [path for path, value in scalars.items() if value is not None]
    for i, person in enumerate(meeting.participants):
        paths += [
            f"participants[{i}].{name}"
            for name in ("name", "role", "country")
            if getattr(person, name)
        ]
    paths += [f"outcomes[{i}]" for i in range(len(meeting.outcomes))]
    return paths
