"""A provider's Batch API through ``openai``: files up, batches created and watched, files down.

OpenAI's Batch API, and the compatible ones of other providers (and vLLM's), take a JSONL file
of requests (one ``{"custom_id", "method", "url", "body"}`` per line) uploaded through the
Files API with ``purpose="batch"``, run it within a completion window (``24h``) at half the
price of live requests, and leave two files: the answers (``output_file_id``) and the errors
(``error_file_id``), one line per request, named by its ``custom_id``. A batch that cannot start
(a malformed file, an unknown model) is ``failed`` with its ``errors``; one that outlasts its
window is ``expired``; one stopped by its owner is ``cancelled``: what ran is in its files, the
rest is in the error file (``batch_expired``, ``batch_cancelled``) or nowhere.

:class:`BatchAPI` is the client (openai's, whose own retries handle 429, 5xx and connection
errors here: these calls are few and idempotent but for :meth:`BatchAPI.create`, which is made
safe by a tag in the batch's ``metadata``: see :meth:`BatchAPI.find`). :func:`request_line`
writes a line of the input file; :func:`parse_result` reads a line of the output or error
file. This module and ``llm`` are the two that import ``openai``; it never imports instructor.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import httpx
import openai

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import BatchError, ConfigError

log = logging.getLogger(__name__)

ENDPOINT: Final = "/v1/chat/completions"  # the path of each request, as the Batch API wants
WINDOW: Final = "24h"  # the only completion window OpenAI offers
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
TAG = "meetx_part"  # the metadata key that names a batch's part of the local manifest


@dataclass(frozen=True)
class BatchState:
    """What the provider says about one batch (the fields meetx reads)."""

    id: str
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: str = ""  # why a batch failed, as the provider said it
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: int = 0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class Result:
    """One line of an output or error file: an answer (``status`` 200 and its ``body``, a
    chat completion) or why there is none (``reason``; ``status`` 0 when it never ran)."""

    custom_id: str
    status: int
    body: dict[str, Any] | None = None
    reason: str | None = None


def request_line(custom_id: str, body: dict[str, Any]) -> bytes:
    """One line of a batch input file: the request ``body`` exactly as a live run sends it."""
    line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _reason(status: int, body: Any, error: Any) -> str:
    """Why a line holds no answer, in the provider's words."""
    for source in (error, body.get("error") if isinstance(body, dict) else None):
        if isinstance(source, dict):
            code, message = source.get("code"), source.get("message") or source.get("type")
            text = ": ".join(str(p) for p in (code, message) if p)
            if text:
                return f"HTTP {status}: {text}" if status else text
        elif isinstance(source, str) and source:
            return f"HTTP {status}: {source}" if status else source
    return f"HTTP {status}" if status else "no response"


def parse_result(line: bytes | str) -> Result | None:
    """A line of an output or error file, or None if it is not one (blank, cut off, no id)."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("custom_id"), str):
        return None
    response = data.get("response") if isinstance(data.get("response"), dict) else None
    status = int(response.get("status_code") or 0) if response else 0
    body = response.get("body") if response else None
    if isinstance(body, str):  # some servers send the body as a JSON string
        with contextlib.suppress(json.JSONDecodeError):
            body = json.loads(body)
    if status == 200 and isinstance(body, dict) and not data.get("error"):
        return Result(data["custom_id"], 200, body)
    return Result(data["custom_id"], status, None, _reason(status, body, data.get("error"))[:500])


def _describe(exc: openai.OpenAIError) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {exc.message}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def _state(batch: Any) -> BatchState:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    said = "; ".join(
        ": ".join(str(p) for p in (getattr(e, "line", None), e.code, e.message) if p)
        for e in errors
    )
    return BatchState(
        id=batch.id,
        status=str(batch.status),
        total=getattr(counts, "total", 0) or 0,
        completed=getattr(counts, "completed", 0) or 0,
        failed=getattr(counts, "failed", 0) or 0,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        errors=said[:2000],
        metadata=dict(batch.metadata or {}),
        created_at=int(batch.created_at or 0),
    )


class BatchAPI:
    """The Files and Batches API of ``settings.base_url``; ``async with BatchAPI(...) as api``.

    Every failure of the provider becomes a :class:`BatchError` naming what was being done
    (never the key). ``transport`` replaces the network (tests).
    """

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        if settings.base_url is None:
            raise ConfigError(
                "meetx batch needs an endpoint with a Batch API: set OPENAI_BASE_URL "
                "(or --base-url); the embedded model has none"
            )
        key = settings.api_key.get_secret_value() if settings.api_key else "no-key"
        http = httpx.AsyncClient(transport=transport, timeout=settings.answer_timeout_s)
        self.client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=key,
            max_retries=settings.max_transport_retries,
            http_client=http,
        )

    async def __aenter__(self) -> BatchAPI:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.client.close()

    async def upload(self, path: Path) -> str:
        """Upload a batch input file; its file id."""
        try:
            uploaded = await self.client.files.create(file=path, purpose="batch")
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot upload {path.name}: {_describe(exc)}") from exc
        except OSError as exc:
            raise BatchError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return uploaded.id

    async def create(self, file_id: str, tag: str) -> BatchState:
        """Start a batch on an uploaded file, tagged so that :meth:`find` can find it again."""
        try:
            batch = await self.client.batches.create(
                input_file_id=file_id,
                endpoint=ENDPOINT,
                completion_window=WINDOW,
                metadata={TAG: tag},
            )
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot create a batch on file {file_id}: {_describe(exc)}") from exc
        return _state(batch)

    async def find(self, tag: str, since: float) -> BatchState | None:
        """The batch tagged ``tag``, created after ``since`` (epoch seconds), if there is one:
        a run killed between creating a batch and noting its id finds it here, and does not
        pay for it twice. The list is newest first: the walk stops at older batches."""
        try:
            async for batch in self.client.batches.list(limit=100):
                if (batch.metadata or {}).get(TAG) == tag:
                    return _state(batch)
                if batch.created_at and batch.created_at < since - 3600:
                    return None
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot list the batches: {_describe(exc)}") from exc
        return None

    async def retrieve(self, batch_id: str) -> BatchState:
        try:
            return _state(await self.client.batches.retrieve(batch_id))
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot read batch {batch_id}: {_describe(exc)}") from exc

    async def cancel(self, batch_id: str) -> BatchState:
        try:
            return _state(await self.client.batches.cancel(batch_id))
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot cancel batch {batch_id}: {_describe(exc)}") from exc

    async def download(self, file_id: str, dest: Path) -> None:
        """Stream a file's content to ``dest`` (whole or not at all: a temporary file first)."""
        tmp = dest.with_name(dest.name + ".part")
        try:
            async with self.client.files.with_streaming_response.content(file_id) as response:
                with tmp.open("wb") as fh:
                    async for chunk in response.iter_bytes():
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, dest)
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot download file {file_id}: {_describe(exc)}") from exc
        except OSError as exc:
            raise BatchError(f"cannot write {dest}: {exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
