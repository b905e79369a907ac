"""Long articles: every piece extracted, answers joined, meetings merged, offsets in the whole."""

from __future__ import annotations

import asyncio

from pipeline import align, chunked, consolidate, normalise
from pipeline.config import PROJECT_ROOT
from pipeline.llm import Completion
from pipeline.prompts import load
from schemas.article import Article
from schemas.draft import ArticleDraft
from schemas.record import Usage

PROMPT = load(PROJECT_ROOT / "prompts")
FILLER = "Markets were calm and the weather in the capital stayed mild all week long. "
LIMA = "Foreign Minister Ann Lee met Peruvian Foreign Minister Jorge Salas in Lima on Monday. "
AGREED = "Lee and Salas agreed to open a consulate in Cusco. "
TEXT = "Published: May 6, 2020\n\n" + LIMA + FILLER * 60 + AGREED + FILLER * 60


def answer_for(messages: list[dict[str, str]], text: str) -> Completion:
    """A fake model: reports the Lima meeting in every piece that mentions Lee."""
    piece = messages[-1]["content"]
    meetings = []
    if "Lee" in piece:
        people = [
            {"mention": "Foreign Minister Ann Lee", "name": "Ann Lee", "role": "Foreign Minister",
             "country": "Singapore"},
            {"mention": "Peruvian Foreign Minister Jorge Salas", "name": "Jorge Salas",
             "role": "Foreign Minister", "country": "Peru"},
        ]  # fmt: skip
        outcomes = ["Lee and Salas agreed to open a consulate in Cusco"] if "Cusco" in piece else []
        meetings.append({
            "report": (LIMA if "Lima" in piece else AGREED).strip(), "participants": people,
            "format": "in_person", "date_text": "on Monday" if "Lima" in piece else None,
            "time_text": None, "duration_text": None, "place": None,
            "city": "Lima" if "Lima" in piece else None, "country": None, "status": "held",
            "outcomes": outcomes,
        })  # fmt: skip
    draft = ArticleDraft.model_validate({"meetings": meetings})
    return Completion(draft, draft.model_dump_json(), Usage(total_tokens=10), calls=1)


def test_pieces_are_extracted_and_joined():
    article = Article(id="a", path="a", text=TEXT)
    joined = chunked.extract(answer_for, PROMPT, article, chunk_chars=2000)
    pieces = PROMPT.render_chunks(article, 2000)
    assert len(pieces) >= 4
    assert joined.calls == len(pieces) and joined.usage.total_tokens == 10 * len(pieces)
    assert len(joined.draft.meetings) == 2  # the meeting in its piece, the agreement in another


def test_the_halves_merge_and_offsets_point_into_the_whole_text():
    from pipeline import articles

    article = articles.parse(TEXT, "long.txt")
    joined = chunked.extract(answer_for, PROMPT, article, chunk_chars=2000)
    found = [normalise.meeting(d, article) for d in joined.draft.meetings]
    (meeting,) = consolidate.meetings(found, article)
    grounded = align.ground(meeting, article)
    assert grounded.venue.city == "Lima" and len(grounded.outcomes) == 1
    outcome = grounded.evidence_for("outcomes[0]")
    assert outcome is not None and outcome.start > 4000
    assert TEXT[outcome.start : outcome.end] == outcome.quote


def test_async_pieces_in_order():
    async def one(messages: list[dict[str, str]], text: str) -> Completion:
        return answer_for(messages, text)

    article = Article(id="a", path="a", text=TEXT)
    joined = asyncio.run(chunked.aextract(one, PROMPT, article, chunk_chars=2000))
    assert joined.draft.meetings[0].city == "Lima"


def test_a_short_article_is_one_call():
    article = Article(id="a", path="a", text=LIMA)
    assert chunked.extract(answer_for, PROMPT, article, chunk_chars=2000).calls == 1
