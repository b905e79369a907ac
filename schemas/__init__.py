"""Pure Pydantic models of meetx's data. Nothing here imports from ``pipeline``.

- :mod:`schemas.article`: an article as read (a file, a page, a dataset row), with its
  metadata: language, URL, the dataset's id, where its publication date came from.
- :mod:`schemas.draft`: what the language model is asked to fill (quotes, not conclusions).
- :mod:`schemas.meeting`: a normalised meeting, the unit of the dataset.
- :mod:`schemas.record`: output lines (``MeetingRecord``, ``ReviewItem``) with provenance.
"""

from meetx.schemas.article import Article
from meetx.schemas.draft import ArticleDraft, MeetingDraft, ParticipantDraft
from meetx.schemas.meeting import (
    Evidence,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Outcome,
    Participant,
    Venue,
)
from meetx.schemas.record import (
    SCHEMA_VERSION,
    Attempt,
    Issue,
    LedgerEntry,
    MeetingRecord,
    Provenance,
    ReviewItem,
    Usage,
)

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "ArticleDraft",
    "Attempt",
    "Evidence",
    "Issue",
    "LedgerEntry",
    "Meeting",
    "MeetingDraft",
    "MeetingFormat",
    "MeetingRecord",
    "MeetingStatus",
    "Outcome",
    "Participant",
    "ParticipantDraft",
    "Provenance",
    "ReviewItem",
    "Usage",
    "Venue",
]
