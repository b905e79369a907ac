"""The exceptions meetx raises. Every one derives from :class:`MeetxError`::

    MeetxError
    ├── ConfigError            bad settings or flags
    ├── ArticleError           a file that cannot be read as an article
    ├── PromptError            a missing or malformed prompt file
    ├── ModelSetupError        the embedded model cannot be fetched, verified or served
    │   └── WeightsMismatch    the assembled weights are not the pinned file
    ├── ExtractionError        the model gave no usable answer (carries attempts and usage)
    │   ├── TransportError     the endpoint could not be reached after retries
    │   └── BatchRequestError  a provider's batch answered a request with an error, or never
    │                          ran it (expired, cancelled, the batch failed)
    ├── OutputBusy             another meetx run holds the output directory
    ├── OutputError            the output files cannot be written (disk full, permissions)
    ├── WorkerCrashed          a worker process of the batch engine died
    ├── ClusterError           the Ray cluster cannot be reached, or a run on it failed
    ├── ReplayMiss             a replayed run sent a request that was never recorded
    ├── ReviewError            a review decision that cannot be taken (already decided, ...)
    │   ├── UnknownItem        no review item has this id (or several start with it)
    │   └── InvalidEdit        an edit the meeting schema refuses, or a malformed path
    ├── ExportError            an export format or target that cannot be written
    └── BatchError             a provider's batch cannot be sent, read or collected
        ├── NotInBatch         a request no batch has answered: it goes into a follow-up batch
        └── FailedInBatch      the batch holds an error for this request (the article fails)

Validation problems with a record are *not* exceptions: they are ``schemas.Issue`` values in
the record's ``issues`` list, and the record goes to review.
"""

from __future__ import annotations

from meetx.schemas.record import Attempt, Usage


class MeetxError(Exception):
    """Base class of every error meetx raises on purpose."""


class ConfigError(MeetxError):
    pass


class ArticleError(MeetxError):
    pass


class PromptError(MeetxError):
    pass


class ModelSetupError(MeetxError):
    pass


class WeightsMismatch(ModelSetupError):
    pass


class ExtractionError(MeetxError):
    """The model gave no usable answer for an article."""

    def __init__(
        self,
        message: str,
        *,
        attempts: list[Attempt] | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts or []
        self.usage = usage or Usage()


class TransportError(ExtractionError):
    """Connection errors, timeouts, 429 and 5xx that outlasted the retries."""


class OutputBusy(MeetxError):
    """Two runs may not write to one output directory at once."""


class OutputError(MeetxError):
    """The output files cannot be written; what was committed before stays committed."""


class WorkerCrashed(MeetxError):
    """A process running the batch's CPU-bound stages died (killed, out of memory)."""


class ClusterError(MeetxError):
    """No Ray (install ``meetx[ray]``), no cluster at the address, or a run on it that failed
    for a reason that is not meetx's own (the message has Ray's)."""


class ReplayMiss(MeetxError):
    """A request that has no recorded exchange; the message names the request."""


class ReviewError(MeetxError):
    """A review decision that cannot be taken: already decided, no record, no reason."""


class UnknownItem(ReviewError):
    pass


class InvalidEdit(ReviewError):
    """An edit refused by the meeting schema, or a path that is not a field."""


class ExportError(MeetxError):
    pass


class BatchRequestError(ExtractionError):
    """A request of a provider's batch came back with an error, or was never run."""


class BatchError(MeetxError):
    """A provider's Files or Batches API refused or failed; or the local batch manifest
    (``<output>/batch.sqlite``) belongs to other settings."""


class NotInBatch(BatchError):
    """A request that no batch has answered (yet): a re-ask, a second pass, a new piece.

    ``meetx batch collect`` sends it in a follow-up batch (or live, ``--live-followups``).
    """

    def __init__(self, message: str, *, key: str, body: dict[str, object]) -> None:
        super().__init__(message)
        self.key, self.body = key, body


class FailedInBatch(BatchError):
    """The batch answered this request with an error (or never ran it); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
