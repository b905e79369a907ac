"""Everything ``meetx extract`` is given -> one :class:`Item` per article, streamed.

An input is a text file, an HTML page (``.html``/``.htm``, or any file that is HTML inside), a
dataset (``.jsonl``, ``.csv``, ``.tsv``, ``.parquet``, ``.gz`` too: one article per row, see
``reading.tables``), a directory of any of these, or ``-``: standard input, one article (text
or HTML), or rows with ``--format jsonl|csv``. Whatever cannot be read becomes a
:class:`Problem` of one line, and the inputs after it are read.

An :class:`Item` is still raw: an HTML page becomes its article in :func:`to_article` (which
the batch runs in its worker processes, trafilatura being the slowest step of reading).
:meth:`Item.digest` is what a rerun recognises before that: the text's sha256 (the article's
id) or, for a page, the page's.

Metadata precedence, for the publication date and everything else: the dataset row's columns
or the page's markup, then ``--published``, then the text's header and dateline
(``reading.articles.parse``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import dateparser

from meetx.pipeline.errors import ArticleError, ConfigError
from meetx.pipeline.reading import articles, html, lang, tables
from meetx.pipeline.reading.articles import Meta
from meetx.schemas.article import Article

log = logging.getLogger(__name__)

STDIN = Path("-")
FORMATS = ("text", "html", *tables.FORMATS)
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
MAX_PAGE_BYTES = 20_000_000  # a saved page carries scripts and styles: more than its text


@dataclass(frozen=True)
class InputOptions:
    """How to read the inputs: ``--format``, the ``--*-column`` flags, ``--published``."""

    format: str | None = None  # None: by each file's suffix, or its content
    columns: tables.Columns = field(default_factory=tables.Columns)
    published: dt.date | None = None
    max_bytes: int = articles.MAX_ARTICLE_BYTES
    max_page_bytes: int = MAX_PAGE_BYTES

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            known = ", ".join(FORMATS)
            raise ConfigError(f"unknown input format {self.format!r} (one of {known})")


@dataclass(frozen=True)
class Item:
    """One article to read: its text, or its page when ``is_html``, and its metadata."""

    path: str  # 'a.txt', 'pages/b.html', 'data.csv#3' (row 3), '<stdin>'
    text: str
    meta: Meta = field(default_factory=Meta)
    is_html: bool = False

    def digest(self) -> bytes:
        """sha256 of the text (the article's id), or of the page as read."""
        return hashlib.sha256(self.text.encode("utf-8")).digest()


@dataclass(frozen=True)
class Problem:
    message: str


def iter_inputs(
    paths: Iterable[Path],
    options: InputOptions = InputOptions(),
    skip: Iterable[Path] = (),
    stdin: IO[bytes] | None = None,
) -> Iterator[Item | Problem]:
    """The articles of every input, in order; directories are walked (``skip`` left out)."""
    flag = Meta()
    if options.published is not None:
        flag = Meta(published=options.published, published_source="flag")
    for path in paths:
        if path == STDIN:
            yield from _stdin(options, flag, stdin)
            continue
        for file in articles.iter_paths([path], skip):
            yield from _file(file, options, flag)


def _file(path: Path, options: InputOptions, flag: Meta) -> Iterator[Item | Problem]:
    fmt = options.format or format_of(path)
    if fmt in tables.FORMATS:
        try:
            found = tables.rows(path, fmt, options.columns)
        except ArticleError as exc:
            yield Problem(str(exc))
            return
        yield from _rows(found, str(path), flag)
        return
    if fmt is None and path.suffix.lower() == ".json":
        yield _stored(path, options)
        return
    limit = options.max_page_bytes if fmt == "html" else options.max_bytes
    try:
        text = articles.read_file(path, limit)
    except ArticleError as exc:
        yield Problem(str(exc))
        return
    yield from_text(text, str(path), fmt, flag)


def _stored(path: Path, options: InputOptions) -> Item | Problem:
    """An article as an output directory stores it (``articles/ab/<id>.json``): read again with
    its metadata (``meetx review reextract`` does; ``meetx extract output/articles`` too)."""
    try:
        article = Article.model_validate_json(articles.read_file(path, 4 * options.max_bytes))
    except (ArticleError, ValueError):
        return Problem(f"{path} is a JSON file: give one article per line as JSONL (.jsonl)")
    if hashlib.sha256(article.text.encode("utf-8")).hexdigest() != article.id:
        return Problem(f"{path}: the stored text is not the article {article.id[:16]}")
    return item_of(article)


def item_of(article: Article) -> Item:
    """A stored article as an input again, with the metadata that beat guessing when it was
    read (a dataset's or page's date, the flag's; a dataset's language)."""
    keeps = article.published_source in ("dataset", "html", "flag")
    meta = Meta(
        published=article.published if keeps else None,
        published_source=article.published_source if keeps else None,
        headline=article.headline,
        outlet=article.outlet,
        url=article.url,
        source_id=article.source_id,
        lang=article.lang if article.lang_source == "dataset" else None,
        page_sha256=article.page_sha256,
    )
    return Item(article.path, article.text, meta)


def format_of(path: Path) -> str | None:
    """``html``, ``jsonl``, ``csv`` or ``parquet`` by the file's suffix; None: a text file (or
    HTML inside, found by its content)."""
    if path.suffix.lower() in HTML_SUFFIXES:
        return "html"
    return tables.format_of(path)


def from_text(text: str, where: str, fmt: str | None = None, flag: Meta | None = None) -> Item:
    """The item of a file's text: a page when ``fmt`` says so or (unset) its content is HTML."""
    is_html = fmt == "html" or (fmt is None and html.looks_like_html(text))
    return Item(where, text, flag or Meta(), is_html=is_html)


def _stdin(options: InputOptions, flag: Meta, stream: IO[bytes] | None) -> Iterator[Item | Problem]:
    raw = stream or sys.stdin.buffer
    if options.format in tables.FORMATS:
        lines = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            rows = tables.stream_rows(lines, options.format, "<stdin>", options.columns)
        except ArticleError as exc:
            yield Problem(str(exc))
            return
        yield from _rows(rows, "<stdin>", flag)
        return
    limit = max(options.max_bytes, options.max_page_bytes)
    data = raw.read(limit + 1)
    if len(data) > limit:
        yield Problem(f"standard input is too large for one article (over {limit / 1e6:g} MB)")
        return
    try:
        text = articles.decode(data, "standard input")
    except ArticleError as exc:
        yield Problem(str(exc))
        return
    yield from_text(text, "<stdin>", options.format, flag)


def _rows(
    rows: Iterator[tables.Row | tables.RowProblem], where: str, flag: Meta
) -> Iterator[Item | Problem]:
    try:
        for row in rows:
            if isinstance(row, tables.RowProblem):
                yield Problem(f"{where} row {row.number}: {row.message}")
                continue
            yield Item(f"{where}#{row.number}", row.text, _row_meta(row, where, flag))
    except ArticleError as exc:
        yield Problem(str(exc))


def _row_meta(row: tables.Row, where: str, flag: Meta) -> Meta:
    published = to_date(row.published)
    if row.published not in (None, "") and published is None:
        log.warning(
            "%s row %d: %r is no date; read from the text", where, row.number, row.published
        )
    given = lang.normalise(row.lang)
    if row.lang not in (None, "") and given is None:
        log.warning("%s row %d: %r names no language; it is detected", where, row.number, row.lang)
    return Meta(
        published=published or flag.published,
        published_source="dataset" if published else flag.published_source,
        headline=row.title,
        url=row.url,
        source_id=row.source_id,
        lang=given,
    )


def to_date(value: object) -> dt.date | None:
    """A dataset's publication date: a date, a timestamp, ISO text or text dateparser reads
    whole (day, month and year); None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    parsed = dateparser.parse(text, settings={"STRICT_PARSING": True})
    return parsed.date() if parsed else None


def to_article(item: Item) -> Article:
    """The article of an item; for a page, its main text (:class:`ArticleError` if none)."""
    if not item.is_html:
        return articles.parse(item.text, item.path, item.meta)
    page = html.extract(item.text, item.path, url=item.meta.url)
    meta = dataclasses.replace(
        item.meta,
        headline=item.meta.headline or page.title,
        outlet=item.meta.outlet or page.sitename,
        url=item.meta.url or page.url,
        page_sha256=item.digest().hex(),
    )
    if page.published is not None and item.meta.published_source != "dataset":
        meta = dataclasses.replace(meta, published=page.published, published_source="html")
    return articles.parse(page.text, item.path, meta)
