"""Server settings benchmark: the embedded llama.cpp server under several sets of flags.

    .venv/bin/python bench/server_settings.py [--articles DIR | --set dev] [--lang en]
                                              [--limit 5] [--variant NAME='FLAGS' ...]

For each variant (a set of extra server flags, as ``MEETX_SERVER_ARGS`` would pass them) the
benchmark starts the embedded server, puts meetx's fixed prompt prefix in its cache with one
invented article, then runs ``meetx extract`` on each measured article and reads the server's
perf lines (see ``bench/speed.py``). It prints per variant: the median wall seconds per
article, the prefill and generation rates over all its requests, the ratio of its median to
the first variant's (the baseline, run in the same process), and on how many articles the
number of answer tokens differs from the baseline's (a changed answer; the same count does
not prove the same answer). The baseline runs again last, so that drift of the machine shows.

A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

import speed

from meetx.pipeline.config import Settings
from meetx.pipeline.model import local_model

# GGML type 8 is q8_0 (ggml.h); a quantised V cache needs flash attention
VARIANTS = {
    "baseline": "",
    "flash_attn": "--flash_attn true",
    "kv_q8_0": "--flash_attn true --type_k 8 --type_v 8",
    "batch_256": "--n_batch 256 --n_ubatch 256",
}


def run_variant(name: str, flags: str, paths: list[Path], base: Settings) -> list[speed.Timing]:
    settings = base.model_copy(update={"server_args": tuple(shlex.split(flags))})
    log_path = Path(tempfile.mkdtemp(prefix=f"meetx-settings-{name}-")) / "server.log"
    with local_model.serve(settings, log_path) as server:
        measured = settings.model_copy(
            update={"base_url": server.url, "constrain": True, "use_cache": False}
        )
        log = speed.ServerLog(log_path)
        speed.meetx(speed.warm_up_article(), measured, log)
        return [speed.meetx(path, measured, log) for path in paths]


def rates(timings: list[speed.Timing]) -> tuple[float, float]:
    prefill = sum(t.prompt_tokens for t in timings) / max(sum(t.prefill_s for t in timings), 1e-9)
    generation = sum(t.answer_tokens for t in timings) / max(
        sum(t.generation_s for t in timings), 1e-9
    )
    return prefill, generation


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, help="a folder of .txt articles [dev set]")
    parser.add_argument("--lang", default="en", help="dev-set articles in this language [en]")
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument(
        "--variant", action="append", default=[], help="NAME='FLAGS' (repeatable) [built-in set]"
    )
    args = parser.parse_args()
    paths = speed.articles(args)
    variants = dict(v.split("=", 1) for v in args.variant) if args.variant else dict(VARIANTS)
    first = next(iter(variants))
    order = [*variants, first]  # the baseline again at the end: drift of the machine
    base = Settings.from_env(os.environ)
    print(
        f"server settings benchmark, {dt.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, {base.model}, {len(paths)} articles\n"
        f"{'variant':<14}{'median s':>9}{'prefill t/s':>12}{'gen t/s':>9}{'ratio':>7}"
        f"{'answers differ':>16}  flags"
    )
    baseline: list[speed.Timing] | None = None
    for i, name in enumerate(order):
        timings = run_variant(name, variants[name], paths, base)
        baseline = baseline or timings
        median = statistics.median(t.wall_s for t in timings)
        ratio = median / statistics.median(t.wall_s for t in baseline)
        differ = sum(
            t.answer_tokens != b.answer_tokens for t, b in zip(timings, baseline, strict=True)
        )
        prefill, generation = rates(timings)
        label = name if i < len(variants) else f"{name} (again)"
        print(
            f"{label:<14}{median:>9.1f}{prefill:>12.1f}{generation:>9.1f}{ratio:>7.2f}"
            f"{differ:>16}  {variants[name] or '(none)'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
