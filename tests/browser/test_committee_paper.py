"""The Cabinet paper as a committee member reads it: on a phone at 390 px and printed on A4 (issue 21).

Each check measures what the browser lays out or prints; the limits are the
issue's (at most 25 phone screens and 12 A4 pages for the bundled council,
nothing sideways, chart text at full size, 10 pt print, numbered pages).
"""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from .test_documents_in_browser import documents, open_page

pytestmark = pytest.mark.browser

PHONE = (390, 844)  # CSS px: a phone's screen
SCREENS_AT_MOST, PAGES_AT_MOST = 25, 12
TEN_POINT_PX = 10 * 96 / 72


def paper(built_period):
    return documents(built_period)["briefing"]


def phone_page(context, path):
    page = open_page(context, path, PHONE[0])
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    return page


def test_paper_on_a_phone_is_short_and_nothing_runs_off_the_side(browser_context, built_period):
    page = phone_page(browser_context, paper(built_period))
    height, width = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert width <= PHONE[0], f"the page is {width} px wide on a {PHONE[0]} px phone"
    assert height <= SCREENS_AT_MOST * PHONE[1], f"{height / PHONE[1]:.1f} screens"
    # every caption and every card fits the screen: nothing cut off ("direction o…")
    cut = page.evaluate("""[...document.querySelectorAll('caption, table.cards tbody tr, figcaption, h2, h3, p')]
        .filter(e => !e.closest('.visually-hidden') && !e.classList.contains('visually-hidden'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.scrollWidth > e.clientWidth + 1)
        .map(e => e.textContent.slice(0, 60))""")
    assert cut == []
    page.close()


def test_wide_tables_are_cards_on_a_phone_each_value_labelled(browser_context, built_period):
    page = phone_page(browser_context, paper(built_period))
    cards = page.evaluate("""[...document.querySelectorAll('table.cards')].map(t => ({
        id: t.closest('section').id,
        row: getComputedStyle(t.querySelector('tbody tr')).display,
        header: getComputedStyle(t.querySelector('thead')).position,
        labels: [...t.querySelectorAll('tbody td')].filter(td => td.textContent.trim())
                  .every(td => getComputedStyle(td, '::before').content.includes(td.dataset.label))}))""")
    ids = {c["id"] for c in cards}
    assert {"table-exceptions-1", "table-highlights", "table-reserves", "table-priorities-by-month"} <= ids
    for card in cards:
        assert card["row"] == "block" and card["header"] == "absolute" and card["labels"], card
    page.close()


def test_chart_text_is_full_size_on_a_phone(browser_context, built_period):
    """On a phone each chart shows its phone drawing, not the page drawing scaled down: drawn at the width
    it is shown at, its smallest text (9 pt at 96 dpi, ``charts.RC``) is 12 px on the screen."""
    page = phone_page(browser_context, paper(built_period))
    images = page.evaluate("""[...document.querySelectorAll('figure.chart img')].map(img => ({
        phone: img.currentSrc === img.parentElement.querySelector('source').srcset,
        scale: img.getBoundingClientRect().width / img.naturalWidth, alt: img.alt}))""")
    assert len(images) >= 5
    for image in images:
        assert image["phone"] and image["scale"] >= 0.95, image
    page.close()
    desk = open_page(browser_context, paper(built_period), 1280)
    assert not any(desk.evaluate("""[...document.querySelectorAll('figure.chart img')]
        .map(img => img.currentSrc === img.parentElement.querySelector('source').srcset)"""))
    desk.close()


def printed(context, path) -> tuple[PdfReader, list[str]]:
    """The document printed to A4 as a desktop browser would, and its headings' texts."""
    page = open_page(context, path, 1280)
    headings = page.evaluate("[...document.querySelectorAll('main h2, main h3, main h4')].map(h => h.innerText)")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.close()
    return PdfReader(io.BytesIO(pdf)), headings


def test_paper_prints_on_at_most_twelve_numbered_pages(browser_context, built_period):
    reader, _ = printed(browser_context, paper(built_period))
    pages = len(reader.pages)
    assert 2 <= pages <= PAGES_AT_MOST
    for number, sheet in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in (sheet.extract_text() or ""), number


@pytest.fixture(scope="module")
def bundled_year(tmp_path_factory):
    """Every month's Cabinet paper of the bundled year, built by the command."""
    from briefing import cli
    from briefing.periods import period_range
    out = tmp_path_factory.mktemp("year")
    assert cli.main(["run", "2022-04..2023-03", "--only", "corporate", "--output-dir", str(out), "--no-progress"]) == 0
    return [out / period / "briefing.html" for period in period_range("2022-04..2023-03")]


def test_every_month_of_the_bundled_year_keeps_to_the_limits(browser_context, bundled_year):
    """Not only the month the other tests read: the longest month decides whether the paper is short enough."""
    for path in bundled_year:
        page = phone_page(browser_context, path)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.close()
        reader, _ = printed(browser_context, path)
        assert height <= SCREENS_AT_MOST * PHONE[1], f"{path.parent.name}: {height / PHONE[1]:.1f} screens"
        assert len(reader.pages) <= PAGES_AT_MOST, f"{path.parent.name}: {len(reader.pages)} pages"


def test_no_printed_page_ends_with_a_heading(browser_context, built_period):
    for name in ("briefing", "annex"):
        reader, headings = printed(browser_context, documents(built_period)[name])
        for number, sheet in enumerate(reader.pages, start=1):
            lines = [line.strip() for line in (sheet.extract_text() or "").splitlines()
                     if line.strip() and not re.fullmatch(r"Page \d+ of \d+", line.strip())]
            last = lines[-1] if lines else ""
            assert not any(h.strip().endswith(last) for h in headings if last), (name, number, last)


def test_print_text_is_at_least_ten_point(browser_context, built_period):
    for name in ("briefing", "annex"):
        page = open_page(browser_context, documents(built_period)[name], 1280)
        page.emulate_media(media="print")
        small = page.evaluate("""px => [...document.querySelectorAll('main *')]
            .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(e => e.getClientRects().length && parseFloat(getComputedStyle(e).fontSize) < px - 0.01)
            .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))""", TEN_POINT_PX)
        repeat = page.evaluate("""[...document.querySelectorAll('table:not(.cards) thead')]
            .map(h => getComputedStyle(h).display)""")
        page.close()
        assert small == [], (name, small[:5])
        assert repeat and set(repeat) == {"table-header-group"}, name


def test_a_long_table_printed_names_its_columns_on_every_page(browser_context, tmp_path):
    """A table running over pages repeats its header row on each (the briefing's own style and table HTML)."""
    from briefing.export import TEMPLATES_DIR
    from briefing.tables import Table, to_html

    frame = pd.DataFrame({"Service area": [f"Service {n:03d}" for n in range(150)],
                          "Budget £m": [n * 10_000_000 for n in range(150)]})
    style = (TEMPLATES_DIR / "briefing" / "style.css").read_text(encoding="utf-8")
    page_html = tmp_path / "long.html"
    page_html.write_text(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Long</title>'
                         f"<style>{style}</style></head><body><main>"
                         f'{to_html(Table("Long", "A long table", frame, formats={"Budget £m": "money"}))}'
                         f"</main></body></html>", encoding="utf-8")
    reader, _ = printed(browser_context, page_html)
    assert len(reader.pages) >= 3
    for number, sheet in enumerate(reader.pages, start=1):
        assert "Service area Budget £m" in (sheet.extract_text() or ""), number


def test_paper_charts_link_to_their_tables_in_the_annex(browser_context, built_period):
    page = open_page(browser_context, paper(built_period), 1280)
    links = page.evaluate("""[...document.querySelectorAll('figure.chart figcaption a')].map(a => a.getAttribute('href'))""")
    contents = page.evaluate("[...document.querySelectorAll('nav.contents a')].map(a => a.getAttribute('href'))")
    page.close()
    assert "annex.html" in contents
    assert links and all(link.startswith("annex.html#table-") for link in links)
    annex = open_page(browser_context, documents(built_period)["annex"], 1280)
    for link in links:
        assert annex.evaluate("id => !!document.getElementById(id)", link.split("#", 1)[1]), link
    annex.close()
