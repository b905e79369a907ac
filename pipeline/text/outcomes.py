"""Are two written outcomes the same agreement? One test, for the scorer and for merge.

Two outcomes are the same when they share at least half of the first one's content words
(:func:`~meetx.pipeline.text.words.content_words`), or 60% of the second one's. The test is
the gold README's scoring rule 4 (first: the gold outcome, second: the predicted one), and
``workflow.merge`` takes the same test to tell one event's outcomes apart (first: an outcome
already kept, second: the one that may repeat it). A change here changes both the scores and
``events.jsonl``, on purpose: there is one notion of "the same outcome".
"""

from __future__ import annotations

from meetx.pipeline.text.words import content_words

SHARE_OF_FIRST = 0.5
SHARE_OF_SECOND = 0.6


def same_outcome(first: str, second: str) -> bool:
    """True when ``first`` and ``second`` state the same outcome (see the module docstring)."""
    a, b = content_words(first), content_words(second)
    if not a or not b:
        return False
    shared = len(a & b)
    return shared >= len(a) * SHARE_OF_FIRST or shared >= SHARE_OF_SECOND * len(b)
