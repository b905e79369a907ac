from pipeline import clean, cues


def test_sentences_are_not_cut_after_initials_or_abbreviations():
    text = (
        "Chung met his counterparts, H.R. McMaster and Shotaro Yachi. The U.S. side said on "
        'Aug. 3 it went well! "We agreed," he said.\nA new paragraph'
    )
    assert clean.sentences(text) == [
        "Chung met his counterparts, H.R. McMaster and Shotaro Yachi.",
        "The U.S. side said on Aug. 3 it went well!",
        '"We agreed," he said.',
        "A new paragraph",
    ]
    for start, end in clean.sentence_spans(text):
        assert text[start:end] == text[start:end].lstrip()


def test_meeting_sentences_name_people_meeting_people():
    body = (
        "Officials of Chile and Peru agreed to cut tariffs.\n\n"
        "Foreign Minister Ana Soto held talks with Peruvian envoy Luis Vega in Lima.\n\n"
        "Markets in Santiago Province rose. Soto met reporters."
    )
    assert cues.meeting_sentences(body) == [
        "Foreign Minister Ana Soto held talks with Peruvian envoy Luis Vega in Lima."
    ]
    assert cues.render("Nothing happened here.") == "(none found)"
