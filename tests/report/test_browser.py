"""The report in real headless Chromium: loads cleanly, highlights on a click, filters, fits a
phone. Screenshots are kept in build/test-artifacts/.

Needs Debian's ``chromium`` (``make test`` installs it). Without it the tests are skipped, but
only outside CI: with ``CI`` set a missing browser is a failure, so a broken set-up shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetx.pipeline.workflow import report
from meetx.pipeline.workflow.review import ReviewLog, load_article
from tests.conftest import ROOT
from tests.report.cdp import Browser, chromium
from tests.review import seeds

ARTIFACTS = ROOT / "build" / "test-artifacts"
EXECUTABLE = chromium()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"),
]
if EXECUTABLE is None and not os.environ.get("CI"):
    pytestmark.append(pytest.mark.skip(reason="chromium is not installed (make test installs it)"))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Browser, Path]]:
    assert EXECUTABLE is not None, "CI is set but chromium is missing: the set-up must install it"
    out = tmp_path_factory.mktemp("out")
    seeds.seeds_output(out, flag_001=False)
    html = report.write(out)
    browser = Browser(EXECUTABLE)
    try:
        browser.open_page()
        browser.viewport(1280, 900, mobile=False)
        browser.goto(html.as_uri())
        yield browser, out
    finally:
        browser.close()


def test_loads_without_console_errors(page):
    browser, _ = page
    assert browser.js("document.querySelectorAll('article.page').length") == 5
    assert browser.errors() == []


def test_a_click_highlights_the_quote_in_the_text(page):
    browser, out = page
    record = next(r for r in ReviewLog(out).store.records() if "000_" in r.provenance.article_path)
    evidence = record.meeting.evidence_for("participants[1].name")
    assert evidence is not None
    text = load_article(record.provenance).text
    anchor = report._anchor(record.provenance.article_path)
    button = f"#{anchor} button.v[data-start='{report.dom_offset(text, evidence.start)}']"
    assert browser.js(f"document.querySelectorAll('#{anchor} mark').length") == 0
    browser.click(button)
    assert browser.js(f"document.querySelector('#{anchor} mark').textContent") == "H.R. McMaster"
    assert (
        browser.js(f"document.querySelector(\"{button}\").getAttribute('aria-pressed')") == "true"
    )
    shot = browser.screenshot(ARTIFACTS / "report-highlight.png")
    assert shot.stat().st_size > 10_000
    browser.click(button)  # a second click clears it
    assert browser.js(f"document.querySelectorAll('#{anchor} mark').length") == 0
    assert browser.errors() == []


def test_filters_hide_what_does_not_match(page):
    browser, _ = page
    visible = "document.querySelectorAll('.card:not(.hidden)').length"
    assert browser.js(visible) == 5
    browser.click("input[name=flagged]")
    assert browser.js(visible) == 1  # seed 003, flagged by the checks
    assert browser.js("document.querySelectorAll('article.page:not(.hidden)').length") == 1
    browser.click("input[name=flagged]")
    browser.js(
        "(() => { const s = document.querySelector('select[name=format]');"
        " s.value = 'video_conference'; s.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )
    assert browser.js(visible) == 2  # seeds 000 and 001
    browser.js(
        "(() => { const f = document.querySelector('input[name=from]');"
        " f.value = '2017-08-04'; f.dispatchEvent(new Event('input', {bubbles: true})); })()"
    )
    assert browser.js(visible) == 0
    assert browser.js("document.getElementById('nothing').classList.contains('hidden')") is False
    assert browser.errors() == []


def test_readable_on_a_phone(page):
    browser, out = page
    browser.viewport(390, 844, mobile=True)
    browser.goto((out / "report.html").as_uri())
    width = browser.js("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]  # nothing wider than the screen
    columns = browser.js("getComputedStyle(document.querySelector('.cols')).gridTemplateColumns")
    assert len(columns.split()) == 1  # meetings above the text
    browser.screenshot(ARTIFACTS / "report-phone.png")
    assert browser.errors() == []
