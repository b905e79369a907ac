"""Long articles: every piece extracted, answers joined, meetings merged, offsets in the whole;
the sentence numbers of every piece are the article's own."""

from __future__ import annotations

import asyncio
import re

from meetx.pipeline.config import PROMPTS_DIR
from meetx.pipeline.extraction import chunked
from meetx.pipeline.extraction.prompts import load
from meetx.pipeline.grounding import align
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.rules import normalise, registry
from meetx.schemas.article import Article
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import Usage

PROMPT = load(PROMPTS_DIR)
FILLER = "Markets were calm and the weather in the capital stayed mild all week long. "
LIMA = "Foreign Minister Ann Lee met Peruvian Foreign Minister Jorge Salas in Lima on Monday. "
AGREED = "Lee and Salas agreed to open a consulate in Cusco. "
TEXT = "Published: May 6, 2020\n\n" + LIMA + FILLER * 60 + AGREED + FILLER * 60


def _number(piece: str, sentence: str) -> int | None:
    """The number the piece gives ``sentence`` ("[12] Lee and Salas agreed ...")."""
    found = re.search(r"\[(\d+)\] " + re.escape(sentence.strip()), piece)
    return int(found.group(1)) if found else None


def answer_for(messages: list[dict[str, str]], text: str) -> Completion:
    """A fake model: reports the Lima meeting in every piece that mentions Lee, pointing at
    the sentences by the numbers the piece shows."""
    piece = messages[-1]["content"]
    meetings = []
    lima, agreed = _number(piece, LIMA), _number(piece, AGREED)
    if lima or agreed:
        people = [
            {"name": "Ann Lee", "role": "Foreign Minister", "country": "Singapore"},
            {"name": "Jorge Salas", "role": "Foreign Minister", "country": "Peru"},
        ]
        meetings.append({
            "sentence": lima or agreed, "participants": people, "status": "held",
            "format": "in_person", "date": "on Monday" if lima else None, "time": None,
            "duration": None, "city": "Lima" if lima else None, "country": None,
            "outcomes": [agreed] if agreed else [],
        })  # fmt: skip
    draft = ArticleDraft.model_validate({"meetings": meetings})
    return Completion(draft, draft.model_dump_json(), Usage(total_tokens=10), calls=1)


def extract(model, article: Article, chunk_chars: int = 2000) -> Completion:
    """``chunked.aextract`` with a fake model answering at once."""

    async def one(messages: list[dict[str, str]], text: str) -> Completion:
        return model(messages, text)

    return asyncio.run(chunked.aextract(one, PROMPT, article, chunk_chars))


def test_pieces_are_extracted_and_joined():
    article = Article(id="a", path="a", text=TEXT)
    joined = extract(answer_for, article)
    pieces = PROMPT.render_chunks(article, 2000)
    assert len(pieces) >= 4
    assert joined.calls == len(pieces) and joined.usage.total_tokens == 10 * len(pieces)
    assert len(joined.draft.meetings) == 2  # the meeting in its piece, the agreement in another


def test_the_halves_merge_and_offsets_point_into_the_whole_text():
    from meetx.pipeline.reading import articles

    article = articles.parse(TEXT, "long.txt")
    joined = extract(answer_for, article)
    found = [normalise.meeting(d, article) for d in joined.draft.meetings]
    (meeting,) = registry.apply(found, article)
    grounded = align.ground(meeting, article)
    assert grounded.venue.city == "Lima" and len(grounded.outcomes) == 1
    outcome = grounded.evidence_for("outcomes[0]")
    assert outcome is not None and outcome.start > 4000
    assert TEXT[outcome.start : outcome.end] == outcome.quote


def test_a_short_article_is_one_call():
    article = Article(id="a", path="a", text=LIMA)
    assert extract(answer_for, article).calls == 1


def test_answers_joined_may_hold_more_meetings_than_one_answer_may():
    from meetx.schemas.draft import MAX_MEETINGS

    one = answer_for([{"content": f"[1] {LIMA}"}], LIMA).draft.meetings[0]
    full = ArticleDraft.model_validate({"meetings": [one] * MAX_MEETINGS})
    answer = Completion(full, "", Usage(total_tokens=1), calls=1)
    joined = chunked.join([answer, answer])
    assert len(joined.draft.meetings) == 2 * MAX_MEETINGS and joined.calls == 2
