"""``output/index.html``: a page linking every period's briefing that has been built."""
from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from .outputs import write_text
from .periods import financial_year, is_period, label
from .problems import ReturnError
from .register import register_directorates

_STYLE = (Path(__file__).resolve().parent / "templates" / "briefing" / "style.css")


def document_title(council: str, period: str, directorate: str | None = None, annex: bool = False) -> str:
    """A document's title (its ``<h1>`` and ``<title>``, and its line here): the council, the briefing (the
    corporate one's officers' annex if ``annex``) and the period."""
    kind = f"{directorate} directorate briefing" if directorate else "Business Management and Monitoring Report"
    kind += ": officers' annex" if annex else ""
    return f"{council}: {kind}, {label(period)}"


ANNEX_FILE = "annex.html"  # the corporate briefing's officers' annex, beside its briefing.html




def write_index(output_dir: Path, council: str, data_dir: Path) -> Path:
    """List every ``<period>/briefing.html`` under ``output_dir``, newest first, with the briefings of the
    directorates in that period's register (in ``data_dir``)."""
    output_dir = Path(output_dir)
    periods = sorted((p.name for p in output_dir.iterdir() if p.is_dir() and is_period(p.name)
                      and (p / "briefing.html").exists()), reverse=True) if output_dir.is_dir() else []
    items = []
    current: dict[str, set[str]] = {}  # each financial year's register's directorates, read once
    for period in periods:
        name = html.escape(label(period))
        links = [f'<li><a href="{period}/briefing.html">Corporate briefing, {name}</a></li>']
        if (output_dir / period / ANNEX_FILE).exists():
            links.append(f'<li><a href="{period}/{ANNEX_FILE}">Officers\' annex: detailed tables, checks and data '
                         f"quality, {name}</a></li>")
        if (output_dir / period / "tables.xlsx").exists():
            links.append(f'<li><a href="{period}/tables.xlsx">Tables (Excel workbook), {name}</a></li>')
        year = financial_year(period)
        if year not in current:
            current[year] = _register_directorates(data_dir, period)
        directorates = sorted(path for path in (output_dir / period / "directorates").glob("*.html")
                              if path.stem in current[year])
        sub = "".join(f'<li><a href="{period}/directorates/{html.escape(quote(d.name))}">'
                      f"{html.escape(d.stem)}, {name}</a></li>" for d in directorates)
        if sub:
            links.append(f'<li>Directorate briefings:<ul class="links">{sub}</ul></li>')
        items.append(f'<section aria-labelledby="p-{period}"><h2 id="p-{period}">{name}</h2>'
                     f'<ul class="links">{"".join(links)}</ul></section>')
    title = f"{council}: briefings"
    body = "\n".join(items) if items else "<p>No briefings have been built yet.</p>"
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE.read_text(encoding='utf-8')}</style>\n</head>\n"
            f'<body>\n<main id="main">\n<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n')
    return write_text(output_dir / "index.html", page)


def _register_directorates(data_dir: Path, period: str) -> set[str]:
    """The directorates the period's register names: a briefing of a directorate renamed or dropped stays in
    its folder (nothing a run writes is deleted) but is not listed. With no readable register, none is."""
    try:
        return set(register_directorates(data_dir, period))
    except ReturnError:
        return set()
