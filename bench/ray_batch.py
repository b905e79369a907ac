"""Ray benchmark: the local engine against the same run on a Ray cluster, same machine, same server.

    .venv/bin/pip install -e '.[dev,ray]'
    .venv/bin/python bench/ray_batch.py            # 2,000 articles, 200 ms, 32 in flight
    .venv/bin/python bench/ray_batch.py --quick    # 300 articles

One fake OpenAI-compatible server (tests/faults/fakeserver.py, its own process, 127.0.0.1)
answers every request after ``--latency`` seconds. Each contestant runs in its own process
over the same files, into an empty output directory (the response cache on, as by default):

- ``local``: ``meetx.pipeline.batch.engine.run``, ``--concurrency`` requests in flight;
- ``ray``: ``meetx.pipeline.batch.cluster.run`` on a Ray cluster the child starts on
  127.0.0.1 with this machine's CPUs (two here): one model actor with ``--concurrency``
  slots, the read and finish stages as Ray tasks, the driver committing;
- ``ray-2x``: the same with two model actors of half a CPU, ``--concurrency`` / 2 slots each.

Printed: wall time (for Ray without and with starting the cluster), the ratio to the ideal
(articles / concurrency x latency), requests per second, the driver's CPU seconds, and the
ratio of each Ray run's wall time to the local engine's. Then the ceilings of what one driver
and one cache actor can take (measured here, in this process), and from them and the Ray
run's rate a labelled *estimate* of how wall time scales with nodes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.fakeserver import synthetic_article  # noqa: E402

EMBEDDED_S = 128.0  # seconds per article, embedded model, 2 cores: README (median, measured)


def settings_for(url: str, work: Path, concurrency: int, **more: Any) -> Any:
    from meetx.pipeline.config import Settings

    return Settings(
        base_url=url,
        model="bench-model",
        constrain=False,
        output_dir=work / "out",
        concurrency=concurrency,
        retry_wait_s=0.2,
        **more,
    )


# ------------------------------------------------------------------ contestants (child side)
def run_local(url: str, folder: Path, concurrency: int, work: Path) -> dict[str, Any]:
    from meetx.pipeline.batch import engine
    from meetx.pipeline.batch.sinks import OutputStore
    from meetx.pipeline.extraction import prompts

    settings = settings_for(url, work, concurrency)
    prompt = prompts.load(settings.prompts_dir)
    started = time.monotonic()
    summary = engine.run([folder], settings, prompt, OutputStore(settings.output_dir))
    return {"run": time.monotonic() - started, "start": 0.0, "meetings": summary.meetings}


def run_ray(
    url: str, folder: Path, concurrency: int, work: Path, actors: int = 1
) -> dict[str, Any]:
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # a one-machine cluster: loopback
    import ray

    from meetx.pipeline.batch import cluster
    from meetx.pipeline.batch.sinks import OutputStore
    from meetx.pipeline.extraction import prompts

    started = time.monotonic()
    ray.init(
        num_cpus=os.cpu_count(),
        include_dashboard=False,
        logging_level=logging.ERROR,
        log_to_driver=False,
    )
    start = time.monotonic() - started
    try:
        share = {"ray_actors": actors, "ray_actor_cpus": 1.0 / actors} if actors > 1 else {}
        settings = settings_for(url, work, concurrency // actors, ray_address="auto", **share)
        prompt = prompts.load(settings.prompts_dir)
        started, cpu = time.monotonic(), time.process_time()
        summary = cluster.run([folder], settings, prompt, OutputStore(settings.output_dir))
        run, run_cpu = time.monotonic() - started, time.process_time() - cpu
    finally:
        ray.shutdown()
    return {"run": run, "start": start, "meetings": summary.meetings, "run_cpu": run_cpu}


def run_ray_2x(url: str, folder: Path, concurrency: int, work: Path) -> dict[str, Any]:
    return run_ray(url, folder, concurrency, work, actors=2)


CONTESTANTS = {"local": run_local, "ray": run_ray, "ray-2x": run_ray_2x}


def child(args: argparse.Namespace) -> None:
    """Run one contestant; print one JSON line with what it measured."""
    logging.disable(logging.WARNING)
    cpu = time.process_time()
    with tempfile.TemporaryDirectory() as work:
        result = CONTESTANTS[args.contestant](
            args.url, Path(args.folder), args.concurrency, Path(work)
        )
    result["cpu"] = time.process_time() - cpu
    print(json.dumps(result), flush=True)


# ------------------------------------------------------------------ ceilings (parent side)
def driver_ceiling(n: int = 2000) -> float:
    """Articles per second one driver commits: rows decoded, committed, counted."""
    from meetx.pipeline.batch import cluster, cluster_stages
    from meetx.pipeline.batch.sinks import OutputStore
    from meetx.pipeline.config import Settings
    from meetx.pipeline.extraction import prompts
    from meetx.pipeline.extraction.runner import finish
    from meetx.pipeline.model.llm import Completion
    from meetx.pipeline.reading import articles
    from meetx.schemas.draft import ArticleDraft
    from meetx.schemas.record import Usage
    from tests.faults.fakeserver import meetings_of

    with tempfile.TemporaryDirectory() as work:
        settings = Settings(base_url="http://bench.invalid/v1", output_dir=Path(work))
        prompt = prompts.load(settings.prompts_dir)
        rows = []
        for i in range(n):
            article = articles.parse(synthetic_article(i), f"{i:06}.txt")
            draft = ArticleDraft.model_validate(meetings_of(article.text))
            answer = Completion(draft, "{}", Usage(total_tokens=200), calls=1)
            result = cluster_stages.encode_result(finish(article, prompt, settings, answer, 0.2))
            rows.append(
                cluster_stages.row(
                    article.path,
                    "todo",
                    id=article.id,
                    result=result,
                    article=article.model_dump_json(),  # the driver stores it, as a run does
                )
            )
        driver = cluster.Cluster(settings, prompt, OutputStore(Path(work)))
        started = time.monotonic()
        for first in range(0, n, 16):  # blocks as they come back from the finish tasks
            driver._commit(rows[first : first + 16], set())
        return n / (time.monotonic() - started)


def cache_ceiling(n: int = 2000) -> float:
    """Answers per second the cache actor stores (one SQLite transaction each) and finds."""
    from meetx.pipeline.batch import cache, cluster_stages
    from meetx.pipeline.model.llm import Completion
    from meetx.schemas.draft import ArticleDraft
    from meetx.schemas.record import Usage
    from tests.faults.fakeserver import meetings_of

    draft = ArticleDraft.model_validate(meetings_of(synthetic_article(0)))
    answer = cache.dump(Completion(draft, "{}", Usage(total_tokens=200), calls=1))
    with tempfile.TemporaryDirectory() as work:
        scope = cache.Scope("bench", "bench-model", "p@1", "s@1")
        service = cluster_stages.CacheService(Path(work) / "cache.sqlite", scope)
        started = time.monotonic()
        for i in range(n):
            service.put(f"{i:064x}", answer)
        for first in range(0, n, 16):
            service.get_many([f"{i:064x}" for i in range(first, first + 16)])
        seconds = time.monotonic() - started
        service.close()
    return n / seconds


# ------------------------------------------------------------------ the parent
def contest(name: str, url: str, folder: Path, concurrency: int) -> dict[str, Any] | None:
    command = [sys.executable, __file__, "--child", name, "--url", url, "--folder", str(folder)]
    done = subprocess.run(
        [*command, "--concurrency", str(concurrency)], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        print(f"  {name}: failed ({done.stderr.strip().splitlines()[-3:]})", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def estimate(rate: float, start: float, driver: float, cache_rate: float) -> None:
    """Wall time for a million articles on N nodes like this one, from the measured rates."""
    print(
        "\nESTIMATE (not measured): 1,000,000 articles, the same endpoint (200 ms, never the"
        " bottleneck),\nN nodes like this one (2 CPUs, one model actor of 32 slots each):"
        f" rate = min(N x {rate:.0f}/s measured here,\n  driver {driver:.0f}/s,"
        f" cache actor {cache_rate:.0f}/s); wall = cluster start + 1e6 / rate"
    )
    ceiling = min(driver, cache_rate)
    for nodes in (1, 2, 4, 8, 16, 32, 64):
        got = min(nodes * rate, ceiling)
        limit = "nodes" if nodes * rate < ceiling else "driver/cache"
        hours = (start + 1e6 / got) / 3600
        embedded = 1e6 * EMBEDDED_S / nodes / 3600 / 24
        print(
            f"  {nodes:>3} nodes  {got:8.0f} articles/s  {hours:6.2f} h   (limited by {limit})"
            f"   embedded model: {embedded:6.0f} days"
        )
    print(
        f"  (embedded: one llama.cpp server per node at the README's {EMBEDDED_S:.0f} s per"
        " article on 2 cores;\n  the driver and the cache would limit it only past"
        f" {ceiling * EMBEDDED_S:,.0f} nodes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--quick", action="store_true", help="300 articles")
    parser.add_argument("--child", choices=list(CONTESTANTS), dest="contestant")
    parser.add_argument("--url")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.contestant:
        return child(args)
    if args.quick:
        args.articles = 300
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
            folder.mkdir()
            for i in range(n):
                (folder / f"{i:06}.txt").write_text(synthetic_article(i), encoding="utf-8")
            ideal = n / c * latency
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"{n} articles, {latency * 1000:.0f} ms per request, {c} in flight: "
                f"ideal {ideal:.1f} s ({os.cpu_count()} cores, everything on this machine; "
                f"load average {load})"
            )
            print(f"{'':<8} {'wall':>8} {'+start':>8}  {'ratio':>6}  {'':>12}  driver CPU")
            results: dict[str, dict[str, Any]] = {}
            for name in CONTESTANTS:
                result = contest(name, url, folder, c)
                if result is None:
                    continue
                results[name] = result
                total = result["run"] + result["start"]
                print(
                    f"{name:<8} {result['run']:7.1f}s {total:7.1f}s  {ideal / result['run']:6.2f}"
                    f"  {n / result['run']:7.1f} art/s  {result['cpu']:6.1f} s"
                    f"   {result['meetings']} meetings / {n} articles",
                    flush=True,
                )
        local = results.get("local")
        for name in ("ray", "ray-2x"):
            if local and name in results:
                r = results[name]
                print(
                    f"{name} / local: {r['run'] / local['run']:.2f}x the wall time "
                    f"({(r['run'] + r['start']) / local['run']:.2f}x with the cluster's start)"
                )
        commits, cache_rate = driver_ceiling(), cache_ceiling()
        print(f"one driver commits {commits:.0f} articles/s; the cache actor stores and finds")
        print(f"{cache_rate:.0f} answers/s (both measured here, one core each at most)")
        if "ray" in results:
            ray = results["ray"]
            per = ray["run_cpu"] / n  # all the driver did in the run: Ray's part included
            print(
                f"the Ray driver used {ray['run_cpu']:.1f} s CPU in the run ({per * 1000:.1f} ms"
                f" an article): one driver core takes at most {1 / per:.0f} articles/s"
            )
            estimate(n / ray["run"], ray["start"], min(commits, 1 / per), cache_rate)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
