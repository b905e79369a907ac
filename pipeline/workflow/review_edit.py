"""A reviewer's edits to a meeting, validated by the same schema and checks as an extraction.

An edit is a list of assignments ``path=value`` with the paths the checks report
(``date``, ``venue.city``, ``participants[1].name``, ``outcomes[0].text``). A value is read as
JSON when it parses (``70``, ``null``, ``{"name": ...}``) and as text otherwise
(``Herbert McMaster``, ``2017-08-03``); ``participants[3]=...`` with three participants adds
one; removing an item of a list is an assignment with ``remove``.

As in extraction, code derives what follows from the words: a new ``date_text`` resolves the
date against the publication date (``normalise.resolve_date``), a new ``start_time_text`` or
``duration_text`` gives the time or minutes, and a new country gives its ISO code, unless the
same edit sets those values itself. The edited meeting is then validated by
:class:`~schemas.meeting.Meeting`, grounded in the text (``align.ground``) and checked
(``checks.run``): schema errors refuse the edit, check issues are returned for the reviewer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from meetx.pipeline.errors import InvalidEdit
from meetx.pipeline.grounding import align, checks
from meetx.pipeline.rules import normalise
from meetx.pipeline.text.countries import country
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingStatus
from meetx.schemas.record import Issue
from meetx.schemas.review import Change

_PATH = re.compile(r"^[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*$")
_STEP = re.compile(r"([a-z_]+)|\[(\d+)\]")
Step = str | int


@dataclass(frozen=True)
class Assignment:
    path: str
    value: object = None
    remove: bool = False

    @classmethod
    def parse(cls, text: str) -> Assignment:
        """``path=value`` (value as JSON if it parses, else as text)."""
        path, sep, raw = text.partition("=")
        if not sep:
            raise InvalidEdit(f"expected path=value, got {text!r}")
        path, raw = path.strip(), raw.strip()
        _steps(path)
        if not raw:
            return cls(path, None)
        try:
            value: object = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        return cls(path, value)

    @classmethod
    def removal(cls, path: str) -> Assignment:
        steps = _steps(path.strip())
        if not isinstance(steps[-1], int):
            raise InvalidEdit(f"only a list item can be removed: {path!r}")
        return cls(path.strip(), None, remove=True)


def _steps(path: str) -> list[Step]:
    if not _PATH.match(path):
        raise InvalidEdit(f"not a field path: {path!r} (e.g. date, participants[1].name)")
    return [int(i) if i else name for name, i in _STEP.findall(path)]


def _get(data: Any, steps: Sequence[Step]) -> Any:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(data, list) or step >= len(data):
                return None
            data = data[step]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(step)
    return data


def _set(data: dict[str, Any], assignment: Assignment) -> None:
    steps = _steps(assignment.path)
    parent: Any = data
    for here, step in enumerate(steps[:-1]):
        child = _get(parent, [step])
        if child is None:
            nxt: Any = [] if isinstance(steps[here + 1], int) else {}
            _put(parent, step, nxt, assignment.path)
            child = nxt
        parent = child
    last = steps[-1]
    if assignment.remove:
        if not isinstance(parent, list) or not isinstance(last, int) or last >= len(parent):
            raise InvalidEdit(f"nothing to remove at {assignment.path!r}")
        del parent[last]
    else:
        _put(parent, last, assignment.value, assignment.path)


def _put(container: Any, step: Step, value: Any, path: str) -> None:
    if isinstance(step, int):
        if not isinstance(container, list) or step > len(container):
            raise InvalidEdit(f"{path!r}: no list item {step} (add items at the end)")
        if step == len(container):
            container.append(value)
        else:
            container[step] = value
    elif isinstance(container, dict):
        container[step] = value
    else:
        raise InvalidEdit(f"{path!r} does not lead to a field")


def describe(meeting: Meeting, assignments: Sequence[Assignment]) -> list[Change]:
    """The changes as data for the decision log: each path with its value before and after."""
    data = meeting.model_dump(mode="json")
    return [
        Change(field=a.path, before=_get(data, _steps(a.path)), after=a.value, removed=a.remove)
        for a in assignments
    ]


def _derive(data: dict[str, Any], assignments: Sequence[Assignment], article: Article) -> None:
    """Values that follow from edited words, as extraction derives them (unless set too)."""
    given = {a.path for a in assignments}
    status = MeetingStatus(data.get("status") or "held")
    if "date_text" in given and "date" not in given:
        data["date"] = normalise.resolve_date(
            data.get("date_text"), article.published, status, article.text
        )
    if "start_time_text" in given and "start_time" not in given:
        data["start_time"] = normalise.parse_time(data.get("start_time_text"))
    if "duration_text" in given and "duration_minutes" not in given:
        data["duration_minutes"] = normalise.parse_duration(data.get("duration_text"))
    if "venue.country" in given and "venue.country_code" not in given:
        venue = data.get("venue") or {}
        venue["country"], venue["country_code"], _ = country(venue.get("country"))
    for i, person in enumerate(data.get("participants") or []):
        path = f"participants[{i}]"
        whole = next((a.value for a in assignments if a.path == path and not a.remove), None)
        country_set = f"{path}.country" in given or (
            isinstance(whole, dict) and "country_code" not in whole
        )
        if country_set and f"{path}.country_code" not in given and isinstance(person, dict):
            name, code, is_org = country(person.get("country"))
            person.update(country=name, country_code=code, is_organisation=is_org)


def apply_changes(
    meeting: Meeting, assignments: Sequence[Assignment], article: Article
) -> tuple[Meeting, list[Issue]]:
    """The edited meeting, grounded in ``article``, and the issues the checks find in it."""
    if not assignments:
        raise InvalidEdit("no change given")
    data = meeting.model_dump(mode="json", exclude={"evidence"})
    for assignment in assignments:
        _set(data, assignment)
    _derive(data, assignments, article)
    try:
        edited = Meeting.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidEdit(f"the edited meeting is not valid: {problems}") from exc
    grounded = align.ground(edited, article)
    return grounded, checks.run(grounded, article)
