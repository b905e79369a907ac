"""Which endpoint a run talks to, chosen from the settings, as one ``Extractor``.

- ``--replay DIR``: recorded exchanges, no network, no model.
- ``OPENAI_BASE_URL`` set: that endpoint (OpenAI, Ollama, vLLM, a llama.cpp server, ...).
- neither: the embedded model, started on 127.0.0.1 and stopped when the block ends.

``--record DIR`` wraps the real transport and saves every exchange.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial

import httpx

from pipeline import llm, local_model
from pipeline.config import Settings
from pipeline.replay import RecordingTransport, ReplayTransport

Extractor = Callable[[list[dict[str, str]], str], llm.Completion]
REPLAY_URL = "http://replay.invalid/v1"


@contextlib.contextmanager
def open_extractor(settings: Settings) -> Iterator[Extractor]:
    """Yield ``extract(messages, article_text) -> Completion`` for the configured endpoint."""
    with contextlib.ExitStack() as stack:
        transport: httpx.BaseTransport | None = None
        if settings.replay_dir is not None:
            base_url = REPLAY_URL
            transport = ReplayTransport(settings.replay_dir)
        elif settings.base_url is not None:
            base_url = settings.base_url
        else:
            base_url = stack.enter_context(local_model.serve(settings))
        if settings.record_dir is not None:
            transport = RecordingTransport(settings.record_dir)
        client = llm.build_client(settings, base_url, transport)
        yield partial(llm.extract, client, settings)
