"""The live path, answered from a provider's batch: the same requests, the same validation.

A batch must hold exactly the requests a live run sends, and its answers must go through
exactly what a live answer goes through. Both come from running the live code itself,
``llm.aextract`` (instructor's JSON mode, the draft schema, the re-asks, the accounting), over
an httpx transport that never reaches the network:

- :meth:`Asker.request` runs it with nothing to answer: the request it would send is caught
  at the transport (:class:`~meetx.pipeline.errors.NotInBatch`, which carries the body), so a
  batch line is the live request byte for byte, whatever instructor adds to the messages;
- :meth:`Asker.extract` runs it with the batch's answers (:class:`AnswerTransport`), found by
  the request's key (``replay.request_key``: method, path and canonical JSON body). A request
  no batch holds (a re-ask after a validation error, a second pass) raises ``NotInBatch``
  again, for a follow-up batch, or goes to the live endpoint when one is given; an error the
  batch holds for a request raises :class:`~meetx.pipeline.errors.BatchRequestError`, an
  extraction error, so that it fails its article just as a live error would (and a failed
  second pass keeps the first answer, as live).

The transport also tallies the tokens of every answer it gives, by where it came from, so
that batch and live tokens are priced apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import BatchError, BatchRequestError, FailedInBatch, NotInBatch
from meetx.pipeline.model import llm
from meetx.pipeline.model.batch_api import ENDPOINT
from meetx.pipeline.model.replay import request_key
from meetx.schemas.record import Usage

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Stored:
    """What a batch holds for one request: an answer (status 200) or why there is none."""

    status: int
    body: dict[str, object] | None = None
    reason: str | None = None
    batch_id: str | None = None  # None: answered live, by an earlier ``--live-followups``


@dataclass(frozen=True)
class Spent:
    """The tokens of one answer the transport gave, and where it came from."""

    usage: Usage
    batch_id: str | None  # None: live


Lookup = Callable[[str], "Stored | None"]
Keep = Callable[[str, dict[str, object]], None]


def key_of(body: bytes) -> str:
    """The key of a request body, as the batch's answers are looked up by."""
    return request_key("POST", ENDPOINT, body)


def _usage(body: object) -> Usage:
    raw = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(raw, dict):
        return Usage()
    return Usage(**{k: int(raw.get(k) or 0) for k in Usage.model_fields})


class AnswerTransport(httpx.AsyncBaseTransport):
    """Chat completions answered by ``lookup``; a miss goes to ``live`` (its good answers
    handed to ``keep`` first, so none is paid for twice), or raises ``NotInBatch``."""

    def __init__(
        self,
        lookup: Lookup,
        live: httpx.AsyncBaseTransport | None = None,
        keep: Keep | None = None,
    ) -> None:
        self.lookup, self.live, self.keep = lookup, live, keep
        self.spent: list[Spent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        key = key_of(body)
        stored = self.lookup(key)
        if stored is None and self.live is None:
            raise NotInBatch(f"no batch has answered request {key}", key=key, body=json.loads(body))
        if stored is None:
            assert self.live is not None
            return await self._ask_live(request, key)
        if stored.status != 200 or stored.body is None:
            raise FailedInBatch(stored.reason or f"HTTP {stored.status}")
        self.spent.append(Spent(_usage(stored.body), stored.batch_id))
        return httpx.Response(200, json=stored.body, request=request)

    async def _ask_live(self, request: httpx.Request, key: str) -> httpx.Response:
        assert self.live is not None
        response = await self.live.handle_async_request(request)
        content = await response.aread()
        if response.status_code == 200:
            try:
                answer = json.loads(content)
            except json.JSONDecodeError:
                answer = None
            if isinstance(answer, dict):
                if self.keep is not None:
                    self.keep(key, answer)
                self.spent.append(Spent(_usage(answer), None))
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    async def aclose(self) -> None:
        if self.live is not None:
            await self.live.aclose()


def _nothing(key: str) -> Stored | None:
    return None


class Asker:
    """One instructor client (``llm.build_async_client``) over an :class:`AnswerTransport`."""

    def __init__(
        self,
        settings: Settings,
        lookup: Lookup = _nothing,
        live: httpx.AsyncBaseTransport | None = None,
        keep: Keep | None = None,
    ) -> None:
        self.settings = settings
        self.transport = AnswerTransport(lookup, live, keep)
        base_url = settings.base_url or "http://batch.invalid/v1"
        self.client = llm.build_async_client(settings, base_url, self.transport, connections=1)

    async def request(self, messages: Messages, article: str) -> tuple[str, dict[str, object]]:
        """The first request a live run sends for ``messages``, and its key; nothing is sent
        (with the default ``lookup``, which answers nothing)."""
        try:
            await llm.aextract(self.client, self.settings, messages, article)
        except NotInBatch as miss:
            return miss.key, miss.body
        raise BatchError("a request was answered that should have been caught")

    async def extract(self, messages: Messages, article: str) -> llm.Completion:
        """``llm.aextract`` with the batch's answers: what ``chunked.aextract`` is handed."""
        before = len(self.transport.spent)
        try:
            return await llm.aextract(self.client, self.settings, messages, article)
        except FailedInBatch as failed:
            usage = Usage()
            for spent in self.transport.spent[before:]:  # answers before the failed re-ask
                usage = usage + spent.usage
            raise BatchRequestError(f"batch request failed: {failed.reason}", usage=usage) from None

    def mark(self) -> int:
        """Where the count stands, for :meth:`begin`."""
        return len(self.transport.spent)

    def begin(self, mark: int | None = None) -> None:
        """Start counting anew: forget every answer given before ``mark`` (all by default)."""
        del self.transport.spent[: len(self.transport.spent) if mark is None else mark]

    def usage(self) -> tuple[Usage, Usage, list[str]]:
        """Since :meth:`begin`: tokens answered by batches, tokens answered live, and the
        batches that answered (in order of first use)."""
        batch, live, ids = Usage(), Usage(), list[str]()
        for spent in self.transport.spent:
            if spent.batch_id is None:
                live = live + spent.usage
            else:
                batch = batch + spent.usage
                if spent.batch_id not in ids:
                    ids.append(spent.batch_id)
        return batch, live, ids

    async def aclose(self) -> None:
        await llm.aclose(self.client)
