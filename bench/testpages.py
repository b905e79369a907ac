"""Real news pages with known text and metadata: newspaper4k's test data, from its sdist.

The sdist of ``newspaper4k`` (PyPI) carries ``tests/data/html/*.html`` (saved pages),
``tests/data/txt/*.txt`` (their article text) and ``tests/data/metadata/*.json`` (title,
publication date, language ...). :func:`pages` downloads it once with ``pip download`` into
``~/.cache/meetx/bench`` and yields the pages that have all three. Nothing of it is copied
into this repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "0.9.6"
CACHE = Path.home() / ".cache" / "meetx" / "bench"


@dataclass(frozen=True)
class TestPage:
    name: str
    html: str
    text: str
    meta: dict[str, Any]


def data_dir() -> Path:
    target = CACHE / f"newspaper4k-{VERSION}" / "tests" / "data"
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
         ":all:", f"newspaper4k=={VERSION}", "-d", str(CACHE)],
        check=True,
    )  # fmt: skip
    with tarfile.open(CACHE / f"newspaper4k-{VERSION}.tar.gz") as archive:
        members = [m for m in archive.getmembers() if "/tests/data/" in m.name]
        archive.extractall(CACHE, members=members, filter="data")
    return target


def pages() -> Iterator[TestPage]:
    data = data_dir()
    for meta in sorted((data / "metadata").glob("*.json")):
        html, text = data / "html" / f"{meta.stem}.html", data / "txt" / f"{meta.stem}.txt"
        if html.exists() and text.exists():
            yield TestPage(
                meta.stem,
                html.read_text(encoding="utf-8", errors="replace"),
                text.read_text(encoding="utf-8"),
                json.loads(meta.read_text(encoding="utf-8")),
            )
