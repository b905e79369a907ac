"""Cues code finds in an article and hands to the model with it.

A small model takes the first sentence about a meeting, often a summary ("officials of A and
B agreed ..."), for the one that reports it, and loses the names given later. So the prompt
lists the sentences where someone met, held talks or a conference, or spoke by phone with
someone, and which name people (capitalised words after a title or before the verb): the
model still chooses and quotes, now from the sentences that carry the names.
"""

from __future__ import annotations

import re

from pipeline import clean

_MET = re.compile(
    r"\b(met|meets|meeting with|held (?:a |an )?(?:video )?(?:conference|talks|meeting|call)|"
    r"sat down|spoke (?:by phone|with)|talked|hosted|received|phone call with|call with|"
    r"video conference with|talks with)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b|\b[A-Z]\.[A-Z]\.\s+[A-Z][a-z]+")
MAX_CUES = 4


def meeting_sentences(body: str) -> list[str]:
    """Sentences that report someone meeting someone and name at least two people or bodies."""
    found = [s for s in clean.sentences(body) if _MET.search(s) and len(_NAME.findall(s)) >= 2]
    return found[:MAX_CUES]


def render(body: str) -> str:
    """The cue block for the prompt ('none found' when there is nothing to point at)."""
    sentences = meeting_sentences(body)
    if not sentences:
        return "(none found)"
    return "\n".join(f"- {s}" for s in sentences)
