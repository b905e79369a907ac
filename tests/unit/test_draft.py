"""The model-facing schema's validators: what is sent back to the model, and when."""

import pytest
from pydantic import ValidationError

from meetx.schemas.draft import ParticipantDraft

ARTICLE = "US envoy Joseph Yun met Japanese envoy Kenji Kanasugi and U.N. officials."


def person(name, country="United States"):
    return {"mention": "x", "name": name, "role": None, "country": country}


def test_a_name_the_text_never_gives_is_sent_back():
    with pytest.raises(ValidationError, match="does not occur in the article"):
        ParticipantDraft.model_validate(person("Joseph Smith"), context={"article": ARTICLE})


@pytest.mark.parametrize(("name", "country"), [("US", "United States"), ("Japan", "Japan")])
def test_a_country_given_as_a_name_is_left_to_normalise(name, country):
    """Not re-asked (the model repeats itself); ``normalise.person_name`` drops it."""
    draft = ParticipantDraft.model_validate(person(name, country), context={"article": ARTICLE})
    assert draft.name == name


def test_real_and_missing_names_pass():
    for name in ("Joseph Yun", None):
        ParticipantDraft.model_validate(person(name), context={"article": ARTICLE})


def test_without_context_the_answer_is_kept_for_the_checks():
    """After the last re-ask the answer is parsed without context: nothing is lost."""
    assert ParticipantDraft.model_validate(person("Joseph Smith")).name == "Joseph Smith"
