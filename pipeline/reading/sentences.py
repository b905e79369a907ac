"""The article as the model reads it: the cleaned body's sentences, numbered from 1.

The model answers with sentence numbers (the sentence that reports a meeting, the sentences
that state its outcomes) instead of copying words, which is most of what it would otherwise
write. Each :class:`Sentence` keeps its offsets in the article's full text, so the words a
number points at are evidence with offsets, like any quote.

Sentences are cut by :func:`pipeline.reading.clean.sentence_spans`, paragraph by paragraph of
:func:`pipeline.reading.clean.body`: a sentence never spans two paragraphs (a caption and
the paragraph after it stay apart).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from meetx.pipeline.reading import clean
from meetx.schemas.article import Article


@dataclass(frozen=True)
class Sentence:
    number: int  # from 1, as the model sees it
    text: str  # the words, whitespace folded
    start: int  # offsets in article.text
    end: int
    paragraph: int  # index of its paragraph in the body


def numbered(article: Article) -> tuple[Sentence, ...]:
    """The body's sentences, numbered from 1, with offsets in ``article.text``."""
    return _numbered(article)


@functools.lru_cache(maxsize=32)
def _numbered(article: Article) -> tuple[Sentence, ...]:
    found: list[Sentence] = []
    cursor = 0
    for index, paragraph in enumerate(clean.body(article).split("\n\n")):
        at = article.text.find(paragraph, cursor)
        if at < 0:  # not as a whole (cannot happen: the body only leaves lines out)
            at = article.text.find(paragraph)
        if at < 0:
            continue
        cursor = at + len(paragraph)
        for start, end in clean.sentence_spans(paragraph, article.lang):
            words = " ".join(paragraph[start:end].split())
            found.append(Sentence(len(found) + 1, words, at + start, at + end, index))
    return tuple(found)


def render(sentences: Sequence[Sentence]) -> str:
    """``[n] sentence`` lines, a blank line between paragraphs."""
    lines: list[str] = []
    previous = -1
    for sentence in sentences:
        if lines and sentence.paragraph != previous:
            lines.append("")
        lines.append(f"[{sentence.number}] {sentence.text}")
        previous = sentence.paragraph
    return "\n".join(lines)


def pieces(sentences: Sequence[Sentence], max_chars: int, overlap: int = 2) -> list[list[Sentence]]:
    """The sentences in runs of at most ``max_chars`` rendered characters, each run starting
    with the last ``overlap`` sentences of the one before; numbers stay the article's own."""
    runs: list[list[Sentence]] = []
    current: list[Sentence] = []
    size = 0
    for sentence in sentences:
        length = len(sentence.text) + 8
        if current and size + length > max_chars:
            runs.append(current)
            current = current[-overlap:] if overlap else []
            size = sum(len(s.text) + 8 for s in current)
        current.append(sentence)
        size += length
    if current or not runs:
        runs.append(current)
    return runs


def at(sentences: Sequence[Sentence], number: int) -> Sentence | None:
    """The sentence the model numbered ``number``, or None for a number it made up."""
    return sentences[number - 1] if 1 <= number <= len(sentences) else None
