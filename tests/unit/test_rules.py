"""The rule registry: named rules, each switchable, each marking what it set; and the kinds of
text they are for, on articles written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from meetx.pipeline.errors import ConfigError
from meetx.pipeline.grounding import align, checks
from meetx.pipeline.reading import articles
from meetx.pipeline.rules import consolidate, registry
from meetx.pipeline.text import names
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Participant

LEE = Participant(name="Ann Lee", role="Foreign Minister", country="Singapore", country_code="SG")
WONG = Participant(name="Somchai Wong", country="Thailand", country_code="TH")
TRAN = Participant(name="Kim Tran", country="Vietnam", country_code="VN")
TEXT = (
    "Published: March 6, 2020\n\n"
    "Foreign Minister Ann Lee spoke by phone with Thai Foreign Minister Somchai Wong on "
    "Tuesday. Later that day Lee called Vietnamese Foreign Minister Kim Tran.\n\n"
    "Ministry spokesman Omar Reyes said the two calls went well."
)
ARTICLE = articles.parse(TEXT, "calls.txt")
FIRST_CALL = (
    "Foreign Minister Ann Lee spoke by phone with Thai Foreign Minister Somchai Wong on Tuesday."
)


def meeting(*people: Participant, **values: object) -> Meeting:
    values.setdefault("status", MeetingStatus.held)
    return Meeting(participants=list(people), **values)  # type: ignore[arg-type]


def test_every_rule_has_a_name_and_says_what_kind_of_text_it_is_for():
    assert len(set(registry.names())) == len(registry.RULES) >= 8
    for rule in registry.RULES:
        assert rule.describes and rule.describes[0].isupper(), rule.name


def test_an_unknown_rule_name_is_a_configuration_error():
    with pytest.raises(ConfigError, match="no rule named nonsense"):
        registry.apply([], ARTICLE, off=["nonsense"])


def test_a_rule_switched_off_changes_nothing_and_a_rule_on_marks_what_it_set():
    call = meeting(LEE, WONG, quote=FIRST_CALL)  # the model left the format unknown
    (on,) = registry.apply([call], ARTICLE)
    assert on.format is MeetingFormat.phone_call
    assert on.set_by["format"] == "rule:format_cues"
    (off,) = registry.apply([call], ARTICLE, off=["format_cues"])
    assert off.format is MeetingFormat.unknown and "format" not in off.set_by
    grounded = align.ground(on, ARTICLE)
    fmt = grounded.evidence_for("format")
    assert fmt is not None and fmt.source == "rule:format_cues"
    status = grounded.evidence_for("status")
    assert status is not None and status.source == "model"


def test_one_persons_calls_with_two_people_stay_two_meetings():
    first = meeting(LEE, WONG, format=MeetingFormat.phone_call)
    second = meeting(LEE, TRAN, format=MeetingFormat.phone_call)
    assert len(consolidate.merge([first, second])) == 2


def test_reports_of_unnamed_participants_merge_by_country_and_role():
    japan = Participant(role="foreign minister", country="Japan", country_code="JP")
    korea = Participant(role="foreign minister", country="South Korea", country_code="KR")
    china = Participant(role="foreign minister", country="China", country_code="CN")
    reports = [meeting(japan, korea), meeting(korea, japan), meeting(japan, korea, china)]
    merged = consolidate.merge(reports)
    assert len(merged) == 1 and len(merged[0].participants) == 3
    other_role = Participant(role="trade minister", country="Japan", country_code="JP")
    assert not consolidate.same_person(japan, other_role)


def test_two_people_of_one_family_name_are_not_one_person():
    assert not names.same_name("Lee Jae-myung", "Lee Jae-yong")
    assert names.same_name("Kim Jong-un", "Kim Jong Un")
    assert names.same_name("Lee Jae-myung", "Lee")


def test_a_spokesperson_describing_a_meeting_is_no_participant():
    reyes = Participant(name="Omar Reyes", role="Ministry spokesman", country="Singapore")
    (kept,) = registry.apply([meeting(LEE, WONG, reyes)], ARTICLE)
    assert [p.name for p in kept.participants] == ["Ann Lee", "Somchai Wong"]
    assert kept.set_by["participants"] == "rule:spokespeople"


@pytest.mark.parametrize(
    "spokesperson",
    [
        Participant(name=None, role="Regierungssprecherin", country="Germany"),  # a compound
        Participant(name="Außenamtssprecher", role=None, country="Germany"),  # title as name
        Participant(name=None, role="porte-parole du ministère", country="France"),
    ],
)
def test_a_spokesperson_in_another_language_or_written_as_a_name_is_no_participant(
    spokesperson,
):
    (kept,) = registry.apply([meeting(LEE, WONG, spokesperson)], ARTICLE)
    assert [p.name for p in kept.participants] == ["Ann Lee", "Somchai Wong"]


@pytest.mark.parametrize(
    ("written", "is_name"),
    [
        ("Ann Lee", True),
        ("Ursula von der Leyen", True),
        ("Salman bin Abdulaziz al Saud", True),
        ("Abdel Fattah el-Sisi", True),
        ("Luiz Inácio Lula da Silva", True),
        ("Moon Jae-in", True),
        ("Hesham Sultan", True),
        ("Martin Luther King", True),
        ("Prince", False),
        ("Chief Trade Adviser", False),
        ("Cabinet Secretary-General", False),
        ("G7 Leaders", False),
        ("bilateral talks", False),
        ("Lakeside resort", False),
        ("Ministry spokesperson", False),
    ],
)
def test_a_title_a_group_or_a_place_is_no_persons_name(written, is_name):
    assert names.is_person_name(written) is is_name


def test_a_title_written_as_a_name_leaves_the_participant_unnamed():
    adviser = Participant(
        name="Security Adviser", role="National Security Adviser", country="Thailand"
    )
    (kept,) = registry.apply([meeting(LEE, adviser, quote=FIRST_CALL)], ARTICLE)
    assert [p.name for p in kept.participants] == ["Ann Lee", None]
    assert kept.participants[1].role == "National Security Adviser"
    assert kept.set_by["participants"] == "rule:not_a_name"
    (off,) = registry.apply([meeting(LEE, adviser, quote=FIRST_CALL)], ARTICLE, off=["not_a_name"])
    assert [p.name for p in off.participants] == ["Ann Lee", "Security Adviser"]


@pytest.mark.parametrize(
    "sentence",
    [
        "There are no plans for Lee to meet Wong.",
        "Lee and Wong last met in 2015.",
        "Lee and Wong could meet next year.",
        "No hay planes de una reunión entre ambos.",
        "Ein Treffen ist nicht geplant.",
    ],
)
def test_a_meeting_denied_possible_or_past_is_no_meeting(sentence):
    assert registry.apply([meeting(LEE, WONG, quote=sentence)], ARTICLE) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Merkel telefonierte am Montag mit Macron.", MeetingFormat.phone_call),
        ("Ambos cancilleres conversaron por teléfono.", MeetingFormat.phone_call),
        ("Les ministres ont tenu une visioconférence.", MeetingFormat.video_conference),
        ("Kedua menteri bertemu di Jakarta.", MeetingFormat.in_person),
        ("The two ministers met in Hanoi.", MeetingFormat.in_person),
    ],
)
def test_format_cues_in_several_languages(sentence, expected):
    (filled,) = registry.apply([meeting(LEE, WONG, quote=sentence)], ARTICLE)
    assert filled.format is expected


def test_an_agreement_in_another_language_is_an_outcome_a_topic_is_not():
    from meetx.schemas.meeting import Outcome

    text = "Los cancilleres acordaron reabrir la frontera. También hablaron de comercio."
    article = Article(id="a", path="a", text=text, published=dt.date(2021, 5, 14), lang="es")
    stated = [Outcome(text=s, quote=s) for s in text.split(". ")]
    found = meeting(LEE, WONG, outcomes=stated)
    (kept,) = registry.apply([found], article)
    assert [o.text for o in kept.outcomes] == ["Los cancilleres acordaron reabrir la frontera"]


def test_errors_go_to_review_warnings_stay_on_the_record():
    nobody = meeting(quote="Lee spoke by phone with Wong.")
    kinds = {(i.kind, i.severity) for i in checks.run(align.ground(nobody, ARTICLE), ARTICLE)}
    assert ("no_participants", "error") in kinds
    unknown_country = Participant(name="Kim Tran")
    one = meeting(LEE, unknown_country, quote="Later that day Lee called Vietnamese Foreign")
    issues = checks.run(align.ground(one, ARTICLE), ARTICLE)
    assert {(i.kind, i.severity) for i in issues} == {("country_missing", "warning")}
    assert checks.errors(issues) == []
    invented = meeting(LEE, Participant(name="Prayut Chan", country="Thailand"), quote=FIRST_CALL)
    issues = checks.run(align.ground(invented, ARTICLE), ARTICLE)
    assert [i.kind for i in checks.errors(issues)] == ["name_not_found"]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("US Deputy Secretary of State Antony Blinken", "Antony Blinken"),
        ("Dr Masoud Pezeshkian", "Masoud Pezeshkian"),
        ("North Korean leader Kim Jong-Un", "Kim Jong-Un"),
        ("Jordan Smith", "Jordan Smith"),
        ("Abdel Fattah el-Sisi", "Abdel Fattah el-Sisi"),
        ("Secretary of State", None),
        ("Russia", None),
        ("H.E. Amara Diallo", "Amara Diallo"),
        ("HE President Amara Diallo", "Amara Diallo"),
        ("He Lifeng", "He Lifeng"),
        ("H.R. McMaster", "H.R. McMaster"),
    ],
)
def test_a_title_written_into_a_name_goes_and_a_country_is_no_name(written, name):
    from meetx.pipeline.rules import normalise

    assert normalise.person_name(written) == name


GERMAN = articles.parse(
    "Die Außenminister Anna Berg und Piet Smit trafen sich am Dienstag in Wien.", "wien.txt"
)


def test_a_city_in_the_articles_language_is_given_its_english_name_and_grounded():
    berg = Participant(name="Anna Berg", country="Austria", country_code="AT")
    smit = Participant(name="Piet Smit", country="Netherlands", country_code="NL")
    found = meeting(berg, smit, format=MeetingFormat.in_person, quote=GERMAN.text)
    found = found.model_copy(update={"venue": found.venue.model_copy(update={"city": "Wien"})})
    (alone,) = registry.apply([found], GERMAN, off=["city_from_text"])
    assert alone.venue.city == "Vienna" and alone.set_by["venue"] == "rule:city_in_english"
    (on,) = registry.apply([found], GERMAN)  # and city_from_text gives Vienna's country
    assert on.venue.city == "Vienna" and on.venue.country == "Austria"
    city = align.ground(on, GERMAN).evidence_for("venue.city")
    assert city is not None and city.quote == "Wien"
    (off,) = registry.apply([found], GERMAN, off=["city_in_english"])
    assert off.venue.city == "Wien"


def test_a_country_written_as_the_city_is_no_city():
    found = meeting(LEE, WONG, format=MeetingFormat.in_person, quote=FIRST_CALL)
    found = found.model_copy(update={"venue": found.venue.model_copy(update={"city": "Brasil"})})
    (on,) = registry.apply([found], ARTICLE)
    assert on.venue.city is None


@pytest.mark.parametrize(
    ("sentence", "given", "expected"),
    [
        ("Lee spoke by phone with Wong on Tuesday.", "in_person", "phone_call"),
        ("Lee und Wong sprachen am Dienstag per Videokonferenz.", "in_person", "video_conference"),
        ("Lee met Wong in Hanoi and later spoke by phone with Tran.", "in_person", "in_person"),
        ("Lee held talks with Wong on Tuesday.", "in_person", "in_person"),
    ],
)
def test_a_meeting_its_own_sentence_reports_as_a_call_is_that_call(sentence, given, expected):
    article = articles.parse(sentence, "call.txt")
    found = meeting(LEE, WONG, quote=sentence, format=MeetingFormat(given))
    (kept,) = registry.apply([found], article)
    assert kept.format is MeetingFormat(expected)
    (off,) = registry.apply([found], article, off=["remote_in_sentence"])
    assert off.format is MeetingFormat(given)
