"""Long articles: every piece extracted, answers joined, meetings merged, offsets in the whole."""

from __future__ import annotations

import asyncio

from meetx.pipeline.config import PROMPTS_DIR
from meetx.pipeline.errors import ExtractionError
from meetx.pipeline.extraction import chunked
from meetx.pipeline.extraction.prompts import load
from meetx.pipeline.grounding import align
from meetx.pipeline.model.llm import Completion
from meetx.pipeline.rules import consolidate, normalise
from meetx.schemas.article import Article
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import Usage

PROMPT = load(PROMPTS_DIR)
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
    (meeting,) = consolidate.meetings(found, article)
    grounded = align.ground(meeting, article)
    assert grounded.venue.city == "Lima" and len(grounded.outcomes) == 1
    outcome = grounded.evidence_for("outcomes[0]")
    assert outcome is not None and outcome.start > 4000
    assert TEXT[outcome.start : outcome.end] == outcome.quote


def test_a_short_article_is_one_call():
    article = Article(id="a", path="a", text=LIMA)
    assert extract(answer_for, article).calls == 1


LEAD = "Ministers of Singapore and Peru agreed Monday to open a consulate, officials said."
NAMES = "Foreign Minister Ann Lee held talks with Peruvian Foreign Minister Jorge Salas in Lima."
SHORT = f"Published: May 6, 2020\n\n{LEAD}\n\n{NAMES}"


def draft_of(report: str, *names: str | None) -> ArticleDraft:
    people = [
        {"mention": n or "Singapore", "name": n, "role": None, "country": "Singapore"}
        for n in names
    ]
    meeting = {
        "report": report, "participants": people, "format": "in_person", "date_text": None,
        "time_text": None, "duration_text": None, "place": None, "city": None,
        "country": None, "status": "held", "outcomes": [],
    }  # fmt: skip
    return ArticleDraft.model_validate({"meetings": [meeting]})


class Model:
    """A fake model: answers from the lead while it is there, else from the names."""

    def __init__(self, fail_second: bool = False) -> None:
        self.seen: list[str] = []
        self.fail_second = fail_second

    def __call__(self, messages: list[dict[str, str]], text: str) -> Completion:
        piece = messages[-1]["content"]
        self.seen.append(piece)
        if self.seen[1:] and self.fail_second:
            raise ExtractionError("cut off", usage=Usage(total_tokens=7))
        if LEAD in piece:
            draft = draft_of(LEAD, "US", None)  # countries given as names: nobody named
        else:
            draft = draft_of(NAMES, "Ann Lee", "Jorge Salas")
        return Completion(draft, draft.model_dump_json(), Usage(total_tokens=10), calls=1)


def test_a_meeting_naming_nobody_is_asked_again_without_its_sentence():
    model = Model()
    article = Article(id="a", path="a", text=SHORT)
    joined = extract(model, article)
    assert len(model.seen) == 2
    assert LEAD in model.seen[0] and LEAD not in model.seen[1] and NAMES in model.seen[1]
    assert [m.report for m in joined.draft.meetings] == [LEAD, NAMES]
    assert joined.calls == 2 and joined.usage.total_tokens == 20


def test_no_second_pass_when_someone_is_named_or_the_sentence_is_not_in_the_text():
    named = Article(id="b", path="b", text=f"Published: May 6, 2020\n\n{NAMES}")
    model = Model()
    extract(model, named)
    assert len(model.seen) == 1
    first = Completion(draft_of("Words the text never had at all.", None), "", Usage(), 1)
    assert chunked.second_look(PROMPT, named, first, 2000) == []


def test_a_failed_second_pass_keeps_the_first_answer_and_its_cost():
    model = Model(fail_second=True)
    joined = extract(model, Article(id="a", path="a", text=SHORT))
    assert [m.report for m in joined.draft.meetings] == [LEAD]
    assert joined.usage.total_tokens == 17


def test_answers_joined_may_hold_more_meetings_than_one_answer_may():
    from meetx.schemas.draft import MAX_MEETINGS

    one = draft_of(NAMES, "Ann Lee", "Jorge Salas")
    full = ArticleDraft.model_validate({"meetings": [one.meetings[0]] * MAX_MEETINGS})
    answer = Completion(full, "", Usage(total_tokens=1), calls=1)
    joined = chunked.join([answer, answer])
    assert len(joined.draft.meetings) == 2 * MAX_MEETINGS and joined.calls == 2


def test_a_nameless_fragment_of_a_named_meeting_asks_nothing_more():
    named = draft_of(NAMES, "Ann Lee", "Jorge Salas").meetings[0]  # both of Singapore here
    fragment = draft_of(LEAD, None).meetings[0]  # "Singapore" only: a fragment of it
    other = fragment.model_copy(
        update={
            "participants": [
                p.model_copy(update={"country": "Chile"}) for p in fragment.participants
            ]
        }
    )
    assert chunked.nameless_reports(ArticleDraft(meetings=[named, fragment])) == []
    assert chunked.nameless_reports(ArticleDraft(meetings=[named, other])) == [LEAD]
    assert chunked.nameless_reports(ArticleDraft(meetings=[fragment])) == [LEAD]
