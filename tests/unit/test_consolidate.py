import datetime as dt

from meetx.pipeline.rules import consolidate, outcomes, registry
from meetx.schemas.article import Article
from meetx.schemas.meeting import Meeting, MeetingFormat, MeetingStatus, Outcome, Participant, Venue

ARTICLE = Article(id="a", path="a", published=dt.date(2020, 3, 6), text="...")  # a Friday
LEE = Participant(name="Ann Lee", country="Singapore", country_code="SG")
WONG = Participant(name="Somchai Wong", country="Thailand", country_code="TH")
TRAN = Participant(name="Kim Tran", country="Vietnam", country_code="VN")


def meeting(*people: Participant, **values) -> Meeting:
    values.setdefault("status", MeetingStatus.held)
    return Meeting(participants=list(people), **values)


def fill(found: Meeting, article: Article, off: tuple[str, ...] = ()) -> Meeting:
    """One meeting through every rule but ``off``."""
    (filled,) = registry.apply([found], article, off)
    return filled


def outcome(text: str) -> Outcome:
    return Outcome(text=text, quote=text)


def test_reports_of_one_meeting_become_one_with_everything_they_said():
    first = meeting(
        LEE,
        WONG,
        venue=Venue(city="Bangkok"),
        date=dt.date(2020, 3, 2),
        outcomes=[outcome("agreed to open a consulate")],
    )
    again = meeting(
        WONG,
        LEE,
        duration_minutes=45,
        outcomes=[
            outcome("They agreed to open a consulate"),
            outcome("pledged to expand river patrols"),
        ],
    )
    (merged,) = consolidate.merge([first, again])
    assert merged.venue.city == "Bangkok" and merged.duration_minutes == 45
    assert [o.text for o in merged.outcomes] == [
        "agreed to open a consulate",
        "pledged to expand river patrols",
    ]
    assert len(merged.participants) == 2


def test_a_fragment_with_no_new_name_joins_the_meeting():
    lead = meeting(LEE, WONG, format=MeetingFormat.in_person)
    office = Participant(name=None, role="foreign ministry", country="Thailand", country_code="TH")
    fragment = meeting(office, outcomes=[outcome("agreed to share radar data")])
    (merged,) = consolidate.merge([lead, fragment])
    assert [p.name for p in merged.participants] == ["Ann Lee", "Somchai Wong"]  # TH is there
    assert merged.outcomes[0].text == "agreed to share radar data"


def test_meetings_that_disagree_stay_apart():
    monday = meeting(LEE, WONG, date=dt.date(2020, 3, 2))
    a_week_later = meeting(LEE, WONG, date=dt.date(2020, 3, 9))
    assert len(consolidate.merge([monday, a_week_later])) == 2
    call = meeting(LEE, format=MeetingFormat.phone_call)
    visit = meeting(LEE, WONG, format=MeetingFormat.in_person)
    assert len(consolidate.merge([visit, call])) == 2
    planned = meeting(LEE, WONG, status=MeetingStatus.scheduled)
    assert len(consolidate.merge([meeting(LEE, WONG), planned])) == 2


def test_a_meeting_with_someone_new_stays_apart():
    assert len(consolidate.merge([meeting(LEE, WONG), meeting(LEE, TRAN)])) == 2


def test_order_of_first_report_is_kept():
    a, b = meeting(LEE, WONG), meeting(TRAN, LEE, WONG, status=MeetingStatus.scheduled)
    assert consolidate.merge([a, b]) == [a, b]


def test_format_date_and_status_from_the_reporting_sentence():
    video = meeting(
        LEE,
        WONG,
        quote="Lee held a video conference with Wong on Wednesday.",
    )
    filled = fill(video, ARTICLE)
    assert filled.format is MeetingFormat.video_conference
    assert filled.date == dt.date(2020, 3, 4) and filled.date_text == "on Wednesday"
    said = meeting(
        LEE, WONG, status=MeetingStatus.scheduled, quote="Lee told reporters after meeting Wong."
    )
    assert fill(said, ARTICLE).status is MeetingStatus.held
    plan = said.model_copy(update={"quote": "Lee will hold talks with Wong next week."})
    assert fill(plan, ARTICLE).status is MeetingStatus.scheduled


def test_topics_and_briefings_are_not_outcomes():
    assert outcomes.is_outcome("They agreed to share radar data")
    assert outcomes.is_outcome("Los cancilleres acordaron reabrir la frontera")
    assert not outcomes.is_outcome("We will not accept a nuclear North")  # a stance, no deal
    assert not outcomes.is_outcome("discussed regional trade")
    assert not outcomes.is_outcome("they recognized the threat missile launches pose")
    kept = fill(
        meeting(
            LEE,
            WONG,
            outcomes=[outcome("briefed Wong on the review"), outcome("reaffirmed their alliance")],
        ),
        ARTICLE,
    )
    assert [o.text for o in kept.outcomes] == ["reaffirmed their alliance"]


def test_city_and_date_from_other_sentences_about_the_meeting():
    text = (
        "Officials of Japan and Peru agreed to cut tariffs.\n\n"
        "The two ministers, Ann Lee and Somchai Wong, meeting in Lima on Tuesday, also "
        "signed a treaty."
    )
    article = Article(id="a", path="a", published=dt.date(2020, 3, 6), text=text)
    vague = meeting(LEE, WONG, quote="Officials of Japan and Peru agreed to cut tariffs.")
    filled = fill(vague, article)
    assert (filled.venue.city, filled.venue.country_code) == ("Lima", "PE")
    assert filled.format is MeetingFormat.in_person  # "meeting in"
    assert filled.date == dt.date(2020, 3, 3) and filled.date_text == "on Tuesday"


def test_denials_possibilities_and_history_are_not_meetings():
    said = {
        "Lee said there were no plans for talks with Wong.": False,
        "Lee and Wong last met in 2015 in Hanoi.": False,
        "Lee could meet Wong later this year.": False,
        "Lee met Wong in Hanoi on Monday.": True,
        "Lee will meet Wong next week.": True,
    }
    for sentence, reported in said.items():
        assert consolidate.is_reported(meeting(LEE, WONG, quote=sentence)) is reported, sentence
    found = [
        meeting(LEE, WONG, quote=s, status="scheduled" if "will" in s else "held") for s in said
    ]
    kept = registry.apply(found, ARTICLE)
    assert [m.quote for m in kept] == [
        "Lee met Wong in Hanoi on Monday.",
        "Lee will meet Wong next week.",
    ]


def test_a_report_called_scheduled_that_says_met_merges_with_the_held_meeting():
    """The status is corrected before merging, so the two reports become one meeting."""
    text = "Ann Lee met Somchai Wong in Bangkok. Lee and Wong agreed to open a consulate."
    article = Article(id="a", path="a", published=dt.date(2020, 3, 6), text=text)
    held = meeting(LEE, WONG, quote="Ann Lee met Somchai Wong in Bangkok.")
    called_scheduled = meeting(
        LEE,
        WONG,
        status=MeetingStatus.scheduled,
        quote="Lee and Wong agreed to open a consulate.",
        outcomes=[outcome("agreed to open a consulate")],
    )
    (merged,) = registry.apply([held, called_scheduled], article)
    assert merged.status is MeetingStatus.held
    assert [o.text for o in merged.outcomes] == ["agreed to open a consulate"]


def test_an_outcome_told_twice_is_kept_once_in_its_fullest_telling():
    short = outcome("The three sides agreed to strengthen coordination")
    full = outcome("the officials agreed to strengthen coordination to make progress on peace")
    other = outcome("They also reaffirmed the importance of trilateral cooperation")
    found = fill(meeting(LEE, WONG, outcomes=[short, other, full]), ARTICLE)
    assert [o.text for o in found.outcomes] == [full.text, other.text]


def test_a_clause_copied_from_an_agreement_is_an_outcome_a_topic_never():
    text = (
        "The ministers expressed their agreement that talks are possible under the right "
        "conditions. They discussed trade, the ministry agreed to say."
    )
    article = Article(id="a", path="a", published=dt.date(2020, 3, 6), text=text)
    found = meeting(
        LEE,
        WONG,
        outcomes=[
            outcome("talks are possible under the right conditions"),
            outcome("discussed trade"),
        ],
    )
    kept = fill(found, article)
    assert [o.text for o in kept.outcomes] == ["talks are possible under the right conditions"]


def test_a_format_its_sentence_gives_no_cue_for_keeps_no_reports_apart():
    met = "Ann Lee met Somchai Wong in Bangkok."
    statement = "Wong assured Lee of Thai support."
    call = "Lee later spoke by phone with Wong."
    article = Article(
        id="a", path="a", published=dt.date(2020, 3, 6), text=f"{met} {statement} {call}"
    )
    lead = meeting(LEE, WONG, format=MeetingFormat.in_person, quote=met)
    phantom = meeting(WONG, LEE, format=MeetingFormat.phone_call, quote=statement)
    (merged,) = registry.apply([lead, phantom], article)
    assert merged.format is MeetingFormat.in_person
    real_call = meeting(LEE, WONG, format=MeetingFormat.phone_call, quote=call)
    both = registry.apply([lead, real_call], article)
    assert [m.format for m in both] == [MeetingFormat.in_person, MeetingFormat.phone_call]


def test_a_briefing_before_an_agreement_is_cut_off():
    told = outcome("Lee briefed Wong on the review and the two sides agreed to open a consulate")
    kept = fill(meeting(LEE, WONG, outcomes=[told]), ARTICLE)
    assert [o.text for o in kept.outcomes] == ["the two sides agreed to open a consulate"]
    plain = outcome("the two sides agreed to open a consulate and briefed the press")
    assert outcomes.without_preamble(plain) == plain  # nothing before the agreement


def test_who_reported_an_outcome_is_no_part_of_it_nor_is_a_briefing():
    said = outcome("Spokesman Ned Park said in a statement that the two sides agreed to meet again")
    assert outcomes.without_preamble(said).text == "the two sides agreed to meet again"
    briefing = outcome("Lee briefed Wong on the review of its policy")
    text = "Lee briefed Wong on the review of its policy and they agreed to act."
    article = Article(id="a", path="a", published=dt.date(2020, 3, 6), text=text)
    assert not outcomes.stated(briefing, article)  # though its sentence says they agreed


def test_a_large_city_names_the_venue_country_and_a_plan_takes_no_city_from_the_past():
    text = (
        "Ann Lee met Somchai Wong at the palace in Lima, Chile's ministry said. "
        "Lee and Wong last met in Bangkok. Lee will meet Wong again next year."
    )
    article = Article(id="a", path="a", published=dt.date(2020, 3, 6), text=text)
    held = meeting(
        LEE,
        WONG,
        format=MeetingFormat.in_person,
        quote="Ann Lee met Somchai Wong at the palace in Lima, Chile's ministry said.",
        venue=Venue(city="Lima", country="Chile", country_code="CL"),
    )
    assert fill(held, article).venue.country_code == "PE"
    plan = meeting(
        LEE,
        WONG,
        status=MeetingStatus.scheduled,
        format=MeetingFormat.in_person,
        quote="Lee will meet Wong again next year.",
    )
    assert fill(plan, article).venue.city is None
