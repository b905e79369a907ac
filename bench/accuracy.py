"""Accuracy benchmark: extract a gold set with the model, score it by the gold rules.

    .venv/bin/python bench/accuracy.py [--set dev|seeds|hard] [--lang en|other]
                                       [--record DIR | --replay DIR] [--ablate] [--json]

Sets: ``dev`` (``../shared/dev``: 40 real articles, English and other languages reported
apart), ``seeds`` (the five seeds), ``hard`` (the team's own cases, ``tests/articles``).

Prints, per language group, the evaluation table (``meetx eval``) of the clean output and of
clean + flagged records, then the seconds and answer tokens per article, with the date, model,
prompt and machine. ``--record DIR`` keeps every exchange with the model so that ``--replay
DIR`` scores the same answers again in seconds (after a change to the rules, say).
``--ablate`` (best with ``--replay``) runs once more per rule with that rule switched off
(``MEETX_RULES_OFF``) and prints the all-slot F1 and its change against all rules on.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = {
    "dev": (SHARED / "dev" / "gold.jsonl", SHARED / "dev" / "texts", ("en", "other")),
    "seeds": (SHARED / "gold" / "seeds.jsonl", ROOT / "seeds", (None,)),
    "hard": (ROOT / "tests" / "articles" / "gold.jsonl", ROOT / "tests" / "articles", (None,)),
}


def meetx(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from meetx.pipeline.cli.app import app; app()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def gold_articles(gold: Path, lang: str | None = None) -> list[str]:
    """The gold's article files; with ``lang``, those in that language (``other``: not en)."""
    lines = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line.strip()]
    if lang:
        lines = [g for g in lines if (g.get("lang", "en") != "en") == (lang == "other")]
        lines = [g for g in lines if lang == "other" or g.get("lang", "en") == lang]
    return [g["article"] if "article" in g else f"{g['id']}.txt" for g in lines]


def extract(args: argparse.Namespace, out: Path, env: dict[str, str] | None = None) -> float:
    """Run ``meetx extract`` over the set's articles into ``out``; the wall seconds."""
    gold, articles, _ = SETS[args.set]
    paths = [str(articles / name) for name in gold_articles(gold, args.lang)]
    command = ["extract", *paths, "--output", str(out), "--no-cache", "--force"]
    if args.replay:
        command += ["--replay", str(args.replay)]
    if args.record:
        command += ["--record", str(args.record)]
    if args.prompt:
        command += ["--prompt-version", args.prompt]
    started = time.monotonic()
    run = meetx(*command, env=env)
    if run.returncode != 0:
        sys.exit(f"meetx extract failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return time.monotonic() - started


def score(args: argparse.Namespace, out: Path, lang: str | None, flagged: bool) -> dict[str, Any]:
    gold, articles, _ = SETS[args.set]
    command = ["eval", "--gold", str(gold), "--pred", str(out / "meetings.jsonl"), "--json"]
    command += ["--articles", str(articles)]
    if lang:
        command += ["--lang", lang]
    if flagged:
        command.append("--include-flagged")
    run = meetx(*command)
    if run.returncode != 0:
        sys.exit(f"meetx eval failed:\n{run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout)
    result["all_slots"] = result["fields"]["all"]
    return result


def table(args: argparse.Namespace, out: Path, lang: str | None) -> str:
    gold, articles, _ = SETS[args.set]
    command = ["eval", "--gold", str(gold), "--pred", str(out / "meetings.jsonl")]
    command += ["--articles", str(articles)] + (["--lang", lang] if lang else [])
    return meetx(*command).stdout


def timing(out: Path) -> str:
    """Seconds and answer tokens per article, from the records' provenance."""
    seen: dict[str, tuple[float, int]] = {}
    for name in ("meetings.jsonl", "review.jsonl"):
        path = out / name
        for line in path.read_text().splitlines() if path.exists() else []:
            prov = json.loads(line)["provenance"]
            seen[prov["article_id"]] = (prov["seconds"] or 0.0, prov["usage"]["completion_tokens"])
    ledger = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    answer = [e["usage"]["completion_tokens"] for e in ledger]
    seconds = [s for s, _ in seen.values()]
    text = f"articles {len(ledger)}; answer tokens median {statistics.median(answer):.0f}, "
    text += f"max {max(answer)}"
    if seconds:
        text += "; model seconds per article (articles with a record) median "
        text += f"{statistics.median(seconds):.1f}, max {max(seconds):.1f}"
    return text


def rule_names() -> list[str]:
    run = meetx("rules", "--names")
    return run.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--lang", help="only this language group (en, other) of the dev set")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--replay", type=Path, help="recorded exchanges instead of the model")
    group.add_argument("--record", type=Path, help="keep the exchanges with the model here")
    parser.add_argument("--prompt", help="prompt version (e.g. meeting-v5); the newest if unset")
    parser.add_argument("--ablate", action="store_true", help="F1 with each rule switched off")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    langs = (args.lang,) if args.lang else SETS[args.set][2]
    out = Path(tempfile.mkdtemp(prefix="meetx-bench-"))
    wall = extract(args, out)
    backend = f"replay {args.replay}" if args.replay else os.environ.get("MEETX_MODEL", "model")
    results = {
        str(lang or "all"): {
            "clean": score(args, out, lang, False)["all_slots"],
            "flagged": score(args, out, lang, True)["all_slots"],
        }
        for lang in langs
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(
            f"meetx accuracy on {args.set}, {dt.date.today()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, {backend}; wall {wall:.0f} s; {timing(out)}"
        )
        for lang in langs:
            print(f"\n== {lang or 'all'}: clean output (meetings.jsonl)\n{table(args, out, lang)}")
            f = results[str(lang or "all")]["flagged"]
            print(f"clean + flagged: P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}")
    if args.ablate:
        ablate(args, langs, results)
    print(f"output kept in {out}", file=sys.stderr)
    return 0


def ablate(args: argparse.Namespace, langs: tuple[str | None, ...], base: dict[str, Any]) -> None:
    """Clean-output all-slot F1 with each rule off, and its change (negative: the rule pays)."""
    header = "rule".ljust(22) + "".join(f"{lang or 'all'!s:>16}" for lang in langs)
    print(f"\nablation: clean all-slot F1 with the rule off (change)\n{header}")
    row = "(all rules on)".ljust(22)
    for lang in langs:
        row += f"{base[str(lang or 'all')]['clean']['f1']:>16.3f}"
    print(row)
    for rule in rule_names():
        out = Path(tempfile.mkdtemp(prefix=f"meetx-ablate-{rule}-"))
        extract(args, out, env={"MEETX_RULES_OFF": rule})
        row = rule.ljust(22)
        for lang in langs:
            f1 = score(args, out, lang, False)["all_slots"]["f1"]
            delta = f1 - base[str(lang or "all")]["clean"]["f1"]
            row += f"{f1:>9.3f} ({delta:+.3f})"
        print(row, flush=True)


if __name__ == "__main__":
    sys.exit(main())
