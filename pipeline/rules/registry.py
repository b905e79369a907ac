"""The named rules applied to the model's meetings, in order, each one switchable.

A rule describes a kind of text ("a meeting denied or only possible is no meeting"), never a
sentence of one article. Each is a function ``(meetings, context) -> meetings`` registered in
:data:`RULES` under its function's name; ``settings.rules_off`` (``--rule-off NAME``,
``MEETX_RULES_OFF=a,b``) leaves any of them out, and ``bench/accuracy.py --ablate`` measures
what each one is worth on the development set. ``meetx rules`` lists them.

Every value a rule sets or changes is marked on the meeting (``Meeting.set_by``: field ->
``rule:<name>``), so that its evidence says who set it: the model, or the rule by name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from meetx.pipeline.errors import ConfigError
from meetx.pipeline.reading import sentences
from meetx.pipeline.rules import consolidate, outcomes
from meetx.pipeline.rules.normalise import resolve_date
from meetx.pipeline.text import cues, places
from meetx.pipeline.text.names import is_person_name
from meetx.pipeline.text.words import occurs_in
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat

log = logging.getLogger(__name__)

# the values a rule may set; a change to one is marked on the meeting
TRACKED = ("status", "date", "start_time", "venue", "format", "duration_minutes")
TRACKED_LISTS = ("participants", "outcomes")


@dataclass(frozen=True)
class Context:
    """What a rule may read besides the meetings: the article and its numbered sentences."""

    article: Article
    sentences: tuple[sentences.Sentence, ...]

    @classmethod
    def of(cls, article: Article) -> Context:
        return cls(article, sentences.numbered(article))


RuleFunction = Callable[[list[Meeting], Context], list[Meeting]]


@dataclass(frozen=True)
class Rule:
    name: str
    describes: str  # the kind of text it is for (its docstring's first line)
    apply: RuleFunction


def _each(change: Callable[[Meeting, Context], Meeting]) -> RuleFunction:
    def every(found: list[Meeting], ctx: Context) -> list[Meeting]:
        return [change(m, ctx) for m in found]

    every.__name__ = change.__name__
    every.__doc__ = change.__doc__
    return every


# ---------------------------------------------------------------- what is a meeting
def not_a_meeting(found: list[Meeting], ctx: Context) -> list[Meeting]:
    """A meeting denied, only possible, or told as history is no meeting."""
    return [m for m in found if consolidate.is_reported(m)]


@_each
def tense_status(meeting: Meeting, ctx: Context) -> Meeting:
    """A sentence in the past tense with no word of the future reports a held meeting; one
    with only words of the future, a scheduled one (its date words then count forward)."""
    status = consolidate.status_of(meeting, meeting.quote)
    if status is meeting.status:
        return meeting
    article = ctx.article
    date = resolve_date(meeting.date_text, article.published, status, article.text, article.lang)
    return meeting.model_copy(update={"status": status, "date": date})


@_each
def unconfirmed_remote(meeting: Meeting, ctx: Context) -> Meeting:
    """A call or video conference its own sentence does not speak of is of unknown format
    until the other sentences about the meeting are read (then its reports merge)."""
    if meeting.format in consolidate.REMOTE and not consolidate.format_cue(
        meeting.format, meeting.quote or ""
    ):
        return meeting.model_copy(update={"format": MeetingFormat.unknown})
    return meeting


@_each
def remote_in_sentence(meeting: Meeting, ctx: Context) -> Meeting:
    """A meeting in person that its own sentence reports as a call or a video conference,
    with no word of meeting in person, is that call or video conference."""
    sentence = meeting.quote or ""
    said = [fmt for fmt in consolidate.REMOTE if consolidate.format_cue(fmt, sentence)]
    if meeting.format is not MeetingFormat.in_person or len(said) != 1:
        return meeting
    if consolidate.format_cue(MeetingFormat.in_person, sentence):
        return meeting
    return meeting.model_copy(update={"format": said[0]})


def separate_meetings(found: list[Meeting], ctx: Context) -> list[Meeting]:
    """One person's separate meetings with several others, told in one sentence ("held
    separate meetings with the foreign ministers of A, B and C"), are one meeting each."""
    split: list[Meeting] = []
    for meeting in found:
        people = meeting.participants
        if len(people) < 3 or not cues.SEPARATELY.search(meeting.quote or ""):
            split.append(meeting)
            continue
        host, others = people[0], people[1:]
        for i, other in enumerate(others):
            kept = meeting.outcomes if i == 0 else []
            update = {"participants": [host, other], "outcomes": kept}
            split.append(meeting.model_copy(update=update))
    return split


def merge_reports(found: list[Meeting], ctx: Context) -> list[Meeting]:
    """Reports of one meeting in several sentences are one meeting."""
    return consolidate.merge(found)


@_each
def not_a_name(meeting: Meeting, ctx: Context) -> Meeting:
    """A title, a group or a place written as a person's name ("Chief Trade Adviser", "G7
    Ministers", "lakeside resort") names nobody: that participant is unnamed."""
    people = [
        p if p.name is None or is_person_name(p.name) else p.model_copy(update={"name": None})
        for p in meeting.participants
    ]
    return meeting.model_copy(update={"participants": people})


@_each
def spokespeople(meeting: Meeting, ctx: Context) -> Meeting:
    """A spokesperson describing a meeting is not a participant."""
    kept = [p for p in meeting.participants if not consolidate.is_spokesperson(p)]
    return meeting.model_copy(update={"participants": kept})


# ---------------------------------------------------------------- values from the sentences
@_each
def format_cues(meeting: Meeting, ctx: Context) -> Meeting:
    """A format the model left unknown is the first cue ("by phone", "video conference",
    "met in") in the sentences about the meeting."""
    fmt = consolidate.format_from(meeting, consolidate.sentences_about(meeting, ctx.article))
    return meeting.model_copy(update={"format": fmt})


@_each
def city_in_english(meeting: Meeting, ctx: Context) -> Meeting:
    """A city written in the article's language ("Wien", "Ginevra") is given its common
    English name; a country written as the city ("Brasil") is no city."""
    city = meeting.venue.city
    if city is None or (name := places.english_name(city)) == city:
        return meeting
    return meeting.model_copy(update={"venue": meeting.venue.model_copy(update={"city": name})})


@_each
def city_from_text(meeting: Meeting, ctx: Context) -> Meeting:
    """The city of a meeting held somewhere is the known city ("in Tokyo") of the sentences
    about it in its tense; its country is the city's when none is given, or when the city is
    a large one of another country."""
    if meeting.format in consolidate.REMOTE:
        return meeting
    venue = consolidate.venue_from(meeting, consolidate.sentences_about(meeting, ctx.article))
    return meeting.model_copy(update={"venue": venue})


@_each
def date_cues(meeting: Meeting, ctx: Context) -> Meeting:
    """A meeting the model gave no date words for, or words that are not the body's own (a
    date it computed, "2019-06-11", or the publication date copied from the header), takes
    the first date expression of the sentences about it that resolves, else no date."""
    if meeting.date_text is not None and _in_body(meeting.date_text, ctx):
        return meeting
    found = consolidate.date_from(
        meeting.status, consolidate.sentences_about(meeting, ctx.article), ctx.article
    )
    if found is None:
        if meeting.date_text is None:
            return meeting
        return meeting.model_copy(update={"date": None, "date_text": None})
    return meeting.model_copy(update={"date": found[0], "date_text": found[1]})


def _in_body(words: str, ctx: Context) -> bool:
    body = "\n".join(s.text for s in ctx.sentences)
    if ctx.article.published_text:
        body = body.replace(ctx.article.published_text, " ")
    return occurs_in(words, body)


# ---------------------------------------------------------------- outcomes
@_each
def outcome_results(meeting: Meeting, ctx: Context) -> Meeting:
    """An outcome states a result (agreed, decided, signed ...), not a topic discussed; told
    twice, it is kept once."""
    found = [outcomes.without_preamble(o) for o in meeting.outcomes]
    kept = outcomes.unique([o for o in found if outcomes.stated(o, ctx.article)])
    return meeting.model_copy(update={"outcomes": kept})


RULES: tuple[Rule, ...] = tuple(
    Rule(f.__name__, " ".join((f.__doc__ or "").split("\n\n")[0].split()), f)
    for f in (
        not_a_meeting,
        tense_status,
        unconfirmed_remote,
        remote_in_sentence,
        not_a_name,
        spokespeople,
        merge_reports,
        separate_meetings,
        format_cues,
        city_in_english,
        city_from_text,
        date_cues,
        outcome_results,
    )
)


def names() -> list[str]:
    return [rule.name for rule in RULES]


def check_names(off: Iterable[str]) -> None:
    """Raise :class:`ConfigError` for a rule name that is not registered."""
    unknown = sorted(set(off) - set(names()))
    if unknown:
        raise ConfigError(f"no rule named {', '.join(unknown)} (known: {', '.join(names())})")


def apply(found: Sequence[Meeting], article: Article, off: Iterable[str] = ()) -> list[Meeting]:
    """The rules but ``off``, in order, over one article's meetings."""
    skipped = set(off)
    check_names(skipped)
    ctx = Context.of(article)
    meetings = list(found)
    for rule in RULES:
        if rule.name not in skipped:
            meetings = _marked(meetings, rule.apply(meetings, ctx), rule.name)
    return meetings


def _marked(before: list[Meeting], after: list[Meeting], rule: str) -> list[Meeting]:
    """``after``, each meeting marking the values ``rule`` changed (compared with the meeting
    of ``before`` it comes from: the same one, or the one with its reporting sentence)."""
    same_count = len(before) == len(after)
    marked = []
    for i, meeting in enumerate(after):
        origin = before[i] if same_count else _origin(meeting, before)
        if origin is None or origin is meeting:
            marked.append(meeting)
            continue
        changed = [
            f for f in (*TRACKED, *TRACKED_LISTS) if getattr(origin, f) != getattr(meeting, f)
        ]
        if changed:
            set_by = {**meeting.set_by, **dict.fromkeys(changed, f"rule:{rule}")}
            meeting = meeting.model_copy(update={"set_by": set_by})
        marked.append(meeting)
    return marked


def _origin(meeting: Meeting, before: list[Meeting]) -> Meeting | None:
    return next((m for m in before if m.quote == meeting.quote), None)
