"""Article datasets: one article per row of a JSONL, CSV or Parquet file, streamed.

Nothing is read whole: JSONL and CSV files (``.gz`` too) line by line with the ``json`` and
``csv`` modules, Parquet files in small batches of the columns wanted with pyarrow's
``ParquetFile.iter_batches`` (one batch of rows in memory at a time, however large the file:
``bench/inputs.py`` measures it). Columns are found by their common names, in any case, or
named by the user (:class:`Columns`):

==========  ==================================================================
text        ``text``, ``body``, ``content``, ``article``, ``maintext``, ``full_text``
id          ``id``, ``article_id``, ``doc_id``, ``uuid``
url         ``url``, ``link``, ``source_url``, ``canonical_url``
title       ``title``, ``headline``
published   ``published``, ``date``, ``publish_date``, ``published_at``, ``pubdate``, ...
lang        ``lang``, ``language``
==========  ==================================================================

A file without a text column (or without a column the user named) is refused with one line
naming the columns it has (:class:`ArticleError`); a row that is malformed or has no text
becomes a :class:`RowProblem`, one line, and the rows after it are read.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

from meetx.pipeline.errors import ArticleError

FORMATS = ("jsonl", "csv", "parquet")
SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "maintext", "full_text", "article_text"),
    "id": ("id", "article_id", "doc_id", "document_id", "uuid"),
    "url": ("url", "link", "source_url", "canonical_url"),
    "title": ("title", "headline"),
    "published": (
        "published",
        "date",
        "publish_date",
        "published_at",
        "publication_date",
        "pubdate",
        "date_publish",
        "published_date",
    ),
    "lang": ("lang", "language"),
}
PARQUET_BATCH_ROWS = 64
CSV_FIELD_LIMIT = 64 * 1024 * 1024  # the csv module's default (128 KiB) is one long article


@dataclass(frozen=True)
class Columns:
    """Column names the user gives (``--text-column`` ...); None: found by name."""

    text: str | None = None
    id: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Row:
    """One article of a dataset: its text and what the row states about it."""

    number: int  # 1-based: the line of a JSONL file, the data row of a CSV or Parquet file
    text: str
    source_id: str | None = None
    url: str | None = None
    title: str | None = None
    published: object = None  # as the row gives it: text, a date or a timestamp
    lang: object = None


@dataclass(frozen=True)
class RowProblem:
    number: int
    message: str


def format_of(path: Path) -> str | None:
    """``jsonl``, ``csv`` or ``parquet`` by the file's suffix (before ``.gz``), else None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return SUFFIXES.get(suffixes[-1]) if suffixes else None


def rows(path: Path, fmt: str, columns: Columns = Columns()) -> Iterator[Row | RowProblem]:
    """The rows of a dataset file; raises :class:`ArticleError` if it cannot be read as one."""
    if fmt == "parquet":
        return _parquet(path, columns)
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        stream: IO[str] = opener(path, "rt", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ArticleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    delimiter = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else None
    return _closing(stream, _records(stream, fmt, str(path), columns, delimiter))


def stream_rows(
    stream: IO[str], fmt: str, where: str, columns: Columns = Columns()
) -> Iterator[Row | RowProblem]:
    """The JSONL or CSV rows of an open stream (standard input: ``meetx extract - --format
    jsonl``)."""
    if fmt not in ("jsonl", "csv"):
        raise ArticleError(f"{where}: {fmt} cannot be read from a stream; name the file")
    return _records(stream, fmt, where, columns, None)


def _closing(stream: IO[str], items: Iterator[Row | RowProblem]) -> Iterator[Row | RowProblem]:
    with stream:
        yield from items


def _records(
    stream: IO[str], fmt: str, where: str, columns: Columns, delimiter: str | None
) -> Iterator[Row | RowProblem]:
    try:
        if fmt == "jsonl":
            yield from _jsonl(stream, where, columns)
        else:
            yield from _csv(stream, where, columns, delimiter)
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{where} is not UTF-8 text; convert it to UTF-8 first") from exc
    except (OSError, EOFError) as exc:  # a truncated .gz, a read error
        raise ArticleError(f"cannot read {where}: {exc}") from exc


def _jsonl(stream: IO[str], where: str, columns: Columns) -> Iterator[Row | RowProblem]:
    chosen: dict[str, str | None] | None = None
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowProblem(number, f"not JSON ({exc.msg}, column {exc.colno})")
            continue
        if not isinstance(value, dict):
            yield RowProblem(number, f"a JSON {type(value).__name__}, not an object")
            continue
        if chosen is None:
            chosen = choose(list(value), columns, where)
        yield _row(number, value, chosen)


def _csv(
    stream: IO[str], where: str, columns: Columns, delimiter: str | None
) -> Iterator[Row | RowProblem]:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    header_line = stream.readline()
    if not header_line.strip():
        raise ArticleError(f"{where} is empty")
    delimiter = delimiter or _delimiter(header_line)
    (header,) = list(csv.reader([header_line], delimiter=delimiter)) or [[]]
    chosen = choose(header, columns, where)
    reader = csv.reader(stream, delimiter=delimiter)
    number = 0
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowProblem(number, f"malformed CSV ({exc})")
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield RowProblem(number, f"{len(values)} fields where the header has {len(header)}")
            continue
        yield _row(number, dict(zip(header, values, strict=True)), chosen)


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parquet(path: Path, columns: Columns) -> Iterator[Row | RowProblem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except OSError as exc:
        raise ArticleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (pa.ArrowException, ValueError) as exc:
        raise ArticleError(f"{path} is not a Parquet file ({_first_line(exc)})") from exc
    return _parquet_rows(handle, path, columns)


def _parquet_rows(handle: Any, path: Path, columns: Columns) -> Iterator[Row | RowProblem]:
    import pyarrow as pa

    with handle:
        chosen = choose(handle.schema_arrow.names, columns, str(path))
        wanted = sorted({c for c in chosen.values() if c is not None})
        number = 0
        try:
            for batch in handle.iter_batches(
                batch_size=PARQUET_BATCH_ROWS, columns=wanted, use_threads=False
            ):
                for values in batch.to_pylist():
                    number += 1
                    yield _row(number, values, chosen)
        except (pa.ArrowException, OSError) as exc:
            why = _first_line(exc)
            raise ArticleError(f"{path}: cannot read past row {number} ({why})") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def choose(names: Sequence[str], columns: Columns, where: str) -> dict[str, str | None]:
    """The column of each role (text, id, url, title, published, lang) among ``names``."""
    chosen: dict[str, str | None] = {}
    for role in (f.name for f in fields(Columns)):
        given = getattr(columns, role)
        chosen[role] = _named(names, given, where, role) if given else _find(names, role)
    if chosen["text"] is None:
        looked = ", ".join(CANDIDATES["text"][:3])
        raise ArticleError(
            f"{where}: no text column (looked for {looked}, ...; found: {_listing(names)}); "
            "name it with --text-column"
        )
    return chosen


def _named(names: Sequence[str], given: str, where: str, role: str) -> str:
    if given in names:
        return given
    folded = [n for n in names if n.lower() == given.lower()]
    if len(folded) == 1:
        return folded[0]
    flag = "date" if role == "published" else role
    raise ArticleError(
        f"{where} has no column {given!r} (--{flag}-column; found: {_listing(names)})"
    )


def _find(names: Sequence[str], role: str) -> str | None:
    by_fold: dict[str, str] = {}
    for name in names:
        by_fold.setdefault(name.strip().lower(), name)
    return next((by_fold[c] for c in CANDIDATES[role] if c in by_fold), None)


def _listing(names: Iterable[str]) -> str:
    shown = [str(n) for n in names][:20]
    return ", ".join(shown) if shown else "none"


def _row(
    number: int, values: Mapping[str, Any], chosen: Mapping[str, str | None]
) -> Row | RowProblem:
    def get(role: str) -> Any:
        column = chosen[role]
        return values.get(column) if column is not None else None

    text = get("text")
    if text is None or (isinstance(text, str) and not text.strip()):
        return RowProblem(number, f"no text in column {chosen['text']!r}")
    if not isinstance(text, str):
        kind = type(text).__name__
        return RowProblem(number, f"column {chosen['text']!r} is not text ({kind})")
    return Row(
        number=number,
        text=text,
        source_id=_scalar(get("id")),
        url=_scalar(get("url")),
        title=_scalar(get("title")),
        published=get("published"),
        lang=get("lang"),
    )


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None
