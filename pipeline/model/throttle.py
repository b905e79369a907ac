"""Keep a batch within an endpoint's limits, at the HTTP level where every try is seen.

:class:`Throttle` is an ``httpx`` async transport that wraps the real one (see
``pipeline.model.backend``). Before each request, first tries, transport retries and validation
re-asks alike, it waits for:

- a pause that any ``429`` starts for *every* request, as long as its ``Retry-After`` says (or
  the first backoff when it says nothing): one rate-limited answer slows the whole batch
  instead of each of the requests in flight running into the limit on its own;
- the requests-per-minute and tokens-per-minute budgets (``aiolimiter`` leaky buckets). Tokens
  are estimated before sending, as providers count them: the prompt (a quarter of the request's
  bytes) plus the ``max_tokens`` the answer may use.

Then it gives the exchange, sending the request *and reading the whole answer*, at most
``timeout_s``: past that it is abandoned with ``httpx.ReadTimeout``, which the caller retries.
The transports' own timeouts bound each socket operation, not the exchange: aiohttp's read
timeout restarts with every byte, so an answer that trickles in, or a connection whose reset
never reached us, held its slot for as long as the server liked. With the deadline no request
holds a slot longer than its timeout, whatever the server does.

It also counts what it sent and what came back, for the run summary and the benchmark, and
keeps what it is doing now (:class:`Traffic`: requests in flight and since when, requests held
back, the pause) for the batch engine's liveness warning.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field

import httpx
from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

MAX_PAUSE_S = 120.0


@dataclass
class Traffic:
    """What went over the wire: requests sent and how each ended; and what is under way."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    deadlines: int = 0  # exchanges abandoned at the deadline (also counted as transport errors)
    paused_s: float = 0.0
    in_flight: dict[int, float] = field(default_factory=dict)  # request number -> sent at
    held_back: int = 0  # requests waiting for the pause or the rate budgets
    resume_at: float = 0.0  # monotonic time at which the pause after a 429 ends

    @property
    def failed(self) -> int:
        """Requests that got no answer or an error status (each was retried or reported)."""
        errors = sum(n for status, n in self.by_status.items() if status >= 400)
        return errors + self.transport_errors

    def oldest_s(self, now: float) -> float | None:
        """How long the oldest request in flight has been waiting, if any is."""
        return now - min(self.in_flight.values()) if self.in_flight else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(max(float(response.headers["retry-after"]), 0.0), MAX_PAUSE_S)
    except (KeyError, ValueError):
        return None


class Throttle(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        max_tokens: int = 0,
        pause_s: float = 1.0,
        timeout_s: float | None = None,
    ) -> None:
        self.inner = inner
        self.requests = AsyncLimiter(requests_per_minute, 60) if requests_per_minute else None
        self.tokens = AsyncLimiter(tokens_per_minute, 60) if tokens_per_minute else None
        self.max_tokens = max_tokens
        self.pause_s = pause_s
        self.timeout_s = timeout_s
        self.traffic = Traffic()
        self._numbers = itertools.count()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.traffic.held_back += 1
        try:
            await self._wait_pause()
            if self.requests is not None:
                await self.requests.acquire()
            if self.tokens is not None:
                estimate = len(request.content) / 4 + self.max_tokens
                await self.tokens.acquire(min(estimate, self.tokens.max_rate))
        finally:
            self.traffic.held_back -= 1
        self.traffic.requests += 1
        number = next(self._numbers)
        self.traffic.in_flight[number] = time.monotonic()
        try:
            response = await self._exchange(request)
        except httpx.TransportError:
            self.traffic.transport_errors += 1
            raise
        finally:
            del self.traffic.in_flight[number]
        status = response.status_code
        self.traffic.by_status[status] = self.traffic.by_status.get(status, 0) + 1
        if status == 429:
            told = _retry_after(response)
            self._pause(told if told is not None else self.pause_s)
        return response

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send the request and read the whole answer, within the deadline."""
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self.inner.handle_async_request(request)
                try:
                    await response.aread()
                except BaseException:
                    await response.aclose()
                    raise
        except TimeoutError:
            self.traffic.deadlines += 1
            message = f"no whole answer within {self.timeout_s:g} s: abandoned"
            raise httpx.ReadTimeout(message, request=request) from None
        return response

    def _pause(self, seconds: float) -> None:
        now = time.monotonic()
        resume_at = now + seconds
        if resume_at > self.traffic.resume_at:
            log.info("rate limited: pausing all requests for %.1f s", seconds)
            self.traffic.paused_s += resume_at - max(now, self.traffic.resume_at)
            self.traffic.resume_at = resume_at

    async def _wait_pause(self) -> None:
        while (wait := self.traffic.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self.inner.aclose()
