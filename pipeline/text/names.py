"""Are two written names the same person? Initials, romanisation, titles and name order.

Names are folded (``words.fold``: case, accents, punctuation and hyphens), stripped of
leading titles ("President", "Dr", "Foreign Minister") and trailing suffixes ("Jr"), and split
into tokens. Two names are the same person when, for some reading of each as surname-last
("Herbert McMaster") or surname-first ("Chung Eui-yong"):

- the surnames are equal, or romanisations of one surname (:data:`ROMANISATIONS`: "Moon" /
  "Mun", "Chung" / "Jung"), or near-equal spellings (``rapidfuzz`` ratio >=
  :data:`SURNAME_SIMILARITY`, four letters or more: "Lavrov" / "Lavrow"); and
- the given names are compatible: one is missing ("McMaster"), or an initial stands for a
  name with that first letter ("H.R." / "Herbert"), or the given names written without spaces
  and hyphens are near-equal (ratio >= :data:`GIVEN_SIMILARITY`: "Jong-un" / "Jong Eun").

"John Smith" and "Jane Smith" are different people; "J. Smith" is either of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from meetx.pipeline.text.words import fold

SURNAME_SIMILARITY = 85.0
GIVEN_SIMILARITY = 80.0

_TITLE_TEXT = (
    "mr mrs ms miss dr prof professor sir dame lord lady madam madame monsieur his her "
    "excellency hon honourable honorable rt right the president vice prime premier chancellor "
    "minister foreign defence defense deputy secretary general state national security advisor "
    "adviser chief envoy special ambassador senator sen rep representative governor mayor king "
    "queen prince princess sheikh emir sultan chairman chairwoman chair gen lt col adm maj capt "
    "commander director spokesman spokeswoman spokesperson nuclear top senior "
)
TITLES = frozenset(_TITLE_TEXT.split())
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

# Romanisations of one East Asian surname (Revised, McCune-Reischauer, Wade-Giles, pinyin and
# common spellings). Sound-alike keys (Metaphone) were tried and refused: "John Smith" and
# "Jane Smith" share one, read surname first.
ROMANISATIONS = (
    "lee yi rhee ri i",
    "park pak bak",
    "choi choe chwe",
    "chung jung jeong cheong",
    "moon mun",
    "yun yoon",
    "kang gang",
    "cho jo",
    "shin sin",
    "lim im rim",
    "kwon gwon",
    "yoo yu ryu",
    "ahn an",
    "roh noh",
    "kim gim",
    "ko go",
    "hong",
    "zhang chang",
    "zhou chou",
    "xi hsi",
    "wang",
)
_VARIANT = {name: names.split()[0] for names in ROMANISATIONS for name in names.split()}


@dataclass(frozen=True)
class Name:
    """A name as tokens, titles and suffixes removed."""

    tokens: tuple[str, ...]

    @property
    def key(self) -> str:
        """A canonical key: the tokens joined (same key means certainly the same name)."""
        return " ".join(self.tokens)

    def readings(self) -> list[tuple[str, tuple[str, ...]]]:
        """(surname, given names) read surname-last, then surname-first."""
        if len(self.tokens) == 1:
            return [(self.tokens[0], ())]
        last = (self.tokens[-1], self.tokens[:-1])
        first = (self.tokens[0], self.tokens[1:])
        return [last, first]


@lru_cache(maxsize=4096)
def parse(name: str) -> Name:
    tokens = fold(name).split()
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in SUFFIXES:
        tokens = tokens[:-1]
    return Name(tuple(tokens))


_STOP = TITLES | {"leader", "of", "the", "and", "de", "del", "von", "foreign", "affairs"}
# the lower-case words a name may hold: particles of Arabic, Romance, Germanic and Malay names
_PARTICLE_TEXT = (
    "al el bin binti bint ibn abu de del della der den di da das do dos du la le van von zu "
    "y e ter af"
)
PARTICLES = frozenset(_PARTICLE_TEXT.split())


# "His/Her Excellency", "His Highness", "His Royal Highness", "Son/Su Excelencia", "Sua Maestà"
# (capitals only: "He Lifeng" is a name)
_HONORIFIC = re.compile(r"(?:H\.?E|H\.?H|H\.?R\.?H|S\.?E|S\.?M)\.?")
# titles that are also family names: as the last word they unname only a one-word "name"
# ("Prince"), not "Hesham Sultan"
_ALSO_SURNAME_TEXT = "king prince queen lord lady sultan sheikh emir dame sir general"
_ALSO_SURNAMES = frozenset(_ALSO_SURNAME_TEXT.split())


def without_titles(name: str) -> str:
    """The person's name out of a title and a name written as one ("US Deputy Secretary of
    State Antony Blinken" -> "Antony Blinken", "Dr Masoud Pezeshkian" -> "Masoud
    Pezeshkian"): the words after the last title word ("von der Leyen" is a name's)."""
    words = name.split()
    if all(_is_title(word) for word in words):
        return ""  # "Secretary of State": a title, no name
    for i in range(len(words) - 2, -1, -1):
        if _is_title(words[i]) and fold(words[i]) not in PARTICLES:
            return " ".join(words[i + 1 :])
    return name


def is_person_name(name: str) -> bool:
    """False for a title, a group or a place written where a name goes: words ending in a
    title ("Chief Trade Adviser", "G7 Ministers", "Cabinet Secretary-General"; "Hesham
    Sultan" and "Martin Luther King" are names), or holding a common word, which no name
    does ("bilateral talks", "lakeside resort", "Ministry spokesperson"; the particles of
    :data:`PARTICLES` and "el-Sisi" are a name's)."""
    words = name.split()
    if not words or any(map(_is_common_word, words)):
        return False
    last = words[-1]
    return not _is_title(last) or (len(words) > 1 and fold(last) in _ALSO_SURNAMES)


def _is_title(word: str) -> bool:
    if _HONORIFIC.fullmatch(word):
        return True
    tokens = fold(word).split()
    return all(t in _STOP or t.removesuffix("s") in _STOP for t in tokens)


def _is_common_word(word: str) -> bool:
    """A lower-case word that is no name particle ("talks", "resort"; not "bin", "el-Sisi")."""
    letters = word.strip(".,;:()\"'")
    if not letters or not letters[0].isalpha() or not letters[0].islower():
        return False
    head = letters.split("-")[0].split("'")[0]
    return fold(head) not in PARTICLES


def _similar_surname(a: str, b: str) -> bool:
    if a == b or _VARIANT.get(a, a) == _VARIANT.get(b, b):
        return True
    return max(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= SURNAME_SIMILARITY


def _initial(token: str) -> bool:
    return len(token) == 1


def _compatible_given(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return True
    if not any(map(_initial, a)) and not any(map(_initial, b)):
        if len(a) == len(b) > 1:  # "Jae-myung" / "Jae-yong": every part must agree
            return all(fuzz.ratio(x, y) >= GIVEN_SIMILARITY for x, y in zip(a, b, strict=True))
        return fuzz.ratio("".join(a), "".join(b)) >= GIVEN_SIMILARITY
    # With initials, compare position by position as far as both go: "h r" / "herbert".
    for x, y in zip(a, b, strict=False):
        if _initial(x) or _initial(y):
            if x[0] != y[0]:
                return False
        elif fuzz.ratio(x, y) < GIVEN_SIMILARITY:
            return False
    return True


def same_name(a: str | None, b: str | None) -> bool:
    """True when the two written names can be the same person (see the module docstring)."""
    if not a or not b:
        return False
    x, y = parse(a), parse(b)
    if not x.tokens or not y.tokens:
        return False
    if x.key == y.key or x.key.replace(" ", "") == y.key.replace(" ", ""):
        return True
    return any(
        _similar_surname(sx, sy) and _compatible_given(gx, gy)
        for sx, gx in x.readings()
        for sy, gy in y.readings()
        if not (_initial(sx) or _initial(sy))
    )


def fullest(names: list[str]) -> str:
    """The spelling that says most: fewest initials, then most letters, then first given."""

    def weight(name: str) -> tuple[int, int]:
        tokens = parse(name).tokens
        return (-sum(map(_initial, tokens)), sum(len(t) for t in tokens))

    return max(names, key=weight)
