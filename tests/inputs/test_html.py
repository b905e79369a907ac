"""Saved web pages: the article in a page of menus, banners and link lists reads as its clean
text, keeps what the page's metadata states, and a page with no article is one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from meetx.pipeline.errors import ArticleError
from meetx.pipeline.reading import html, sources
from meetx.pipeline.reading.sources import InputOptions, Item
from tests.faults.fakeserver import FakeServer
from tests.inputs.conftest import extract
from tests.inputs.pages import clean_text, page


@pytest.mark.parametrize("i", [0, 1, 2])
def test_a_page_reads_as_its_clean_text_with_its_metadata(i: int):
    article = sources.to_article(Item(f"p{i}.html", page(i), is_html=True))
    assert article.text == clean_text(i)  # no menu, banner, byline, share or related link
    assert article.headline == clean_text(i).splitlines()[0]
    assert article.outlet == "The Daily Ledger"
    assert article.url == f"https://daily-ledger.example/world/{i}"
    assert article.published == dt.date(2021, 5, 6)
    assert article.published_source == "html"
    assert article.lang == "en" and article.lang_source == "detected"
    assert article.page_sha256 is not None and article.page_sha256 != article.id


def _meetings(store) -> list[dict]:
    return [r.meeting.model_dump(mode="json") for r in store.records()]


def test_a_page_gives_the_same_meetings_as_its_clean_text(server: FakeServer, tmp_path: Path):
    """The clean text states its date with --published; the page in its markup."""
    texts, pages = tmp_path / "texts", tmp_path / "pages"
    texts.mkdir(), pages.mkdir()
    for i in range(3):
        (texts / f"{i}.txt").write_text(clean_text(i))
        (pages / f"{i}.html").write_text(page(i))
    flag = InputOptions(published=dt.date(2021, 5, 6))
    _, from_text = extract(server, [texts], tmp_path / "out-text", flag)
    summary, from_page = extract(server, [pages], tmp_path / "out-page", workers=1)
    assert summary.articles == 3 and summary.unreadable == 0
    assert _meetings(from_page) == _meetings(from_text) and len(_meetings(from_page)) == 3
    dates = sorted(r.meeting.date for r in from_page.records())
    assert dates == [dt.date(2021, 5, 4), dt.date(2021, 5, 4), dt.date(2021, 5, 6)]
    for record in from_page.records():
        assert record.provenance.published_source == "html"
        assert record.provenance.url.startswith("https://daily-ledger.example/world/")
        article = from_page.article(record.provenance.article_id)  # stored: the offsets' text
        assert article is not None and article.path.endswith(".html")
        for evidence in record.meeting.evidence:
            assert article.text[evidence.start : evidence.end] == evidence.quote
    assert {r.provenance.published_source for r in from_text.records()} == {"flag"}


def test_a_rerun_skips_pages_unread_and_a_new_page_of_a_known_text_is_skipped(
    server: FakeServer, tmp_path: Path
):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(page(0))
    first, _ = extract(server, [pages], tmp_path / "out")
    assert first.articles == 1
    # the same story in a page with another footer: another page, the same article
    (pages / "b.html").write_text(page(0).replace("All rights reserved.", "Since 1901."))
    again, _ = extract(server, [pages], tmp_path / "out")
    assert (again.articles, again.skipped) == (0, 2)


def test_html_content_is_read_as_a_page_whatever_the_name(server: FakeServer, tmp_path: Path):
    (tmp_path / "saved.txt").write_text(page(1))
    summary, store = extract(server, [tmp_path / "saved.txt"], tmp_path / "out")
    assert summary.articles == 1
    (record,) = store.records()
    assert record.provenance.published_source == "html"


def test_a_page_with_no_article_is_one_line_and_the_run_goes_on(server: FakeServer, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "menu.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav></body></html>"
    )
    (folder / "broken.htm").write_bytes(b"<html><body>\xff\xfe\x00</body>")
    (folder / "story.html").write_text(page(2))
    summary, store = extract(server, [folder], tmp_path / "out")
    assert summary.articles == 1 and len(store.records()) == 1
    (menu,) = [p for p in summary.problems if "menu.html" in p]
    assert "is an HTML page with no article text in it" in menu and "\n" not in menu
    assert any("broken.htm" in p for p in summary.problems)


def test_the_extractor_refuses_a_page_without_prose():
    with pytest.raises(ArticleError, match="no article text"):
        html.extract("<html><head><title>Only a title</title></head><body></body></html>", "t")


def test_a_page_date_is_the_markup_s_not_a_guess():
    undated = sources.to_article(Item("u.html", page(0, published=None), is_html=True))
    assert undated.published is None and undated.published_source is None
    flag = sources.Meta(dt.date(2021, 6, 1), "flag")
    flagged = Item("u.html", page(0, published=None), flag, is_html=True)
    assert sources.to_article(flagged).published_source == "flag"
    dated = Item("d.html", page(0), flag, is_html=True)
    assert sources.to_article(dated).published_source == "html"  # the page wins over the flag


def test_a_page_in_a_language_without_spaces_is_an_article():
    """Words are no measure of Chinese text: letters are."""
    sentence = "外交部长周二在奥斯陆会见了智利外长，双方同意共享气象卫星数据并扩大学生交流。"
    paragraphs = "".join(f"<p>{sentence}{n}</p>" for n in range(4))
    page = (
        "<html><head><title>外交部长会见智利外长</title></head>"
        f"<body><article><h1>外交部长会见智利外长</h1>{paragraphs}</article></body></html>"
    )
    article = sources.to_article(Item("zh.html", page, is_html=True))
    assert article.lang == "zh" and article.text.startswith("外交部长会见智利外长\n\n")
