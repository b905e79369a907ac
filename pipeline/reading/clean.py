"""What the model reads: the article's body, without the debris of scraping.

Scraped news text carries menus ("Go Top", "Politics"), the headline and publication line
again above the body, bylines, photo captions repeated twice (sometimes within one line),
cookie banners and share buttons. A small model reports the headline as a second meeting and
copies the publication time as the meeting's start. So the model reads :func:`body`: the text
minus header lines, lines that repeat an earlier one (exactly or nearly: a caption
restating the lead), lines that do not end like a sentence (menus, decks, captions, buttons)
and boilerplate. Nothing is rewritten, only left out, so
every quote the model copies from the body is also a quote of the full text, where offsets
are computed.
"""

from __future__ import annotations

import functools
import re

import sentencex
from rapidfuzz import fuzz

from meetx.pipeline.text.words import squash
from meetx.schemas.article import Article

MIN_WORDS = 5  # a shorter line without a full stop is navigation, not prose
NEAR_DUPLICATE = 90  # rapidfuzz partial ratio: a caption that repeats a sentence above it
_TERMINAL = (".", "!", "?", '"', "”", "'", "’", ")")
_BOILERPLATE = re.compile(
    r"\b(cookies?|all rights reserved|copyright|subscribe|newsletter|share (this|on)|"
    r"link copied|click here|advertisement|editor'?s pick|related articles?|read more)\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(by|written by|reporter)\s+\S", re.IGNORECASE)


def _undouble(line: str) -> str:
    """'X X' (a caption pasted twice on one line) -> 'X'."""
    half = len(line) // 2
    for cut in range(half - 2, half + 3):
        first, second = line[:cut].strip(), line[cut:].strip()
        if first and first == second:
            return first
    return line


def _is_debris(line: str, article: Article) -> bool:
    if line in (article.headline, article.published_text, article.outlet):
        return True
    if _BYLINE.match(line) or _BOILERPLATE.search(line):
        return True
    # decks, captions and buttons end without a full stop; prose paragraphs end with one
    return len(line.split()) < MIN_WORDS or not line.endswith(_TERMINAL)


def _repeats(folded: str, kept: list[str]) -> bool:
    """Whether a (squashed) line nearly repeats one kept before it (squashed too)."""
    return any(
        fuzz.partial_ratio(folded, k, score_cutoff=NEAR_DUPLICATE) >= NEAR_DUPLICATE for k in kept
    )


def body(article: Article) -> str:
    """The article's prose, one paragraph per line, each kept once, in order.

    Cached for the last few articles: the prompt, the sentences, the cues and the outcome
    rules all read it, and the near-duplicate search is most of what consolidating costs.
    """
    return _body(article)


@functools.lru_cache(maxsize=32)
def _body(article: Article) -> str:  # Article is frozen: hashed by its values
    kept: list[str] = []
    folded_kept: list[str] = []
    for raw in article.text.splitlines():
        line = _undouble(raw.strip())
        if not line or _is_debris(line, article):
            continue
        folded = squash(line)
        if _repeats(folded, folded_kept):
            continue
        kept.append(line)
        folded_kept.append(folded)
    return "\n\n".join(kept)


def chunks(text: str, max_chars: int, overlap: int = 2) -> list[str]:
    """``text`` in pieces of at most ``max_chars``, cut between sentences, each piece
    starting with the last ``overlap`` sentences of the one before (a meeting reported across
    the cut is seen whole in one of them; ``consolidate.merge`` joins the halves it finds).
    A single sentence longer than ``max_chars`` is a piece of its own.
    """
    if len(text) <= max_chars:
        return [text]
    sentences = [text[start:end] for start, end in sentence_spans(text)]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and len(" ".join([*current, sentence])) > max_chars:
            pieces.append(" ".join(current))
            current = current[-overlap:] if overlap else []
            while current and len(" ".join([*current, sentence])) > max_chars:
                current.pop(0)
        current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    return pieces


def sentence_spans(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``; a line break always ends one.

    Cut by ``sentencex`` (Wikimedia's segmenter: abbreviations and initials of ~300
    languages, "U.S.", "Aug.", "Sr.", "z. B." stay whole), in the article's language.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        cursor = 0
        for piece in sentencex.segment(lang or "en", line):
            words = piece.strip()
            at = line.find(words, cursor) if words else -1
            if at < 0:
                continue
            spans.append((offset + at, offset + at + len(words)))
            cursor = at + len(words)
        offset += len(line) + 1
    return spans


def sentences(text: str, lang: str | None = None) -> list[str]:
    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text, lang)]
