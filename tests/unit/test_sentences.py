"""Numbered sentences: what the model reads and what its numbers point at."""

from __future__ import annotations

import datetime as dt

import pytest

from meetx.pipeline.reading import articles, sentences
from meetx.pipeline.rules import normalise
from meetx.schemas.draft import MeetingDraft
from meetx.schemas.meeting import MeetingStatus

TEXT = (
    "Ministers meet in Hanoi\n\n"
    "Published: March 6, 2020\n\n"
    "Singapore's Foreign Minister Ann Lee met Vietnamese Foreign Minister Kim Tran in Hanoi on "
    "Tuesday. The U.S. envoy J. R. Hall was not there.\n\n"
    "Share on\n\n"
    "Lee and Tran agreed to open a consulate. They also discussed trade."
)


def test_sentences_are_numbered_from_one_and_point_into_the_full_text():
    article = articles.parse(TEXT, "a.txt")
    found = sentences.numbered(article)
    assert [s.number for s in found] == [1, 2, 3, 4]
    for sentence in found:
        assert " ".join(TEXT[sentence.start : sentence.end].split()) == sentence.text
    assert found[1].text == "The U.S. envoy J. R. Hall was not there."  # no cut at initials
    rendered = sentences.render(found)
    assert rendered.startswith("[1] Singapore's Foreign Minister Ann Lee met")
    assert "Share on" not in rendered and "Published" not in rendered
    assert "\n\n[3] Lee and Tran agreed" in rendered  # paragraphs stay apart


def test_a_sentence_in_another_language_is_cut_by_its_own_rules():
    text = "Der Minister traf z. B. Vertreter der Regierung. Sie vereinbarten ein Treffen."
    article = articles.parse(text, "de.txt")
    assert len(sentences.numbered(article)) == 2


def test_pieces_keep_the_articles_numbers_and_overlap():
    article = articles.parse(" ".join(f"Minister {i} met envoy {i}." for i in range(60)), "l")
    runs = sentences.pieces(sentences.numbered(article), max_chars=400)
    assert len(runs) > 2
    assert runs[0][0].number == 1 and runs[-1][-1].number == 60
    assert runs[1][0].number == runs[0][-2].number  # two sentences of overlap


def draft(sentence: int, outcomes: list[int]) -> MeetingDraft:
    return MeetingDraft.model_validate(
        {
            "sentence": sentence,
            "participants": [
                {"name": "Ann Lee", "role": "Foreign Minister", "country": "Singapore"},
                {"name": "Kim Tran", "role": "Foreign Minister", "country": "Vietnam"},
            ],
            "status": "held",
            "format": "in_person",
            "date": "on Tuesday",
            "time": None,
            "duration": None,
            "city": "Hanoi",
            "country": "Vietnam",
            "outcomes": outcomes,
        }
    )


def test_the_numbers_become_the_sentences_words_and_a_made_up_number_is_dropped():
    article = articles.parse(TEXT, "a.txt")
    found = normalise.meeting(draft(1, [3, 99]), article)
    assert found.quote is not None and found.quote.startswith("Singapore's Foreign Minister")
    assert [o.text for o in found.outcomes] == ["Lee and Tran agreed to open a consulate."]
    assert found.date == dt.date(2020, 3, 3)
    assert normalise.meeting(draft(42, []), article).quote is None


@pytest.mark.parametrize(
    ("lang", "words", "expected"),
    [
        ("es", "el jueves", dt.date(2021, 5, 13)),
        ("de", "am Dienstagabend", dt.date(2021, 5, 11)),
        ("fr", "hier", dt.date(2021, 5, 13)),
        ("pt", "14 de maio", dt.date(2021, 5, 14)),
        ("es", "la próxima semana", None),  # a week is no day
        ("fr", "2021-04 (AFP)", None),  # a month is no day: dateparser would add one
        ("de", "im April", None),
        ("id", "hari Selasa", dt.date(2021, 5, 11)),
    ],
)
def test_date_words_in_the_articles_language(lang, words, expected):
    published = dt.date(2021, 5, 14)  # a Friday
    assert normalise.resolve_date(words, published, MeetingStatus.held, None, lang) == expected


@pytest.mark.parametrize(
    ("lang", "words", "minutes"),
    [("es", "una hora y media", 90), ("de", "zwei Stunden", 120), ("id", "45 menit", 45)],
)
def test_lengths_in_the_articles_language(lang, words, minutes):
    assert normalise.parse_duration(words, lang) == minutes
