"""The rules every generated document must keep, checked by parsing the HTML of a real run.

Every document of the bundled period is checked: the corporate briefing, each
directorate's briefing and the index. The rules are the accessibility and
self-containment rules of the documents issue: no code, nothing fetched,
real alt text in a captioned figure, captioned tables with scoped headers and
row headers, RAG as a word and a symbol, a contents list whose links land.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from briefing.periods import label
from briefing.register import register_directorates
from briefing.tables import RAG_SYMBOLS

RAG_WORDS = set(RAG_SYMBOLS)
NUMBER = re.compile(r"^(–|[+-]?£?[\d,]+(\.\d+)?(m|%| [a-z]+)?)$")  # a figure, with its unit (53.9%, 2 days)


def documents(out: Path, period: str) -> dict[str, Path]:
    found = {"briefing": out / period / "briefing.html", "annex": out / period / "annex.html",
             "index": out / "index.html"}
    for path in sorted((out / period / "directorates").glob("*.html")):
        found[f"directorate {path.stem}"] = path
    return found


@pytest.fixture(scope="module")
def pages(built_period) -> dict[str, BeautifulSoup]:
    out, period = built_period
    return {name: BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for name, path in documents(out, period).items()}


def test_a_document_for_the_council_and_for_every_directorate(built_period, data_dir):
    out, period = built_period
    names = {p.stem for p in (out / period / "directorates").glob("*.html")}
    assert names == set(register_directorates(data_dir, period))
    assert len(names) == 6


def test_no_code_prompts_anchor_links_or_scripts(pages):
    for name, soup in pages.items():
        text = str(soup)
        assert not soup.find("script"), name
        assert not soup.select(".jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .prompt"), name
        assert "¶" not in text and "In&nbsp;[" not in text, name
        for word in ("build_briefing", "check_parameters", "import ", "briefing.section("):
            assert word not in soup.get_text(), (name, word)


def test_nothing_is_fetched_from_outside_the_file(pages):
    for name, soup in pages.items():
        assert not soup.find("link", rel="stylesheet"), name
        for tag in soup.find_all(src=True):
            assert tag["src"].startswith("data:"), (name, tag["src"][:60])
        for tag in soup.find_all(href=True):
            parts = urlsplit(tag["href"])
            assert not parts.scheme and not parts.netloc, (name, tag["href"])
        assert not re.search(r"url\((?!['\"]?data:)", soup.style.string or ""), name


def test_language_title_and_one_main_heading(pages, built_period):
    _, period = built_period
    for name, soup in pages.items():
        assert soup.html["lang"] == "en"
        title = soup.title.string
        assert title.startswith("Barsetshire County Council: "), (name, title)
        assert len(soup.find_all("h1")) == 1, name
        if name != "index":
            assert title.endswith(label(period)), (name, title)
            assert soup.h1.get_text(strip=True) == title
        if name.startswith("directorate "):
            assert name.removeprefix("directorate ") in title


def test_every_image_has_real_alt_text_inside_a_captioned_figure(pages):
    images = 0
    for name, soup in pages.items():
        for img in soup.find_all("img"):
            images += 1
            alt = img.get("alt", "")
            assert len(alt) > 40 and "No description has been provided" not in alt, (name, alt)
            figure = img.find_parent("figure")
            assert figure is not None and figure.figcaption and figure.figcaption.get_text(strip=True), name
    assert images >= 6


def test_charts_state_their_finding_and_point_to_their_figures(pages):
    soup = pages["briefing"]
    annex_ids = {tag["id"] for tag in pages["annex"].find_all(id=True)}
    for block in soup.select("section.chart-block"):
        assert block.h3.get_text(strip=True), "a chart has a headline title"
        links = [a["href"] for a in block.figcaption.find_all("a", href=True)]
        follows = block.select_one("section.table-block") is not None
        assert follows or links, "a chart is followed by its table or points to one"
        for href in links:  # a chart of the paper points to its table in the officers' annex
            document, _, anchor = href.partition("#")
            assert document == "annex.html" and anchor in annex_ids, href


def test_every_table_has_a_caption_scoped_headers_and_row_headers(pages):
    tables = 0
    for name, soup in pages.items():
        for table in soup.find_all("table"):
            tables += 1
            assert table.caption and table.caption.get_text(strip=True), name
            heads = table.thead.find_all("th")
            assert heads and all(th.get("scope") == "col" for th in heads), name
            assert all(th.get_text(strip=True) for th in heads), (name, "an empty header: an index column?")
            for row in table.tbody.find_all("tr"):
                first = row.find(["th", "td"])
                assert first.name == "th" and first.get("scope") == "row", (name, table.caption.get_text())
    assert tables >= 20


def test_numbers_are_formatted_for_people(pages):
    cells = 0
    for name, soup in pages.items():
        for cell in soup.select("td.num, th.num"):
            if cell.find_parent("thead"):
                continue
            text = cell.get_text(strip=True)
            cells += 1
            assert NUMBER.match(text), (name, text)
            if text.endswith("m") and "." in text:
                assert len(text.split(".")[1]) == 2, (name, text)  # one decimal place, then "m"
    assert cells > 100


def test_every_rag_cell_carries_its_word_and_symbol(pages):
    seen = set()
    for name, soup in pages.items():
        for badge in soup.select(".rag"):
            text = badge.get_text(" ", strip=True)
            symbol, _, word = text.partition(" ")
            assert word in RAG_WORDS and symbol == RAG_SYMBOLS[word], (name, text)
            seen.add(word)
    assert {"Green", "Amber", "Red"} <= seen


def test_contents_list_and_summary_box_at_the_top(pages):
    for name, soup in pages.items():
        if name == "index":
            continue
        header = soup.find("header")
        assert bool(header.select_one("section.summary li")) == (name != "annex"), name  # the annex: no headlines
        links = [a["href"] for a in header.select("nav.contents a")]
        assert len(links) >= 2, name
        for href in links:
            if name == "briefing" and href == "annex.html":  # the paper's last item: its officers' annex
                continue
            assert href.startswith("#") and soup.find(id=href[1:]) is not None, (name, href)
    assert [a["href"] for a in pages["briefing"].select("nav.contents a")][-1] == "annex.html"


def test_index_links_every_document_of_the_period(pages, built_period):
    out, period = built_period
    hrefs = {unquote(a["href"]) for a in pages["index"].find_all("a", href=True)}
    for path in documents(out, period).values():
        if path.name != "index.html":
            assert path.relative_to(out).as_posix() in hrefs
    assert f"{period}/tables.xlsx" in hrefs


def test_text_from_returns_is_escaped(pages):
    for name, soup in pages.items():
        for cell in soup.find_all(["td", "th"]):
            assert not cell.find(["script", "iframe", "object", "embed"]), name
