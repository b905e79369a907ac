"""A normalised meeting: the unit of the dataset.

Every value that comes from the article sits next to the verbatim words that support it
(``*_text`` and ``quote`` fields), so a reviewer can find it in the text.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_DURATION_MINUTES = 7 * 24 * 60


class MeetingStatus(StrEnum):
    held = "held"
    scheduled = "scheduled"
    cancelled = "cancelled"


class MeetingFormat(StrEnum):
    in_person = "in_person"
    video_conference = "video_conference"
    phone_call = "phone_call"
    unknown = "unknown"


class Evidence(BaseModel):
    """Where a value comes from: its words in the article and their character offsets.

    ``text[start:end] == quote`` for the article's full text. ``match`` is ``exact`` when the
    words were found as the model wrote them (up to case, whitespace and quote style) and
    ``fuzzy`` when they were found by similarity (``score`` out of 100).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(description="path of the value, e.g. 'date', 'participants[1].country'")
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    match: Literal["exact", "fuzzy"]
    score: float = Field(default=100.0, ge=0, le=100)
    source: str = Field(
        default="model", description="who set the value: 'model', or 'rule:<name>' for a rule"
    )


class Participant(BaseModel):
    """A person at the meeting. ``name`` stays null when the text does not name them."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    role: str | None = None
    country: str | None = Field(
        default=None, description="country (common English name) or organisation represented"
    )
    country_code: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 code; null for organisations"
    )
    is_organisation: bool = Field(
        default=False, description="true when they represent an organisation (EU, UN, NATO ...)"
    )
    quote: str | None = Field(default=None, description="the words that introduce them")


class Venue(BaseModel):
    """Where an in-person meeting took place. All null for remote meetings."""

    model_config = ConfigDict(extra="forbid")

    place: str | None = None
    city: str | None = None
    country: str | None = None
    country_code: str | None = None


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="what was agreed or decided")
    quote: str = Field(description="the words of the article that state it")


class Meeting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MeetingStatus
    date: dt.date | None = None
    date_text: str | None = None
    start_time: dt.time | None = None
    start_time_text: str | None = None
    venue: Venue = Field(default_factory=Venue)
    format: MeetingFormat = MeetingFormat.unknown
    duration_minutes: int | None = Field(default=None, gt=0, le=MAX_DURATION_MINUTES)
    duration_text: str | None = None
    participants: list[Participant] = Field(default_factory=list)
    participants_note: str | None = Field(
        default=None, description="why fewer than two participants are listed, if so"
    )
    outcomes: list[Outcome] = Field(default_factory=list)
    quote: str | None = Field(default=None, description="the sentence that reports the meeting")
    evidence: list[Evidence] = Field(
        default_factory=list, description="the words and offsets behind every non-null value"
    )
    set_by: dict[str, str] = Field(
        default_factory=dict,
        description="values a rule set or changed: top-level field -> 'rule:<name>'",
    )

    def evidence_for(self, path: str) -> Evidence | None:
        return next((e for e in self.evidence if e.field == path), None)
