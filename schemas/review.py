"""Review decisions: one line of ``decisions.jsonl`` per decision a reviewer takes.

The file is append-only. A decision names the review item it is about by ``item_id`` (the
flagged record's id, or ``<article>-<prompt>-failed`` for an article that failed) and by
``fingerprint`` (a hash of the item's line in ``review.jsonl``), so a decision never applies to
a different extraction that happens to reuse an id.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from meetx.schemas.record import MeetingRecord


class Action(StrEnum):
    accept = "accept"  # the record as flagged joins meetings.jsonl, marked reviewed
    edit = "edit"  # an edited record joins meetings.jsonl, marked reviewed
    reject = "reject"  # the record is wrong; nothing joins meetings.jsonl
    requeue = "requeue"  # extract the article again, with a note for the model
    reextracted = "reextracted"  # a requeued article was extracted again (what it gave)


FINAL = frozenset({Action.accept, Action.edit, Action.reject, Action.requeue})


class Change(BaseModel):
    """One value a reviewer set: its path (``participants[1].name``), old and new JSON values."""

    model_config = ConfigDict(frozen=True)

    field: str
    before: object = None
    after: object = None
    removed: bool = Field(default=False, description="the list item at this path was removed")


class Decision(BaseModel):
    """Who decided what about which review item, when, and why."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    fingerprint: str = Field(description="sha256 of the review item's line, first 16 hex digits")
    action: Action
    who: str
    at: dt.datetime
    why: str | None = None
    note: str | None = Field(default=None, description="for requeue: what the model is told")
    article_id: str
    article_path: str
    before: MeetingRecord | None = Field(default=None, description="the record as flagged")
    after: MeetingRecord | None = Field(
        default=None, description="the record as it joined meetings.jsonl (accept, edit)"
    )
    changes: list[Change] = Field(default_factory=list)
    produced: list[str] = Field(
        default_factory=list, description="for reextracted: ids of the records it gave"
    )
