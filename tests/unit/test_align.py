import datetime as dt

import pytest

from meetx.pipeline.grounding import align
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingStatus, Outcome, Participant

TEXT = (
    "U.S. Secretary of State Antony Blinken met “Japan’s” foreign minister.\n\n"
    "The two agreed to strengthen   coordination on regional security issues."
)


@pytest.mark.parametrize(
    ("quote", "expected", "method"),
    [
        ("U.S. Secretary of State", "U.S. Secretary of State", "exact"),
        ("u. s. secretary of state", "U.S. Secretary of State", "exact"),
        ('"Japan\'s" foreign minister', "“Japan’s” foreign minister", "exact"),
        (
            "agreed to strengthen coordination on regional security issue",
            "agreed to strengthen   coordination on regional security issues",
            "fuzzy",
        ),
        (
            "The two agreed to strengthen coordination on regional securty issues",
            "The two agreed to strengthen   coordination on regional security issues",
            "fuzzy",
        ),
    ],
)
def test_locate(quote, expected, method):
    span = align.locate(quote, TEXT)
    assert span is not None and span.match == method
    assert TEXT[span.start : span.end] == expected


@pytest.mark.parametrize(
    "quote",
    ["agreed to build a bridge across the river", "on May 5", "", "secretary of stat"],
)
def test_no_match_below_threshold_short_or_across_paragraphs(quote):
    assert align.locate(quote, TEXT) is None


def test_ground_replaces_located_quotes_and_keeps_names():
    article = Article(id="a", path="a", published=dt.date(2020, 1, 1), text=TEXT)
    meeting = Meeting(
        status=MeetingStatus.held,
        participants=[Participant(name="Antony Blinkenn", quote="u.s. secretary of state")],
        outcomes=[Outcome(text="cooperation", quote="agreed to strengthen coordination")],
        duration_text="for two hours",
    )
    grounded = align.ground(meeting, article)
    assert grounded.participants[0].quote == "U.S. Secretary of State"
    assert grounded.participants[0].name == "Antony Blinkenn"  # never repaired
    assert grounded.outcomes[0].quote == "agreed to strengthen   coordination"
    assert grounded.duration_text == "for two hours"  # not found: left for the checks
