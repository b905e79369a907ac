"""Settings, read once at the edge (the CLI) into a frozen object that is passed down.

No other module reads the environment. ``Settings.from_env(os.environ, **flags)`` is the only
way in; flags given on the command line win over the environment.

Environment variables:

============================  ==================================================================
``OPENAI_BASE_URL``           an OpenAI-compatible endpoint; unset means the embedded model
``OPENAI_API_KEY``            its key (never logged, never written to a fixture)
``MEETX_MODEL``               model name sent to the endpoint
``MEETX_CONSTRAIN``           1/0: send the JSON schema in ``response_format`` (llama.cpp grammar);
                              on by default for the embedded model, off for other endpoints
``MEETX_OUTPUT_DIR``          where ``meetings.jsonl`` and ``review.jsonl`` go (``output``)
``MEETX_CACHE_DIR``           where the embedded weights are assembled (``~/.cache/meetx``)
``MEETX_THREADS``             CPU threads for the embedded model (all cores)
``MEETX_SERVER_ARGS``         more flags for the embedded llama.cpp server, shell-quoted, e.g.
                              ``--flash_attn true`` (none; ``bench/server_settings.py``
                              measures them; host, port and model are meetx's to set)
``MEETX_CONCURRENCY``         articles in flight at once (1 for the embedded model, else 8)
``MEETX_WORKERS``             processes for the CPU-bound stages (0 for the embedded model,
                              else one per core but one, 1 to 4)
``MEETX_RPM``                 at most this many requests per minute (no limit)
``MEETX_TPM``                 at most this many tokens per minute, estimated before sending
``MEETX_RESPONSE_CACHE``      the SQLite file of answers already paid for
                              (``<output>/cache.sqlite``)
``MEETX_PRICE_IN``            USD per million prompt tokens, for the cost in the summary (0)
``MEETX_PRICE_OUT``           USD per million completion tokens (0)
``MEETX_BATCH_PRICE_IN``      USD per million prompt tokens answered by a provider's batch
                              (``meetx batch``; half of ``MEETX_PRICE_IN``, as OpenAI charges)
``MEETX_BATCH_PRICE_OUT``     USD per million completion tokens of a batch (half the live price)
``MEETX_BATCH_MAX_REQUESTS``  requests per provider batch (50,000: OpenAI's limit)
``MEETX_BATCH_MAX_BYTES``     bytes per batch input file (200,000,000: OpenAI's 200 MB)
``MEETX_RETRY_WAIT_S``        the first backoff after a transport error, doubling per retry (1)
``MEETX_TIMEOUT_S``           seconds one request may take, answer read to the end (600 for
                              the embedded model, 300 for an endpoint on this machine, 120
                              for any other: see :attr:`Settings.answer_timeout_s`)
``MEETX_STALL_WARNING_S``     a run that commits nothing for this long says what it waits for
                              (60)
``MEETX_RULES_OFF``           rules to leave out, comma-separated (``meetx rules`` lists them;
                              none)
``MEETX_RAY``                 run on a Ray cluster: ``local`` (start one on this machine for the
                              run), ``auto`` (the one running here) or its ``HOST:PORT`` (unset:
                              the local engine)
``MEETX_RAY_ACTORS``          model actors on the cluster (automatic: half the cluster's CPUs
                              for an endpoint; for the embedded model, as many as CPUs allow)
``MEETX_RAY_ACTOR_CPUS``      CPUs each model actor reserves (1 for an endpoint; for the
                              embedded model, a node's CPUs but one: one server per node)
============================  ==================================================================
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from meetx.pipeline.errors import ConfigError

EMBEDDED_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def _packaged_prompts() -> Path:
    """The prompt files shipped with meetx (package ``meetx.prompts``), wherever it is
    installed: the checkout's ``prompts/`` in an editable install, site-packages otherwise."""
    found = importlib.resources.files("meetx.prompts")
    if not isinstance(found, Path):  # installed in a zip file: not supported
        raise ConfigError(f"the prompt files are not in a folder: {found}")
    return found


PROMPTS_DIR = _packaged_prompts()


def _default_cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "meetx"


_NUMBERS = {
    "MEETX_CONCURRENCY": "concurrency",
    "MEETX_WORKERS": "workers",
    "MEETX_RPM": "requests_per_minute",
    "MEETX_TPM": "tokens_per_minute",
    "MEETX_PRICE_IN": "price_in_per_mtok",
    "MEETX_PRICE_OUT": "price_out_per_mtok",
    "MEETX_RETRY_WAIT_S": "retry_wait_s",
    "MEETX_TIMEOUT_S": "timeout_s",
    "MEETX_STALL_WARNING_S": "stall_warning_s",
    "MEETX_BATCH_PRICE_IN": "batch_price_in_per_mtok",
    "MEETX_BATCH_PRICE_OUT": "batch_price_out_per_mtok",
    "MEETX_BATCH_MAX_REQUESTS": "batch_max_requests",
    "MEETX_BATCH_MAX_BYTES": "batch_max_bytes",
    "MEETX_RAY_ACTORS": "ray_actors",
    "MEETX_RAY_ACTOR_CPUS": "ray_actor_cpus",
}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"expected 1/0, true/false or yes/no, got {value!r}")


def _given(value: float | None, default: float) -> float:
    return default if value is None else value


# flags of the embedded server that meetx sets itself (loopback only, its port and weights)
RESERVED_SERVER_FLAGS = frozenset({"--host", "--port", "--model", "--model_alias"})


class Settings(BaseModel):
    """Everything a run needs to know, fixed for the whole run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = Field(default=None, description="None: start the embedded model")
    api_key: SecretStr | None = None
    model: str = EMBEDDED_MODEL
    constrain: bool = True
    output_dir: Path = Path("output")
    cache_dir: Path = Path("~/.cache/meetx").expanduser()
    prompts_dir: Path = PROMPTS_DIR
    prompt_version: str | None = Field(default=None, description="None: the newest")
    max_reasks: int = Field(default=1, ge=0, le=5)
    max_transport_retries: int = Field(default=4, ge=0, le=20)
    retry_wait_s: float = Field(default=1.0, ge=0, description="first backoff; doubles per retry")
    timeout_s: float | None = Field(
        default=None, gt=0, description="None: the backend's default (answer_timeout_s)"
    )
    stall_warning_s: float = Field(
        default=60.0, gt=0, description="warn when no article was committed for this long"
    )
    max_tokens: int = Field(default=1536, ge=64)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    threads: int = Field(default=max(os.cpu_count() or 1, 1), ge=1)
    context_tokens: int = Field(default=8192, ge=2048)
    server_args: tuple[str, ...] = Field(
        default=(), description="more flags for the embedded llama.cpp server"
    )
    chunk_chars: int = Field(
        default=9000, ge=1000, description="longer (cleaned) articles are extracted in pieces"
    )
    server_start_timeout_s: float = Field(default=300.0, gt=0)
    record_dir: Path | None = None
    replay_dir: Path | None = None
    concurrency: int | None = Field(
        default=None, ge=1, le=1024, description="None: 1 for the embedded model, else 8"
    )
    workers: int | None = Field(
        default=None, ge=0, le=64, description="processes for the CPU-bound stages; 0: none"
    )
    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(default=None, gt=0)
    use_cache: bool = True
    response_cache: Path | None = Field(default=None, description="None: <output>/cache.sqlite")
    max_article_bytes: int = Field(default=2_000_000, ge=1)
    price_in_per_mtok: float = Field(default=0.0, ge=0, description="USD per 1M prompt tokens")
    price_out_per_mtok: float = Field(default=0.0, ge=0, description="USD per 1M output tokens")
    batch_price_in_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per 1M prompt tokens of a batch; None: half live"
    )
    batch_price_out_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per 1M output tokens of a batch; None: half live"
    )
    batch_max_requests: int = Field(default=50_000, ge=1, description="requests per batch")
    batch_max_bytes: int = Field(default=200_000_000, ge=1024, description="bytes per batch file")
    ray_address: str | None = Field(default=None, description="None: the local engine")
    ray_actors: int | None = Field(default=None, ge=1, le=10_000, description="None: automatic")
    ray_actor_cpus: float | None = Field(default=None, gt=0, description="None: automatic")
    rules_off: tuple[str, ...] = Field(
        default=(), description="rules left out (``meetx rules`` lists them)"
    )

    @field_validator("server_args")
    @classmethod
    def _not_meetx_flags(cls, args: tuple[str, ...]) -> tuple[str, ...]:
        """The server listens on 127.0.0.1 with meetx's model and port, whatever is added."""
        for arg in args:
            if arg.split("=", 1)[0] in RESERVED_SERVER_FLAGS:
                raise ValueError(f"{arg.split('=', 1)[0]} is set by meetx, not MEETX_SERVER_ARGS")
        return args

    @property
    def embedded(self) -> bool:
        """True when meetx starts its own llama.cpp server."""
        return self.base_url is None and self.replay_dir is None

    @property
    def answer_timeout_s(self) -> float:
        """Seconds one request may take, from sending it to the last byte of its answer.

        The longest answer allowed (``max_tokens``, 1,536) after a prompt of about 3,000
        tokens takes the embedded model on 2 CPU cores about 5 minutes (35-70 prompt tokens/s,
        8 answer tokens/s), so 600 s. A server on this machine (``localhost``, ``127.*``,
        ``::1``: Ollama, llama.cpp, vLLM) may be as slow on a CPU, or fast on a GPU: 300 s.
        A hosted endpoint writes 30 tokens/s or more, 50 s for the longest answer: 120 s,
        so that a request lost on the way holds its slot for two minutes, not ten.
        """
        if self.timeout_s is not None:
            return self.timeout_s
        if self.embedded:
            return 600.0
        host = urlsplit(self.base_url).hostname if self.base_url else None
        if host is not None and _loopback(host):
            return 300.0
        return 120.0

    @property
    def slots(self) -> int:
        """Articles in flight at once: one for the embedded model (it has one CPU), else 8."""
        if self.concurrency is not None:
            return self.concurrency
        return 1 if self.embedded else 8

    @property
    def stage_workers(self) -> int:
        """Processes for parsing, rendering and checking: none for the embedded model (one
        article at a time), else one per core but one, up to 4."""
        if self.workers is not None:
            return self.workers
        if self.embedded or self.replay_dir is not None:
            return 0
        return min(max(self.threads - 1, 1), 4)  # one core stays with the event loop

    def batch_pricing(self) -> Settings:
        """These settings with the batch prices as the prices (``runner.cost`` reads those)."""
        half_in, half_out = self.price_in_per_mtok / 2, self.price_out_per_mtok / 2
        return self.model_copy(
            update={
                "price_in_per_mtok": _given(self.batch_price_in_per_mtok, half_in),
                "price_out_per_mtok": _given(self.batch_price_out_per_mtok, half_out),
            }
        )

    @property
    def cache_path(self) -> Path | None:
        """The response cache, or None when off (and when replaying or recording exchanges)."""
        if not self.use_cache or self.replay_dir is not None or self.record_dir is not None:
            return None
        return self.response_cache or self.output_dir / "cache.sqlite"

    @classmethod
    def from_env(cls, env: Mapping[str, str], **flags: Any) -> Settings:
        """Build settings from an environment mapping; non-None ``flags`` win."""
        values: dict[str, Any] = {"cache_dir": _default_cache_dir(env)}
        if env.get("OPENAI_BASE_URL"):
            values["base_url"] = env["OPENAI_BASE_URL"]
        if env.get("OPENAI_API_KEY"):
            values["api_key"] = SecretStr(env["OPENAI_API_KEY"])
        if env.get("MEETX_MODEL"):
            values["model"] = env["MEETX_MODEL"]
        if env.get("MEETX_OUTPUT_DIR"):
            values["output_dir"] = Path(env["MEETX_OUTPUT_DIR"])
        if env.get("MEETX_CACHE_DIR"):
            values["cache_dir"] = Path(env["MEETX_CACHE_DIR"])
        if env.get("MEETX_THREADS"):
            values["threads"] = env["MEETX_THREADS"]
        for name, field in _NUMBERS.items():
            if env.get(name):
                values[field] = env[name]
        if env.get("MEETX_SERVER_ARGS"):
            values["server_args"] = tuple(shlex.split(env["MEETX_SERVER_ARGS"]))
        if env.get("MEETX_RAY"):
            values["ray_address"] = env["MEETX_RAY"]
        if env.get("MEETX_RULES_OFF"):
            values["rules_off"] = tuple(
                name.strip() for name in env["MEETX_RULES_OFF"].split(",") if name.strip()
            )
        if env.get("MEETX_RESPONSE_CACHE"):
            values["response_cache"] = Path(env["MEETX_RESPONSE_CACHE"])
        values.update({k: v for k, v in flags.items() if v is not None})
        if "constrain" not in values:
            values["constrain"] = (
                _flag(env["MEETX_CONSTRAIN"])
                if "MEETX_CONSTRAIN" in env
                else values.get("base_url") is None
            )
        if values.get("record_dir") and values.get("replay_dir"):
            raise ConfigError("--record and --replay exclude each other")
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(str(exc)) from exc
