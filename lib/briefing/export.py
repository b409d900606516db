"""A document's HTML: what a briefing shows, written out by nbconvert with the package's template.

Every document is a sequence of displayed objects (a ``PageHeader``, then
``Section``s), the same objects the notebook's cells display. ``document_html``
puts each one's HTML in a notebook as a cell's output and has nbconvert's
template exporter write the page, so the document is the notebook's output as
shown, written the same way by the batch and by an analyst's ``save``.
"""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def briefing_exporter():
    """nbconvert's template exporter with the package's ``briefing`` template: HTML with no code and no prompts.

    A ``TemplateExporter`` rather than the ``HTMLExporter``: the briefing
    template writes its own page (style, header, figures with alt text) and
    uses none of JupyterLab's markup, so the HTML exporter's extra pass over
    the finished page (a BeautifulSoup parse to give JupyterLab cells tab
    stops) would change nothing a reader sees, at 17 s a large council's
    corporate briefing.
    """
    from nbconvert.exporters import TemplateExporter
    from traitlets import default

    class BriefingExporter(TemplateExporter):
        output_mimetype = "text/html"
        export_from_notebook = None

        @default("file_extension")
        def _html(self):
            return ".html"

    return BriefingExporter(template_name="briefing", extra_template_basedirs=[str(TEMPLATES_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


_exporter = None


def document_html(title: str, shown: list) -> str:
    """The HTML page of a document titled ``title`` that shows ``shown`` (objects with ``_repr_html_``), in
    order: a notebook of one cell per object, its output the object's HTML, exported (``briefing_exporter``,
    made once per process)."""
    import nbformat

    global _exporter
    if _exporter is None:
        _exporter = briefing_exporter()
    cells = []
    for number, item in enumerate(shown, start=1):
        cell = nbformat.v4.new_code_cell(id=f"shown-{number}")
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/html": item._repr_html_()},
                                               execution_count=number)]
        cells.append(cell)
    body, _ = _exporter.from_notebook_node(nbformat.v4.new_notebook(cells=cells),
                                           resources={"briefing": {"title": title}})
    return body


SCOPE = ":is(.masthead, .briefing-section)"  # the root of every block a briefing displays
_PAGE_ONLY = ("html", "body", "main", "*")  # rules for the page itself, not a notebook's output


def notebook_style() -> str:
    """The document's style (``templates/briefing/style.css``) for a notebook's outputs: each plain rule scoped
    to the briefing's own blocks, so that in JupyterLab RAG badges keep their colours and captions their
    layout without restyling JupyterLab itself; the page's own rules, and those for phones and print, are
    left out. Displayed once, with the header every briefing notebook shows first."""
    css = re.sub(r"/\*.*?\*/", "", (TEMPLATES_DIR / "briefing" / "style.css").read_text(encoding="utf-8"), flags=re.S)
    rules, depth, start = [], 0, 0
    for i, char in enumerate(css):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                rules.append(css[start:i + 1].strip())
                start = i + 1
    scoped = []
    for rule in rules:
        selectors, body = rule.split("{", 1)
        if selectors.strip().startswith("@") or "{" in body:
            continue
        kept = [s.strip() for s in selectors.split(",") if s.strip() and s.split()[0] not in _PAGE_ONLY]
        if not kept:
            continue
        scoped.append(", ".join(SCOPE if s == ":root" else f"{SCOPE} {s}" for s in kept) + " {" + body)
    return "\n".join(scoped)
