"""Countries and organisations, as the text names them -> (display name, ISO code, is_org).

``countrynames`` recognises names, codes and demonyms ("UK", "Chinese", "Emirati"),
``countryguess`` the dotted forms ("U.S."); ``pycountry`` gives the ISO 3166 code and common
name. Names that are no country are kept as organisations (EU, UN, NATO). One notion for the
whole of meetx: the rules normalise a draft's countries with it and the scorer compares
countries with it.
"""

from __future__ import annotations

import functools
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


def named_in(
    code: str | None, text: str, start: int = 0, end: int | None = None
) -> tuple[int, int] | None:
    """Offsets of a word or two of ``text[start:end]`` naming the country with ISO code
    ``code`` ('Japanese', 'U.S.', 'Thai'), or None."""
    if code is None:
        return None
    end = len(text) if end is None else end
    tokens = list(re.finditer(r"[A-Z][\w.'’-]*", text[start:end]))
    for size in (3, 2, 1):
        for i in range(len(tokens) - size + 1):
            lo, hi = start + tokens[i].start(), start + tokens[i + size - 1].end()
            words = text[lo:hi].rstrip(".'’s")
            if _names_country(words, code):
                return lo, lo + len(words)
    return None


@functools.lru_cache(maxsize=4096)
def _names_country(words: str, code: str) -> bool:
    """'Japanese', 'U.S.', 'Thai' name the country ``code`` (an adjective is a prefix of it)."""
    if len(words) < 2:
        return False
    guess = guess_country(words)
    if guess is not None:
        return bool(guess["iso2"] == code)
    record = pycountry.countries.get(alpha_2=code)
    names = [getattr(record, a, None) for a in ("name", "common_name")] if record else []
    return len(words) >= 4 and any(n and n.lower().startswith(words.lower()) for n in names)
