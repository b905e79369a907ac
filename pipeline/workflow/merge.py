"""One event per real meeting: records from different articles that report the same meeting.

Two records are the same event when all of these hold (:func:`same_event`):

- they come from different extractions (an article's own meetings are already told apart);
- both are dated, at most :data:`MAX_DAYS_APART` day apart (time zones);
- their formats agree, or one is ``unknown``; their venues agree where both give one (city
  folded, country code);
- they share named participants (``pipeline.text.names.same_name``, countries not contradicting):
  at least two, or all of them when one record names fewer than two.

Records are grouped greedily in date order; a record joins the first event that *every*
record of it matches (complete linkage), so two meetings of the same people a week apart, or
on the same day with one person in common, stay apart. An event's value for each field is the
one most of its records give (ties: the first record, by article path); every other value is
kept as a :class:`~schemas.event.Disagreement` with the records and articles that give it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meetx.pipeline.text import names
from meetx.pipeline.text.matching import one_to_one
from meetx.pipeline.text.outcomes import same_outcome
from meetx.pipeline.text.words import fold
from meetx.pipeline.workflow.review import ReviewLog
from meetx.schemas.event import (
    Disagreement,
    Event,
    EventOutcome,
    EventParticipant,
    Mention,
    Variant,
)
from meetx.schemas.meeting import MeetingFormat, MeetingStatus, Participant, Venue
from meetx.schemas.record import MeetingRecord

MAX_DAYS_APART = 1
EVENTS = "events.jsonl"


# ---------------------------------------------------------------- matching
def same_participant(a: Participant, b: Participant) -> bool:
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    return names.same_name(a.name, b.name)


def shared_people(a: Sequence[Participant], b: Sequence[Participant]) -> int:
    """Named participants of ``a`` matched one to one with those of ``b``."""
    return len(one_to_one(a, b, same_participant))


def _compatible(x: str | None, y: str | None) -> bool:
    return x is None or y is None or fold(x) == fold(y)


def same_event(a: MeetingRecord, b: MeetingRecord) -> bool:
    pa, pb = a.provenance, b.provenance
    if (pa.article_id, pa.prompt_version) == (pb.article_id, pb.prompt_version):
        return False
    ma, mb = a.meeting, b.meeting
    if ma.date is None or mb.date is None or abs((ma.date - mb.date).days) > MAX_DAYS_APART:
        return False
    unknown = MeetingFormat.unknown
    if ma.format != mb.format and unknown not in (ma.format, mb.format):
        return False
    if not (
        _compatible(ma.venue.city, mb.venue.city)
        and _compatible(ma.venue.country_code, mb.venue.country_code)
    ):
        return False
    named_a = [p for p in ma.participants if p.name]
    named_b = [p for p in mb.participants if p.name]
    need = min(2, len(named_a), len(named_b))
    return need > 0 and shared_people(named_a, named_b) >= need


def group(records: Sequence[MeetingRecord]) -> list[list[MeetingRecord]]:
    """Records in events: date order, each joining the first event all of whose records match."""
    ordered = sorted(
        records,
        key=lambda r: (r.meeting.date is None, r.meeting.date, r.provenance.article_path, r.id),
    )
    events: list[list[MeetingRecord]] = []
    for record in ordered:
        home = next((e for e in events if all(same_event(record, o) for o in e)), None)
        if home is None:
            events.append([record])
        else:
            home.append(record)
    return events


# ---------------------------------------------------------------- consensus
@dataclass
class _Votes:
    """Values given for one field, in record order, grouped by a folded key."""

    path: str
    shown: dict[str, str] = field(default_factory=dict)
    given: dict[str, list[MeetingRecord]] = field(default_factory=dict)

    def add(self, value: object, record: MeetingRecord, key: str | None = None) -> None:
        if value is None or value == "" or value == MeetingFormat.unknown:
            return
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        key = key or fold(text) or text
        self.shown.setdefault(key, text)
        self.given.setdefault(key, []).append(record)

    def winner(self) -> str | None:
        if not self.given:
            return None
        counts = Counter({k: len(v) for k, v in self.given.items()})
        best = max(counts.values())
        return next(self.shown[k] for k in self.given if counts[k] == best)

    def disagreement(self, top: str | None = None) -> Disagreement | None:
        """The values given, the consensus (``top``, else the winner) first."""
        if len(self.given) < 2:
            return None
        top = top or self.winner()
        keys = sorted(self.given, key=lambda k: (self.shown[k] != top, -len(self.given[k])))
        return Disagreement(
            field=self.path,
            values=[
                Variant(
                    value=self.shown[k],
                    record_ids=[r.id for r in self.given[k]],
                    article_paths=sorted({r.provenance.article_path for r in self.given[k]}),
                )
                for k in keys
            ],
        )


def _vote(
    path: str, records: Sequence[MeetingRecord], get: Callable[[MeetingRecord], object]
) -> _Votes:
    votes = _Votes(path)
    for record in records:
        votes.add(get(record), record)
    return votes


def _people(records: Sequence[MeetingRecord]) -> list[list[tuple[Participant, MeetingRecord]]]:
    """Participants of all records, grouped by person; unnamed ones join by country."""
    groups: list[list[tuple[Participant, MeetingRecord]]] = []
    unnamed: list[tuple[Participant, MeetingRecord]] = []
    for record in records:
        for person in record.meeting.participants:
            if not person.name:
                unnamed.append((person, record))
                continue
            home = next((g for g in groups if any(same_participant(person, p) for p, _ in g)), None)
            if home is None:
                groups.append([(person, record)])
            else:
                home.append((person, record))
    for person, record in unnamed:  # joins the one person of its country not yet in its record
        fits = [
            g
            for g in groups
            if person.country_code
            and any(p.country_code == person.country_code for p, _ in g)
            and all(r is not record for _, r in g)
        ]
        if len(fits) == 1:
            fits[0].append((person, record))
        else:
            groups.append([(person, record)])
    return groups


def _participant(
    index: int, members: list[tuple[Participant, MeetingRecord]], out: list[Disagreement]
) -> EventParticipant:
    path = f"participants[{index}]"
    spellings = [p.name for p, _ in members if p.name]
    name_votes = _Votes(f"{path}.name")
    role_votes, country_votes = _Votes(f"{path}.role"), _Votes(f"{path}.country")
    for person, record in members:
        name_votes.add(person.name, record, key=person.name)
        role_votes.add(person.role, record)
        country_votes.add(person.country, record, key=person.country_code or None)
    name = names.fullest(spellings) if spellings else None
    for votes, top in ((name_votes, name), (role_votes, None), (country_votes, None)):
        if (disagreement := votes.disagreement(top)) is not None:
            out.append(disagreement)
    country = country_votes.winner()
    source = next((p for p, _ in members if p.country == country), members[0][0])
    return EventParticipant(
        name=name,
        names=list(dict.fromkeys(spellings)),
        role=role_votes.winner(),
        country=country,
        country_code=source.country_code if country else None,
        is_organisation=source.is_organisation,
        record_ids=list(dict.fromkeys(r.id for _, r in members)),
    )


def _outcomes(records: Sequence[MeetingRecord]) -> list[EventOutcome]:
    found: list[EventOutcome] = []
    for record in records:
        for outcome in record.meeting.outcomes:
            same = next((o for o in found if same_outcome(o.text, outcome.text)), None)
            if same is None:
                found.append(EventOutcome(text=outcome.text, record_ids=[record.id]))
            elif record.id not in same.record_ids:
                same.record_ids.append(record.id)
    return found


def event_id(records: Sequence[MeetingRecord]) -> str:
    digest = hashlib.sha256("\n".join(sorted(r.id for r in records)).encode("utf-8"))
    return "evt-" + digest.hexdigest()[:16]


def build(records: Sequence[MeetingRecord], flagged: frozenset[str] = frozenset()) -> Event:
    """The event of records already grouped: consensus values and disagreements."""
    records = sorted(records, key=lambda r: (r.provenance.article_path, r.id))
    out: list[Disagreement] = []
    scalars = {
        "status": _vote("status", records, lambda r: r.meeting.status.value),
        "date": _vote("date", records, lambda r: r.meeting.date),
        "start_time": _vote("start_time", records, lambda r: r.meeting.start_time),
        "format": _vote("format", records, lambda r: r.meeting.format.value),
        "duration_minutes": _vote(
            "duration_minutes", records, lambda r: r.meeting.duration_minutes
        ),
        "venue.place": _vote("venue.place", records, lambda r: r.meeting.venue.place),
        "venue.city": _vote("venue.city", records, lambda r: r.meeting.venue.city),
        "venue.country_code": _vote(
            "venue.country_code", records, lambda r: r.meeting.venue.country_code
        ),
    }
    for votes in scalars.values():
        if (disagreement := votes.disagreement()) is not None:
            out.append(disagreement)
    won = {path: votes.winner() for path, votes in scalars.items()}
    code = won["venue.country_code"]
    country = next(
        (r.meeting.venue.country for r in records if code and r.meeting.venue.country_code == code),
        None,
    )
    people = [_participant(i, g, out) for i, g in enumerate(_people(records))]
    return Event(
        id=event_id(records),
        status=MeetingStatus(won["status"] or "held"),
        date=dt.date.fromisoformat(won["date"]) if won["date"] else None,
        start_time=dt.time.fromisoformat(won["start_time"]) if won["start_time"] else None,
        format=MeetingFormat(won["format"] or "unknown"),
        duration_minutes=int(won["duration_minutes"]) if won["duration_minutes"] else None,
        venue=Venue(
            place=won["venue.place"], city=won["venue.city"], country=country, country_code=code
        ),
        participants=people,
        outcomes=_outcomes(records),
        mentions=[
            Mention(
                record_id=r.id,
                article_id=r.provenance.article_id,
                article_path=r.provenance.article_path,
                reviewed=r.reviewed,
                flagged=r.id in flagged,
            )
            for r in records
        ],
        disagreements=out,
    )


def events(records: Sequence[MeetingRecord], flagged: frozenset[str] = frozenset()) -> list[Event]:
    return [build(g, flagged) for g in group(records)]


# ---------------------------------------------------------------- files
def inputs(
    directory: Path, include_flagged: bool = False
) -> tuple[list[MeetingRecord], frozenset[str]]:
    """Records of ``meetings.jsonl`` (clean and reviewed), and with ``include_flagged`` the
    flagged records no reviewer has decided on yet; the second value is the ids of those."""
    log = ReviewLog(directory)
    log.repair()
    records = log.store.records()
    flagged: set[str] = set()
    if include_flagged:
        have = {r.id for r in records}
        for item in log.pending():
            if item.record is not None and item.record.id not in have:
                records.append(item.record)
                flagged.add(item.record.id)
    return records, frozenset(flagged)


def write(directory: Path, include_flagged: bool = False) -> list[Event]:
    """Merge the records of an output directory into ``events.jsonl`` (replaced whole)."""
    records, flagged = inputs(directory, include_flagged)
    found = events(records, flagged)
    path = directory / EVENTS
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write("".join(e.model_dump_json() + "\n" for e in found))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return found


def read(directory: Path) -> list[Event]:
    path = directory / EVENTS
    if not path.exists():
        return []
    return [
        Event.model_validate(json.loads(line))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
