"""``meetx batch`` against ``meetx extract``: the local work of a run, same articles, same answers.

    .venv/bin/python bench/batch_api.py                # 1,000 synthetic articles
    .venv/bin/python bench/batch_api.py --articles 200

One fake provider (tests/batchapi/fakebatch.py, its own process, 127.0.0.1) answers live chat
completions at once and finishes each batch at the first look, with the meeting each synthetic
article states. In this process, over the same files:

- ``extract``: ``meetx.pipeline.batch.engine.run`` (8 in flight; no latency, so this is its
  local work: reading, prompts, instructor, rules, grounding, checks, commits);
- ``submit``: ``meetx.pipeline.batch.submit.submit`` (reading, prompts, building each request
  with the live code, writing, uploading);
- ``collect``: ``meetx.pipeline.batch.collect.collect`` (downloading, instructor's validation
  of each answer, rules, grounding, checks, commits).

Printed: wall and CPU seconds of each, articles per second, and the ratio of submit + collect
to extract (the price of building and checking requests without sending them live).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetx.pipeline.batch import collect, engine, submit  # noqa: E402
from meetx.pipeline.batch.sinks import OutputStore  # noqa: E402
from meetx.pipeline.config import Settings  # noqa: E402
from meetx.pipeline.extraction import prompts  # noqa: E402
from meetx.pipeline.model.batch_api import BatchAPI  # noqa: E402
from tests.faults.fakeserver import synthetic_article  # noqa: E402


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``work()`` (CPU: this process, not its stage workers)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="stage worker processes [0]")
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.batchapi.fakebatch", "--max-seconds", "3600"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        run(url, args.articles, args.workers)
    finally:
        server.terminate()
        server.wait(10)


def run(url: str, n: int, workers: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="meetx-bench-batch-"))
    folder = work / "in"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:06}.txt").write_text(synthetic_article(i), encoding="utf-8")

    def settings(out: str) -> Settings:
        return Settings(
            base_url=url,
            model="fake-model",
            constrain=False,
            output_dir=work / out,
            concurrency=8,
            workers=workers,
            use_cache=False,
        )

    prompt = prompts.load(settings("x").prompts_dir)
    live = settings("live")
    batch = settings("batch")

    def extract() -> None:
        summary = engine.run([folder], live, prompt, OutputStore(live.output_dir))
        assert summary.articles == n and summary.failed == 0, summary

    async def send() -> None:
        async with BatchAPI(batch) as api:
            done = await submit.submit([folder], batch, prompt, OutputStore(batch.output_dir), api)
            assert done.articles == n, done

    async def gather() -> None:
        async with BatchAPI(batch) as api:
            done = await collect.collect(batch, prompt, OutputStore(batch.output_dir), api)
            assert done.summary.articles == n and done.summary.failed == 0, done.summary

    rows = [
        ("extract", *timed(extract)),
        ("submit", *timed(lambda: asyncio.run(send()))),
        ("collect", *timed(lambda: asyncio.run(gather()))),
    ]
    print(f"{n} articles, {workers} stage worker(s), {os.cpu_count()} CPU(s)")
    print(f"{'run':<10}{'wall s':>10}{'cpu s':>10}{'articles/s':>12}")
    for name, wall, cpu in rows:
        print(f"{name:<10}{wall:>10.1f}{cpu:>10.1f}{n / wall:>12.1f}")
    live_wall = rows[0][1]
    batch_wall = rows[1][1] + rows[2][1]
    print(f"submit + collect / extract (wall): {batch_wall / live_wall:.2f}")


if __name__ == "__main__":
    main()
