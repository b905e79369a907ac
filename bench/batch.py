"""Batch benchmark: meetx's engine against a hand-written loop and LangExtract, same server.

    .venv/bin/python bench/batch.py            # 2,000 articles, 200 ms, concurrency 32
    .venv/bin/python bench/batch.py --quick    # 200 articles, no 20,000-article memory run

One fake OpenAI-compatible server (tests/faults/fakeserver.py, its own process, 127.0.0.1)
answers every request after ``--latency`` seconds with the meeting each synthetic article
states. Each contestant runs in its own process over the same files:

- ``meetx``: ``meetx.pipeline.batch.engine.run`` at ``--concurrency`` (everything: stages,
  cache, commits);
- ``meetx-inline``: the same with the CPU-bound stages in the event loop's process;
- ``sequential``: what a user writes by hand, one ``instructor`` call after another;
- ``langextract``: ``lx.extract`` with the OpenAI provider pointed at the same server,
  ``max_workers`` = ``--concurrency``, one chunk per article.

Printed per contestant: wall time, the ratio to the ideal (articles / concurrency x latency;
for the sequential loop, articles x latency), requests per second as the server counted them,
CPU seconds used, and peak memory (RSS); then meetx's peak memory at 2,000 and 20,000 articles.
Needs ``pip install -e '.[bench]'`` for LangExtract (it is skipped, with a note, without it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.fakeserver import synthetic_article  # noqa: E402

SYSTEM = (
    "Extract the diplomatic meetings reported in the article: participants, date, place, "
    "format, status and the outcomes agreed. Answer in JSON."
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ contestants (child side)
def run_meetx(
    url: str, folder: Path, concurrency: int, work: Path, workers: int | None = None
) -> int:
    from meetx.pipeline.batch import engine
    from meetx.pipeline.batch.sinks import OutputStore
    from meetx.pipeline.config import Settings
    from meetx.pipeline.extraction import prompts

    settings = Settings.from_env(  # MEETX_WORKERS and the like apply; these flags win
        os.environ,
        base_url=url,
        model="bench-model",
        constrain=False,
        output_dir=work / "out",
        concurrency=concurrency,
        retry_wait_s=0.2,
        workers=workers,
    )
    prompt = prompts.load(settings.prompts_dir)
    summary = engine.run([folder], settings, prompt, OutputStore(settings.output_dir))
    return summary.meetings


def run_sequential(url: str, folder: Path, concurrency: int, work: Path) -> int:
    import instructor
    import openai

    from meetx.schemas.draft import ArticleDraft

    client = instructor.from_openai(
        openai.OpenAI(base_url=url, api_key="bench"), mode=instructor.Mode.JSON
    )
    found = 0
    with (work / "sequential.jsonl").open("w") as out:
        for path in sorted(folder.iterdir()):
            draft = client.chat.completions.create(
                model="bench-model",
                response_model=ArticleDraft,
                messages=[
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": path.read_text()},
                ],
            )
            out.write(draft.model_dump_json() + "\n")
            found += len(draft.meetings)
    return found


def run_langextract(url: str, folder: Path, concurrency: int, work: Path) -> int:
    import langextract as lx

    example = lx.data.ExampleData(
        text=(
            "Erik Lund, the foreign minister of Norway, met Kadri Tamm, the foreign minister "
            "of Estonia, in Oslo on Tuesday. The two ministers agreed to build a power cable."
        ),
        extractions=[
            lx.data.Extraction(
                extraction_class="meeting",
                extraction_text=(
                    "Erik Lund, the foreign minister of Norway, met Kadri Tamm, the foreign "
                    "minister of Estonia, in Oslo on Tuesday"
                ),
                attributes={"participants": "Erik Lund; Kadri Tamm", "date": "on Tuesday"},
            )
        ],
    )
    documents = [
        lx.data.Document(text=p.read_text(), document_id=p.name) for p in sorted(folder.iterdir())
    ]
    config = lx.factory.ModelConfig(
        model_id="bench-model",
        provider="openai",
        provider_kwargs={
            "api_key": "bench",
            "base_url": url,
            "temperature": 0,
            "max_workers": concurrency,
        },
    )
    results = lx.extract(
        text_or_documents=documents,
        prompt_description=SYSTEM,
        examples=[example],
        config=config,
        use_schema_constraints=False,
        max_workers=concurrency,
        batch_length=concurrency,
        max_char_buffer=10_000,  # one chunk per article
        show_progress=False,
    )
    docs = results if isinstance(results, list) else [results]
    return sum(len(d.extractions or []) for d in docs)


def run_meetx_inline(url: str, folder: Path, concurrency: int, work: Path) -> int:
    """meetx with the stages in the event loop's process (MEETX_WORKERS=0)."""
    return run_meetx(url, folder, concurrency, work, workers=0)


CONTESTANTS = {
    "meetx": run_meetx,
    "meetx-inline": run_meetx_inline,
    "sequential": run_sequential,
    "langextract": run_langextract,
}
IMPORTS = {  # imported before the clock starts
    "meetx": [
        "meetx.pipeline.batch.engine",
        "meetx.pipeline.extraction.prompts",
        "meetx.pipeline.cli.app",
    ],
    "meetx-inline": [
        "meetx.pipeline.batch.engine",
        "meetx.pipeline.extraction.prompts",
        "meetx.pipeline.cli.app",
    ],
    "sequential": ["instructor", "openai", "meetx.schemas.draft"],
    "langextract": ["langextract", "langextract.providers.openai"],
}


def child(args: argparse.Namespace) -> None:
    """Run one contestant; print one JSON line with what it measured."""
    import logging

    logging.disable(logging.WARNING)  # the contestants' own retry chatter
    for module in IMPORTS[args.contestant]:
        importlib.import_module(module)
    before = rss_mb()
    started, cpu = time.monotonic(), time.process_time()
    with tempfile.TemporaryDirectory() as work:
        found = CONTESTANTS[args.contestant](
            args.url, Path(args.folder), args.concurrency, Path(work)
        )
    result = {
        "wall": time.monotonic() - started,
        "cpu": time.process_time() - cpu,
        "rss_start_mb": before,
        "rss_peak_mb": rss_mb(),
        "found": found,
    }
    print(json.dumps(result), flush=True)


# ------------------------------------------------------------------ the parent
def server_stats(url: str) -> dict[str, Any]:
    base = url.removesuffix("/v1")
    with urllib.request.urlopen(f"{base}/stats", timeout=10) as response:  # 127.0.0.1 only
        stats: dict[str, Any] = json.loads(response.read())
    return stats


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def contest(name: str, url: str, folder: Path, concurrency: int) -> dict[str, Any] | None:
    before = server_stats(url)["requests"]
    command = [sys.executable, __file__, "--child", name, "--url", url, "--folder", str(folder)]
    done = subprocess.run(
        [*command, "--concurrency", str(concurrency)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        print(f"  {name}: failed ({done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["requests"] = server_stats(url)["requests"] - before
    return result


def write_articles(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:06}.txt").write_text(synthetic_article(i), encoding="utf-8")


def report(name: str, r: dict[str, Any], n: int, ideal: float) -> None:
    print(
        f"{name:<12} {r['wall']:8.1f} s  {ideal / r['wall']:6.2f}  "
        f"{r['requests'] / r['wall']:8.1f} req/s  {r['cpu']:7.1f} s CPU  "
        f"{r['rss_peak_mb']:7.0f} MB peak "
        f"({r['rss_peak_mb'] - r['rss_start_mb']:+.0f} MB in the run)  "
        f"{r['found']} meetings / {n} articles",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--memory-articles", type=int, default=20_000)
    parser.add_argument("--skip", action="append", default=[], choices=[*CONTESTANTS, "memory"])
    parser.add_argument("--quick", action="store_true", help="200 articles, no memory run")
    parser.add_argument("--child", choices=list(CONTESTANTS), dest="contestant")
    parser.add_argument("--url")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.contestant:
        return child(args)
    if args.quick:
        args.articles, args.skip = 200, [*args.skip, "memory"]
    n, c, latency = args.articles, args.concurrency, args.latency
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.fakeserver", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "articles"
            write_articles(folder, n)
            ideal = n / c * latency
            print(
                f"{n} articles, {latency * 1000:.0f} ms per request, concurrency {c}: "
                f"ideal {ideal:.1f} s ({os.cpu_count()} cores)"
            )
            print(f"{'':<12} {'wall':>10}  {'ratio':>6}  {'':>14}  {'':>11}  memory")
            for name in CONTESTANTS:
                if name in args.skip:
                    continue
                server_cpu = cpu_seconds(server.pid)
                result = contest(name, url, folder, c)
                if result is None:
                    continue
                result["server_cpu"] = cpu_seconds(server.pid) - server_cpu
                report(name, result, n, n * latency if name == "sequential" else ideal)
                if name == "meetx":
                    print(f"{'':<12} the fake server used {result['server_cpu']:.1f} s CPU")
            if "memory" not in args.skip:
                big = Path(tmp) / "many"
                write_articles(big, args.memory_articles)
                result = contest("meetx", url, big, c)
                if result is not None:
                    big_ideal = args.memory_articles / c * latency
                    report(
                        f"meetx {args.memory_articles // 1000}k",
                        result,
                        args.memory_articles,
                        big_ideal,
                    )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
