import pytest

from meetx.pipeline.text import places


@pytest.mark.parametrize(
    ("sentence", "words", "country"),
    [
        ("The deputy ministers meeting in Tokyo on Thursday agreed.", "Tokyo", "JP"),
        ("They held talks at a hotel in Seoul.", "Seoul", "KR"),
        ("Leaders gathered in New York City for the assembly.", "New York City", "US"),
        ("They met on the sidelines of the assembly in New York, and agreed.", "New York", "US"),
        ("The court sits in The Hague.", "The Hague", "NL"),
    ],
)
def test_city_in(sentence, words, country):
    found = places.city_in(sentence)
    assert found is not None
    assert found[0] == words and found[1].country_code == country


@pytest.mark.parametrize(
    "sentence",
    ["They met in Japan.", "Talks in March went well.", "no capitals here", "in Kuwait today"],
)
def test_no_city(sentence):
    assert places.city_in(sentence) is None


def test_the_most_populous_city_of_a_name_wins():
    london = places.lookup("London")
    assert london is not None and london.country_code == "GB"


@pytest.mark.parametrize(
    ("written", "english"),
    [
        ("Wien", "Vienna"),  # German
        ("Ginevra, Svizzera", "Geneva"),  # Italian, with its country
        ("Londres", "London"),  # Spanish and French
        ("Pekín", "Beijing"),
        ("Tokyo", "Tokyo"),  # already GeoNames' name
        ("Singapore", "Singapore"),  # a city that is also a country stays a city
        ("Brasil", None),  # a country, no city
        ("Alemania", None),
        ("Palacio de la Moneda", "Palacio de la Moneda"),  # unknown to GeoNames: as written
    ],
)
def test_a_city_is_given_its_common_english_name(written, english):
    assert places.english_name(written) == english


def test_the_names_of_a_city_start_with_its_own_and_hold_other_languages():
    names = places.names_of("Vienna")
    assert names[0] == "Vienna" and {"Wien", "Vienne", "Viena"} <= set(names)
    assert places.names_of("Nowhere Springs") == ("Nowhere Springs",)
