"""Words as meetx compares them: folded, squashed, without stop words.

:func:`squash` and :func:`occurs_in` say whether a quote or a name occurs in the text up to
case, quotes and whitespace (the re-ask of an invented name, the checks, the scorer);
:func:`fold` and :func:`content_words` compare words without accents, punctuation or
stop words (grounding, the rules, merge and the scorer).
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"‘": "'", "’": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Fold case, Unicode form, curly quotes, dashes and runs of whitespace."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _SPACE.sub(" ", folded).strip()


def occurs_in(quote: str, text: str) -> bool:
    """True when ``quote`` appears in ``text`` up to case, quotes and whitespace."""
    needle = squash(quote).strip(" .,;:\"'")
    return bool(needle) and needle in squash(text)


_STOPWORD_TEXT = (
    "a an the of to and or in on at by for with from as that this these those is are was "
    "were be been it its their them they he she his her we our us will would should must "
    "can has have had not no also such into about over under than then there which who whom"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def content_words(text: str) -> set[str]:
    """The words of ``text`` that carry meaning (folded, no stopwords)."""
    return {w for w in fold(text).split() if w not in STOPWORDS}
