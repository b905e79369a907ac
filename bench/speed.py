"""Speed benchmark: meetx against a naive instructor loop, same articles, same server, one run.

    .venv/bin/python bench/speed.py [--articles DIR | --set dev] [--lang en] [--limit N]
                                    [--no-grammar-check] [--record DIR]

Starts the embedded model's llama.cpp server once (``meetx.pipeline.model.local_model``) and,
for each article, asks it twice:

1. **naive**: one plain prompt ("extract the diplomatic meetings ... as JSON") through
   ``instructor`` with a flat response model, the way anyone would start;
2. **meetx**: ``meetx extract`` on that article alone (the library call, in this process),
   with the prompt, rules and checks of this checkout.

All naive calls run first, then all meetx runs (after one run that puts meetx's fixed prompt
prefix in the server's cache): llama.cpp keeps one prefix cached, and interleaving would
make each loop pay the other's.

The server logs every request's prefill and generation time (``llama_perf_context_print``);
the benchmark reads them from its log, so it prints per article: prompt tokens, answer
tokens, seconds in prefill, in generation, the rest ("other": wall minus those two; the
server's sampling under the grammar, which its perf lines leave out, then meetx's own code
and the start of a run; not timed apart), and the ratio meetx/naive of the
wall time. Then the medians, the rates measured (prefill and generation tokens/s over all
requests), and the floor this machine allows for
the answers meetx needs: prompt tokens (not cached) / prefill rate + answer tokens /
generation rate. With the grammar check, one article's meetx request is sent again without
the JSON-schema grammar: what the grammar costs.

``--record DIR`` keeps meetx's exchanges of the measured runs, so that ``bench/accuracy.py
--replay DIR`` scores the very answers that were timed.

A script that prints figures, not a test: on a shared machine times vary; the ratios, taken
in one process against one server, are what to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import instructor
import openai
from instructor.core.exceptions import InstructorError
from pydantic import BaseModel

from meetx.pipeline.config import Settings
from meetx.pipeline.model import local_model

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "dev"
_PERF = re.compile(
    r"(prompt eval|eval) time =\s+([\d.]+) ms /\s+(\d+) (?:tokens|runs)", re.MULTILINE
)


class NaivePerson(BaseModel):
    name: str | None
    role: str | None
    country: str | None


class NaiveMeeting(BaseModel):
    date: str | None
    status: str
    format: str
    city: str | None
    country: str | None
    participants: list[NaivePerson]
    outcomes: list[str]


class NaiveAnswer(BaseModel):
    meetings: list[NaiveMeeting]


NAIVE_PROMPT = (
    "Extract every diplomatic meeting (in person, video conference or phone call) that this "
    "news article reports: date (YYYY-MM-DD), status (held, scheduled, cancelled), format "
    "(in_person, video_conference, phone_call, unknown), city, country, participants (name, "
    "role, country) and outcomes (what they agreed). Answer in JSON.\n\n"
)


@dataclass
class Timing:
    prompt_tokens: int = 0
    answer_tokens: int = 0
    prefill_s: float = 0.0
    generation_s: float = 0.0
    wall_s: float = 0.0

    @property
    def model_s(self) -> float:
        return self.prefill_s + self.generation_s


class ServerLog:
    """The perf lines the server wrote since the last call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def since(self) -> Timing:
        text = self.path.read_text(errors="replace")[self.offset :]
        self.offset += len(text)
        found = Timing()
        for kind, ms, count in _PERF.findall(text):
            if kind == "prompt eval":
                found.prefill_s += float(ms) / 1000
                found.prompt_tokens += int(count)
            else:
                found.generation_s += float(ms) / 1000
                found.answer_tokens += int(count)
        return found


def naive(client: instructor.Instructor, model: str, text: str, log: ServerLog) -> Timing:
    started = time.monotonic()
    try:
        _naive_call(client, model, text)
    except (InstructorError, openai.APIError) as exc:  # timed all the same
        print(f"  (naive call failed: {type(exc).__name__})", file=sys.stderr)
    timing = log.since()
    timing.wall_s = time.monotonic() - started
    return timing


def _naive_call(client: instructor.Instructor, model: str, text: str) -> None:
    client.chat.completions.create(
        model=model,
        response_model=NaiveAnswer,
        messages=[{"role": "user", "content": NAIVE_PROMPT + text}],
        max_retries=0,
        temperature=0.0,
        max_tokens=1536,
        extra_body={
            "response_format": {"type": "json_object", "schema": NaiveAnswer.model_json_schema()}
        },
    )


def meetx(path: Path, settings: Settings, log: ServerLog) -> Timing:
    from meetx.pipeline.cli.extract import extract_articles

    out = Path(tempfile.mkdtemp(prefix="meetx-speed-"))
    started = time.monotonic()
    extract_articles([path], settings.model_copy(update={"output_dir": out}), force=True)
    timing = log.since()
    timing.wall_s = time.monotonic() - started
    return timing


def grammar_cost(settings: Settings, path: Path, log: ServerLog) -> tuple[Timing, Timing]:
    """The meetx request of one article, with and without the schema grammar."""
    with_grammar = meetx(path, settings, log)
    without = meetx(path, settings.model_copy(update={"constrain": False}), log)
    return with_grammar, without


def articles(args: argparse.Namespace) -> list[Path]:
    if args.articles:
        return sorted(args.articles.glob("*.txt"))[: args.limit]
    gold = [json.loads(line) for line in (DEV / "gold.jsonl").read_text().splitlines()]
    wanted = [g["id"] for g in gold if not args.lang or (g.get("lang") == args.lang)]
    return [DEV / "texts" / f"{name}.txt" for name in wanted][: args.limit]


def warm_up_article() -> Path:
    """An invented article of no set: a run on it caches meetx's fixed prompt prefix without
    caching any measured article's own tokens."""
    path = Path(tempfile.mkdtemp(prefix="meetx-speed-warm-")) / "warm.txt"
    path.write_text("The foreign ministers of Chile and Peru met in Lima on Monday.\n", "utf-8")
    return path


def row(name: str, n: Timing, m: Timing) -> str:
    other = max(m.wall_s - m.model_s, 0.0)
    ratio = m.wall_s / n.wall_s if n.wall_s else float("nan")
    return (
        f"{name:<10}{n.prompt_tokens:>7}{n.answer_tokens:>6}{n.wall_s:>8.1f}"
        f"{m.prompt_tokens:>8}{m.answer_tokens:>6}{m.prefill_s:>8.1f}{m.generation_s:>7.1f}"
        f"{other:>6.1f}{m.wall_s:>8.1f}{ratio:>7.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, help="a folder of .txt articles [dev set]")
    parser.add_argument("--lang", default="en", help="dev-set articles in this language [en]")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-grammar-check", action="store_true")
    parser.add_argument("--record", type=Path, help="keep meetx's measured exchanges here")
    args = parser.parse_args()
    paths = articles(args)
    base = Settings.from_env(os.environ)
    log_path = Path(tempfile.mkdtemp(prefix="meetx-speed-log-")) / "server.log"
    with local_model.serve(base, log_path) as server:
        settings = base.model_copy(
            update={"base_url": server.url, "constrain": True, "use_cache": False}
        )
        log = ServerLog(log_path)
        client = instructor.from_openai(
            openai.OpenAI(base_url=server.url, api_key="none"), mode=instructor.Mode.JSON
        )
        print(
            f"meetx speed benchmark, {dt.date.today()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, {base.model}, {len(paths)} articles\n"
            f"{'':<10}{'naive: prompt':>13}{'ans':>6}{'wall':>8}"
            f"{'meetx: prompt':>14}{'ans':>6}{'prefill':>8}{'gen':>7}{'other':>6}{'wall':>8}"
            f"{'ratio':>7}"
        )
        # all naive calls, then all meetx runs: the server keeps one prompt prefix cached,
        # and each loop should have its own, as it would in a run of its own
        naive_runs = [naive(client, settings.model, p.read_text("utf-8"), log) for p in paths]
        meetx(warm_up_article(), settings, log)  # meetx's fixed prefix into the cache
        results = []
        measured = settings.model_copy(update={"record_dir": args.record})
        for path, n in zip(paths, naive_runs, strict=True):
            m = meetx(path, measured, log)
            results.append((n, m))
            print(row(path.stem, n, m), flush=True)
        summary(results)
        if not args.no_grammar_check:
            on, off = grammar_cost(settings, paths[0], log)
            print(
                f"\ngrammar: {paths[0].stem} with the schema grammar {on.wall_s:.1f} s "
                f"({on.answer_tokens} answer tokens, {_rate(on):.1f} tokens/s), without "
                f"{off.wall_s:.1f} s ({off.answer_tokens} tokens, {_rate(off):.1f} tokens/s)"
            )
    return 0


def _rate(timing: Timing) -> float:
    return timing.answer_tokens / max(timing.generation_s, 1e-9)


def summary(results: list[tuple[Timing, Timing]]) -> None:
    every = [t for pair in results for t in pair]
    prefill_rate = sum(t.prompt_tokens for t in every) / max(sum(t.prefill_s for t in every), 1e-9)
    gen_rate = sum(t.answer_tokens for t in every) / max(sum(t.generation_s for t in every), 1e-9)
    naive_wall = statistics.median(n.wall_s for n, _ in results)
    meetx_wall = statistics.median(m.wall_s for _, m in results)
    floor = statistics.median(
        m.prompt_tokens / prefill_rate + m.answer_tokens / gen_rate for _, m in results
    )
    print(
        f"\nmedian seconds per article: naive {naive_wall:.1f}, meetx {meetx_wall:.1f} "
        f"(meetx/naive {meetx_wall / naive_wall:.2f}); median answer tokens: naive "
        f"{statistics.median(n.answer_tokens for n, _ in results):.0f}, meetx "
        f"{statistics.median(m.answer_tokens for _, m in results):.0f}\n"
        f"rates measured: prefill {prefill_rate:.1f} tokens/s, generation {gen_rate:.1f} "
        f"tokens/s; floor for meetx's requests (uncached prompt / prefill + answer / "
        f"generation): median {floor:.1f} s, meetx at {meetx_wall / floor:.2f}x the floor"
    )


if __name__ == "__main__":
    sys.exit(main())
