"""Tolerant text matching shared by the model-facing validators and the checks."""

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
