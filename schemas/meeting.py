"""A normalised meeting: the unit of the dataset.

Every value that comes from the article sits next to the verbatim words that support it
(``*_text`` and ``quote`` fields), so a reviewer can find it in the text.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

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
