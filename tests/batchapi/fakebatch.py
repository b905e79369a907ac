"""A fake provider with a Batch API, for ``meetx batch``: Files, Batches, contents, live chat.

It listens on 127.0.0.1 only and stops by itself after ``max_requests`` HTTP requests or
``max_seconds`` seconds. It speaks what OpenAI's Batch API speaks, as far as meetx uses it:

- ``POST /v1/files`` (multipart, ``purpose=batch``), ``GET /v1/files/{id}``,
  ``GET /v1/files/{id}/content``;
- ``POST /v1/batches``, ``GET /v1/batches/{id}``, ``GET /v1/batches`` (newest first, with
  ``after`` and ``limit``), ``POST /v1/batches/{id}/cancel``;
- ``POST /v1/chat/completions``, for live follow-ups.

A batch is ``validating`` when created, ``in_progress`` for ``plan.polls`` looks, then
finishes as the :class:`Plan` says: each request answered by ``plan.answer`` (by default the
recorded live answer of ``tests/fixtures/llamacpp`` for that exact request, else the meeting
of a synthetic article, as ``tests.faults.fakeserver`` answers it), or with the error of
``plan.error``, or left unrun (``plan.unrun``: the batch then ``expired``, the unrun requests
in the error file as ``batch_expired``); or the whole batch ``failed`` (``plan.fail``). Like a
provider, it fails a batch whose file is over its limits (``max_lines``, ``max_bytes``), has
a line that is not a chat completion request, or repeats a ``custom_id``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from meetx.pipeline.model.replay import request_key
from tests.faults.fakeserver import _answer_for, _completion

Body = dict[str, Any]


def recorded(directory: Path) -> Callable[[Body], Body | None]:
    """The live answer recorded for exactly this request, if there is one."""

    def answer(body: Body) -> Body | None:
        key = request_key("POST", "/v1/chat/completions", json.dumps(body).encode())
        path = directory / f"{key}.json"
        if not path.exists():
            return None
        found: Body = json.loads(path.read_text("utf-8"))["response"]["body"]
        return found

    return answer


def synthetic(body: Body) -> Body:
    """What a good model answers for a synthetic article (``fakeserver.synthetic_article``)."""
    answer: Body = _completion(json.dumps(_answer_for(body.get("messages", []))))
    return answer


def default_answer(directory: Path | None) -> Callable[[Body], Body]:
    replayed = recorded(directory) if directory is not None else (lambda body: None)

    def answer(body: Body) -> Body:
        return replayed(body) or synthetic(body)

    return answer


@dataclass
class Plan:
    """How the fake provider runs each batch (``custom_id`` and request body in, fate out)."""

    answer: Callable[[Body], Body] = field(default_factory=lambda: default_answer(None))
    error: Callable[[str, Body], tuple[int, str] | None] = lambda cid, body: None
    unrun: Callable[[str, Body], bool] = lambda cid, body: False
    fail: Callable[[int], str | None] = lambda n: None  # the n-th batch (0-based) fails
    polls: int = 1  # looks that see a batch in progress before it finishes
    drop_unrun: bool = False  # leave unrun requests out of the error file (some servers do)


class FakeBatchServer:
    """``with FakeBatchServer(plan) as server:``; ``server.url`` ends in ``/v1``."""

    def __init__(
        self,
        plan: Plan | None = None,
        *,
        max_requests: int = 2_000,
        max_seconds: float = 120.0,
        max_lines: int = 50_000,
        max_bytes: int = 200_000_000,
    ) -> None:
        self.plan = plan or Plan()
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.files: dict[str, tuple[str, bytes]] = {}  # id -> (name, content)
        self.batches: dict[str, Body] = {}
        self.inputs: dict[str, list[Body]] = {}  # batch id -> its input lines
        self.chat: list[Body] = []  # live requests' bodies
        self.requests = 0
        self._looks: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04}"

    # ------------------------------------------------------------ files
    def _file(self, content: bytes, name: str) -> Body:
        file_id = self._id("file")
        self.files[file_id] = (name, content)
        return self._file_object(file_id)

    def _file_object(self, file_id: str) -> Body:
        name, content = self.files[file_id]
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": "batch",
            "status": "processed",
        }

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if form.get("purpose") != "batch" or not isinstance(upload, web.FileField):
            return web.json_response({"error": {"message": "purpose=batch and a file"}}, status=400)
        return web.json_response(self._file(upload.file.read(), upload.filename))

    async def _get_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["id"]
        if file_id not in self.files:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.json_response(self._file_object(file_id))

    async def _content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["id"]
        if file_id not in self.files:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    # ------------------------------------------------------------ batches
    def _problem(self, content: bytes, lines: list[Body]) -> str | None:
        """Why a provider would refuse this input file, if it would."""
        if len(lines) > self.max_lines or len(content) > self.max_bytes:
            return f"{len(lines)} requests, {len(content)} bytes: over the limits"
        ids = [line.get("custom_id") for line in lines]
        if len(set(ids)) != len(ids):
            return "duplicate custom_id"
        for line in lines:
            if line.get("method") != "POST" or line.get("url") != "/v1/chat/completions":
                return "not a chat completion request"
        return None

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        file_id = body.get("input_file_id")
        if file_id not in self.files or body.get("completion_window") != "24h":
            return web.json_response({"error": {"message": "bad batch request"}}, status=400)
        content = self.files[file_id][1]
        lines = [json.loads(line) for line in content.splitlines() if line.strip()]
        batch_id = self._id("batch")
        self.inputs[batch_id] = lines
        problem = self._problem(content, lines) or self.plan.fail(len(self.batches))
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": file_id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(time.time()),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": body.get("metadata") or {},
            "_problem": problem,
        }
        self._looks[batch_id] = 0
        return web.json_response(self._public(batch_id))

    def _public(self, batch_id: str) -> Body:
        return {k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}

    def _finish(self, batch_id: str, cancelled: bool = False) -> None:
        batch = self.batches[batch_id]
        if batch["_problem"]:
            problem = {"code": "invalid_request", "message": batch["_problem"], "line": None}
            batch.update(status="failed", errors={"object": "list", "data": [problem]})
            batch["request_counts"] = {"total": 0, "completed": 0, "failed": 0}
            return
        out, errors, unrun = [], [], 0
        for line in self.inputs[batch_id]:
            cid, body = line["custom_id"], line["body"]
            if cancelled or self.plan.unrun(cid, body):
                unrun += 1
                if not self.plan.drop_unrun:
                    code = "batch_cancelled" if cancelled else "batch_expired"
                    message = "This request could not be executed before the window expired."
                    errors.append(
                        {
                            "custom_id": cid,
                            "response": None,
                            "error": {"code": code, "message": message},
                        }
                    )
                continue
            failure = self.plan.error(cid, body)
            if failure is not None:
                status, message = failure
                error_body = {"error": {"message": message, "type": "invalid_request_error"}}
                response = {
                    "status_code": status,
                    "request_id": self._id("req"),
                    "body": error_body,
                }
                errors.append(
                    {"id": self._id("br"), "custom_id": cid, "response": response, "error": None}
                )
                continue
            response = {
                "status_code": 200,
                "request_id": self._id("req"),
                "body": self.plan.answer(body),
            }
            out.append(
                {"id": self._id("br"), "custom_id": cid, "response": response, "error": None}
            )
        status = "cancelled" if cancelled else "expired" if unrun else "completed"
        counts = {"total": len(self.inputs[batch_id]), "completed": len(out), "failed": len(errors)}
        batch.update(status=status, request_counts=counts)
        for name, lines in (("output_file_id", out), ("error_file_id", errors)):
            if lines:
                content = "".join(json.dumps(line) + "\n" for line in lines).encode()
                batch[name] = self._file(content, f"{batch_id}_{name}.jsonl")["id"]

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["id"]
        if batch_id not in self.batches:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        batch = self.batches[batch_id]
        if batch["status"] in ("validating", "in_progress"):
            self._looks[batch_id] += 1
            if self._looks[batch_id] > self.plan.polls:
                self._finish(batch_id)
            else:
                batch["status"] = "in_progress"
        return web.json_response(self._public(batch_id))

    async def _cancel(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["id"]
        if self.batches[batch_id]["status"] in ("validating", "in_progress"):
            self._finish(batch_id, cancelled=True)
        return web.json_response(self._public(batch_id))

    async def _list(self, request: web.Request) -> web.Response:
        ids = list(reversed(self.batches))
        after = request.query.get("after")
        if after in ids:
            ids = ids[ids.index(after) + 1 :]
        limit = int(request.query.get("limit", "20"))
        page = [self._public(i) for i in ids[:limit]]
        return web.json_response(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ids) > limit,
            }
        )

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.chat.append(body)
        return web.json_response(self.plan.answer(body))

    # ------------------------------------------------------------ the server
    @web.middleware
    async def _budget(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests += 1
        if self.requests > self.max_requests:
            assert self._stop is not None
            self._stop.set()
            return web.json_response({"error": {"message": "request budget spent"}}, status=503)
        response: web.StreamResponse = await handler(request)
        return response

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=256 * 1024**2, middlewares=[self._budget])
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{id}", self._get_file)
        app.router.add_get("/v1/files/{id}/content", self._content)
        app.router.add_post("/v1/batches", self._create)
        app.router.add_get("/v1/batches", self._list)
        app.router.add_get("/v1/batches/{id}", self._retrieve)
        app.router.add_post("/v1/batches/{id}/cancel", self._cancel)
        app.router.add_post("/v1/chat/completions", self._chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), self.max_seconds)
        except TimeoutError:
            pass
        finally:
            await runner.cleanup()

    def start(self) -> FakeBatchServer:
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake batch server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeBatchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Run alone (the benchmark does): prints its URL on the first line of stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args()
    server = FakeBatchServer(
        Plan(polls=0), max_requests=args.max_requests, max_seconds=args.max_seconds
    )
    server.start()
    print(server.url, flush=True)
    assert server._thread is not None
    server._thread.join(args.max_seconds + 5)


if __name__ == "__main__":
    main()
