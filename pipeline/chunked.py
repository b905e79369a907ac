"""Long articles, one piece at a time: the model's answers for each piece, as one answer.

An article longer than ``settings.chunk_chars`` (after cleaning) is rendered in pieces cut
between sentences with two sentences of overlap (:meth:`Prompt.render_chunks`); each piece is
extracted on its own and the answers are joined: meetings listed in order, tokens and attempts
added up, raw outputs kept one per line. The meetings reported in two pieces are merged later
by ``consolidate.merge``, and every quote is located in the whole text, so offsets stay right.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.prompts import Prompt
from schemas.article import Article
from schemas.draft import ArticleDraft
from schemas.record import Usage

if TYPE_CHECKING:  # the answers' type only: this module never talks to the model itself
    from pipeline.llm import Completion

Messages = list[dict[str, str]]


def join(answers: Sequence[Completion]) -> Completion:
    """One answer from the answers of the pieces of one article."""
    if len(answers) == 1:
        return answers[0]
    usage = Usage()
    for answer in answers:
        usage = usage + answer.usage
    return dataclasses.replace(
        answers[0],
        draft=ArticleDraft(meetings=[m for a in answers for m in a.draft.meetings]),
        raw_output="\n".join(a.raw_output for a in answers),
        usage=usage,
        calls=sum(a.calls for a in answers),
        failed_attempts=[f for a in answers for f in a.failed_attempts],
        validated=all(a.validated for a in answers),
    )


def extract(
    extract_one: Callable[[Messages, str], Completion],
    prompt: Prompt,
    article: Article,
    chunk_chars: int,
) -> Completion:
    """Extract every piece of ``article`` with ``extract_one`` and join the answers."""
    pieces = prompt.render_chunks(article, chunk_chars)
    return join([extract_one(messages, article.text) for messages in pieces])


async def aextract(
    extract_one: Callable[[Messages, str], Awaitable[Completion]],
    prompt: Prompt,
    article: Article,
    chunk_chars: int,
) -> Completion:
    """The same with an async extractor (pieces in order: they share the cached prefix)."""
    answers = [
        await extract_one(m, article.text) for m in prompt.render_chunks(article, chunk_chars)
    ]
    return join(answers)
