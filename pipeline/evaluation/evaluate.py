"""Score predicted meetings against gold annotations, field by field (slot filling, micro).

The rules are those of ``shared/gold/README.md``:

1. Per article, predicted meetings are paired with gold meetings by the best assignment on
   participant overlap, plus a bonus for an equal date and format; a pair needs at least
   :data:`MIN_PAIR_OVERLAP` matched participant. Unpaired gold meetings lose recall, unpaired
   predictions lose precision (every slot they fill counts as predicted).
2. Scalar slots (date, status, format, duration, city, country) count in gold when the gold
   value is non-null, in the prediction when the predicted value is non-null ("unknown" format
   counts as null), and are correct when equal after normalisation (case, accents, country
   aliases and ISO codes).
3. A named gold participant is matched by name (token containment, or the same surname with
   at least half the tokens of the shorter name shared); an unnamed one only by a predicted
   participant with no name and the same country. A predicted name that the article never
   gives is a wrong slot (and is counted as invented). Participant country is scored on the
   matched participants only: a slot in gold and prediction when each side has a country.
4. A gold outcome matches a predicted one (one to one) when they share at least half of the
   gold's content words, or 60% of the prediction's (``text.outcomes.same_outcome``, the one
   test of "the same outcome", which ``workflow.merge`` uses too).

The scorer's notions (country aliases, folding, the matcher) come from ``pipeline.text``;
nothing in production imports this module (``meetx eval`` and the benchmarks do).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meetx.pipeline.text.countries import country as normalise_country
from meetx.pipeline.text.matching import one_to_one
from meetx.pipeline.text.outcomes import same_outcome
from meetx.pipeline.text.words import fold, occurs_in
from meetx.schemas.meeting import Meeting

FIELDS = (
    "meetings",
    "date",
    "status",
    "format",
    "duration",
    "city",
    "country",
    "participants",
    "participant_country",
    "outcomes",
)
SCALARS = ("date", "status", "format", "duration", "city", "country")
MIN_PAIR_OVERLAP = 1
PAIR_BONUS = 0.5  # for each of equal date and equal format


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    correct: int = 0

    def add(self, gold: int = 0, predicted: int = 0, correct: int = 0) -> None:
        self.gold += gold
        self.predicted += predicted
        self.correct += correct

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Score:
    fields: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in FIELDS})
    invented_names: list[str] = field(default_factory=list)

    @property
    def all_slots(self) -> Counts:
        total = Counts()
        for counts in self.fields.values():
            total.add(counts.gold, counts.predicted, counts.correct)
        return total

    def merge(self, other: Score) -> None:
        for name, counts in other.fields.items():
            self.fields[name].add(counts.gold, counts.predicted, counts.correct)
        self.invented_names.extend(other.invented_names)

    def as_dict(self) -> dict[str, Any]:
        table = {name: counts.as_dict() for name, counts in self.fields.items()}
        table["all"] = self.all_slots.as_dict()
        return {"fields": table, "invented_names": self.invented_names}


# ---------------------------------------------------------------- normalisation
def norm_country(value: str | None) -> str | None:
    if not value:
        return None
    name, code, _ = normalise_country(value)
    return code or (fold(name) if name else None)


# ---------------------------------------------------------------- gold and predictions
@dataclass(frozen=True)
class Person:
    name: str | None
    country: str | None  # normalised


@dataclass(frozen=True)
class Event:
    """One meeting, gold or predicted, in comparable form."""

    date: str | None
    status: str | None
    format: str | None
    duration: int | None
    city: str | None
    country: str | None
    participants: tuple[Person, ...]
    outcomes: tuple[str, ...]

    def scalar(self, name: str) -> object:
        return getattr(self, name)


def _fmt(value: str | None) -> str | None:
    return None if value in (None, "unknown") else value


def gold_event(meeting: dict[str, Any]) -> Event:
    return Event(
        date=meeting.get("date"),
        status=meeting.get("status"),
        format=_fmt(meeting.get("format")),
        duration=meeting.get("duration_minutes"),
        city=fold(meeting["city"]) if meeting.get("city") else None,
        country=norm_country(meeting.get("country")),
        participants=tuple(
            Person(p.get("name"), norm_country(p.get("country")))
            for p in meeting.get("participants", [])
        ),
        outcomes=tuple(meeting.get("outcomes", [])),
    )


def predicted_event(meeting: Meeting) -> Event:
    return Event(
        date=meeting.date.isoformat() if meeting.date else None,
        status=str(meeting.status),
        format=_fmt(str(meeting.format)),
        duration=meeting.duration_minutes,
        city=fold(meeting.venue.city) if meeting.venue.city else None,
        country=meeting.venue.country_code or norm_country(meeting.venue.country),
        participants=tuple(
            Person(p.name, p.country_code or norm_country(p.country)) for p in meeting.participants
        ),
        outcomes=tuple(o.text for o in meeting.outcomes),
    )


# ---------------------------------------------------------------- matching
def same_person(gold: Person, predicted: Person) -> bool:
    if gold.name is None:
        return (
            predicted.name is None
            and gold.country is not None
            and gold.country == predicted.country
        )
    if predicted.name is None:
        return False
    g, p = fold(gold.name).split(), fold(predicted.name).split()
    if not g or not p:
        return False
    if set(g) <= set(p) or set(p) <= set(g):
        return True
    shared = len(set(g) & set(p))
    return g[-1] == p[-1] and shared >= min(len(g), len(p)) / 2


def match_people(gold: Sequence[Person], predicted: Sequence[Person]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, named people first."""
    order = sorted(range(len(gold)), key=lambda i: gold[i].name is None)
    return one_to_one(gold, predicted, same_person, order)


def match_outcomes(gold: Sequence[str], predicted: Sequence[str]) -> int:
    """Gold outcomes matched one to one (``text.outcomes.same_outcome``, gold first)."""
    return len(one_to_one(gold, predicted, same_outcome))


def _pair_value(gold: Event, predicted: Event) -> float:
    overlap = len(match_people(gold.participants, predicted.participants))
    if overlap < MIN_PAIR_OVERLAP:
        return 0.0
    bonus = PAIR_BONUS * (gold.date is not None and gold.date == predicted.date)
    bonus += PAIR_BONUS * (gold.format is not None and gold.format == predicted.format)
    return overlap + bonus


def pair(gold: Sequence[Event], predicted: Sequence[Event]) -> list[tuple[int, int]]:
    """The assignment of predictions to gold meetings with the highest total value."""
    if not gold or not predicted:
        return []
    value = [[_pair_value(g, p) for p in predicted] for g in gold]
    small, large = (gold, predicted) if len(gold) <= len(predicted) else (predicted, gold)
    best: list[tuple[int, int]] = []
    best_total = 0.0
    for chosen in itertools.permutations(range(len(large)), len(small)):
        pairs = list(enumerate(chosen)) if small is gold else [(c, i) for i, c in enumerate(chosen)]
        pairs = [(g, p) for g, p in pairs if value[g][p] > 0]
        total = sum(value[g][p] for g, p in pairs)
        if total > best_total:
            best, best_total = pairs, total
    return sorted(best)


# ---------------------------------------------------------------- scoring
def _count_filled(event: Event, score: Score, as_gold: bool) -> None:
    for name in SCALARS:
        if event.scalar(name) is not None:
            score.fields[name].add(gold=int(as_gold), predicted=int(not as_gold))
    score.fields["participants"].add(
        gold=len(event.participants) if as_gold else 0,
        predicted=0 if as_gold else len(event.participants),
    )
    score.fields["outcomes"].add(
        gold=len(event.outcomes) if as_gold else 0,
        predicted=0 if as_gold else len(event.outcomes),
    )


def score_pair(gold: Event, predicted: Event, article_text: str | None, score: Score) -> None:
    for name in SCALARS:
        g, p = gold.scalar(name), predicted.scalar(name)
        score.fields[name].add(
            gold=int(g is not None),
            predicted=int(p is not None),
            correct=int(g is not None and g == p),
        )
    people = match_people(gold.participants, predicted.participants)
    matched_predicted = {j for _, j in people}
    correct_people = 0
    for j, person in enumerate(predicted.participants):
        invented = (
            person.name is not None
            and article_text is not None
            and not occurs_in(person.name, article_text)
        )
        if invented:
            score.invented_names.append(person.name or "")
        elif j in matched_predicted:
            correct_people += 1
    score.fields["participants"].add(
        gold=len(gold.participants), predicted=len(predicted.participants), correct=correct_people
    )
    for i, j in people:
        g_country, p_country = gold.participants[i].country, predicted.participants[j].country
        score.fields["participant_country"].add(
            gold=int(g_country is not None),
            predicted=int(p_country is not None),
            correct=int(g_country is not None and g_country == p_country),
        )
    score.fields["outcomes"].add(
        gold=len(gold.outcomes),
        predicted=len(predicted.outcomes),
        correct=match_outcomes(gold.outcomes, predicted.outcomes),
    )


def score_article(
    gold: Sequence[Event], predicted: Sequence[Event], article_text: str | None = None
) -> Score:
    score = Score()
    pairs = pair(gold, predicted)
    score.fields["meetings"].add(gold=len(gold), predicted=len(predicted), correct=len(pairs))
    for g, p in pairs:
        score_pair(gold[g], predicted[p], article_text, score)
    paired_gold, paired_predicted = {g for g, _ in pairs}, {p for _, p in pairs}
    for i, event in enumerate(gold):
        if i not in paired_gold:
            _count_filled(event, score, as_gold=True)
    for j, event in enumerate(predicted):
        if j not in paired_predicted:
            _count_filled(event, score, as_gold=False)
            for person in event.participants:
                if person.name and article_text and not occurs_in(person.name, article_text):
                    score.invented_names.append(person.name)
    return score


def score_all(
    gold: dict[str, list[Event]],
    predicted: dict[str, list[Event]],
    texts: dict[str, str],
) -> tuple[Score, dict[str, Score]]:
    """Total and per-article scores; articles are keyed by file name."""
    total = Score()
    per_article: dict[str, Score] = {}
    for article in sorted(set(gold) | set(predicted)):
        if article not in gold:
            continue  # not annotated: nothing to score against
        score = score_article(gold[article], predicted.get(article, []), texts.get(article))
        per_article[article] = score
        total.merge(score)
    return total, per_article


def events_by_article(records: Iterable[tuple[str, Meeting]]) -> dict[str, list[Event]]:
    found: dict[str, list[Event]] = {}
    for article, meeting in records:
        found.setdefault(article, []).append(predicted_event(meeting))
    return found
