"""The model-facing schema's validators: what is sent back to the model, and when."""

import pytest
from pydantic import ValidationError

from schemas.draft import ParticipantDraft

ARTICLE = "US envoy Joseph Yun met Japanese envoy Kenji Kanasugi and U.N. officials."


def person(name, country="United States"):
    return {"mention": "x", "name": name, "role": None, "country": country}


@pytest.mark.parametrize(
    ("name", "country", "message"),
    [
        ("Joseph Smith", "United States", "does not occur in the article"),
        ("US", "United States", "not a person's name"),
        ("U.N.", "United Nations", "not a person's name"),
        ("Japan", "Japan", "not a person's name"),
    ],
)
def test_names_the_model_must_correct(name, country, message):
    with pytest.raises(ValidationError, match=message):
        ParticipantDraft.model_validate(person(name, country), context={"article": ARTICLE})


def test_real_and_missing_names_pass():
    for name in ("Joseph Yun", None):
        ParticipantDraft.model_validate(person(name), context={"article": ARTICLE})


def test_without_context_the_answer_is_kept_for_the_checks():
    """After the last re-ask the answer is parsed without context: nothing is lost."""
    assert ParticipantDraft.model_validate(person("US")).name == "US"
    assert ParticipantDraft.model_validate(person("Japan", "Japan")).name == "Japan"
