import itertools

from meetx.pipeline.reading import articles, clean

PAGE = """Menu Content
Go Top

Politics

Ministers agree on river patrols

Written: 2021-05-06 07:22:41

By Jane Roe

Photo : AP

The foreign ministers of Laos and Cambodia met in Vientiane on Tuesday and agreed to patrol the Mekong together.
The two ministers shake hands in Vientiane (AP) The two ministers shake hands in Vientiane (AP)
The foreign ministers of Laos and Cambodia met in Vientiane on Tuesday and agreed to patrol the Mekong together (AP)
"We will meet again next year," the Lao minister said.
This website uses cookies and other technology to enhance quality of service.
The foreign ministers of Laos and Cambodia met in Vientiane on Tuesday and agreed to patrol the Mekong together.
"""


def test_body_keeps_prose_once_and_drops_the_debris():
    body = clean.body(articles.parse(PAGE))
    assert body.split("\n\n") == [
        "The foreign ministers of Laos and Cambodia met in Vientiane on Tuesday and agreed to "
        "patrol the Mekong together.",
        "The two ministers shake hands in Vientiane (AP)",  # a caption pasted twice: kept once
        '"We will meet again next year," the Lao minister said.',
    ]


def test_every_kept_line_is_a_substring_of_the_text():
    body = clean.body(articles.parse(PAGE))
    assert all(line in PAGE for line in body.split("\n\n"))


def test_a_plain_article_is_left_alone():
    text = "Leaders of Chile and Peru met in Lima on Monday.\nThey agreed to cut tariffs."
    assert clean.body(articles.parse(text)) == text.replace("\n", "\n\n")


def test_chunks_cut_between_sentences_with_overlap():
    sentences = [f"Sentence number {i} says something about talks." for i in range(40)]
    text = " ".join(sentences)
    pieces = clean.chunks(text, max_chars=300, overlap=2)
    assert len(pieces) > 3 and all(len(p) <= 300 for p in pieces)
    for before, after in itertools.pairwise(pieces):
        second_last = before.split(". ")[-2]
        assert after.startswith(second_last)  # two sentences of overlap
    covered = " ".join(pieces)
    assert all(s in covered for s in sentences)  # nothing lost
    assert all(p.endswith(".") for p in pieces)  # whole sentences only


def test_a_short_text_is_one_chunk():
    assert clean.chunks("One sentence.", max_chars=100) == ["One sentence."]


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
