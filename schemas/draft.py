"""What the language model fills: verbatim quotes and plain choices, no arithmetic.

Small models copy words well and compute badly (every one tried turned "agreed Thursday" into
the publication date), so the model quotes the date, time and duration expressions and code
resolves them (see ``pipeline.rules.normalise``). Writing is what costs time on a small
machine (prefill is several times faster than generation), so the model does not copy
sentences: it reads the article as numbered sentences and answers with their numbers (the
sentence that reports the meeting, the sentences that state its outcomes).

Every field is *required* and nullable, with no default: llama.cpp's grammar writes required
properties first and drops optional ones, so an optional field is a field the model never
fills. Fields are ordered so that evidence comes before the conclusions drawn from it.

These models check shape only. The check that needs the article (a name the text never gives
is sent back to the model) is added where the model is asked, in ``pipeline.model.llm``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Bounds on the lists: the grammar then cannot let a small model repeat items until max_tokens.
# (No maxLength on strings: llama.cpp turns it into a grammar hundreds of rules deep.)
MAX_MEETINGS, MAX_PARTICIPANTS, MAX_OUTCOMES = 8, 12, 6

Status = Literal["held", "scheduled", "cancelled"]
Format = Literal["in_person", "video_conference", "phone_call", "unknown"]


class ParticipantDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(description="the person's name as written, or null if not named")
    role: str | None = Field(description="their title or role as the text gives it, or null")
    country: str | None = Field(
        description="the country or organisation they represent, e.g. 'Japan', 'European Union'"
    )


class MeetingDraft(BaseModel):
    """One meeting. The model points at the article's numbered sentences instead of copying
    them: code takes the words from the text (``pipeline.rules.normalise``)."""

    model_config = ConfigDict(extra="forbid")

    sentence: int = Field(description="number of the sentence that reports this meeting")
    participants: list[ParticipantDraft] = Field(max_length=MAX_PARTICIPANTS)
    status: Status
    format: Format
    date: str | None = Field(description="the words giving the day, verbatim, e.g. 'on Tuesday'")
    time: str | None = Field(description="the words giving the start time, verbatim")
    duration: str | None = Field(description="the words giving how long it lasted, verbatim")
    city: str | None = Field(description="the city where it took place; null if remote")
    country: str | None = Field(description="the country where it took place; null if remote")
    outcomes: list[int] = Field(
        description="numbers of the sentences that state what they agreed or decided",
        max_length=MAX_OUTCOMES,
    )


class ArticleDraft(BaseModel):
    """The model's whole answer for one article."""

    model_config = ConfigDict(extra="forbid")

    meetings: list[MeetingDraft] = Field(max_length=MAX_MEETINGS)
