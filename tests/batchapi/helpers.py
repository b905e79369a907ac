"""Running ``meetx`` against the fake batch server, and comparing output directories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.cli.app import app
from meetx.pipeline.config import EMBEDDED_MODEL
from tests.batchapi.fakebatch import FakeBatchServer

SECRET = "sk-" + "batch-canary-7731"  # split so that no scanner takes it for a key
VOLATILE = {"extracted_at", "seconds", "cost_usd", "batch_ids", "cached"}


def environment(server: FakeBatchServer, **more: str) -> dict[str, str]:
    """The environment of a run against ``server`` with the recorded run's model settings."""
    return {
        "OPENAI_BASE_URL": server.url,
        "OPENAI_API_KEY": SECRET,
        "MEETX_MODEL": EMBEDDED_MODEL,
        "MEETX_CONSTRAIN": "1",
        "MEETX_WORKERS": "0",
        "MEETX_RETRY_WAIT_S": "0",
        "MEETX_PRICE_IN": "",
        "MEETX_PRICE_OUT": "",
        **more,
    }


def meetx(*args: str, env: dict[str, str], code: int = 0, input: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), env=env, input=input)
    assert result.exit_code == code, (result.output, result.exception)
    assert SECRET not in result.output
    return result


def until_done(out: Path, env: dict[str, str], *flags: str, collects: int = 10) -> int:
    """Collect until nothing waits; how many collects it took."""
    for n in range(1, collects + 1):
        result = meetx("batch", "collect", "--output", str(out), *flags, env=env)
        if "still waiting" not in result.output:
            return n
    raise AssertionError(f"still waiting after {collects} collects")


def _provenance(value: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in value.items() if k not in VOLATILE}
    return {**kept, "article_path": Path(kept["article_path"]).name}


def _record(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {**value, "provenance": _provenance(value["provenance"])}


def comparable(out: Path) -> tuple[list[Any], list[Any], list[Any]]:
    """The records, review items and ledger of ``out``, without what differs between two
    runs that got the same answers (times, prices, batch ids, the folder of the articles),
    in a stable order."""
    store = OutputStore(out)
    records = sorted(
        (_record(r.model_dump(mode="json")) for r in store.records()), key=lambda r: r["id"]
    )
    review = sorted(
        (
            {
                **item,
                "provenance": _provenance(item["provenance"]),
                "record": _record(item["record"]),
            }
            for item in (i.model_dump(mode="json") for i in store.review_items())
        ),
        key=json.dumps,
    )
    ledger = sorted(
        (
            {
                **{k: v for k, v in entry.items() if k not in ("finished_at", "cost_usd")},
                "article_path": Path(entry["article_path"]).name,
            }
            for entry in map(json.loads, store.ledger.read_text().splitlines())
        ),
        key=json.dumps,
    )
    return records, review, ledger


def output_bytes(out: Path) -> dict[str, bytes]:
    names = ("meetings.jsonl", "review.jsonl", "ledger.jsonl")
    return {n: (out / n).read_bytes() if (out / n).exists() else b"" for n in names}
