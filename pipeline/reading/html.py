"""Saved web pages -> their main text and metadata, with ``trafilatura``.

trafilatura (made for news and blog pages; its metadata comes with ``htmldate``) was compared
with ``readability-lxml`` on the 20 news pages of newspaper4k's test data, whose expected text
and metadata are known (``bench/html_extractors.py``): mean token F1 of the text 0.965 against
0.959 with ``favor_precision`` (0.929 without: comment threads and paywall notices came in),
and the publication date right on 15 of the 16 dated pages from their markup alone, where
readability finds none, nor a site name or URL. (Letting htmldate search the text too gets
the 16th, and invents a 1 January for an undated page: the header rules do that part.)

The article's text is the page's title, a blank line, then the paragraphs trafilatura keeps,
one per line and a blank line between them (the title is not repeated when the page's own
heading opens the text): the shape of the plain-text articles meetx reads, so the header
rules and ``reading.clean`` treat both alike. That text is what offsets refer to; the batch
stores it with the article (``batch.sinks``). The publication date is the one the page's
markup states (``original_date``: not the last change; no guess from the text or URL, which
is left to the header rules).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from meetx.pipeline.errors import ArticleError

log = logging.getLogger(__name__)

MIN_LETTERS = 100  # fewer letters in the main text: the page holds no article (letters,
# not words: Chinese or Japanese text has no spaces)
_LETTER = re.compile(r"[^\W\d_]")
_HTML = re.compile(r"\A\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<\?xml)", re.IGNORECASE)
_MARKUP = re.compile(r"<(?:body|div|p|article|meta|title)[\s>/]", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """What a page gives: its main text (title first) and what its metadata states."""

    text: str
    title: str | None
    published: dt.date | None
    sitename: str | None
    url: str | None
    lang: str | None  # as the page declares it, for what it is worth


def looks_like_html(text: str) -> bool:
    """A page: a doctype or <html>/<head> first, or markup in the first kilobyte."""
    return bool(_HTML.match(text)) or len(_MARKUP.findall(text[:1024])) >= 2


def extract(page: str, where: str, url: str | None = None) -> Page:
    """The main text and metadata of ``page``; :class:`ArticleError` if it holds no article."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=True,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise ArticleError(f"{where}: cannot read the HTML page ({type(exc).__name__})") from exc

    def get(name: str) -> object:
        return getattr(doc, name, None) if doc is not None else None

    body = _clean_lines(get("text"))
    if len(_LETTER.findall(body)) < MIN_LETTERS:
        raise ArticleError(f"{where} is an HTML page with no article text in it")
    title = _clean(get("title"))
    return Page(
        text=_layout(title, body),
        title=title,
        published=_date(get("date")),
        sitename=_clean(get("sitename")),
        url=_clean(get("url")) or url,
        lang=_clean(get("language")),
    )


def _clean_lines(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _layout(title: str | None, body: str) -> str:
    paragraphs = [" ".join(line.split()) for line in body.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if title and (not paragraphs or paragraphs[0] != title):
        paragraphs.insert(0, title)
    return "\n\n".join(paragraphs) + "\n"


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        log.debug("unreadable page date %r", value)
        return None
