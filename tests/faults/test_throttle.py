"""The throttle: a 429 pauses every request; request and token budgets hold requests back."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from meetx.pipeline.model.throttle import Throttle
from tests.conftest import completion


def send(throttle: Throttle, n: int, body: bytes = b"{}") -> list[asyncio.Task[httpx.Response]]:
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions", content=body)
    return [asyncio.ensure_future(throttle.handle_async_request(request)) for _ in range(n)]


def test_a_429_with_retry_after_pauses_every_request():
    sent: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        if len(sent) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.3"})
        return httpx.Response(200, json=completion("{}"))

    async def main() -> Throttle:
        throttle = Throttle(httpx.MockTransport(answer))
        (first,) = send(throttle, 1)
        assert (await first).status_code == 429
        await asyncio.gather(*send(throttle, 3))
        return throttle

    throttle = asyncio.run(main())
    assert all(t - sent[0] >= 0.3 for t in sent[1:])  # none went before the pause ended
    assert throttle.traffic.requests == 4 and throttle.traffic.by_status == {429: 1, 200: 3}
    assert 0.29 <= throttle.traffic.paused_s <= 0.31


def test_requests_per_minute_hold_back_what_is_over_the_budget():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=completion("{}"))

    async def main() -> Throttle:
        throttle = Throttle(httpx.MockTransport(answer), requests_per_minute=2)
        tasks = send(throttle, 3)
        await asyncio.sleep(0.2)
        assert sum(t.done() for t in tasks) == 2  # the third waits ~30 s for its turn
        tasks[2].cancel()
        return throttle

    assert asyncio.run(main()).traffic.requests == 2


def test_tokens_per_minute_count_the_prompt_and_the_answer_budget():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=completion("{}"))

    async def main() -> Throttle:
        throttle = Throttle(httpx.MockTransport(answer), tokens_per_minute=1000, max_tokens=400)
        tasks = send(throttle, 3, body=b"x" * 400)  # 100 + 400 tokens each
        await asyncio.sleep(0.2)
        assert sum(t.done() for t in tasks) == 2
        tasks[2].cancel()
        return throttle

    assert asyncio.run(main()).traffic.requests == 2


def test_transport_errors_are_counted_and_raised():
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def main() -> Throttle:
        throttle = Throttle(httpx.MockTransport(answer))
        (task,) = send(throttle, 1)
        with contextlib.suppress(httpx.ConnectError):
            await task
        return throttle

    traffic = asyncio.run(main()).traffic
    assert traffic.transport_errors == 1 and traffic.failed == 1
