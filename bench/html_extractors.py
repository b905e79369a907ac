"""HTML pages -> article text: meetx's reader (trafilatura) against readability-lxml.

On the news pages of newspaper4k's test data (``bench/testpages.py``), whose article text
and metadata are known: token precision, recall and F1 of the text, whether the title and
the publication date are found, and the time per page. Needs ``readability-lxml`` (the
``bench`` extra); prints figures, asserts nothing.

    .venv/bin/python bench/html_extractors.py
"""

from __future__ import annotations

import collections
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testpages import pages

from meetx.pipeline.errors import ArticleError
from meetx.pipeline.reading import html

Found = tuple[str, str | None, str | None]  # text, title, date


def _tokens(text: str) -> collections.Counter[str]:
    return collections.Counter(re.findall(r"\w+", text.lower()))


def scores(got: str, want: str) -> tuple[float, float, float]:
    a, b = _tokens(got), _tokens(want)
    common = sum((a & b).values())
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return p, r, 2 * p * r / (p + r)


def meetx_reader(page: str) -> Found:
    try:
        found = html.extract(page, "page")
    except ArticleError:
        return "", None, None
    body = found.text.split("\n\n", 1)[1] if found.title else found.text  # title apart
    return body, found.title, found.published.isoformat() if found.published else None


def readability(page: str) -> Found:
    import lxml.html
    from readability import Document

    doc = Document(page)
    summary = doc.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return text, doc.short_title(), None


def main() -> None:
    readers: dict[str, Callable[[str], Found]] = {"meetx (trafilatura)": meetx_reader}
    try:
        import readability as _  # noqa: F401

        readers["readability-lxml"] = readability
    except ImportError:
        print("readability-lxml is not installed (pip install -e '.[bench]'): meetx alone")
    totals: dict[str, list[tuple[float, float, float, bool, bool | None, float]]] = {
        name: [] for name in readers
    }
    print(f"{'page':22} " + "  ".join(f"{name:>34}" for name in readers))
    for test in pages():
        want_title = test.meta.get("title") or ""
        want_date = (test.meta.get("publish_date") or "")[:10] or None
        cells = []
        for name, read in readers.items():
            started = time.perf_counter()
            text, title, date = read(test.html)
            seconds = time.perf_counter() - started
            p, r, f = scores(text, test.text)
            title_ok = bool(title) and (title in want_title or want_title in title)
            date_ok = None if want_date is None else date == want_date
            totals[name].append((p, r, f, title_ok, date_ok, seconds))
            cells.append(f"F1 {f:.2f} title {'y' if title_ok else 'n'} date {date_ok!s:5} "
                         f"{seconds * 1000:4.0f} ms")  # fmt: skip
        print(f"{test.name:22} " + "  ".join(f"{c:>34}" for c in cells))
    for name, rows in totals.items():
        n = len(rows)
        dated = [row[4] for row in rows if row[4] is not None]
        print(
            f"{name}: {n} pages, mean P {sum(r[0] for r in rows) / n:.3f} "
            f"R {sum(r[1] for r in rows) / n:.3f} F1 {sum(r[2] for r in rows) / n:.3f}, "
            f"titles {sum(r[3] for r in rows)}/{n}, dates {sum(dated)}/{len(dated)}, "
            f"{sum(r[5] for r in rows):.2f} s in all"
        )


if __name__ == "__main__":
    main()
