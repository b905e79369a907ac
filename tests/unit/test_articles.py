import datetime as dt
from pathlib import Path

import pytest

from meetx.pipeline.errors import ArticleError
from meetx.pipeline.reading import articles
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("name", "published", "headline_start"),
    [
        ("000_a9d4ef158633710e.txt", dt.date(2017, 8, 4), "S. Korea, US, Japan agree"),
        ("001_df28b0d16f782817.txt", dt.date(2017, 8, 5), "S. Korean, US and Japanese"),
        ("002_0d119e41657acbd8.txt", dt.date(2016, 10, 27), "US, Japan, South Korea"),
        ("003_6d442d4936ed5b27.txt", dt.date(2021, 5, 6), "S. Korea, US, Japan Agree"),
        ("004_51c0e47004a67db5.txt", None, None),  # no header at all
    ],
)
def test_header_of_seeds(name, published, headline_start):
    article = articles.load(SEEDS / name)
    assert article.published == published
    if headline_start is None:
        assert article.headline is None
    else:
        assert article.headline is not None and article.headline.startswith(headline_start)
    assert len(article.id) == 64


def test_body_dates_are_not_publication_dates(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Leaders met on Tuesday.\n" + "The talks on Dec. 13, 2016 went well. " * 10)
    assert articles.load(path).published is None


def test_same_text_same_id(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Same text about a meeting.")
    (tmp_path / "b.txt").write_text("Same text about a meeting.")
    assert articles.load(tmp_path / "a.txt").id == articles.load(tmp_path / "b.txt").id


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"caf\xe9 latin-1", "not UTF-8"),
        (b"text\x00with nul", "binary"),
    ],
)
def test_unreadable_files_raise_one_line_reason(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        articles.load(path)


def test_missing_file(tmp_path: Path):
    with pytest.raises(ArticleError, match="cannot read"):
        articles.load(tmp_path / "nope.txt")


def test_iter_paths_expands_directories_and_skips_hidden(tmp_path: Path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden").write_text("h")
    assert [p.name for p in articles.iter_paths([tmp_path])] == ["a.txt", "b.txt"]


def test_a_short_first_sentence_is_not_a_headline(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Published: May 5, 2020\n\nMinister Ann Lee met Somchai Wong in Bangkok on Monday.\n"
    )
    article = articles.load(path)
    assert article.headline is None and article.published == dt.date(2020, 5, 5)


@pytest.mark.parametrize(
    ("text", "published"),
    [
        (
            "SEOUL, Aug. 7 (Yonhap) -- Envoys met Tuesday, a year after the 2016 talks.",
            dt.date(2016, 8, 7),
        ),  # the one year the article mentions
        ("OTTAWA, March 14, 2023 -- Leaders spoke by phone.", dt.date(2023, 3, 14)),
        ("SEOUL, Aug. 7 (Yonhap) -- Envoys met Tuesday.", None),  # no year anywhere
        ("WASHINGTON, Dec. 2 -- Officials met in 2019 and again in 2020.", None),  # which?
        ("Envoys met in Seoul on Aug. 7, 2016.", None),  # a date in the body is no dateline
    ],
)
def test_datelines(text, published):
    assert articles.parse(text).published == published


def test_a_menu_line_is_not_the_headline(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Home | World | Americas | Business\n\nAndean ministers agree to ease border trade\n\n"
        "Published : Mar. 2, 2019 - 10:15\n\nMinisters met in Lima on Friday.\n"
    )
    assert articles.load(path).headline == "Andean ministers agree to ease border trade"


def test_publication_dates_in_other_languages_and_labels():
    """A label opening the text, a labelled line, a numeric or foreign date line."""
    cases = {
        "date 2021-03-04 The ministers of Chile and Peru met in Lima to discuss trade ties "
        "and agreed to open a consulate in Cusco, officials said on the day.": "2021-03-04",
        "Cumbre en Lima\n\nAutor: Mesa de noticias | Fecha: 3 de marzo de 2019 a las 10:20\n\n"
        "Los cancilleres de Chile y Perú se reunieron en Lima y acordaron abrir un consulado, "
        "dijo el ministerio en un comunicado difundido el viernes por la tarde.": "2019-03-03",
        "Menteri bertemu di Jakarta\n\n7 Mei 2015 08:05 WIB\n\nMenteri Luar Negeri kedua "
        "negara bertemu di Jakarta pada hari Senin dan sepakat membuka konsulat baru di "
        "Surabaya, kata juru bicara kementerian.": "2015-05-07",
        "Working visit\n\n12.10.2017. 14:30\n\nThe State Secretary met his counterpart in "
        "Vilnius on Thursday and they agreed to hold consultations every year, the ministry "
        "said in a statement published after the talks.": "2017-10-12",
    }
    for text, expected in cases.items():
        assert str(articles.parse(text, "a.txt").published) == expected, text[:40]


def test_a_dateline_takes_the_year_of_the_full_date_on_its_day():
    text = (
        "OSLO, June 4 - On June 4, 2022 the foreign ministers met in Bergen. In 2020 they had "
        "met in Oslo, and they will meet again in 2023."
    )
    assert str(articles.parse(text, "a.txt").published) == "2022-06-04"
