"""Outcomes: what a meeting agreed, decided or stated, each once, in its fullest telling.

The gold rules count agreements, decisions, adoptions and stated results, not topics merely
discussed. :func:`stated` keeps an outcome in its own words ("agreed to share radar data"), or
a clause the model copied from a sentence that says it was agreed ("expressed their agreement
that dialogue is possible"), and never a topic ("discussed trade") or a briefing.

Small models tell one outcome twice ("the three sides agreed to strengthen coordination", "the
officials agreed to strengthen coordination to make substantial progress ..."); :func:`unique`
keeps each outcome once, judged on its gist (without who agreed and how it was said), in its
fullest telling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from meetx.pipeline.reading import clean
from meetx.pipeline.text import cues
from meetx.pipeline.text.outcomes import same_outcome
from meetx.pipeline.text.words import content_words, fold
from meetx.schemas.article import Article
from meetx.schemas.meeting import Outcome

_TOPIC = re.compile(
    r"^\W*(?:they\s+|the\s+\w+\s+)?(?:also\s+)?(?:discuss\w*|talked|exchanged|reviewed|briefed|focused)\b",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"^.{0,120}?\b(?:said|says|told reporters|stated|announced)"
    r"(?:\s+in\s+an?\s+(?:statement|news release|press release))?,?\s+that\s+",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(r"\b(?:briefed|discussed|talked|exchanged|reviewed)\b", re.IGNORECASE)
_AGREEMENT = re.compile(
    r"\b(they|we|both sides|the (two|three|four|five) (sides|countries|nations|ministers|"
    r"officials|leaders|envoys|diplomats|delegations)|the (security |senior )?officials|"
    r"the ministers|the leaders|the envoys|the sides)\b[^.;]{0,40}?"
    r"\b(agreed|reaffirmed|reconfirmed|pledged|decided|vowed|made clear|will not|"
    r"would continue|committed)\b",
    re.IGNORECASE,
)

# Who agreed and how they said it: "the three sides agreed to X" and "the officials also
# reaffirmed X" state one outcome, X.
_FRAME_TEXT = (
    "agreed agree agrees reaffirmed reconfirmed pledged decided vowed made clear said says "
    "statement added two three four five sides side officials ministers leaders envoys "
    "countries nations delegations spokesperson spokesman spokeswoman"
)
_FRAME_WORDS = frozenset(_FRAME_TEXT.split())


def _gist(outcome: Outcome) -> set[str]:
    return content_words(outcome.text) - _FRAME_WORDS


def same(a: Outcome, b: Outcome) -> bool:
    """One outcome told twice: their gists are the same outcome by the one test there is
    (``text.outcomes.same_outcome``, the scorer's and merge's)."""
    x, y = _gist(a), _gist(b)
    return bool(x and y) and same_outcome(" ".join(sorted(x)), " ".join(sorted(y)))


def unique(found: Sequence[Outcome]) -> list[Outcome]:
    """Each outcome once, in its fullest telling."""
    outcomes: list[Outcome] = []
    for outcome in found:
        outcomes = _add(outcomes, outcome)
    return outcomes


def _add(outcomes: list[Outcome], new: Outcome) -> list[Outcome]:
    """``outcomes`` with ``new``: in place of the one it repeats if it says more, else after."""
    for i, known in enumerate(outcomes):
        if same(new, known):
            if len(_gist(new)) > len(_gist(known)):
                return [*outcomes[:i], new, *outcomes[i + 1 :]]
            return outcomes
    return [*outcomes, new]


def is_outcome(text: str) -> bool:
    """An agreement, a decision or a signature (``text.cues.AGREED``), not a topic discussed,
    a wish ("will", "must", "urged") or a briefing."""
    return cues.AGREED.search(text) is not None


def stated(outcome: Outcome, article: Article) -> bool:
    """An outcome in its own words, or a clause copied from a sentence that says it was
    agreed ("expressed their agreement that dialogue is possible"): models copy the clause
    and leave the verb behind. A topic ("discussed ...") is none either way."""
    if _TOPIC.match(outcome.text):
        return False
    if is_outcome(outcome.text):
        return True
    if _PREAMBLE.search(outcome.text):  # "Blinken briefed Chung on the review"
        return False
    clause = fold(outcome.text)
    return bool(clause) and any(
        clause in fold(sentence) and cues.AGREED.search(sentence)
        for sentence in clean.sentences(clean.body(article))
    )


def without_preamble(outcome: Outcome) -> Outcome:
    """The outcome without who reported it or what came before the agreement:
    "Price said in a statement that the three sides agreed to X" and "Blinken briefed Chung
    on the review and the three sides agreed to X" become "the three sides agreed to X"."""
    text = outcome.text
    attribution = _ATTRIBUTION.match(text)
    if attribution is not None and is_outcome(text[attribution.end() :]):
        text = text[attribution.end() :]
    agreement = _AGREEMENT.search(text)
    if agreement is not None and _PREAMBLE.search(text[: agreement.start()]):
        text = text[agreement.start() :]
    return outcome if text == outcome.text else Outcome(text=text, quote=text)
