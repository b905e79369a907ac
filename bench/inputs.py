"""Peak memory of reading a large article dataset, against reading it whole.

Generates a Parquet file of invented articles (and, with ``--formats``, the same rows as JSONL
and CSV), then, each in a fresh process, reads every row the way ``meetx extract`` does
(``reading.sources.iter_inputs``: each row's text hashed, as the batch producer does to skip
what is done) and prints the peak resident memory, beside what ``pyarrow.parquet.read_table``
(the whole file at once) needs. Peak memory is the process's VmHWM (``/proc/self/status``:
``ru_maxrss`` would carry over this script's own peak through ``exec``). With
``--run-seconds N`` it also runs ``meetx extract`` over the Parquet file against the fake
server for N seconds, then stops it with SIGINT, and prints that process's peak memory (and
its stage workers'). With ``--ray`` that run is ``meetx extract --ray local`` (a Ray cluster on
this machine, ``pip install -e '.[ray]'``): the driver's peak is printed apart from the
processes of the cluster it starts.

    .venv/bin/python bench/inputs.py --gb 1 --formats parquet,jsonl,csv
    .venv/bin/python bench/inputs.py --gb 5 --row-group-mb 128 --no-whole --run-seconds 60
    .venv/bin/python bench/inputs.py --gb 1 --no-whole --run-seconds 120 --ray

Figures are printed, never asserted: memory depends on the machine and the libraries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = 4000
ARTICLE_WORDS = 700  # about 5 KB of text an article


def _pool(rng: random.Random, chars: int) -> str:
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 11)))
        for _ in range(WORDS)
    ]
    words = rng.choices(vocabulary, k=chars // 6)
    return " ".join(words)


def generate(path: Path, gigabytes: float, row_group_mb: int, seed: int = 1) -> int:
    """Write invented articles until the file holds ``gigabytes`` of text; return the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    pool = _pool(rng, 64_000_000)
    target = int(gigabytes * 1e9)
    per_group = max(1, row_group_mb * 1_000_000 // (ARTICLE_WORDS * 7))
    written = rows = 0
    schema = pa.schema(
        [("id", pa.string()), ("url", pa.string()), ("published", pa.string()),
         ("title", pa.string()), ("text", pa.string())]
    )  # fmt: skip
    with pq.ParquetWriter(path, schema) as writer:
        while written < target:
            batch: dict[str, list[str]] = {name: [] for name in schema.names}
            for _ in range(per_group):
                start = rng.randrange(0, len(pool) - ARTICLE_WORDS * 8)
                body = pool[start : start + ARTICLE_WORDS * 7]
                text = f"Article {rows}.\n\n{body}.\n"
                batch["id"].append(f"a-{rows}")
                batch["url"].append(f"https://news.example/{rows}")
                batch["published"].append(f"2021-{1 + rows % 12:02}-{1 + rows % 28:02}")
                batch["title"].append(f"Headline {rows}")
                batch["text"].append(text)
                rows += 1
                written += len(text)
                if written >= target:
                    break
            writer.write_table(pa.table(batch, schema=schema), row_group_size=per_group)
    return rows


def convert(parquet: Path, fmt: str) -> Path:
    """The same rows as JSONL or CSV, written batch by batch."""
    import csv

    import pyarrow.parquet as pq

    target = parquet.with_suffix(f".{fmt}")
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = None
        for batch in pq.ParquetFile(parquet).iter_batches(batch_size=2000):
            for row in batch.to_pylist():
                if fmt == "jsonl":
                    fh.write(json.dumps(row) + "\n")
                else:
                    if writer is None:
                        writer = csv.DictWriter(fh, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)
    return target


READER = """
import sys, time
from pathlib import Path
from meetx.pipeline.reading.sources import iter_inputs, Item
started = time.monotonic()
rows = problems = 0
seen = set()
for item in iter_inputs([Path(sys.argv[1])]):
    if isinstance(item, Item):
        seen.add(item.digest())
        rows += 1
    else:
        problems += 1
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(rows, problems, peak, time.monotonic() - started)
"""
WHOLE = """
import sys, time
import pyarrow.parquet as pq
started = time.monotonic()
table = pq.read_table(sys.argv[1])
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(table.num_rows, 0, peak, time.monotonic() - started)
"""
BASELINE = """
import meetx.pipeline.reading.sources, pyarrow.parquet
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(0, 0, peak, 0)
"""


def measure(script: str, *args: str) -> tuple[int, int, float, float]:
    """Rows, problems, peak RSS in MB and seconds of a script run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    rows, problems, rss_kb, seconds = done.stdout.split()
    return int(rows), int(problems), int(rss_kb) / 1024, float(seconds)


def run_extract(parquet: Path, seconds: float, ray: bool = False) -> None:
    """``meetx extract`` over the file against the fake server, stopped after ``seconds``."""
    sys.path.insert(0, str(ROOT))
    from tests.faults.fakeserver import FakeServer

    with (
        tempfile.TemporaryDirectory() as out,
        FakeServer(latency_s=0.05, max_requests=10**7, max_seconds=seconds + 120) as server,
    ):
        env = {
            **os.environ,
            "OPENAI_BASE_URL": server.url,
            "MEETX_MODEL": "fake-model",
            "MEETX_CONSTRAIN": "0",
            "MEETX_CONCURRENCY": "8",
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", "from meetx.pipeline.cli.app import app; app()",
             "extract", str(parquet), "--output", out, *(["--ray", "local"] if ray else [])],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            preexec_fn=_interruptible,
        )  # fmt: skip
        peaks: dict[int, int] = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and proc.poll() is None:
            for pid in [proc.pid, *_children(proc.pid)]:
                peaks[pid] = max(peaks.get(pid, 0), _hwm_kb(pid))
            time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        ledger = Path(out, "ledger.jsonl")
        done = ledger.read_bytes().count(b"\n") if ledger.exists() else 0
    summary = [line for line in stderr.splitlines() if line.startswith("articles ")]
    main = peaks.pop(proc.pid, 0) / 1024
    others = sorted((kb / 1024 for kb in peaks.values() if kb), reverse=True)
    workers = ", ".join(f"{mb:,.0f}" for mb in others) or "none"
    kind = "Ray's cluster processes" if ray else "its stage workers and forkserver"
    print(
        f"meetx extract{' --ray local' if ray else ''}, {seconds:.0f} s then Ctrl-C: {done:,} "
        f"rows committed; the driver's peak RSS {main:,.0f} MB ({kind}: {workers} MB; "
        f"exit {proc.returncode})"
    )
    if summary:
        print("  " + summary[-1][:200])


def _interruptible() -> None:
    """Ctrl-C reaches the run even when this script runs as a background job (``cmd &``),
    whose children start with SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _hwm_kb(pid: int) -> int:
    """A process's peak resident memory so far (VmHWM), in kB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Descendants of a process (its stage workers, the forkserver and what it forked)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_children(kid)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="GB of article text to generate")
    parser.add_argument("--row-group-mb", type=int, default=128, help="MB of text a row group")
    parser.add_argument("--formats", default="parquet", help="parquet,jsonl,csv")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--no-whole", action="store_true", help="skip reading it whole")
    parser.add_argument("--run-seconds", type=float, default=0.0)
    parser.add_argument("--ray", action="store_true", help="run extract with --ray local")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="meetx-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / "articles.parquet"
    started = time.monotonic()
    rows = generate(parquet, args.gb, args.row_group_mb)
    size = parquet.stat().st_size
    print(
        f"generated {rows:,} articles, {args.gb:g} GB of text, {args.row_group_mb} MB row "
        f"groups: {parquet} ({size / 1e9:.2f} GB on disk) in {time.monotonic() - started:.0f} s"
    )
    *_, base, _ = measure(BASELINE)
    print(f"python with meetx's readers and pyarrow imported, nothing read: {base:,.0f} MB")
    for fmt in args.formats.split(","):
        path = parquet if fmt == "parquet" else convert(parquet, fmt)
        n, problems, rss, seconds = measure(READER, str(path))
        print(
            f"meetx reader, {fmt:7} ({path.stat().st_size / 1e9:.2f} GB): {n:,} rows, "
            f"{problems} problems, peak RSS {rss:,.0f} MB, {seconds:.0f} s"
        )
        if fmt != "parquet":
            path.unlink()
    if not args.no_whole:
        n, _, rss, seconds = measure(WHOLE, str(parquet))
        print(f"pyarrow read_table, the whole file: peak RSS {rss:,.0f} MB, {seconds:.0f} s")
    if args.run_seconds:
        run_extract(parquet, args.run_seconds, args.ray)
    parquet.unlink()


if __name__ == "__main__":
    main()
