"""Long articles, one piece at a time: the model's answers for each piece, as one answer.

An article longer than ``settings.chunk_chars`` (after cleaning) is rendered in pieces cut
between sentences with two sentences of overlap (:meth:`Prompt.render_chunks`); each piece is
extracted on its own and the answers are joined: meetings listed in order, tokens and attempts
added up, raw outputs kept one per line. Sentence numbers are the article's own in every
piece, so the joined answer points into one numbering; the meetings reported in two pieces
are merged later by the rules (``merge_reports``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from meetx.pipeline.extraction.prompts import Prompt
from meetx.schemas.article import Article
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import Usage

if TYPE_CHECKING:  # the answers' type only: this module never talks to the model itself
    from meetx.pipeline.model.llm import Completion

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
        # each answer is valid; their sum may hold more meetings than one answer may
        draft=ArticleDraft.model_construct(meetings=[m for a in answers for m in a.draft.meetings]),
        raw_output="\n".join(a.raw_output for a in answers),
        usage=usage,
        calls=sum(a.calls for a in answers),
        failed_attempts=[f for a in answers for f in a.failed_attempts],
        validated=all(a.validated for a in answers),
    )


async def aextract(
    extract_one: Callable[[Messages, str], Awaitable[Completion]],
    prompt: Prompt,
    article: Article,
    chunk_chars: int,
    pieces: list[Messages] | None = None,
) -> Completion:
    """Extract every piece of ``article`` with ``extract_one``, in order (the pieces share the
    cached prefix), and join the answers. ``pieces``: the article's messages if already
    rendered (the batch engine renders them in its stage workers)."""
    pieces = pieces if pieces is not None else prompt.render_chunks(article, chunk_chars)
    return join([await extract_one(messages, article.text) for messages in pieces])
