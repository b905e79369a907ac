"""Long articles, one piece at a time: the model's answers for each piece, as one answer.

An article longer than ``settings.chunk_chars`` (after cleaning) is rendered in pieces cut
between sentences with two sentences of overlap (:meth:`Prompt.render_chunks`); each piece is
extracted on its own and the answers are joined: meetings listed in order, tokens and attempts
added up, raw outputs kept one per line. The meetings reported in two pieces are merged later
by ``consolidate.merge``, and every quote is located in the whole text, so offsets stay right.

When the answer reports a meeting that names nobody, the article is asked about once more
without the sentence that answer came from (:func:`second_look`): a second pass for recall.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from meetx.pipeline.errors import ExtractionError
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.rules import normalise
from meetx.pipeline.text.countries import country
from meetx.schemas.article import Article
from meetx.schemas.draft import ArticleDraft, MeetingDraft
from meetx.schemas.record import Usage

if TYPE_CHECKING:  # the answers' type only: this module never talks to the model itself
    from meetx.pipeline.model.llm import Completion

log = logging.getLogger(__name__)
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


def _countries(meeting: MeetingDraft) -> set[str | None]:
    return {country(p.country)[1] for p in meeting.participants}


def nameless_reports(draft: ArticleDraft) -> list[str]:
    """The sentences the model reported meetings from that name nobody who met, unless a
    meeting of the answer that names people has every country they have: then the nameless
    one is a fragment of it ("Cheong Wa Dae said the three sides agreed ..."), which the merge
    joins, and asking again would only cost time."""
    named = [
        m for m in draft.meetings if any(normalise.person_name(p.name) for p in m.participants)
    ]
    return [
        m.report
        for m in draft.meetings
        if m not in named and not any(_countries(m) <= _countries(n) for n in named)
    ]


def second_look(
    prompt: Prompt, article: Article, first: Completion, chunk_chars: int
) -> list[Messages]:
    """The messages of a second pass, if the first answer reported a meeting naming nobody.

    A small model takes a lead that sums up ("officials of A, B and C agreed ...") for the
    sentence that reports the meeting and lists the countries, although a later sentence
    names the people (seed 001). Asked again about the text without that lead, it reports
    from the next sentence about the meeting; ``consolidate.merge`` then joins the two.
    """
    return prompt.render_without(article, chunk_chars, nameless_reports(first.draft))


def _with_failed(first: Completion, error: ExtractionError) -> Completion:
    """The first answer, carrying what a failed second pass cost."""
    log.info("second pass failed, first answer kept: %s", error)
    return dataclasses.replace(
        first,
        usage=first.usage + error.usage,
        failed_attempts=[*first.failed_attempts, *error.attempts],
    )


async def aextract(
    extract_one: Callable[[Messages, str], Awaitable[Completion]],
    prompt: Prompt,
    article: Article,
    chunk_chars: int,
    pieces: list[Messages] | None = None,
) -> Completion:
    """Extract every piece of ``article`` with ``extract_one``, in order (the pieces share the
    cached prefix), and join the answers; then the second pass of :func:`second_look`, if one
    is needed. ``pieces``: the article's messages if already rendered (the batch engine renders
    them in its stage workers)."""
    pieces = pieces if pieces is not None else prompt.render_chunks(article, chunk_chars)
    first = join([await extract_one(messages, article.text) for messages in pieces])
    again = second_look(prompt, article, first, chunk_chars)
    try:
        return join([first, *[await extract_one(messages, article.text) for messages in again]])
    except ExtractionError as error:
        return _with_failed(first, error)
