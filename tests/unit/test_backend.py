"""The embedded server's transport: a request that fails because the server died says so."""

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ModelSetupError, TransportError
from meetx.pipeline.model import backend, llm, local_model
from tests.conftest import FakeEndpoint

MESSAGES = [{"role": "user", "content": "Ann Lee met Somchai Wong."}]


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("Connect call failed", request=request)


def server(tmp_path: Path, code: str) -> local_model.Server:
    proc = subprocess.Popen([sys.executable, "-c", code])
    if "sleep" not in code:
        proc.wait(timeout=30)
    return local_model.Server("http://127.0.0.1:1/v1", proc, tmp_path / "server.log")


def extract(settings, transport: httpx.AsyncBaseTransport) -> llm.Completion:
    async def go() -> llm.Completion:
        client = llm.build_async_client(settings, "http://127.0.0.1:1/v1", transport)
        try:
            return await llm.aextract(client, settings, MESSAGES, MESSAGES[0]["content"])
        finally:
            await llm.aclose(client)

    return asyncio.run(go())


def test_a_dead_server_stops_the_run_at_once_with_its_reason(settings, tmp_path: Path):
    endpoint = FakeEndpoint([refuse] * 5)
    dead = server(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    with pytest.raises(ModelSetupError, match="server died \\(signal SIGILL\\)"):
        extract(settings, backend._Watched(endpoint.transport, dead))
    assert len(endpoint.requests) == 1  # not retried: retrying cannot revive it


def test_a_live_server_that_refuses_is_retried_as_a_transport_error(settings, tmp_path: Path):
    endpoint = FakeEndpoint([refuse] * 3)
    alive = server(tmp_path, "import time; time.sleep(60)")
    try:
        with pytest.raises(TransportError, match="after 3 attempts"):
            extract(
                settings.model_copy(update={"retry_wait_s": 0}),
                backend._Watched(endpoint.transport, alive),
            )
    finally:
        alive.proc.kill()
        alive.proc.wait()
    assert len(endpoint.requests) == 3


def network_error(fault: str, port: int | None = None) -> httpx.TransportError:
    """What the network transport raises for one request to the fake server with ``fault``."""
    from tests.faults.fakeserver import FakeServer, Faults

    async def go(url: str) -> None:
        transport = backend._Aiohttp()
        try:
            request = httpx.Request("POST", url, json={"messages": [{"content": "x"}]})
            await transport.handle_async_request(request)
        finally:
            await transport.aclose()

    with FakeServer(Faults(**{fault: 1.0}), max_seconds=30) as server:
        url = f"http://127.0.0.1:{port or server.port}/v1/chat/completions"
        try:
            asyncio.run(go(url))
        except httpx.TransportError as exc:
            return exc
    raise AssertionError("no error")


@pytest.mark.parametrize("fault", ["reset", "disconnect"])
def test_a_reset_is_a_read_error_not_a_timeout(fault):
    """httpx-aiohttp calls every connection error ConnectTimeout: a reset was logged as a
    timeout, and on the embedded model (whose timeouts are final) never retried."""
    error = network_error(fault)
    assert isinstance(error, httpx.ReadError) and not isinstance(error, httpx.TimeoutException)
    assert llm._worth_retrying(Settings())(_as_openai(error))


def test_a_refused_connection_is_a_connect_error():
    import socket

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    error = network_error("reset", port=port)
    assert isinstance(error, httpx.ConnectError)


def _as_openai(error: httpx.TransportError) -> BaseException:
    import openai

    request = httpx.Request("POST", "http://127.0.0.1/v1")
    wrapped = openai.APIConnectionError(request=request)
    wrapped.__cause__ = error
    return wrapped
