"""Accuracy benchmark: extract the seeds with the real embedded model, score them against gold.

    .venv/bin/python bench/accuracy.py [--gold ../shared/gold/seeds.jsonl] [--articles seeds]
                                       [--replay tests/fixtures/llamacpp]

Prints the evaluation table (``meetx eval``) of the clean output and of clean + flagged
records, the seconds per article and the tokens, with the date, model, prompt and machine.
This is a script that prints figures, not a test: on a shared machine times vary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def meetx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from meetx.pipeline.cli.app import app; app()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gold", type=Path, default=ROOT.parent / "shared" / "gold" / "seeds.jsonl"
    )
    parser.add_argument("--articles", type=Path, default=ROOT / "seeds")
    parser.add_argument("--replay", type=Path, help="recorded exchanges instead of the model")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="meetx-bench-"))
    command = ["extract", str(args.articles), "--output", str(out)]
    if args.replay:
        command += ["--replay", str(args.replay)]
    started = time.monotonic()
    run = meetx(*command)
    wall = time.monotonic() - started
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return run.returncode
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    per_article: dict[str, float] = {}  # model time of each article, from its provenance
    for name in ("meetings.jsonl", "review.jsonl"):
        for line in (out / name).read_text().splitlines() if (out / name).exists() else []:
            prov = json.loads(line)["provenance"]
            per_article[prov["article_id"]] = prov["seconds"]
    tokens = sum(entry["usage"]["total_tokens"] for entry in ledger)
    backend = f"replay {args.replay}" if args.replay else "embedded model"
    print(
        f"meetx accuracy benchmark, {dt.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, {backend}"
    )
    print(
        f"articles {len(ledger)}, wall {wall:.1f} s (server start included), "
        f"model time per article: median {statistics.median(per_article.values()):.1f} s, "
        f"max {max(per_article.values()):.1f} s; tokens {tokens:,}"
    )
    for label, extra in (
        ("clean output (meetings.jsonl)", []),
        ("clean + flagged", ["--include-flagged"]),
    ):
        table = meetx(
            "eval", "--gold", str(args.gold), "--pred", str(out / "meetings.jsonl"), *extra
        )
        print(f"\n{label}\n{table.stdout}")
    print(f"output kept in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
