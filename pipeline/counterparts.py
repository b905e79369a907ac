"""Counterparts the text gives by nationality only: "after meeting with his Japanese and South
Korean counterparts".

A small model lists the people it can name and drops the others, although the gold rules
count an unnamed participant (``name: null`` with their country). When a sentence about a
meeting speaks of a named participant's counterparts by nationality, each counterpart from a
country the meeting has no participant of yet joins it, unnamed, with those words as its
quote. A counterpart who is named elsewhere ("Japanese Vice Foreign Minister Shinsuke
Sugiyama") is already there by country, so nobody is listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.normalise import country
from schemas.meeting import Meeting, MeetingStatus, Participant

# "his US and Japanese counterparts", "her Chinese counterpart", "their South Korean and
# Japanese counterparts": up to four capitalised words joined by commas and "and"
_NATIONALITY = r"[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?"
_COUNTERPARTS = re.compile(
    rf"\b(?:his|her|their)\s+(?P<who>{_NATIONALITY}(?:\s*(?:,|,?\s+and)\s+{_NATIONALITY}){{0,3}})"
    r"\s+counterparts?\b"
)
_SEPARATOR = re.compile(r"\s*(?:,|,?\s+and)\s+")


def _surnames(meeting: Meeting) -> list[str]:
    return [p.name.split()[-1] for p in meeting.participants if p.name]


def mentions(sentence: str) -> list[tuple[str, str]]:
    """(nationality, the words that give it) of each counterpart a sentence gives by
    nationality only: ``("South Korean", "his Japanese and South Korean counterparts")``."""
    found = []
    for match in _COUNTERPARTS.finditer(sentence):
        for words in _SEPARATOR.split(match.group("who")):
            if country(words)[1] is not None:
                found.append((words, match.group(0)))
    return found


def add_unnamed(meeting: Meeting, sentences: Sequence[str]) -> Meeting:
    """``meeting`` with the counterparts that ``sentences`` (those about it) give by
    nationality only, in sentences that name one of its people ("his" is theirs)."""
    surnames = _surnames(meeting)
    if meeting.status is MeetingStatus.cancelled or not surnames:
        return meeting
    present = {p.country_code for p in meeting.participants if p.country_code}
    people = list(meeting.participants)
    for sentence in sentences:
        if not any(surname in sentence for surname in surnames):
            continue
        for nationality, words in mentions(sentence):
            name, code, _ = country(nationality)
            if code is None or code in present:
                continue
            people.append(Participant(name=None, country=name, country_code=code, quote=words))
            present.add(code)
    if len(people) == len(meeting.participants):
        return meeting
    return meeting.model_copy(update={"participants": people})
