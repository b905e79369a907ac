"""Words that say what kind of meeting a sentence tells of: one table, in several languages.

News about meetings is written in many languages (the development set has English, Spanish,
German, French, Indonesian, Italian, Portuguese and Icelandic), so each cue lists the common
words of each; a cue is a regular expression matched case-insensitively, at word starts.

- :data:`FORMAT`: video conference, phone call, in person (in that order of precedence: "a
  video call" is a video conference, "met by phone" a call).
- :data:`NOT_HELD`: a meeting denied, ruled out, only possible, or history.
- :data:`FUTURE` / :data:`PAST`: the tense of a sentence about a meeting.
- :data:`AGREED`: a sentence that states an agreement, a decision or a signature.
- :data:`SEPARATELY`: one person's several meetings told in one sentence ("held separate
  meetings with ...").
- :data:`SPOKESPERSON`: a role that describes meetings rather than attends them.
- :data:`MEETING`: a sentence that speaks of a meeting at all.

Used by the rules (``pipeline.rules``) and by grounding (the words behind a format).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", _I)


VIDEO = _words(
    r"video[- ]?confer\w*",
    r"videoconfer\w*",
    r"videokonferenz\w*",
    r"visioconf[ée]rence\w*",
    r"vid[ée]oconf[ée]rence\w*",
    r"videollamada\w*",
    r"video ?call\w*",
    r"video link",
    r"konferensi video",
    r"virtual\w*",
    r"virtuel\w*",
    r"fjarfund\w*",
)
PHONE = _words(
    r"tele(?:phone|fon|fono|fone|pon)\w*",
    r"t[ée]l[ée]phon\w*",
    r"phone\w*",
    r"by phone",
    r"call(?:ed)? with",
    r"spoke (?:by|over|on the) (?:tele)?phone",
    r"llamada",
    r"símtal\w*",
    r"s[ií]mafund\w*",
)
IN_PERSON = _words(
    r"met\b",
    r"held talks",
    r"sat down",
    r"visit\w*",
    r"(?:meeting|talks|summit) (?:in|at)\b",
    r"se reuni\w*",
    r"reuni[óo]n(?:es)? (?:en|con)\b",
    r"recibi[óo]",
    r"getroffen",
    r"traf(?:en)?\b",
    r"empf(?:ing|angen)\w*",
    r"rencontr\w*",
    r"s'est entretenu\w*",
    r"re[çc]u\b",
    r"bertemu",
    r"pertemuan",
    r"menerima",
    r"incontr\w*",
    r"ricevut\w*",
    r"reuniu\w*",
    r"encontr(?:o|ou|aram)\b",
    r"recebeu",
    r"hitt(?:ust|ist|i)\b",
    r"fund(?:ur|i|inum|ar)\b",
)
FORMAT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("video_conference", VIDEO),
    ("phone_call", PHONE),
    ("in_person", IN_PERSON),
)

NOT_HELD = _words(
    r"no plans?\b",
    r"possibilit\w*",
    r"(?:still )?being discussed",
    r"not yet (?:been )?(?:agreed|decided|confirmed)",
    r"nothing (?:had|has) (?:yet )?been agreed",
    r"not (?:planned|scheduled|expected)",
    r"ruled out",
    r"denied",
    r"(?:may|might|could) (?:meet|hold)",
    r"possible (?:meeting|talks|summit)",
    r"(?:last|previously|first) met\b",
    r"had met\b",
    r"no hay planes",
    r"descart\w*",
    r"keine pl[äa]ne",
    r"nicht geplant",
    r"pas pr[ée]vu\w*",
    r"tidak ada rencana",
    r"non (?:è|e) previst\w*",
)
FUTURE = _words(
    r"will\b",
    r"would (?:meet|hold|visit|travel|attend)\b",
    r"to meet\b",
    r"plans? to",
    r"next\b",
    r"scheduled",
    r"upcoming",
    r"is to\b",
    r"are to\b",
    r"se reunir[áa]n?\b",
    r"viajar[áa]\b",
    r"pr[óo]xim[oa]s?\b",
    r"wird\b",
    r"werden\b",
    r"n[äa]chste\w*",
    r"prochain\w*",
    r"se rendra\b",
    r"akan\b",
    r"prossim\w*",
    r"incontrer[àa]\b",
)
PAST = _words(
    r"met\b",
    r"held\b",
    r"after meeting",
    r"sat down",
    r"agreed",
    r"talked",
    r"spoke\b",
    r"discussed",
    r"was held",
)
AGREED = _words(
    r"agree[sd]?\b",
    r"agreement",
    r"decid(?:e|ed|es)\b",
    r"pledg\w*",
    r"(?:re)?affirm\w*",
    r"signed",
    r"consensus",
    r"acord\w*",
    r"acuerdo\w*",
    r"firmaron",
    r"vereinbar\w*",
    r"einig\w*",
    r"unterzeichne\w*",
    r"convenu\w*",
    r"accord(?:o|i|é|ée|és|ent)?\b",
    r"sign(?:é|ée|és)\b",
    r"sepakat\w*",
    r"kesepakatan",
    r"menandatangani",
    r"concord\w*",
    r"assinar\w*",
    r"firmat\w*",
    r"samþykk\w*",
    r"sammála",
)
SEPARATELY = _words(
    r"separate(?:ly)?\b",
    r"respectively",
    r"one[- ]on[- ]one",
    r"bilateral (?:meetings|talks)",
    r"por separado",
    r"reuniones bilaterales",
    r"getrennt\w*",
    r"einzeln\w*",
    r"s[ée]par[ée]ment",
    r"secara terpisah",
    r"separatamente",
    r"em separado",
)
SPOKESPERSON = _words(
    r"spokes(?:wo)?m[ae]n",
    r"aide\b",
    r"spokesperson",
    r"press secretary",
    r"portavoz",
    r"\w*sprecher\w*",  # German compounds: Regierungssprecher, Außenamtssprecherin
    r"porte-parole",
    r"juru bicara",
    r"jubir",
    r"portavoce",
    r"porta-voz",
    r"talsm\w*",
)


MEETING = _words(
    r"met\b",
    r"teleconferen\w*",
    r"meet(?:s|ing)?\b",
    r"talks\b",
    r"conference",
    r"summit",
    r"call\b",
    r"visit\w*",
    r"sat down",
    r"gather\w*",
    r"reuni\w*",
    r"conversa\w*",
    r"cumbre",
    r"treffen",
    r"getroffen",
    r"gespr[äa]ch\w*",
    r"telefonat\w*",
    r"gipfel\w*",
    r"rencontr\w*",
    r"entretien\w*",
    r"sommet",
    r"pertemuan",
    r"bertemu",
    r"kunjungan",
    r"incontr\w*",
    r"colloqui\w*",
    r"vertice",
    r"encontro",
    r"fund(?:ur|i|inum|ar)\b",
    *(cue.pattern[5:-1] for _, cue in FORMAT),
)


def format_of(text: str) -> str | None:
    """The first format whose cue ``text`` has, in :data:`FORMAT`'s order; None if none."""
    return next((name for name, cue in FORMAT if cue.search(text)), None)
