"""Counterparts given by nationality only join the meeting unnamed, once, with their country."""

import datetime as dt

import pytest

from meetx.pipeline.reading import articles, clean
from meetx.pipeline.rules import consolidate, counterparts
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Participant

TEXT = """Envoys agree on fisheries

Published: March 3, 2022

Norwegian Foreign Minister Erik Lund met his Danish and Icelandic counterparts in Oslo on \
Wednesday. Danish Foreign Minister Mette Holm called the talks useful.

Lund will meet his Swedish counterpart next month."""


def meeting(status: MeetingStatus = MeetingStatus.held, *people: Participant) -> Meeting:
    return Meeting(
        status=status,
        date=dt.date(2022, 3, 2),
        format=MeetingFormat.in_person,
        participants=list(people),
        quote="Norwegian Foreign Minister Erik Lund met his Danish and Icelandic counterparts "
        "in Oslo on Wednesday.",
    )


LUND = Participant(name="Erik Lund", country="Norway", country_code="NO")
HOLM = Participant(name="Mette Holm", country="Denmark", country_code="DK")


def test_mentions_split_a_list_of_nationalities():
    sentence = "Blinken spoke after meeting his Japanese and South Korean counterparts."
    found = counterparts.mentions(sentence)
    assert [(c.nationality, c.name) for c in found] == [("Japanese", None), ("South Korean", None)]
    assert found[0].words == "his Japanese and South Korean counterparts"
    assert counterparts.mentions("He met her Chinese counterpart.")[0].nationality == "Chinese"
    assert counterparts.mentions("He met his counterpart.") == []  # no nationality
    three = counterparts.mentions("He met his Danish, Finnish and Icelandic counterparts.")
    assert [c.nationality for c in three] == ["Danish", "Finnish", "Icelandic"]


def test_names_that_follow_go_with_the_nationalities_in_order():
    sentence = (
        "Kim held talks with his US and Japanese counterparts, Joseph Yun and Kenji Kanasugi."
    )
    found = counterparts.mentions(sentence)
    assert [(c.nationality, c.name) for c in found] == [
        ("US", "Joseph Yun"),
        ("Japanese", "Kenji Kanasugi"),
    ]
    assert found[1].words == "his US and Japanese counterparts, Joseph Yun and Kenji Kanasugi"
    one = counterparts.mentions("Lee met his Thai counterpart Somchai Wong in Bangkok.")
    assert [(c.nationality, c.name) for c in one] == [("Thai", "Somchai Wong")]


@pytest.mark.parametrize(
    "sentence",
    [
        "Wang met his Chinese counterpart Wednesday.",  # a day, not a name
        "He met her US counterpart, Secretary of State Ann Lee.",  # a title first
        "He met his Chinese counterpart Wang Yi and Russian Foreign Minister Ivan Orlov.",
    ],
)
def test_words_that_are_no_name_for_each_nationality_name_nobody(sentence):
    assert [c.name for c in counterparts.mentions(sentence)] == [None]


def sentences() -> list[str]:
    return clean.sentences(clean.body(articles.parse(TEXT, "t.txt")))


def test_an_unnamed_counterpart_joins_and_a_named_one_is_not_repeated():
    found = counterparts.add_counterparts(meeting(MeetingStatus.held, LUND, HOLM), sentences())
    added = found.participants[2:]
    assert [(p.name, p.country_code) for p in added] == [(None, "IS"), (None, "SE")]
    assert added[0].quote == "his Danish and Icelandic counterparts"  # Denmark is Holm
    assert added[0].quote in TEXT


def test_only_sentences_of_the_meetings_tense_count():
    article = articles.parse(TEXT, "t.txt")
    held = consolidate._with_counterparts(meeting(MeetingStatus.held, LUND, HOLM), article)
    assert [p.country_code for p in held.participants] == ["NO", "DK", "IS"]  # not Sweden
    planned = consolidate._with_counterparts(meeting(MeetingStatus.scheduled, LUND), article)
    assert [p.country_code for p in planned.participants] == ["NO", "SE"]


def test_a_named_counterpart_names_an_unnamed_participant_or_joins():
    quote = "Lund met his Danish and Icelandic counterparts, Mette Holm and Jon Olafsson."
    unnamed_dane = Participant(name=None, country="Denmark", country_code="DK")
    found = counterparts.add_counterparts(meeting(MeetingStatus.held, LUND, unnamed_dane), [quote])
    assert [(p.name, p.country_code) for p in found.participants] == [
        ("Erik Lund", "NO"),
        ("Mette Holm", "DK"),
        ("Jon Olafsson", "IS"),
    ]
    again = counterparts.add_counterparts(found, [quote])
    assert again == found  # nobody twice


def test_a_cancelled_meeting_or_one_with_nobody_named_gains_nobody():
    cancelled = meeting(MeetingStatus.cancelled, LUND)
    assert counterparts.add_counterparts(cancelled, sentences()) == cancelled
    nobody = meeting(MeetingStatus.held, Participant(name=None, country_code="NO"))
    assert counterparts.add_counterparts(nobody, sentences()) == nobody


def test_the_tense_is_read_just_before_the_counterparts():
    text = (
        "Published: March 3, 2022\n\n"
        '"We will not give up," Erik Lund told reporters after meeting his Icelandic counterpart.'
    )
    article = articles.parse(text, "t.txt")
    reported = meeting(MeetingStatus.held, LUND).model_copy(update={"quote": None})
    held = consolidate._with_counterparts(reported, article)
    assert [p.country_code for p in held.participants] == ["NO", "IS"]  # "will" came before
