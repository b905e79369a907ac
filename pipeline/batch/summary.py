"""A run in numbers: what the batch engine counts and ``meetx extract`` prints at its end."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from meetx.pipeline.config import Settings
from meetx.pipeline.extraction.runner import ArticleResult, cost
from meetx.schemas.record import Usage

log = logging.getLogger(__name__)

MAX_PROBLEMS = 20  # unreadable files listed in the summary; all are logged


@dataclass
class Summary:
    """A run in numbers. ``usage`` is what this run paid, ``cached_usage`` what it did not."""

    articles: int = 0
    skipped: int = 0
    unreadable: int = 0
    meetings: int = 0
    flagged: int = 0
    failed: int = 0
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    cached_usage: Usage = field(default_factory=Usage)
    requests: int = 0
    failed_requests: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)

    def add(self, result: ArticleResult, cached: bool = False) -> None:
        self.articles += 1
        self.meetings += result.ledger.meetings
        self.flagged += result.ledger.flagged
        self.failed += int(result.ledger.failed)
        if cached:
            self.cached += 1
            self.cached_usage = self.cached_usage + result.ledger.usage
        else:
            self.usage = self.usage + result.ledger.usage

    def problem(self, message: str) -> None:
        """An input that is no article: logged on stderr, kept for the summary (the first few)."""
        self.unreadable += 1
        log.warning("skipped: %s", message)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def cost(self, settings: Settings) -> float:
        """USD paid this run, at the configured prices (failed attempts included)."""
        return cost(self.usage, settings) or 0.0
