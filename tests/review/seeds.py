"""Realistic output directories built from the seeds and their gold annotations.

Records are made the way extraction makes them (normalised countries, values grounded in the
article with evidence and offsets, the checks run), from the gold file's values instead of a
model's answer, so the tests do not depend on the recorded exchanges of the moment.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.grounding import align, checks
from meetx.pipeline.reading import articles
from meetx.pipeline.text.countries import country
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Outcome, Participant, Venue
from meetx.schemas.record import Issue, LedgerEntry, MeetingRecord, Provenance, ReviewItem
from tests.conftest import ROOT, SEEDS

GOLD = ROOT.parent / "shared" / "gold" / "seeds.jsonl"  # shared/ beside the clone
PROMPT = "meeting-test"
AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def gold() -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]
    return {g["article"]: g for g in lines}


def article(name: str) -> Article:
    return articles.load(SEEDS / name)


def _sentence(text: str, words: str) -> str | None:
    at = text.find(words)
    if at < 0:
        return None
    start = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
    end = text.find(".", at)
    return text[start : end if end > 0 else len(text)].strip()


def meeting_from_gold(g: dict[str, Any], text: str) -> Meeting:
    people = []
    for p in g["participants"]:
        name, code, is_org = country(p["country"])
        people.append(
            Participant(
                name=p["name"],
                role=p["role"],
                country=name,
                country_code=code,
                is_organisation=is_org,
                quote=p["name"],
            )
        )
    venue = Venue()
    if g.get("city") or g.get("country"):
        name, code, _ = country(g.get("country"))
        venue = Venue(place=g.get("place"), city=g.get("city"), country=name, country_code=code)
    report = next(
        (s for p in people if p.name and (s := _sentence(text, p.name.split()[-1]))), None
    )
    return Meeting(
        status=MeetingStatus(g["status"]),
        date=dt.date.fromisoformat(g["date"]) if g.get("date") else None,
        date_text=g.get("date_evidence"),
        start_time=dt.time.fromisoformat(g["start_time"]) if g.get("start_time") else None,
        venue=venue,
        format=MeetingFormat(g["format"]),
        duration_minutes=g.get("duration_minutes"),
        participants=people,
        outcomes=[Outcome(text=o, quote=o) for o in g["outcomes"]],
        quote=report,
    )


def provenance(a: Article) -> Provenance:
    return Provenance(
        article_id=a.id,
        article_path=str(SEEDS / Path(a.path).name),
        model="gold",
        prompt_version=PROMPT,
        extracted_at=AT,
    )


def record(name: str, index: int = 0, meeting: Meeting | None = None) -> MeetingRecord:
    a = article(name)
    m = meeting or meeting_from_gold(gold()[name]["meetings"][index], a.text)
    grounded = align.ground(m, a)
    return MeetingRecord(
        id=f"{a.id[:16]}-{PROMPT}-{index}",
        meeting=grounded,
        provenance=provenance(a),
        issues=checks.run(grounded, a),
    )


def unnamed(m: Meeting) -> Meeting:
    """What the model gave for seed 001: nobody named, no date (so it was flagged)."""
    return m.model_copy(
        update={
            "participants": [p.model_copy(update={"name": None}) for p in m.participants],
            "date": None,
            "date_text": None,
        }
    )


def seeds_output(directory: Path, flag_001: bool = True) -> OutputStore:
    """An output directory for the five seeds; seed 001's record is flagged with ``flag_001``."""
    store = OutputStore(directory)
    for name in sorted(gold()):
        a = article(name)
        result = ArticleResult(
            ledger=LedgerEntry(
                key=list(provenance(a).key()),
                article_path=provenance(a).article_path,
                meetings=0,
                flagged=0,
                failed=False,
                finished_at=AT,
            )
        )
        for index in range(len(gold()[name]["meetings"])):
            rec = record(name, index)
            if flag_001 and name.startswith("001"):
                g = gold()[name]["meetings"][index]
                rec = record(name, index, unnamed(meeting_from_gold(g, a.text)))
                rec.issues.append(
                    Issue(kind="test_flag", field="participants", message="nobody is named")
                )
            if rec.issues:
                result.review.append(
                    ReviewItem(
                        kind="flagged_record",
                        reasons=rec.issues,
                        provenance=rec.provenance,
                        record=rec,
                    )
                )
            else:
                result.records.append(rec)
        store.commit(result)
    return store
