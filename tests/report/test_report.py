"""The HTML report, offline: self-contained, escaped, offsets as the browser counts them."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from meetx.pipeline.cli.app import app
from meetx.pipeline.workflow import report
from meetx.pipeline.workflow.review import ReviewLog
from tests.review import seeds

pytestmark = pytest.mark.skipif(
    not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"
)


def test_offsets_count_utf16_units_and_line_ends_as_the_dom_does():
    text = "a\r\nb 😀 Kim\rc"
    start = text.index("Kim")
    dom = report.dom_text(text)
    assert dom == "a\nb 😀 Kim\nc"
    utf16 = dom.encode("utf-16-le")
    at = report.dom_offset(text, start)
    assert utf16[2 * at : 2 * (at + 3)].decode("utf-16-le") == "Kim"
    assert report.dom_offset(text, len(text)) == len(utf16) // 2


def test_report_is_one_offline_file_with_every_article_and_its_meetings(tmp_path):
    seeds.seeds_output(tmp_path)
    result = CliRunner().invoke(app, ["report", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text("utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no CDN, no fetch
    assert "<link" not in html and "@import" not in html
    for name in seeds.gold():
        assert name in html
    assert html.count('class="card flagged"') == 2 and "nobody is named" in html
    assert html.count('class="card clean"') == 3
    for name in ("status", "format", "country", "from", "to", "flagged"):
        assert f'name="{name}"' in html
    assert "H.R. McMaster" in html and 'data-start="' in html


def test_article_text_and_values_are_escaped(tmp_path):
    seeds.seeds_output(tmp_path, flag_001=False)
    pages = report.build(tmp_path)
    pages[0].text = "<script>alert(1)</script> & more"
    pages[0].cards[0].values[0].text = '"><img src=x onerror=alert(1)>'
    html = report.render(pages)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_decisions_show_and_reviewed_records_are_not_shown_twice(tmp_path):
    seeds.seeds_output(tmp_path)
    review = ReviewLog(tmp_path)
    first, second = review.pending()
    review.reject(first, "ann", "not a meeting")
    review.accept(second, "bo")
    cards = [c for p in report.build(tmp_path) for c in p.cards]
    states = sorted(c.state for c in cards)
    assert states == ["clean", "clean", "clean", "rejected", "reviewed"]
    (rejected,) = [c for c in cards if c.state == "rejected"]
    assert rejected.decision == "reject by ann: not a meeting"


def test_a_missing_article_is_said_not_fatal(tmp_path):
    seeds.seeds_output(tmp_path, flag_001=False)
    lines = (tmp_path / "meetings.jsonl").read_text().replace("000_a9d4ef158633710e", "gone")
    (tmp_path / "meetings.jsonl").write_text(lines)
    html = report.render(report.build(tmp_path))
    assert "the article text is not available" in html
