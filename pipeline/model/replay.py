"""Record and replay HTTP exchanges at the transport level, for offline tests.

Both are ``httpx`` transports, sync and async, injected into the OpenAI client (see
``pipeline.model.backend``):

- :class:`RecordingTransport` forwards each request to the real transport and saves the pair
  as ``<dir>/<key>.json`` (a request already recorded there is answered from its file).
  Only the method, path and JSON body of the request are saved, never
  a header, so no API key can land in a fixture.
- :class:`ReplayTransport` answers from those files and raises :class:`ReplayMiss`, naming the
  request, for anything never recorded.

The key is a hash of the method, the URL path and the canonical JSON body, so a changed prompt,
schema or setting is a miss, not a silently stale answer.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx

from meetx.pipeline.errors import ReplayMiss


def request_key(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, ensure_ascii=False)
    except json.JSONDecodeError:
        canonical = body.decode("utf-8", "replace")
    digest = hashlib.sha256(f"{method} {path}\n{canonical}".encode())
    return digest.hexdigest()[:24]


def _describe(request: httpx.Request) -> str:
    summary = f"{request.method} {request.url.path}"
    try:
        messages = json.loads(request.content).get("messages", [])
        last = str(messages[-1].get("content", ""))[:120].replace("\n", " ")
        summary += f" (last message: {last!r})"
    except (ValueError, AttributeError, IndexError, TypeError):
        pass
    return summary


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(
        self,
        directory: Path,
        inner: httpx.BaseTransport | None = None,
        async_inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.directory = directory
        self.inner = inner or httpx.HTTPTransport()
        self.async_inner = async_inner or httpx.AsyncHTTPTransport()
        directory.mkdir(parents=True, exist_ok=True)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if self._recorded(request, body):
            return _replayed(self._path(request, body), request)
        response = self.inner.handle_request(request)
        return self._save(request, body, response, response.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self._recorded(request, body):
            return _replayed(self._path(request, body), request)
        response = await self.async_inner.handle_async_request(request)
        return self._save(request, body, response, await response.aread())

    def _path(self, request: httpx.Request, body: bytes) -> Path:
        return self.directory / f"{request_key(request.method, request.url.path, body)}.json"

    def _recorded(self, request: httpx.Request, body: bytes) -> bool:
        """An exchange recorded before (a run cut short, then started again) is answered
        from its file: only what changed is asked again."""
        return self._path(request, body).exists()

    def _save(
        self, request: httpx.Request, body: bytes, response: httpx.Response, content: bytes
    ) -> httpx.Response:
        key = request_key(request.method, request.url.path, body)
        try:
            response_body: Any = json.loads(content)
        except json.JSONDecodeError:
            response_body = content.decode("utf-8", "replace")
        exchange = {
            "request": {
                "method": request.method,
                "path": request.url.path,
                "body": json.loads(body) if body else None,
            },
            "response": {
                "status": response.status_code,
                "content_type": response.headers.get("content-type", "application/json"),
                "body": response_body,
            },
        }
        path = self.directory / f"{key}.json"
        path.write_text(json.dumps(exchange, indent=1, ensure_ascii=False) + "\n", "utf-8")
        return httpx.Response(
            response.status_code,
            headers={"content-type": exchange["response"]["content_type"]},
            content=content,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.async_inner.aclose()


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ReplayMiss(f"no fixtures directory {directory}")
        self.directory = directory

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.handle_request(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request.method, request.url.path, request.read())
        path = self.directory / f"{key}.json"
        if not path.exists():
            raise ReplayMiss(
                f"no recorded exchange {key} in {self.directory} for {_describe(request)}; "
                "re-record the fixtures if the prompt, schema or settings changed"
            )
        return _replayed(path, request)


def _replayed(path: Path, request: httpx.Request) -> httpx.Response:
    response = json.loads(path.read_text("utf-8"))["response"]
    body = response["body"]
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return httpx.Response(
        response["status"],
        headers={"content-type": response["content_type"]},
        content=content,
        request=request,
    )
