"""What the language model fills: verbatim quotes and plain choices, no arithmetic.

Small models copy words well and compute badly (every one tried turned "agreed Thursday" into
the publication date), so the model quotes the date, time and duration expressions and code
resolves them (see ``pipeline.rules.normalise``).

Every field is *required* and nullable, with no default: llama.cpp's grammar writes required
properties first and drops optional ones, so an optional field is a field the model never
fills. Fields are ordered so that evidence comes before the conclusions drawn from it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from meetx.schemas.text import occurs_in

# Bounds on the lists: the grammar then cannot let a small model repeat items until max_tokens.
# (No maxLength on strings: llama.cpp turns it into a grammar hundreds of rules deep.)
MAX_MEETINGS, MAX_PARTICIPANTS, MAX_OUTCOMES = 6, 10, 8

Status = Literal["held", "scheduled", "cancelled"]
Format = Literal["in_person", "video_conference", "phone_call", "unknown"]


class ParticipantDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mention: str = Field(description="the words of the text that introduce this person, verbatim")
    name: str | None = Field(description="the person's name as written, or null if not named")
    role: str | None = Field(description="their title or role as the text gives it, or null")
    country: str | None = Field(
        description="the country or organisation they represent, e.g. 'Japan', 'European Union'"
    )

    @field_validator("name")
    @classmethod
    def _name_is_in_text(cls, name: str | None, info: ValidationInfo) -> str | None:
        """With the article in the validation context, refuse names the text never gives.

        Instructor sends this message back to the model, which then usually answers null.
        A country given as a name ("US") is not sent back: the model gave the same answer
        again every time (seeds 001 and 002), and one such meeting failed the whole
        article; ``normalise.person_name`` turns it into an unnamed participant instead.
        """
        article = (info.context or {}).get("article")
        if name is not None and article is not None and not occurs_in(name, article):
            raise ValueError(
                f"the name {name!r} does not occur in the article; give the name exactly as "
                "written, or null when the text does not name this person"
            )
        return name


class MeetingDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: str = Field(description="the sentence of the text that reports this meeting, verbatim")
    participants: list[ParticipantDraft] = Field(max_length=MAX_PARTICIPANTS)
    format: Format
    date_text: str | None = Field(
        description="the words giving the meeting's day, verbatim, e.g. 'on Thursday', 'Aug. 3'"
    )
    time_text: str | None = Field(description="the words giving the start time, verbatim")
    duration_text: str | None = Field(description="the words giving how long it lasted, verbatim")
    place: str | None = Field(description="the venue words, e.g. 'a hotel'; null if remote")
    city: str | None = Field(description="the city where it took place; null if remote")
    country: str | None = Field(description="the country where it took place; null if remote")
    status: Status
    outcomes: list[str] = Field(
        description="each agreement or decision, quoted verbatim from the text; not topics",
        max_length=MAX_OUTCOMES,
    )


class ArticleDraft(BaseModel):
    """The model's whole answer for one article."""

    model_config = ConfigDict(extra="forbid")

    meetings: list[MeetingDraft] = Field(max_length=MAX_MEETINGS)
