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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from meetx.pipeline.text.countries import country
from meetx.pipeline.text.words import fold
from meetx.schemas.meeting import Meeting, MeetingStatus, Participant

# "his US and Japanese counterparts", "her Chinese counterpart", "their South Korean and
# Japanese counterparts": up to four capitalised words joined by commas and "and", then maybe
# their names in the same order: "..., H.R. McMaster and Shotaro Yachi"
_NATIONALITY = r"[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?"
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
_AND = r"\s*(?:,|,?\s+and)\s+"
_COUNTERPARTS = re.compile(
    rf"(?P<head>\b(?:his|her|their)\s+(?P<who>{_NATIONALITY}(?:{_AND}{_NATIONALITY}){{0,3}})"
    rf"\s+counterparts?\b)(?:,?\s+(?P<names>{_NAME}(?:{_AND}{_NAME}){{0,3}}))?"
)
_SEPARATOR = re.compile(_AND)
LEAD_IN = 40  # characters before a counterpart that tell the tense of its meeting
_FULL_STOP = re.compile(r"(?<=\w\w)\.$")  # the sentence's, not an initial's ("H.R.")
# a capitalised word after "counterpart" that starts no name: "his Chinese counterpart
# Wednesday", "her US counterpart, Secretary of State ..."
_NOT_A_NAME = re.compile(
    r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)[a-z]*\.?\s|^(?:secretary|minister|president|prime|foreign|vice|deputy|general|"
    r"chancellor|premier|ambassador|envoy|king|queen|prince|mr|mrs|ms|dr)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Counterpart:
    """One counterpart a sentence speaks of: nationality, name if given, and those words."""

    nationality: str
    name: str | None
    words: str
    lead_in: str = ""  # the words before them in the sentence ("Lund will meet ")


def _surnames(meeting: Meeting) -> list[str]:
    return [p.name.split()[-1] for p in meeting.participants if p.name]


def _names(match: re.Match[str], count: int) -> list[str | None]:
    """The names after the nationalities, if there is one for each, else none."""
    names = _SEPARATOR.split(_FULL_STOP.sub("", match.group("names") or ""))
    if len(names) != count or any(not n or _NOT_A_NAME.search(n + " ") for n in names):
        return [None] * count
    return list(names)


def mentions(sentence: str) -> list[Counterpart]:
    """Each counterpart a sentence gives by nationality, with their name when it follows:
    "his Japanese and South Korean counterparts" gives two, unnamed."""
    found = []
    for match in _COUNTERPARTS.finditer(sentence):
        nationalities = _SEPARATOR.split(match.group("who"))
        names = _names(match, len(nationalities))
        for nationality, name in zip(nationalities, names, strict=True):
            if country(nationality)[1] is not None:
                words = _FULL_STOP.sub("", match.group(0)) if name else match.group("head")
                lead_in = sentence[max(0, match.start() - LEAD_IN) : match.start()]
                found.append(Counterpart(nationality, name, words, lead_in))
    return found


def _known(people: list[Participant], counterpart: Counterpart, code: str) -> int | None:
    """Index of the participant this counterpart already is: same name, or same country
    without a name (a named counterpart then names them), or None."""
    for i, person in enumerate(people):
        if counterpart.name and person.name and fold(person.name) == fold(counterpart.name):
            return i
        if person.country_code == code and (person.name is None or counterpart.name is None):
            return i
    return None


def add_counterparts(
    meeting: Meeting,
    sentences: Sequence[str],
    keep: Callable[[Counterpart], bool] = lambda counterpart: True,
) -> Meeting:
    """``meeting`` with the counterparts that ``sentences`` (those about it) speak of, in
    sentences that name one of its people ("his" is theirs), and that ``keep`` keeps: a
    missing one joins, named or not; an unnamed one gets the name the sentence gives;
    nobody is listed twice."""
    surnames = _surnames(meeting)
    if meeting.status is MeetingStatus.cancelled or not surnames:
        return meeting
    people = list(meeting.participants)
    for sentence in sentences:
        if not any(surname in sentence for surname in surnames):
            continue
        for counterpart in filter(keep, mentions(sentence)):
            name, code, _ = country(counterpart.nationality)
            if code is None:
                continue
            i = _known(people, counterpart, code)
            if i is None:
                people.append(
                    Participant(
                        name=counterpart.name,
                        country=name,
                        country_code=code,
                        quote=counterpart.words,
                    )
                )
            elif people[i].name is None and counterpart.name:
                people[i] = people[i].model_copy(update={"name": counterpart.name})
    if people == meeting.participants:
        return meeting
    return meeting.model_copy(update={"participants": people})
