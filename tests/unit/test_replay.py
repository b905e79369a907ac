import json
from pathlib import Path

import httpx
import pytest

from meetx.pipeline.errors import ReplayMiss
from meetx.pipeline.model.replay import RecordingTransport, ReplayTransport, request_key
from tests.conftest import completion

BODY = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}


def upstream(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=completion('{"meetings": []}'))


def post(transport: httpx.BaseTransport, body: dict, key: str = "sk-secret-123") -> httpx.Response:
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:9/v1") as client:
        return client.post(
            "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
        )


def test_record_then_replay(tmp_path: Path):
    recorded = post(RecordingTransport(tmp_path, httpx.MockTransport(upstream)), BODY)
    replayed = post(ReplayTransport(tmp_path), BODY)
    assert replayed.status_code == 200
    assert replayed.json() == recorded.json()


def test_fixture_holds_no_secret_and_no_host(tmp_path: Path):
    post(RecordingTransport(tmp_path, httpx.MockTransport(upstream)), BODY, key="sk-secret-123")
    (fixture,) = tmp_path.iterdir()
    text = fixture.read_text()
    assert "sk-secret-123" not in text and "Authorization" not in text.title()
    assert "127.0.0.1" not in text
    assert json.loads(text)["request"]["path"] == "/v1/chat/completions"


def test_key_ignores_key_order_and_host_but_not_content():
    a = request_key("POST", "/v1/chat/completions", json.dumps({"a": 1, "b": 2}).encode())
    b = request_key("POST", "/v1/chat/completions", json.dumps({"b": 2, "a": 1}).encode())
    c = request_key("POST", "/v1/chat/completions", json.dumps({"a": 1, "b": 3}).encode())
    assert a == b != c


def test_miss_names_the_request(tmp_path: Path):
    with pytest.raises(ReplayMiss, match=r"POST /v1/chat/completions .*'hello'"):
        post(ReplayTransport(tmp_path), BODY)


def test_missing_directory(tmp_path: Path):
    with pytest.raises(ReplayMiss, match="no fixtures directory"):
        ReplayTransport(tmp_path / "nope")
