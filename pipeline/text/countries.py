"""Countries and organisations, as the text names them -> (display name, ISO code, is_org).

``countrynames`` recognises names, codes and demonyms ("UK", "Chinese", "Emirati"),
``countryguess`` the dotted forms ("U.S."); ``pycountry`` gives the ISO 3166 code and common
name. Names that are no country are kept as organisations (EU, UN, NATO). One notion for the
whole of meetx: the rules normalise a draft's countries with it and the scorer compares
countries with it.
"""

from __future__ import annotations

import re

import countrynames
import pycountry
from countryguess import guess_country

from meetx.pipeline.text.words import fold

_ORGANISATION = re.compile(
    r"\b(union|nations|organi[sz]ation|council|commission|bank|fund|alliance|league|agency)\b",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")
_AMBIGUOUS = {"korea", "korean", "congo", "congolese", "guinea", "guinean"}  # left to review
_USER_ASSIGNED = {"XK": "Kosovo"}  # codes outside ISO 3166-1 that countries use


def country(name: str | None) -> tuple[str | None, str | None, bool]:
    """(display name, ISO 3166-1 alpha-2 or None, is_organisation) for a represented entity."""
    if not name or not name.strip():
        return None, None, False
    cleaned = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    code = _country_code(cleaned)
    if code is not None:
        record = pycountry.countries.get(alpha_2=code)
        if record is not None:
            return getattr(record, "common_name", None) or record.name, record.alpha_2, False
        return _USER_ASSIGNED.get(code, cleaned), code, False
    return cleaned, None, bool(_ORGANISATION.search(cleaned) or _ACRONYM.match(cleaned))


def _country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 of a country's name, code or demonym, or None.

    ``countrynames`` knows the demonyms ("Chinese", "Thai", "British", "Emirati") that
    ``countryguess`` misses; ``countryguess`` knows the dotted forms ("U.S.", "U.K.").
    Its codes for organisations ("EU", "UN") and regions ("GB-SCT") are no country here.
    """
    if fold(name) in _AMBIGUOUS:
        return None
    code = countrynames.to_code(name) or countrynames.to_code(name.replace(".", ""))
    if code is not None and (code in _USER_ASSIGNED or pycountry.countries.get(alpha_2=code)):
        return code
    guess = guess_country(name)
    return guess["iso2"] if guess is not None else None
