"""The article's language: detected on short news text, or as a dataset gives it."""

from __future__ import annotations

import pytest

from meetx.pipeline.reading import articles, lang
from meetx.pipeline.reading.articles import Meta

# Invented news sentences, a headline's length to a lead's.
SENTENCES = {
    "en": "The foreign minister met her Chilean counterpart in Oslo on Tuesday to discuss trade.",
    "es": "La ministra de Exteriores se reunió el martes en Oslo con su homólogo chileno.",
    "de": "Die Außenministerin traf am Dienstag in Oslo ihren chilenischen Amtskollegen.",
    "fr": "La ministre des Affaires étrangères a rencontré mardi à Oslo son homologue chilien.",
    "it": "La ministra degli Esteri ha incontrato martedì a Oslo il suo omologo cileno.",
    "pt": "A ministra dos Negócios Estrangeiros reuniu-se na terça-feira em Oslo com o homólogo.",
    "id": "Menteri Luar Negeri bertemu dengan mitranya dari Chile di Oslo pada hari Selasa.",
    "is": "Utanríkisráðherra hitti starfsbróður sinn frá Síle í Ósló á þriðjudaginn.",
}


@pytest.mark.parametrize(("code", "sentence"), sorted(SENTENCES.items()))
def test_one_sentence_is_enough(code: str, sentence: str):
    assert lang.detect(sentence) == code


def test_menus_and_names_do_not_decide():
    text = (
        "Home | World | Sport\nLogin\n\n"
        + SENTENCES["de"]
        + "\n\nMia Berg, Tomas Ruiz, Nadia Khan, Ivan Novak\n"
    )
    assert lang.detect(text) == "de"


def test_too_little_text_has_no_language():
    assert lang.detect("OK 12") is None
    assert lang.detect("") is None


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("en", "en"),
        ("EN-gb", "en"),
        ("pt_BR", "pt"),
        ("deu", "de"),
        ("ger", "de"),
        ("French", "fr"),
        ("xx", None),
        ("", None),
        (None, None),
        (7, None),
    ],
)
def test_a_dataset_s_language_is_normalised_to_iso_639_1(given: object, code: str | None):
    assert lang.normalise(given) == code


def test_the_article_has_its_language_detected_or_given():
    detected = articles.parse(SENTENCES["fr"])
    assert (detected.lang, detected.lang_source) == ("fr", "detected")
    given = articles.parse(SENTENCES["fr"], meta=Meta(lang="it"))
    assert (given.lang, given.lang_source) == ("it", "dataset")
