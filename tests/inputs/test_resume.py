"""Kill ``meetx extract data.parquet`` at random points, run it again: every row once."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import time
from collections import Counter
from pathlib import Path

from meetx.pipeline.batch.sinks import OutputStore
from tests.faults.fakeserver import FakeServer, Faults, synthetic_article
from tests.faults.helpers import assert_exactly_once
from tests.faults.test_crash import committed, finish, start, wait_for
from tests.inputs.conftest import write_parquet


def test_a_killed_run_over_a_parquet_file_resumes_exactly_once_per_row(tmp_path: Path):
    n = 80
    data = [
        {
            "id": f"row-{i}",
            "url": f"https://example.test/{i}",
            "published": "2021-05-06",
            "text": synthetic_article(i),
        }
        for i in range(n)
    ]
    file = write_parquet(tmp_path / "articles.parquet", data, row_group_size=16)
    ids = {hashlib.sha256(row["text"].encode()).hexdigest(): row["id"] for row in data}
    out = tmp_path / "out"
    rng = random.Random(20261202)
    kills = 0
    faults = Faults(server_error=0.05, reset=0.03, garbage=0.03)
    # generous limits: each start of meetx imports for seconds on a busy machine
    with FakeServer(faults, latency_s=0.02, max_requests=2000, max_seconds=300) as server:
        for _ in range(3):  # each time after some more rows, at a random moment of a commit
            proc = start(server, file, out)
            wait_for(proc, out, committed(out) + rng.randint(1, 20), timeout=120)
            time.sleep(rng.uniform(0, 0.2))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=30)
        code, stderr = finish(start(server, file, out), timeout=240)
    assert code == 0, stderr
    assert kills >= 2
    store = OutputStore(out)
    assert store.recover() == 0
    assert_exactly_once(store, set(ids))
    ledger = [json.loads(line) for line in store.ledger.read_text().splitlines()]
    rows_done = Counter(entry["source_id"] for entry in ledger)
    assert set(rows_done) == set(ids.values()) and max(rows_done.values()) == 1
    for record in store.records():  # each row's own id, URL and date on its records
        p = record.provenance
        assert p.source_id == ids[p.article_id]
        assert p.url == f"https://example.test/{p.source_id.removeprefix('row-')}"
        assert p.article_path == f"{file}#{int(p.source_id.removeprefix('row-')) + 1}"
        assert p.published_source == "dataset"
        assert store.article(p.article_id) is not None
