"""Events: one real-world meeting, however many articles report it (``events.jsonl``).

An event lists its *mentions* (each an article and the id of the meeting record read from it),
holds a consensus value per field (the value most mentions give), and keeps every
disagreement: the field, each value given, and which records and articles give it.
Disagreement values are written as text (``"70"``, ``"2017-08-03"``) so that every line has the
same column types for DuckDB and pandas.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from meetx.schemas.meeting import MeetingFormat, MeetingStatus, Venue


class Mention(BaseModel):
    """One report of the event: a meeting record and the article it was read from."""

    model_config = ConfigDict(extra="forbid")

    record_id: str
    article_id: str
    article_path: str
    reviewed: bool = Field(default=False, description="the record was accepted by a reviewer")
    flagged: bool = Field(default=False, description="the record is still waiting for review")


class Variant(BaseModel):
    """One value given for a field, and who gives it."""

    model_config = ConfigDict(extra="forbid")

    value: str
    record_ids: list[str]
    article_paths: list[str]


class Disagreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="path in the event, e.g. 'date', 'participants[1].name'")
    values: list[Variant] = Field(description="the values given, the consensus first")


class EventParticipant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(description="the consensus spelling; null if no mention names them")
    names: list[str] = Field(default_factory=list, description="every spelling the mentions use")
    role: str | None = None
    country: str | None = None
    country_code: str | None = None
    is_organisation: bool = False
    record_ids: list[str] = Field(default_factory=list, description="records that list them")


class EventOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    record_ids: list[str]


class Event(BaseModel):
    """One line of ``events.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="'evt-' and a hash of the ids of its records")
    status: MeetingStatus
    date: dt.date | None = None
    start_time: dt.time | None = None
    format: MeetingFormat = MeetingFormat.unknown
    duration_minutes: int | None = None
    venue: Venue = Field(default_factory=Venue)
    participants: list[EventParticipant] = Field(default_factory=list)
    outcomes: list[EventOutcome] = Field(default_factory=list)
    mentions: list[Mention]
    disagreements: list[Disagreement] = Field(default_factory=list)
