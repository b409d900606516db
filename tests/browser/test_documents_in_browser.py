"""Every generated document opened in Chromium: axe-core finds nothing, nothing is fetched, it prints on A4."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from briefing.paths import OUTPUT_DIR

from .conftest import AXE

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
A4_POINTS = (595.0, 842.0)
SCREENSHOTS = OUTPUT_DIR / "screenshots"


def documents(built_period) -> dict[str, "Path"]:
    """The document types to check: the Cabinet paper, its annex, every directorate briefing, the index."""
    root, period = built_period
    docs = {"briefing": root / period / "briefing.html", "annex": root / period / "annex.html",
            "index": root / "index.html"}
    for path in sorted((root / period / "directorates").glob("*.html")):
        docs[f"directorate: {path.stem}"] = path
    return docs


def open_page(context, path, width: int):
    context.blocked.clear()
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page


def audit(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"][:5]]} for v in result["violations"]]


def test_there_are_directorate_documents(built_period):
    docs = documents(built_period)
    assert len([k for k in docs if k.startswith("directorate")]) >= 6


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_axe_finds_no_violations_and_nothing_is_fetched(browser_context, built_period, width):
    failures = {}
    for name, path in documents(built_period).items():
        page = open_page(browser_context, path, width)
        violations = audit(page)
        if violations:
            failures[name] = violations
        if browser_context.blocked:
            failures[f"{name} (network)"] = list(browser_context.blocked)
        page.close()
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def not_blank(png: bytes) -> bool:
    """A screenshot with real content: many colours, and not one colour covering almost everything."""
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((320, 240))
    colours = image.getcolors(maxcolors=320 * 240)
    dominant = max(count for count, _ in colours)
    return len(colours) > 50 and dominant < 0.97 * 320 * 240


def test_screenshots_of_each_document_type_are_not_blank(browser_context, built_period):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    docs = documents(built_period)
    kinds = {"briefing": docs["briefing"], "index": docs["index"],
             "directorate": next(v for k, v in docs.items() if k.startswith("directorate"))}
    for kind, path in kinds.items():
        page = open_page(browser_context, path, 1280)
        png = page.screenshot(full_page=False)
        (SCREENSHOTS / f"{kind}.png").write_bytes(png)
        page.close()
        assert not_blank(png), kind


def test_briefing_prints_on_a4_with_no_empty_page(browser_context, built_period):
    from pypdf import PdfReader

    page = open_page(browser_context, documents(built_period)["briefing"], 1280)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.close()
    (SCREENSHOTS.parent / "briefing-a4.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for number, sheet in enumerate(reader.pages, start=1):
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, (number, width, height)
        text = sheet.extract_text() or ""
        images = list(sheet.images)
        assert text.strip() or images, f"page {number} is empty"
