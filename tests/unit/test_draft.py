"""The model-facing validation: what is sent back to the model, and when.

The schema (``schemas.draft``) checks shape only; the article-aware check is the model
layer's (``pipeline.model.answer``), the class instructor validates the answer with.
"""

import pytest
from pydantic import ValidationError

from meetx.pipeline.model import answer
from meetx.schemas.draft import ArticleDraft, ParticipantDraft

ARTICLE = "US envoy Joseph Yun met Japanese envoy Kenji Kanasugi and U.N. officials."


def person(name, country="United States"):
    return {"name": name, "role": None, "country": country}


def test_a_name_the_text_never_gives_is_sent_back():
    with pytest.raises(ValidationError, match="does not occur in the article"):
        answer.ParticipantDraft.model_validate(person("Joseph Smith"), context={"article": ARTICLE})


@pytest.mark.parametrize(("name", "country"), [("US", "United States"), ("Japan", "Japan")])
def test_a_country_given_as_a_name_is_left_to_normalise(name, country):
    """Not re-asked (the model repeats itself); ``normalise.person_name`` drops it."""
    draft = answer.ParticipantDraft.model_validate(
        person(name, country), context={"article": ARTICLE}
    )
    assert draft.name == name


def test_real_and_missing_names_pass():
    for name in ("Joseph Yun", None):
        answer.ParticipantDraft.model_validate(person(name), context={"article": ARTICLE})


def test_without_context_the_answer_is_kept_for_the_checks():
    """After the last re-ask the answer is parsed without context: nothing is lost."""
    assert answer.ParticipantDraft.model_validate(person("Joseph Smith")).name == "Joseph Smith"


def test_the_schema_itself_knows_no_article():
    given = ParticipantDraft.model_validate(person("Joseph Smith"), context={"article": ARTICLE})
    assert given.name == "Joseph Smith"


def test_a_checked_answer_comes_back_in_the_schema_classes():
    meeting = {
        "sentence": 1, "participants": [person("Joseph Yun")], "status": "held",
        "format": "in_person", "date": None, "time": None, "duration": None, "city": None,
        "country": None, "outcomes": [],
    }  # fmt: skip
    checked = answer.CheckedArticle.model_validate(
        {"meetings": [meeting]}, context={"article": ARTICLE}
    )
    back = answer.plain(checked)
    assert type(back.meetings[0].participants[0]) is ParticipantDraft
    assert back == ArticleDraft.model_validate({"meetings": [meeting]})
