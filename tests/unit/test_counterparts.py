"""Counterparts given by nationality only join the meeting unnamed, once, with their country."""

import datetime as dt

from pipeline import articles, clean, consolidate, counterparts
from schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Participant

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
    sentence = (
        "Blinken told reporters after meeting with his Japanese and South Korean counterparts."
    )
    assert [n for n, _ in counterparts.mentions(sentence)] == ["Japanese", "South Korean"]
    assert counterparts.mentions("He met her Chinese counterpart.")[0][0] == "Chinese"
    assert counterparts.mentions("He met his counterpart.") == []  # no nationality
    assert counterparts.mentions("He met his Danish, Finnish and Icelandic counterparts.") == [
        ("Danish", "his Danish, Finnish and Icelandic counterparts"),
        ("Finnish", "his Danish, Finnish and Icelandic counterparts"),
        ("Icelandic", "his Danish, Finnish and Icelandic counterparts"),
    ]


def sentences() -> list[str]:
    return clean.sentences(clean.body(articles.parse(TEXT, "t.txt")))


def test_an_unnamed_counterpart_joins_and_a_named_one_is_not_repeated():
    found = counterparts.add_unnamed(meeting(MeetingStatus.held, LUND, HOLM), sentences())
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


def test_a_cancelled_meeting_or_one_with_nobody_named_gains_nobody():
    cancelled = meeting(MeetingStatus.cancelled, LUND)
    assert counterparts.add_unnamed(cancelled, sentences()) == cancelled
    nobody = meeting(MeetingStatus.held, Participant(name=None, country_code="NO"))
    assert counterparts.add_unnamed(nobody, sentences()) == nobody
