"""Files -> :class:`~schemas.Article`: the text, its hash, and what its header states.

News text scraped from the web opens with a header of a few short lines (outlet, menus,
headline, byline, a publication line in one of many styles) before the first paragraph.
Only that header is searched for the publication date, so a date in the body is never taken
for it; dates are parsed by ``dateparser``.

What the article's metadata states (:class:`Meta`: a dataset row's columns, an HTML page's
markup, ``--published``) wins over what the header rules guess: :func:`parse` takes the
metadata's publication date, headline and outlet when it has them, says where the date came
from (``Article.published_source``), and still finds the publication line of the text
(``published_text``), which the cleaning and the checks leave out. The language is the one
the metadata gives, else detected (``reading.lang``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dateparser
from dateparser.search import search_dates

from meetx.pipeline.errors import ArticleError
from meetx.pipeline.reading import lang
from meetx.schemas.article import Article, PublishedSource

log = logging.getLogger(__name__)

BODY_LINE_CHARS = 150  # the first line this long starts the body
HEADER_MAX_LINES = 15
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # 2017-08-05
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?,?\s+\d{4}",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(published|posted( on)?|written|updated|modified|date)\b", re.IGNORECASE)
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{1,30},\s+(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"[a-z]*\.?\s+\d{1,2}(?:,\s+\d{4})?)\s*(?:\([^)]{1,30}\))?\s*(?:--|—|–|-)",
    re.MULTILINE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_OPENING_LABEL = re.compile(
    r"^\s*(?:date|published|fecha|datum|data|tanggal)[:\s]+(?P<date>\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
_INNER_LABEL = re.compile(
    r"\b(?:published|posted|date|fecha|datum|data|tanggal|publi[ée]\w*|ver[öo]ffentlicht)\s*:",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^by\s+\S", re.IGNORECASE)
_MENU = re.compile(r"\s[|»›•]\s")
_CREDIT = re.compile(r"\(([A-Z][A-Za-z .&-]{1,30})\)\s*$")


def iter_paths(paths: Iterable[Path], skip: Iterable[Path] = ()) -> Iterator[Path]:
    """Files named, and the files below directories named (sorted, hidden ones skipped).

    Streams: one directory's names are listed at a time, so a tree of any size costs little
    memory. Entries that are not directories are yielded even if they are not regular files
    (a broken link, a pipe), so that :func:`read_text` can say what is wrong with them.
    Directories and files in ``skip`` (meetx's own output, say) are left out when met below a
    directory named.
    """
    left_out = {p.resolve() for p in skip}
    for path in paths:
        if path.is_dir():
            yield from _walk(path, left_out)
        else:
            yield path


def _walk(directory: Path, skip: set[Path]) -> Iterator[Path]:
    try:
        names = sorted(name for name in os.listdir(directory) if not name.startswith("."))
    except OSError as exc:
        log.warning("cannot list %s: %s", directory, exc.strerror or exc)
        return
    for name in names:
        child = directory / name
        if skip and child.resolve() in skip:
            continue
        if child.is_dir():
            yield from _walk(child, skip)
        else:
            yield child


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML = re.compile(r"\A\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<\?xml)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
MAX_ARTICLE_BYTES = 2_000_000


def read_text(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> str:
    """The text of an article file, or :class:`ArticleError` with a one-line reason.

    UTF-8 (with or without a BOM), and UTF-16 or UTF-32 with a BOM, are read; anything else
    (Latin-1, binary data, an HTML page, a file too large to be one article) is refused with
    what it looks like, never guessed at. (``reading.sources`` reads HTML pages.)
    """
    text = read_file(path, max_bytes)
    if _HTML.match(text):
        raise ArticleError(f"{path} is an HTML page, not article text: extract its text first")
    return text


def read_file(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> str:
    """A text file (an article or a page) as :func:`read_text` reads it, HTML allowed."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise ArticleError(
                f"{path} is too large for one article ({info.st_size / 1e6:.1f} MB, "
                f"limit {max_bytes / 1e6:g} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return decode(data, str(path))


def decode(data: bytes, path: str) -> str:
    """Bytes of an article as :func:`read_text` decodes them (standard input too)."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\x00" in data:
        raise ArticleError(f"{path} looks binary (it holds NUL bytes)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        label = encoding.upper().removesuffix("-SIG")
        raise ArticleError(
            f"{path} is not {label} text (byte {exc.start}); convert it to UTF-8 first"
        ) from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ArticleError(f"{path} is empty")
    if "\x00" in text or len(_CONTROL.findall(text[:4096])) > 8:
        raise ArticleError(f"{path} looks binary (control characters)")
    return text


def header_lines(text: str) -> list[str]:
    """The short lines before the first paragraph."""
    lines: list[str] = []
    for raw in text.splitlines()[: HEADER_MAX_LINES * 3]:
        line = raw.strip()
        if len(line) >= BODY_LINE_CHARS or len(lines) >= HEADER_MAX_LINES:
            break
        if line:
            lines.append(line)
    return lines


def find_published(
    header: list[str], text: str = "", language: str | None = None
) -> tuple[dt.date | None, str | None]:
    """The date of a label opening the text ("date 2021-03-04 ..."), else the first date in
    a labelled or date-only header line, in English or in the article's language ("Fecha: 3
    de marzo de 2019 a las 10:20", "7 Mei 2015 08:05 WIB", "12.10.2017. 14:30")."""
    opening = _OPENING_LABEL.match(text)
    if opening is not None:
        return dt.date.fromisoformat(opening.group("date")), opening.group(0).strip()
    for line in header:
        match = _DATE.search(line)
        if match is None:
            found = _other_date(line, language)
            if found is not None:
                return found, line
            continue
        labelled = _LABEL.match(line) is not None
        date_only = len(_DATE.sub("", line).split()) <= 3  # "October 27, 2016 1:00 pm"
        if not (labelled or date_only):
            continue
        parsed = dateparser.parse(match.group(0), languages=["en"])
        if parsed is not None:
            return parsed.date(), line
    return None, None


def _other_date(line: str, language: str | None) -> dt.date | None:
    """A full date (day, month, year) in a short or labelled header line, any language."""
    if not _YEAR.search(line):
        return None
    labelled = _LABEL.match(line) is not None or _INNER_LABEL.search(line) is not None
    if not labelled and len(line.split()) > 6:
        return None
    words = _INNER_LABEL.split(line)[-1] if labelled else line
    languages = [language, "en"] if language and language != "en" else ["en"]
    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "DATE_ORDER": "DMY"}
    try:
        found = search_dates(words, languages=languages, settings=settings)
    except (ValueError, OverflowError, KeyError):
        return None
    for matched, value in found or []:
        if _YEAR.search(matched):
            return value.date()
    return None


def find_dateline(text: str) -> tuple[dt.date | None, str | None]:
    """'SEOUL, Aug. 7 (Yonhap) --' opening the body: the day it was filed.

    A dateline without a year takes the one year the article mentions, if it mentions
    exactly one; otherwise the date stays unknown rather than guessed.
    """
    match = _DATELINE.search(text[:2000])
    if match is None:
        return None, None
    words = match.group("date")
    if not _YEAR.search(words):
        same_day = _same_day_with_year(words, text)
        years = set(_YEAR.findall(text))
        if same_day is not None:
            words = same_day
        elif len(years) == 1:
            words = f"{words}, {years.pop()}"
        else:
            return None, None
    parsed = dateparser.parse(words, languages=["en"])
    return (parsed.date(), match.group(0).strip()) if parsed else (None, None)


def _same_day_with_year(words: str, text: str) -> str | None:
    """A full date of the text on the dateline's month and day ("April 13" -> "April 13,
    2023"): the year the dateline leaves out."""
    month_day = " ".join(words.replace(",", " ").split()[:2]).rstrip(".")
    for match in _DATE.finditer(text):
        if match.group(0).startswith(month_day) and _YEAR.search(match.group(0)):
            return match.group(0)
    return None


def find_headline(header: list[str], published_line: str | None) -> str | None:
    for line in header:
        if line == published_line or _BYLINE.match(line) or _DATE.search(line):
            continue
        if _MENU.search(line):  # "Home | World | Business": navigation
            continue
        if 5 <= len(line.split()) <= 25 and not line.endswith("."):  # headlines end bare
            return line
    return None


def find_outlet(header: list[str], text: str, headline: str | None) -> str | None:
    """A short title-case first line above the headline, else a closing credit '(Yonhap)'."""
    if headline and header and header[0] != headline and header.index(headline) <= 3:
        first = header[0]
        words = first.split()
        title_case = all(w[0].isupper() for w in words if w[0].isalpha())
        if 1 <= len(words) <= 4 and title_case and not first.lower().startswith("menu"):
            return first
    tail = text.rstrip().splitlines()[-1] if text.strip() else ""
    credit = _CREDIT.search(tail)
    return credit.group(1) if credit else None


@dataclass(frozen=True)
class Meta:
    """What is known of an article besides its text: it wins over the header rules."""

    published: dt.date | None = None
    published_source: PublishedSource | None = None  # "dataset", "html" or "flag"
    headline: str | None = None
    outlet: str | None = None
    url: str | None = None
    source_id: str | None = None
    lang: str | None = None  # ISO 639-1, as the dataset gives it
    page_sha256: str | None = None


def load(path: Path) -> Article:
    """Read one article; raise :class:`ArticleError` with a one-line reason if it can't be."""
    return parse(read_text(path), str(path))


def parse(text: str, path: str = "<text>", meta: Meta | None = None) -> Article:
    """An article from its text: id, what its metadata states, else what its header states."""
    meta = meta or Meta()
    header = header_lines(text)
    detected = None if meta.lang else lang.detect(text)
    found, published_text = find_published(header, text, meta.lang or detected)
    source: PublishedSource | None = "header" if found else None
    if found is None:
        found, published_text = find_dateline(text)
        source = "dateline" if found else None
    headline = find_headline(header, published_text)
    if meta.published is not None:
        found, source = meta.published, meta.published_source
    return Article(
        id=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=path,
        outlet=meta.outlet or find_outlet(header, text, headline),
        headline=meta.headline or headline,
        published=found,
        published_text=published_text,
        published_source=source,
        lang=meta.lang or detected,
        lang_source="dataset" if meta.lang else "detected" if detected else None,
        url=meta.url,
        source_id=meta.source_id,
        page_sha256=meta.page_sha256,
        text=text,
    )
