"""A stand-in for the embedded model's server on a Ray cluster: one fake server per actor.

``backend.open_endpoint`` starts llama.cpp (``model.local_model.serve``) when no endpoint is
configured; the tests must not start the real model, so :func:`open_embedded` does what it
does with the fake OpenAI-compatible server instead: a server process of its own, started by
the actor that opens it, on 127.0.0.1 and a free port, dying with that actor (the kernel's
parent-death signal, as ``local_model`` asks for llama.cpp). Each start writes a line to
``marks/``: the server's pid, the threads and slots the actor was given; each request
updates the peak of requests in flight at that server.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from meetx.pipeline.config import Settings
from meetx.pipeline.model import backend
from tests.conftest import ROOT


def _die_with_parent() -> None:  # in the child, before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.asynccontextmanager
async def open_embedded(marks: Path, settings: Settings) -> AsyncIterator[backend.Endpoint]:
    assert settings.embedded, "the stand-in is for the embedded model only"
    command = [sys.executable, "-m", "tests.faults.fakeserver", "--latency", "0.05"]
    proc = subprocess.Popen(
        [*command, "--max-requests", "2000", "--max-seconds", "300"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        mark = marks / f"{proc.pid}.json"
        seen = {"pid": proc.pid, "actor": os.getpid(), "threads": settings.threads}
        seen |= {"slots": settings.slots, "peak": 0}
        mark.write_text(json.dumps(seen))
        remote = settings.model_copy(update={"base_url": url, "constrain": False})
        async with backend.open_endpoint(remote) as endpoint:
            flying = 0

            async def extract(messages: list[dict[str, str]], text: str) -> object:
                nonlocal flying
                flying += 1
                seen["peak"] = max(seen["peak"], flying)
                mark.write_text(json.dumps(seen))
                try:
                    return await endpoint.extract(messages, text)
                finally:
                    flying -= 1

            yield backend.Endpoint(extract, endpoint.traffic)  # type: ignore[arg-type]
    finally:
        proc.terminate()
        proc.wait(10)
