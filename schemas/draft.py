"""What the language model fills: verbatim quotes and plain choices, no arithmetic.

Small models copy words well and compute badly (every one tried turned "agreed Thursday" into
the publication date), so the model quotes the date, time and duration expressions and code
resolves them (see ``pipeline.normalise``).

Every field is *required* and nullable, with no default: llama.cpp's grammar writes required
properties first and drops optional ones, so an optional field is a field the model never
fills. Fields are ordered so that evidence comes before the conclusions drawn from it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from schemas.text import fold, occurs_in

# Bounds on the lists: the grammar then cannot let a small model repeat items until max_tokens.
# (No maxLength on strings: llama.cpp turns it into a grammar hundreds of rules deep.)
MAX_MEETINGS, MAX_PARTICIPANTS, MAX_OUTCOMES = 6, 10, 8

Status = Literal["held", "scheduled", "cancelled"]
Format = Literal["in_person", "video_conference", "phone_call", "unknown"]


_NOT_A_PERSON = (
    "{name!r} is a country or an organisation, not a person's name: give the person's name "
    "as the article writes it anywhere, or null if it never does"
)


def _is_acronym(name: str) -> bool:
    """'US', 'UK', 'EU', 'U.N.': no person is called that."""
    letters = name.replace(".", "").strip()
    return letters.isupper() and len(letters) <= 4 and " " not in letters


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
        """
        article = (info.context or {}).get("article")
        if name is not None and article is not None and not occurs_in(name, article):
            raise ValueError(
                f"the name {name!r} does not occur in the article; give the name exactly as "
                "written, or null when the text does not name this person"
            )
        if name is not None and info.context is not None and _is_acronym(name):
            raise ValueError(_NOT_A_PERSON.format(name=name))
        return name

    @model_validator(mode="after")
    def _name_is_not_the_country(self, info: ValidationInfo) -> ParticipantDraft:
        """Like the name checks above, only while talking to the model (context given)."""
        same = self.name and self.country and fold(self.name) == fold(self.country)
        if same and info.context is not None:
            raise ValueError(_NOT_A_PERSON.format(name=self.name))
        return self


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
