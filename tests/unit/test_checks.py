import datetime as dt

from meetx.pipeline.grounding import align, checks
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingStatus, Outcome, Participant

TEXT = (
    "Singaporean Foreign Minister Ann Lee met her Thai counterpart, Somchai Wong, in Bangkok "
    "on Monday. "
    "They agreed to open a consulate."
)
ARTICLE = Article(id="x", path="x.txt", published=dt.date(2020, 3, 4), text=TEXT)
LEE = Participant(
    name="Ann Lee",
    country="Singapore",
    country_code="SG",
    quote="Singaporean Foreign Minister Ann Lee",
)
WONG = Participant(
    name="Somchai Wong",
    country="Thailand",
    country_code="TH",
    quote="her Thai counterpart, Somchai Wong",
)
REPORT = "Ann Lee met her Thai counterpart"


def held(**values) -> Meeting:
    return Meeting(status=MeetingStatus.held, quote=REPORT, **values)


def kinds(meeting: Meeting, article: Article = ARTICLE) -> list[str]:
    return [issue.kind for issue in checks.run(align.ground(meeting, article), article)]


def test_a_grounded_meeting_has_no_issues():
    meeting = held(
        date=dt.date(2020, 3, 2),
        date_text="on  Monday",
        participants=[LEE, WONG],
        outcomes=[Outcome(text="open a consulate", quote="They agreed to open a consulate.")],
    )
    assert kinds(meeting) == []


def test_quote_not_in_text():
    meeting = held(
        participants=[LEE, WONG],
        outcomes=[Outcome(text="x", quote="agreed to build a bridge")],
    )
    issues = checks.run(align.ground(meeting, ARTICLE), ARTICLE)
    assert [(i.kind, i.field) for i in issues] == [("quote_not_found", "outcomes[0].quote")]


def test_invented_name():
    invented = Participant(
        name="Prayut Chan", country="Thailand", country_code="TH", quote="her Thai counterpart"
    )
    assert kinds(held(participants=[LEE, invented])) == ["name_not_found"]


def test_held_after_publication():
    meeting = held(date=dt.date(2020, 3, 9), participants=[LEE, WONG])
    assert kinds(meeting) == ["held_after_publication"]
    scheduled = meeting.model_copy(update={"status": MeetingStatus.scheduled})
    assert kinds(scheduled) == []


def test_too_few_participants_unless_a_reason_is_stated():
    alone = held(participants=[LEE])
    assert kinds(alone) == ["too_few_participants"]
    explained = alone.model_copy(update={"participants_note": "the counterpart is not reported"})
    assert kinds(explained) == []


def test_unknown_country_and_missing_country():
    odd = Participant(name="Somchai Wong", country="Korean")
    nothing = Participant(name="Ann Lee")
    assert kinds(held(participants=[nothing, odd])) == [
        "no_evidence",
        "country_missing",
        "country_unknown",
    ]


def test_organisations_are_fine():
    text = TEXT.replace("Singaporean Foreign Minister", "European Union envoy")
    article = ARTICLE.model_copy(update={"text": text})
    eu = Participant(name="Ann Lee", country="European Union", is_organisation=True)
    assert kinds(held(participants=[eu, WONG]), article) == []


def test_values_from_the_header_are_flagged():
    text = (
        "Lee and Wong agree to open consulate\nMarch 4, 2020 1:00 pm\n\n"
        "Foreign Minister Ann Lee met Somchai Wong on Monday. They agreed to open a consulate."
    )
    article = Article(
        id="x",
        path="x",
        headline="Lee and Wong agree to open consulate",
        published_text="March 4, 2020 1:00 pm",
        text=text,
    )
    from_header = Meeting(
        status=MeetingStatus.held,
        quote="Ann Lee met Somchai Wong",
        date_text="March 4, 2020",
        start_time_text="1:00 pm",
        participants=[LEE, WONG],
        outcomes=[Outcome(text="x", quote="Lee and Wong agree to open consulate")],
    )
    issues = [(i.kind, i.field) for i in checks.run(align.ground(from_header, article), article)]
    assert issues == [
        ("quote_from_header", "date_text"),
        ("quote_from_header", "start_time_text"),
        ("quote_from_header", "outcomes[0].quote"),
    ]
    from_body = from_header.model_copy(
        update={
            "date_text": "on Monday",
            "start_time_text": None,
            "outcomes": [Outcome(text="x", quote="They agreed to open a consulate.")],
        }
    )
    assert checks.run(align.ground(from_body, article), article) == []


def test_values_without_evidence_are_flagged():
    meeting = Meeting(status=MeetingStatus.held, participants=[LEE, WONG])
    assert [(i.kind, i.field) for i in checks.run(meeting, ARTICLE)] == [
        ("no_evidence", "status"),
        ("no_evidence", "participants[0].country"),
        ("no_evidence", "participants[1].country"),
    ]
