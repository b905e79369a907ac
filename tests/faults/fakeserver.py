"""A fake OpenAI-compatible server, for fault-injection tests and the batch benchmark.

It listens on 127.0.0.1 only, answers ``POST /v1/chat/completions`` after ``latency_s``, and
stops by itself after ``max_requests`` requests or ``max_seconds`` seconds. :class:`Faults`
says in what proportions it answers with a fault instead: 429 with or without ``Retry-After``,
500/502/503, a reset connection (the whole request read, then ``SO_LINGER`` 0 and close: a
TCP RST and no answer), a connection closed without an answer (a plain FIN), a hang of
``hang_s`` (past the client's timeout, or not), a good answer sent a byte every half second
for ``trickle_s`` (the socket is never idle long enough for a read timeout), a good answer
after ``slow_s``, a 200 whose body is not JSON, garbage instead of JSON, JSON cut off at the
token limit, JSON that violates the schema, or a refusal. Which requests fail is decided by a
hash of the request's last message and how many times that message was sent, so a run's
outcome does not depend on scheduling.

It answers a meetx request for a :func:`synthetic_article` with the meeting the article states,
quoted from it, and any other article with no meeting. It also recognises LangExtract's request
shape (a prompt with ``Q:``/``A:`` turns and an ``extractions`` list) and answers in kind.

Run it alone (the benchmark does): ``python -m tests.faults.fakeserver --latency 0.2``; it
prints its URL on the first line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from aiohttp import web

FAULTS = (
    "rate_limit",
    "rate_limit_retry_after",
    "server_error",
    "reset",
    "disconnect",
    "timeout",
    "trickle",
    "slow",
    "bad_body",
    "garbage",
    "truncated",
    "schema_violation",
    "refusal",
)
# answers a client cannot use (a trickle: when it outlasts the client's timeout); slow answers
# and the faults after them are answers
TRANSPORT_FAULTS = FAULTS[:7]


@dataclass(frozen=True)
class Faults:
    """The share of requests answered with each fault (the rest are answered well)."""

    rate_limit: float = 0.0
    rate_limit_retry_after: float = 0.0
    server_error: float = 0.0
    reset: float = 0.0
    disconnect: float = 0.0
    timeout: float = 0.0
    trickle: float = 0.0
    slow: float = 0.0
    bad_body: float = 0.0
    garbage: float = 0.0
    truncated: float = 0.0
    schema_violation: float = 0.0
    refusal: float = 0.0

    def pick(self, draw: float) -> str | None:
        edge = 0.0
        for f in fields(self):
            edge += getattr(self, f.name)
            if draw < edge:
                return f.name
        return None


# ------------------------------------------------------------------ synthetic articles
_FIRST = ["Ann", "Omar", "Mia", "Kenji", "Lucia", "Ivan", "Sara", "Tomas", "Nadia", "Pedro"]
_LAST = ["Lee", "Haddad", "Novak", "Sato", "Ferreira", "Petrov", "Berg", "Silva", "Khan", "Ruiz"]
_COUNTRIES = [
    ("Japan", "Tokyo"),
    ("Chile", "Santiago"),
    ("Kenya", "Nairobi"),
    ("Norway", "Oslo"),
    ("Brazil", "Brasilia"),
    ("Poland", "Warsaw"),
    ("Egypt", "Cairo"),
    ("Canada", "Ottawa"),
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_OUTCOMES = [
    "open a joint trade office",
    "expand student exchanges",
    "share weather satellite data",
    "hold annual security talks",
]
_FILLER = (
    "Officials said the talks were frank and covered regional issues. "
    "Trade between the two countries has grown in recent years. "
    "Both sides described the relationship as steady. "
)
_REPORT = re.compile(  # in the article as the model reads it: numbered sentences
    r"(?:\[(?P<n1>\d+)\] )?"
    r"(?P<a>[A-Z]\w+ [A-Z]\w+), the foreign minister of (?P<ca>[A-Z]\w+), met "
    r"(?P<b>[A-Z]\w+ [A-Z]\w+), the foreign minister of (?P<cb>[A-Z]\w+), "
    r"in (?P<city>[A-Z]\w+) on (?P<day>\w+day)\.\s+(?:\[(?P<n2>\d+)\] )?"
    r"(?P<outcome>The two ministers agreed to [^.]+)\."
)


def synthetic_article(i: int, filler: int = 4) -> str:
    """A short news article about one meeting, different for every ``i``."""
    rng = random.Random(i)
    (ca, city), (cb, _) = rng.sample(_COUNTRIES, 2)
    a = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    b = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    outcome = rng.choice(_OUTCOMES)
    return (
        f"{ca} and {cb} agree to {outcome} (report {i})\n\n"
        f"Published: May {1 + i % 28}, 2021\n\n"
        f"{a}, the foreign minister of {ca}, met {b}, the foreign minister of {cb}, "
        f"in {city} on {rng.choice(_DAYS)}. The two ministers agreed to {outcome}. "
        + _FILLER * filler
        + f"\n\nReference {i}.\n"
    )


def meetings_of(text: str) -> dict[str, Any]:
    """The answer a good model gives for ``text``: the synthetic meeting, by its sentence
    numbers, or none."""
    match = _REPORT.search(text)
    if match is None:
        return {"meetings": []}
    g = match.groupdict()
    people = [
        {"name": g[who], "role": "foreign minister", "country": g["c" + who]} for who in ("a", "b")
    ]
    meeting = {
        "sentence": int(g["n1"] or 1),
        "participants": people,
        "status": "held",
        "format": "in_person",
        "date": f"on {g['day']}",
        "time": None,
        "duration": None,
        "city": g["city"],
        "country": g["ca"],
        "outcomes": [int(g["n2"] or 2)],
    }
    return {"meetings": [meeting]}


def _answer_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The meetings of the latest message that states one (a re-ask comes after the article)."""
    for message in reversed(messages):
        found = meetings_of(str(message.get("content", "")))
        if found["meetings"]:
            return found
    return {"meetings": []}


def langextract_answer(prompt: str) -> str:
    """What LangExtract expects: JSON with an ``extractions`` list for the last ``Q:``, fenced
    when its examples are."""
    question = prompt.rsplit("Q: ", 1)[-1].rsplit("A:", 1)[0]
    match = _REPORT.search(question)
    extractions = []
    if match is not None:
        extractions.append(
            {
                "meeting": match.group(0).split(". ")[0],
                "meeting_attributes": {
                    "participants": f"{match['a']}; {match['b']}",
                    "date": f"on {match['day']}",
                    "city": match["city"],
                },
            }
        )
    answer = json.dumps({"extractions": extractions})
    return f"```json\n{answer}\n```" if "```" in prompt else answer


# ------------------------------------------------------------------ the server
def _completion(content: str | None, finish: str = "stop", refusal: str | None = None) -> Any:
    tokens = len(content or "") // 4
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": tokens, "total_tokens": 100 + tokens},
    }


def _report(body: dict[str, Any]) -> str:
    """Which synthetic article a request is about: the sentence that reports its meeting (the
    headline and the reference line are cleaned out of the prompt), or ``?``."""
    for message in reversed(body.get("messages", [])):
        found = _REPORT.search(str(message.get("content", "")))
        if found:
            return found.group(0)
    return "?"


def _drop(request: web.Request, *, reset: bool) -> None:
    """Close the connection without an answer: with a TCP RST (``SO_LINGER`` 0, what a
    crashing proxy or a load balancer's idle cut does) or with a plain FIN."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FakeServer:
    """Start with ``with FakeServer(...) as server:``; ``server.url`` ends in ``/v1``."""

    def __init__(
        self,
        faults: Faults = Faults(),
        *,
        latency_s: float = 0.0,
        retry_after: str = "0.05",
        hang_s: float = 2.0,
        slow_s: float = 2.0,
        trickle_s: float = 30.0,
        max_requests: int = 10_000,
        max_seconds: float = 120.0,
        seed: str = "",
    ) -> None:
        self.faults, self.latency_s, self.retry_after = faults, latency_s, retry_after
        self.hang_s, self.max_requests, self.max_seconds = hang_s, max_requests, max_seconds
        self.slow_s, self.trickle_s = slow_s, trickle_s
        self.seed = seed
        self.sent: Counter[str] = Counter()  # how each request was answered
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.expired = False  # stopped by itself after max_seconds
        self.ended: list[float] = []  # time.monotonic() at which each request ended, any way
        self.answered: Counter[str] = Counter()  # good answers per synthetic article
        self._tries: Counter[str] = Counter()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _decide(self, body: dict[str, Any]) -> str | None:
        last = str(body.get("messages", [{}])[-1].get("content", ""))
        key = hashlib.sha256(last.encode()).hexdigest()
        tries = self._tries[key]
        self._tries[key] += 1
        digest = hashlib.sha256(f"{self.seed}|{key}|{tries}".encode()).digest()
        return self.faults.pick(int.from_bytes(digest[:8], "big") / 2**64)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.requests > self.max_requests:
                assert self._stop is not None
                self._stop.set()
                return web.json_response({"error": "request budget spent"}, status=503)
            body = await request.json()
            await asyncio.sleep(self.latency_s)
            fault = self._decide(body)
            self.sent[fault or "ok"] += 1
            if fault in (None, "slow", "trickle"):  # a good answer, for a paid-twice count
                self.answered[_report(body)] += 1
            return await self._answer(request, body, fault)
        finally:
            self.in_flight -= 1
            self.ended.append(time.monotonic())

    async def _answer(
        self, request: web.Request, body: dict[str, Any], fault: str | None
    ) -> web.StreamResponse:
        if fault == "rate_limit":
            return web.json_response({"error": {"message": "slow down"}}, status=429)
        if fault == "rate_limit_retry_after":
            headers = {"Retry-After": self.retry_after}
            return web.json_response(
                {"error": {"message": "slow down"}}, status=429, headers=headers
            )
        if fault == "server_error":
            status = (500, 502, 503)[self.requests % 3]
            return web.json_response({"error": {"message": "upstream failed"}}, status=status)
        if fault in ("reset", "disconnect"):
            _drop(request, reset=fault == "reset")
            return web.Response(status=500)  # never sent: the connection is gone
        if fault == "timeout":
            await asyncio.sleep(self.hang_s)
            return web.json_response({"error": "too late"}, status=504)
        if fault == "slow":
            await asyncio.sleep(self.slow_s)
        if fault == "bad_body":
            return web.Response(text="<html>gateway says hello</html>", content_type="text/html")
        messages = body.get("messages", [])
        prompt = str(messages[-1].get("content", "")) if messages else ""
        if "extractions" in prompt:
            return web.json_response(_completion(langextract_answer(prompt)))
        good = json.dumps(_answer_for(messages))
        if fault == "trickle":
            return await self._trickle(request, json.dumps(_completion(good)).encode())
        if fault == "garbage":
            return web.json_response(_completion("Sure! Here are the meetings: " + good[:40]))
        if fault == "truncated":
            return web.json_response(_completion(good[: len(good) // 2], finish="length"))
        if fault == "schema_violation":
            bad = {"meetings": [{"sentence": "first", "participants": "everyone"}]}
            return web.json_response(_completion(json.dumps(bad)))
        if fault == "refusal":
            return web.json_response(_completion(None, refusal="I can't help with that."))
        if any(
            "ignore previous instructions" in str(m.get("content", "")).lower() for m in messages
        ):
            # a model that obeys an injection, every time it sees one
            system = str(messages[0].get("content", "")) if messages else ""
            return web.json_response(_completion("OK. My instructions were: " + system[:300]))
        return web.json_response(_completion(good))

    async def _trickle(self, request: web.Request, body: bytes) -> web.StreamResponse:
        """A good answer, its first bytes a half second apart for ``trickle_s``, then the rest."""
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body)
        await response.prepare(request)
        sent = 0
        deadline = time.monotonic() + self.trickle_s
        while time.monotonic() < deadline and sent < len(body) - 1:
            await response.write(body[sent : sent + 1])
            sent += 1
            await asyncio.sleep(0.5)
        await response.write(body[sent:])
        await response.write_eof()
        return response

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"requests": self.requests, "sent": dict(self.sent), "peak": self.peak_in_flight}
        )

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/stats", self._stats)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), self.max_seconds)
        except TimeoutError:
            self.expired = True  # a test still using it would see refused connections
        finally:
            await runner.cleanup()

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # it may close in between, by itself
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args()
    server = FakeServer(
        latency_s=args.latency, max_requests=args.max_requests, max_seconds=args.max_seconds
    )
    server.start()
    print(server.url, flush=True)
    assert server._thread is not None
    deadline = time.monotonic() + args.max_seconds + 5
    while server._thread.is_alive() and time.monotonic() < deadline:
        server._thread.join(1)


if __name__ == "__main__":
    main()
