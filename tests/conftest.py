"""Shared helpers: a fake OpenAI-compatible endpoint built on httpx.MockTransport."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from meetx.pipeline.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "llamacpp"


def takes_ctrl_c() -> None:
    """``preexec_fn`` of a child that a test stops with SIGINT: a shell starts a background
    job (``make test &``) with SIGINT ignored, its children inherit that, and Python then
    never raises KeyboardInterrupt; the test would see a run that ignores Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def completion(content: str, finish_reason: str = "stop", tokens: int = 10) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": tokens, "completion_tokens": tokens, "total_tokens": 2 * tokens},
    }


Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


class FakeEndpoint:
    """Answers requests with the scripted replies, in order, and keeps what it was sent."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies: Iterator[Reply] = iter(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = next(self.replies)
        return reply(request) if callable(reply) else reply

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def person(name: str | None, role: str | None, country: str) -> dict[str, Any]:
    return {"name": name, "role": role, "country": country}


def bangkok_meeting(
    sentence: int, participants: list[dict[str, Any]], outcomes: list[int]
) -> dict[str, Any]:
    """A draft meeting (as the model writes it) held in Bangkok on Monday, reported in
    sentence number ``sentence``, its outcomes in the sentences numbered ``outcomes``."""
    return {
        "sentence": sentence,
        "participants": participants,
        "status": "held",
        "format": "in_person",
        "date": "on Monday",
        "time": None,
        "duration": None,
        "city": "Bangkok",
        "country": "Thailand",
        "outcomes": outcomes,
    }


def ok(content: str, **kw: Any) -> httpx.Response:
    return httpx.Response(200, json=completion(content, **kw))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        base_url="http://fake.invalid/v1",
        model="test-model",
        output_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        max_transport_retries=2,
        max_reasks=1,
        retry_wait_s=0,
    )
