"""Name canonicalisation: initials, romanisation, titles and name order."""

from __future__ import annotations

import pytest

from meetx.pipeline.text.names import fullest, parse, same_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("H.R. McMaster", "Herbert McMaster"),  # seeds 000 and 001
        ("H. R. McMaster", "H.R. McMaster"),
        ("Chung Eui-yong", "Chung Eui Yong"),  # hyphen or space
        ("Chung Eui-yong", "Eui-yong Chung"),  # surname first or last
        ("Kim Jong-un", "Kim Jong Eun"),  # romanisation of the given name
        ("Moon Jae-in", "Mun Jae-in"),  # romanisation of the surname (same Metaphone key)
        ("Chung Eui-yong", "Jung Eui-yong"),
        ("Sergei Lavrov", "Sergey Lavrov"),
        ("Antony Blinken", "Anthony Blinken"),
        ("President Moon Jae-in", "Moon Jae-in"),  # titles
        ("Foreign Minister Toshimitsu Motegi", "Toshimitsu Motegi"),
        ("Dr. José Ramos-Horta", "Jose Ramos Horta"),  # accents
        ("Shotaro Yachi", "Yachi"),  # surname alone
        ("Martin Luther King Jr.", "Martin Luther King"),
    ],
)
def test_same_person(a: str, b: str):
    assert same_name(a, b) and same_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("John Smith", "Jane Smith"),  # same surname, other given name
        ("Kim Jong-un", "Kim Yo-jong"),
        ("Kim Jong-un", "Kim Jong-nam"),
        ("Kim Hong-kyun", "Kim Jong-un"),
        ("Joseph Yun", "Yun Young-chan"),  # a surname that is another's given name
        ("Lee Jae-myung", "Lee Jun-seok"),
        ("Chung Eui-yong", "Antony Blinken"),
    ],
)
def test_different_people(a: str, b: str):
    assert not same_name(a, b) and not same_name(b, a)


def test_no_name_is_nobody():
    assert not same_name(None, "Kim") and not same_name("", "") and not same_name("Mr.", None)


def test_titles_and_suffixes_go_but_a_lone_word_stays():
    assert parse("Vice Foreign Minister Shinsuke Sugiyama").tokens == ("shinsuke", "sugiyama")
    assert parse("President").tokens == ("president",)


def test_fullest_spelling_prefers_full_names_to_initials():
    assert fullest(["H.R. McMaster", "Herbert McMaster"]) == "Herbert McMaster"
    assert fullest(["Yachi", "Shotaro Yachi"]) == "Shotaro Yachi"
