"""Liveness: a run that commits nothing for a while says what it is waiting for.

The engine tells :class:`Liveness` what each of its slots is doing and since when (reading an
article in the stage workers, asking the endpoint, checking the answer, waiting for the
committer), what the committer is writing, and when articles are committed. The throttle's
:class:`~pipeline.model.throttle.Traffic` tells which requests are in flight and since when,
how many are held back, and until when the pause after a 429 lasts.

:meth:`Liveness.watch` wakes a few times per ``settings.stall_warning_s`` (60 s); once that
long has passed without a commit it logs one line naming what is awaited, then again every
``stall_warning_s`` while nothing is committed, e.g.::

    no article committed for 61 s; 16 in flight: 16 asking the endpoint (longest 00012.txt,
    75 s); 12 requests in flight (oldest 58 s, abandoned at 120 s), 4 in retry backoff, 0
    held back

At WARNING; at INFO for the embedded model, where one answer routinely takes minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from meetx.pipeline.config import Settings
from meetx.pipeline.model.throttle import Traffic

log = logging.getLogger(__name__)

READING = "reading the article in the stage workers"
ASKING = "asking the endpoint"
CHECKING = "checking the answer in the stage workers"
QUEUED = "waiting for the committer"


@dataclass(frozen=True)
class _Doing:
    path: str
    what: str
    since: float


class Liveness:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.period_s = settings.stall_warning_s
        self.last_commit = time.monotonic()
        self.warnings = 0
        self._slots: dict[int, _Doing] = {}
        self._writing: tuple[int, float] | None = None

    def doing(self, slot: int, path: str, what: str) -> None:
        """Slot ``slot`` now does ``what`` for the article at ``path``."""
        self._slots[slot] = _Doing(path, what, time.monotonic())

    def idle(self, slot: int) -> None:
        self._slots.pop(slot, None)

    def writing(self, articles: int | None) -> None:
        """The committer starts writing ``articles`` articles; None: it is done."""
        self._writing = None if articles is None else (articles, time.monotonic())

    def committed(self) -> None:
        self.last_commit = time.monotonic()

    async def watch(self, traffic: Traffic) -> None:
        """Until cancelled: a line on the log whenever nothing was committed for a period."""
        warned_at = self.last_commit
        while True:
            await asyncio.sleep(min(self.period_s / 4, 5.0))
            now = time.monotonic()
            since = max(self.last_commit, warned_at)
            if now - since >= self.period_s and self._slots:
                warned_at = now
                self.warnings += 1
                level = logging.INFO if self.settings.embedded else logging.WARNING
                log.log(level, "%s", self.describe(traffic, now))

    def describe(self, traffic: Traffic, now: float) -> str:
        """What the run waits for, in one line."""
        quiet = now - self.last_commit
        parts = [f"no article committed for {quiet:.0f} s; {len(self._slots)} in flight: "]
        by_what: dict[str, list[_Doing]] = defaultdict(list)
        for doing in self._slots.values():
            by_what[doing.what].append(doing)
        phases = []
        for what, doings in sorted(by_what.items(), key=lambda item: -len(item[1])):
            longest = min(doings, key=lambda d: d.since)
            phases.append(
                f"{len(doings)} {what} (longest {_name(longest.path)}, {now - longest.since:.0f} s)"
            )
        parts.append(", ".join(phases))
        asking = len(by_what.get(ASKING, []))
        oldest = traffic.oldest_s(now)
        if asking or traffic.in_flight:
            in_flight = len(traffic.in_flight)
            backoff = max(asking - in_flight - traffic.held_back, 0)
            oldest_text = f"oldest {oldest:.0f} s, " if oldest is not None else ""
            parts.append(
                f"; {in_flight} requests in flight ({oldest_text}abandoned at "
                f"{self.settings.answer_timeout_s:g} s), {backoff} in retry backoff, "
                f"{traffic.held_back} held back"
            )
        if traffic.resume_at > now:
            parts.append(f"; paused after a 429 for {traffic.resume_at - now:.0f} s more")
        if self._writing is not None:
            articles, started = self._writing
            parts.append(f"; the committer is writing {articles} articles ({now - started:.0f} s)")
        return "".join(parts)


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]
