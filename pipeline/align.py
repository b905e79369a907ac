"""Ground quotes in the article: find each quote's span and replace it by the article's words.

Small models copy almost verbatim: a space in "U. S.", a curly quote made straight, a word
dropped. Alignment tries, in order:

1. ``exact``: the quote is a substring of the text;
2. ``tolerant``: the same words in the same order, ignoring case, whitespace and quote style;
3. ``fuzzy``: the best-matching window of the text (``rapidfuzz`` partial ratio) scoring at
   least :data:`FUZZY_THRESHOLD` out of 100, snapped to word boundaries, within one paragraph.

A located quote is replaced by the article's own words, so every quote in the output is a
real substring of the text. A quote that cannot be located is left as the model wrote it and
the ``quote_not_found`` check sends the record to review. Names are never aligned: a name the
text does not give must stay visible as an invented name, not be "repaired" into another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from schemas.article import Article
from schemas.meeting import Meeting

FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 12  # shorter quotes match too much by chance
_QUOTE_CHARS = {
    "'": "['‘’`]",
    '"': '["“”]',
    "‘": "['‘’`]",
    "’": "['‘’`]",
    "“": '["“”]',
    "”": '["“”]',
}
_EDGE = " \t\n\r\xa0.,;:"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    method: Literal["exact", "tolerant", "fuzzy"]
    score: float = 100.0


def _tolerant_pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.strip(_EDGE).split()
    if not words:
        return None
    parts = ["".join(_QUOTE_CHARS.get(ch, re.escape(ch)) for ch in word) for word in words]
    head = r"\b" if words[0][0].isalnum() else ""
    tail = r"\b" if words[-1][-1].isalnum() else ""
    return re.compile(head + r"\s*".join(parts) + tail, re.IGNORECASE)


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


def locate(quote: str, text: str) -> Span | None:
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
        return Span(match.start(), match.end(), "tolerant")
    if len(stripped) < MIN_FUZZY_CHARS:
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


def _grounded(quote: str | None, text: str) -> str | None:
    if quote is None:
        return None
    span = locate(quote, text)
    return text[span.start : span.end] if span else quote


def ground(meeting: Meeting, article: Article) -> Meeting:
    """A copy of ``meeting`` whose located quotes are the article's own words."""
    text = article.text
    participants = [
        p.model_copy(update={"quote": _grounded(p.quote, text)}) for p in meeting.participants
    ]
    outcomes = [
        o.model_copy(update={"quote": _grounded(o.quote, text) or o.quote})
        for o in meeting.outcomes
    ]
    return meeting.model_copy(
        update={
            "quote": _grounded(meeting.quote, text),
            "date_text": _grounded(meeting.date_text, text),
            "start_time_text": _grounded(meeting.start_time_text, text),
            "duration_text": _grounded(meeting.duration_text, text),
            "participants": participants,
            "outcomes": outcomes,
        }
    )
