import datetime as dt

import pytest

from meetx.pipeline.rules import normalise
from meetx.pipeline.text import countries
from meetx.schemas.meeting import MeetingStatus

HELD, SCHEDULED = MeetingStatus.held, MeetingStatus.scheduled
FRI = dt.date(2017, 8, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "published", "status", "expected"),
    [
        ("agreed Thursday", FRI, HELD, dt.date(2017, 8, 3)),
        ("on Friday", FRI, HELD, FRI),  # the same day counts
        ("on Saturday", FRI, HELD, dt.date(2017, 7, 29)),
        ("will meet on Monday", FRI, SCHEDULED, dt.date(2017, 8, 7)),
        ("next Friday", FRI, HELD, dt.date(2017, 8, 11)),
        ("on Thursday", None, HELD, None),  # no publication date: unknowable
        ("yesterday", FRI, HELD, dt.date(2017, 8, 3)),
        ("this afternoon", FRI, HELD, FRI),
        ("on the evening of Aug. 3", dt.date(2017, 8, 5), HELD, dt.date(2017, 8, 3)),
        ("in Seoul on Dec. 13, 2016", None, HELD, dt.date(2016, 12, 13)),
        ("on Dec. 13", None, HELD, None),  # no year and nothing to take it from
        ("on Dec. 30", dt.date(2017, 1, 2), HELD, dt.date(2016, 12, 30)),  # year rolls back
        ("on 5 May 2021", None, HELD, dt.date(2021, 5, 5)),
        ("recently", FRI, HELD, None),
        (None, FRI, HELD, None),
    ],
)
def test_resolve_date(text, published, status, expected):
    assert normalise.resolve_date(text, published, status) == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("70-minute", 70),
        ("during the 70-minute talks", 70),
        ("one hour and 10 minutes", 70),
        ("lasted for one hour and 10 minutes", 70),
        ("from 9:15 to 10:30 p.m.", 75),
        ("from 11:30 p.m. to 0:45 a.m.", 75),
        ("a two-hour meeting", 120),
        ("half an hour", 30),
        ("one and a half hours", 90),
        ("an hour", 60),
        ("90 minutes", 90),
        ("briefly", None),
        ("", None),
        ("9000 hours", None),  # out of bounds
    ],
)
def test_parse_duration(text, minutes):
    assert normalise.parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9 p.m.", dt.time(21)),
        ("at 10:30 a.m.", dt.time(10, 30)),
        ("21:00", dt.time(21)),
        ("noon", dt.time(12)),
        ("12 a.m.", dt.time(0)),
        ("in the evening", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    assert normalise.parse_time(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("US", ("United States", "US", False)),
        ("U.S.", ("United States", "US", False)),
        ("the United States", ("United States", "US", False)),
        ("South Korea", ("South Korea", "KR", False)),
        ("UK", ("United Kingdom", "GB", False)),
        ("Japanese", ("Japan", "JP", False)),
        ("European Union", ("European Union", None, True)),
        ("NATO", ("NATO", None, True)),
        ("the United Nations", ("United Nations", None, True)),
        ("Korean", ("Korean", None, False)),  # ambiguous: neither, checks flag it
        ("Kosovo", ("Kosovo", "XK", False)),  # a user-assigned code, not in ISO 3166-1
        ("Kosovar", ("Kosovo", "XK", False)),
        ("Chinese", ("China", "CN", False)),  # demonyms countryguess does not know
        ("Thai", ("Thailand", "TH", False)),
        ("British", ("United Kingdom", "GB", False)),
        ("Emirati", ("United Arab Emirates", "AE", False)),
        ("EU", ("EU", None, True)),  # an organisation, not a country
        ("Scottish", ("Scottish", None, False)),  # no sub-national codes
        (None, (None, None, False)),
    ],
)
def test_country(name, expected):
    assert countries.country(name) == expected


def test_weekday_without_publication_date_takes_the_one_matching_full_date():
    text = (
        "Envoys met Tuesday in Seoul. (Photo taken on Dec. 13, 2016, in Seoul.) "
        "Talks on Jan. 2, 2017."
    )
    assert normalise.resolve_date("met Tuesday", None, HELD, text) == dt.date(2016, 12, 13)
    assert normalise.resolve_date("met Monday", None, HELD, text) == dt.date(2017, 1, 2)
    assert normalise.resolve_date("met Friday", None, HELD, text) is None
    two = "Met Tuesday. Dec. 13, 2016 and Dec. 20, 2016 were both Tuesdays."
    assert normalise.resolve_date("met Tuesday", None, HELD, two) is None  # ambiguous


def test_country_only_participants_are_dropped():
    from meetx.schemas.draft import ParticipantDraft

    country_only = ParticipantDraft(name=None, role="Country", country="US")
    unnamed = ParticipantDraft(name=None, role="counterpart", country="Japan")
    assert normalise._country_only(country_only)
    assert not normalise._country_only(unnamed)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("US", None),
        ("U.S.", None),
        ("Japan", None),
        ("Antony Blinken", "Antony Blinken"),
        ("Jordan Smith", "Jordan Smith"),
        ("none", None),
    ],
)
def test_person_name_is_never_a_country(name, expected):
    assert normalise.person_name(name) == expected


def test_counterpart_is_no_role():
    assert normalise.role("US counterpart") is None
    assert normalise.role("Vice Foreign Minister") == "Vice Foreign Minister"
