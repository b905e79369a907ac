"""Which endpoint a run talks to, chosen from the settings, as one async ``extract`` callable.

- ``--replay DIR``: recorded exchanges, no network, no model.
- ``OPENAI_BASE_URL`` set: that endpoint (OpenAI, Ollama, vLLM, a llama.cpp server, ...).
- neither: the embedded model, started on 127.0.0.1 and stopped when the block ends.

``--record DIR`` wraps the real transport and saves every exchange. Every request goes through
a :class:`~pipeline.model.throttle.Throttle` (rate limits, a shared pause after a 429, the
answer timeout over the whole exchange, counts). The network transport is aiohttp's
(``httpx-aiohttp``, what openai's ``DefaultAioHttpClient`` uses): at 32 requests in flight it
costs a third less CPU per request than httpx's own pool. :class:`_Aiohttp` names its errors
as httpx does: ``httpx-aiohttp`` turns every aiohttp connection error into ``ConnectTimeout``,
so a reset read as a timeout (logged as one, and never retried on the embedded model).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from meetx.pipeline.config import Settings
from meetx.pipeline.model import llm, local_model
from meetx.pipeline.model.replay import RecordingTransport, ReplayTransport
from meetx.pipeline.model.throttle import Throttle, Traffic

REPLAY_URL = "http://replay.invalid/v1"


@dataclass(frozen=True)
class Endpoint:
    """What the batch engine needs of an endpoint: how to ask it, and what went over the wire."""

    extract: llm.AsyncExtractor
    traffic: Traffic


class _Aiohttp(AiohttpTransport):
    """aiohttp's transport, its connection errors named as httpx's own transport names them."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            raise _renamed(exc, request) from exc.__cause__


def _renamed(exc: httpx.ConnectTimeout, request: httpx.Request) -> httpx.TransportError:
    """A timeout stays one; a refused connection is a ``ConnectError``; a connection the
    server reset or closed without an answer is a ``ReadError``."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, TimeoutError):
        return exc
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc), request=request)
    return httpx.ReadError(f"{type(cause).__name__}: {exc}", request=request)


def network(settings: Settings) -> httpx.AsyncBaseTransport:
    """The network, pooled for ``settings.slots`` requests in flight."""
    pool = httpx.Limits(max_connections=settings.slots, max_keepalive_connections=settings.slots)
    return _Aiohttp(limits=pool)


class _Watched(httpx.AsyncBaseTransport):
    """The embedded server's transport: a failed request first asks whether the server died.

    If it did, the run stops with the reason (:class:`~pipeline.errors.ModelSetupError`, which
    ``pipeline.model.llm`` surfaces as itself) instead of failing every article that follows.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, server: local_model.Server) -> None:
        self.inner, self.server = inner, server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except httpx.TransportError:
            self.server.check()
            raise

    async def aclose(self) -> None:
        await self.inner.aclose()


def throttled(settings: Settings, transport: httpx.AsyncBaseTransport) -> Throttle:
    """``transport`` within the rate limits and the answer timeout of ``settings``, counting
    what it sends."""
    return Throttle(
        transport,
        requests_per_minute=settings.requests_per_minute,
        tokens_per_minute=settings.tokens_per_minute,
        max_tokens=settings.max_tokens,
        pause_s=settings.retry_wait_s,
        timeout_s=settings.answer_timeout_s,
    )


@contextlib.asynccontextmanager
async def open_endpoint(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Endpoint]:
    """The configured endpoint; ``transport`` replaces the network (tests, benchmarks)."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.replay_dir is not None:
            base_url = REPLAY_URL
            transport = ReplayTransport(settings.replay_dir)
        elif settings.base_url is not None:
            base_url = settings.base_url
        else:
            server = stack.enter_context(local_model.serve(settings))
            base_url = server.url
            transport = _Watched(transport or network(settings), server)
        if settings.record_dir is not None:
            transport = RecordingTransport(settings.record_dir, async_inner=transport)
        throttle = throttled(settings, transport or network(settings))
        client = llm.build_async_client(settings, base_url, throttle)
        stack.push_async_callback(llm.aclose, client)
        yield Endpoint(partial(llm.aextract, client, settings), throttle.traffic)
