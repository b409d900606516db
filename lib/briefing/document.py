"""A briefing for one period: load the returns, rate, compute, and assemble the tables.

The notebooks call into this module and display what it returns; nothing is
computed in a notebook. ``build_briefing`` is also what the benchmark's
"floor" calls directly, without any notebook.
"""
from __future__ import annotations

import html
import pickle
from dataclasses import dataclass, field, replace
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import checks, finance, finance_tables, performance, performance_tables
from .manifest import build_manifest, write_manifest
from .money import format_millions, pct_text
from .runs import Run, RunError, check_parameters  # noqa: F401 - the notebooks' names
from .periods import financial_year, label
from .problems import Problem, ReturnError
from .ratings import RED, add_direction_of_travel, rate_periods
from .register import load_register, register_path, register_problems
from .readcache import ReadCache
from .returns import PeriodReturns, read_history
from .charts import Chart
from .index import ANNEX_FILE, document_title
from .outputs import atomic_path, write_set
from .spreadsheet import write_workbook
from .tables import Table, without_sources
from .words import plural
from .computed import with_computed
from .validation import governed, returns_with_errors, validated


@dataclass
class Briefing:
    """Everything one period's briefing shows, computed once."""

    run: Run
    register: pd.DataFrame
    returns: Mapping[str, PeriodReturns]  # by period, oldest first
    register_issues: list[Problem] = field(default_factory=list)
    registers: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # the register governing each period
    read: Mapping[Path, dict] = field(default_factory=dict)  # every file read: its size and SHA-256 when read

    @property
    def period(self) -> str:
        return self.run.period

    @property
    def current(self) -> PeriodReturns:
        return self.returns[self.period]

    @property
    def comparison(self) -> PeriodReturns | None:
        compare_to = self.run.compare_to
        return self.returns.get(compare_to) if compare_to else None

    @property
    def directorates(self) -> list[str]:
        return list(dict.fromkeys(self.register["directorate"]))

    @cached_property
    def rated_history(self) -> pd.DataFrame:
        """Every measure rated in every loaded period, with direction of travel."""
        periods = [(self.registers.get(period, self.register), returns.performance, period,
                    returns.not_used("performance"))
                   for period, returns in self.returns.items()]
        return add_direction_of_travel(rate_periods(periods, self.run.settings.amber_tolerance_pct))

    @cached_property
    def ratings(self) -> pd.DataFrame:
        """This period's rated measures."""
        history = self.rated_history
        return history[history["period"] == self.period].reset_index(drop=True)

    @property
    def problems(self) -> list[Problem]:
        return [*self.register_issues, *self.current.problems]

    @cached_property
    def finance(self) -> finance.FinancePosition:
        """This period's financial position (``finance.finance_position``): every figure the finance tables,
        the checks, the narrative and the headlines of the period's documents show, worked out once for this
        Briefing and read by all of them."""
        return finance.finance_position(self.returns, self.period, self.run.compare_to, self.directorates,
                                        finance.OnTarget.of(self.run.settings))

    @cached_property
    def checks(self) -> pd.DataFrame:
        """Every finance check of the period, failures first (``checks.checks``): the Checks section and
        tables.xlsx both show them."""
        return checks.checks(self.current, self.finance, self.run.settings.variance_check_m)

    # Sections ---------------------------------------------------------------

    @cached_property
    def _contents(self) -> dict[str, tuple[str, list]]:
        """Every section's heading and items, in full: what the paper and the annex are cut from."""
        from . import committee, quality
        builders = {"recommendation": ("Summary and recommendations", committee.summary_items),
                    "performance": ("Performance", performance_tables.tables),
                    "finance": ("Financial position", finance_tables.tables),
                    "checks": ("Checks", finance_tables.check_tables),
                    "quality": ("Data quality", quality.tables)}
        return {key: (heading, builder(self)) for key, (heading, builder) in builders.items()}

    @cached_property
    def _documents(self) -> dict[str, dict[str, "Section"]]:
        """The Cabinet paper's sections and the officers' annex's (``paper_and_annex``)."""
        paper, annex = paper_and_annex(self._contents)
        annex_sections = build_sections(annex)
        return {"paper": build_sections(paper, elsewhere=(ANNEX_FILE, annex_sections)), "annex": annex_sections}

    def section(self, key: str) -> "Section":
        """One section of the Cabinet paper (recommendation, performance, finance) or of the officers' annex
        (performance-detail, finance-detail, checks, quality), ready to display."""
        sections = self.sections()
        if key not in sections:
            raise KeyError(f"no section {key!r}: the briefing has {', '.join(sections)}")
        return sections[key]

    def sections(self) -> dict[str, "Section"]:
        """Every section of the paper, then of the annex, by key."""
        return {key: section for sections in self._documents.values() for key, section in sections.items()}

    def tables(self) -> list[Table]:
        """Every table of the briefing in full (source cells included), in the order of the sections before
        they are cut into paper and annex: the order of tables.xlsx.

        A chart's own table of figures is included where the chart shows it,
        and, last, every finance check line (the Checks section shows only the
        failures).
        """
        full = build_sections(self._contents).values()
        return [*section_tables(full), finance_tables.all_checks_table(self)]

    def for_directorate(self, directorate: str) -> "DirectorateBriefing":
        """One directorate's own briefing, drawn from this period's figures."""
        if not isinstance(directorate, str) or directorate not in self.directorates:
            raise RunError(f"directorate must be one of the register's, quoted exactly: "
                           f"{', '.join(repr(d) for d in self.directorates)}; not {directorate!r}")
        return DirectorateBriefing(self, directorate)

    # Display -----------------------------------------------------------------

    @property
    def title(self) -> str:
        return document_title(self.run.settings.council, self.period)

    def headlines(self) -> list[str]:
        """The headline figures, as sentences: measures and RAG counts, the Red count's change,
        the directorates' forecast variance and the forecast general balances."""
        items = rag_headlines(self.ratings, self._compared_ratings(), self.period, self.run.compare_to)
        position = self.finance.position.iloc[-1]
        unusable = self.current.no_usable("finance")
        items.append(variance_headline(position, "Directorates", self.run.compare_to,
                                       unusable))
        balances = self.finance.balances["amount"]
        if balances.iloc[2:5].notna().all():
            forecast, level, gap = (int(v) for v in balances.iloc[2:5])
            items.append(f"{format_millions(forecast)} forecast general balances at 31 March, "
                         f"{format_millions(abs(gap))} {'above' if gap >= 0 else 'below'} the risk-assessed "
                         f"level of {format_millions(level)}")
        elif balances.iloc[[0, 3]].notna().all() and unusable:
            items.append(f"Forecast general balances are not available: the year-end forecast needs every "
                         f"return, and there is {unusable}")
        else:
            items.append("Forecast general balances are not available: the corporate return's Balances sheet "
                         "is incomplete")
        return items

    def _compared_ratings(self) -> pd.DataFrame | None:
        """The ratings of the period compared with, if it was rated."""
        compare_to = self.run.compare_to
        history = self.rated_history
        chosen = history["period"] == compare_to
        return history[chosen] if compare_to and chosen.any() else None

    def header(self) -> "PageHeader":
        """The top of the Cabinet paper: its title, the headline figures, notices of returns not used or with
        errors, and a contents list of its sections and the officers' annex."""
        annex = f'<li><a href="{ANNEX_FILE}">Officers\' annex: detailed tables, checks and data quality</a></li>'
        return page_header(self.title, self._subtitle(), self.headlines(), self._documents["paper"].values(),
                           self.current.invalid, returns_with_errors(self.current.problems),
                           self.current.sheets_not_used(), more=annex, quality_href=f"{ANNEX_FILE}#quality")

    def annex_header(self) -> "PageHeader":
        """The top of the officers' annex: its title, the way back to the paper and its contents list."""
        subtitle = (f"{self._subtitle()} The detailed tables, with the cell each figure was read from, the "
                    f'finance checks and the data quality of the returns behind the <a href="briefing.html">'
                    f"Cabinet paper</a>.")
        return page_header(self.annex_title, subtitle, [], self._documents["annex"].values(), {})

    @property
    def annex_title(self) -> str:
        return document_title(self.run.settings.council, self.period, annex=True)

    def _subtitle(self) -> str:
        compare = f"compared with {label(self.run.compare_to)}" if self.run.compare_to else "no earlier period"
        return html.escape(f"Performance and finance for {label(self.period)}, {compare}.")

    # Outputs -----------------------------------------------------------------

    def documents(self) -> dict[str, tuple[str, list]]:
        """The period's two HTML documents, by file name: each one's title and what it shows, in order (the
        objects the notebook's cells display): the Cabinet paper and its officers' annex."""
        paper, annex = self._documents["paper"].values(), self._documents["annex"].values()
        return {"briefing.html": (self.title, [self.header(), *paper]),
                ANNEX_FILE: (self.annex_title, [self.annex_header(), *annex])}

    def save(self) -> list[Path]:
        """Write the period's whole set to ``<output_dir>/<period>/``: briefing.html, its annex, tables.xlsx
        and manifest.json, all together or, if any cannot be written, none (``outputs.write_set``)."""
        from .export import document_html

        inputs = [p for r in self.returns.values() for p in r.files]
        inputs += sorted({register_path(self.run.data_dir, p) for p in self.returns})
        # every parameter but the output folder: the manifest is in it, and a copy of the set moves with it
        parameters = {**{k: v for k, v in self.run.settings.as_dict().items() if k != "output_dir"},
                      "period": self.period, "compare_to": self.run.compare_to}
        documents = self.documents()
        names = [*documents, "tables.xlsx", "manifest.json"]
        manifest = build_manifest([p for p in inputs if Path(p).exists() or p in self.read], self.run.data_dir,
                                  parameters, names, self.read)
        writers = {name: _html_writer(document_html(title, shown)) for name, (title, shown) in documents.items()}
        writers["tables.xlsx"] = lambda path: write_workbook(self.tables(), path, title=self.title)
        writers["manifest.json"] = lambda path: write_manifest(path, manifest)
        return write_set(self.run.folder, writers)


def _html_writer(page: str):
    return lambda path: Path(path).write_text(page, encoding="utf-8")


@dataclass
class Section:
    """A heading and the tables and charts under it; displays as one block of HTML."""

    key: str
    heading: str
    items: list
    empty_text: str = "Nothing to report in this section this period."

    def __repr__(self) -> str:
        """The plain-text stand-in Jupyter stores beside the HTML: short, not every table's data written out."""
        return f"<Section {self.key!r}: {self.heading}, {len(self.items)} tables and charts>"

    def _repr_html_(self) -> str:
        body = "\n".join(item._repr_html_() for item in self.items) or \
            f'<p class="empty">{html.escape(self.empty_text)}</p>'
        return (f'<section class="briefing-section" id="{self.key}" aria-labelledby="{self.key}-h">'
                f'<h2 id="{self.key}-h">{html.escape(self.heading)}</h2>\n{body}</section>')


def build_sections(contents: dict[str, tuple[str, list]],
                   elsewhere: tuple[str, dict[str, "Section"]] | None = None) -> dict[str, Section]:
    """Sections from ``{key: (heading, items)}``, each chart pointing to a table only where one has it.

    A chart names the table holding its figures. If no table of this document
    has that key but a table of the document ``elsewhere`` (its file name and
    sections) does, the chart links there; otherwise the chart shows its own
    table instead of a broken link. Charts are copied, never changed: the same
    chart may be shown in another document.
    """
    def tables_in(sections) -> set[str]:
        return {item.key for section in sections for item in section.items if isinstance(item, Table)}

    here = tables_in(Section(key, heading, list(items)) for key, (heading, items) in contents.items())
    there, there_file = (tables_in(elsewhere[1].values()), elsewhere[0]) if elsewhere else (set(), None)

    def placed(item):
        if not isinstance(item, Chart) or not item.table_key or item.table_key in here:
            return item
        if item.table_key in there:
            return replace(item, table_document=there_file)
        return replace(item, table_key=None)

    return {key: Section(key, heading, [placed(item) for item in items]) for key, (heading, items) in contents.items()}


# What the Cabinet paper shows of each of its sections: the narrative and the charts, and these tables (without
# their source-cell columns). Everything else, and the Checks and Data quality sections, is the officers' annex.
PAPER_TABLES = {"recommendation": None,  # all of it
                "performance": ("Exceptions", "Highlights", "Priorities by month"),
                "finance": ("Net operating budget", "Reserves", "Dedicated Schools Grant")}


def paper_and_annex(contents: dict[str, tuple[str, list]]) -> tuple[dict, dict]:
    """The full sections ``{key: (heading, items)}`` cut into the Cabinet paper's and the officers' annex's.

    The paper keeps, of the sections in ``PAPER_TABLES``, every narrative and
    chart and the tables named there, each without its source cells. The annex
    has every table not shown whole in the paper (with its source cells: every
    figure can be traced to its return), under "<heading>: detailed tables",
    then the sections the paper does not have.
    """
    paper, annex = {}, {}
    for key, (heading, items) in contents.items():
        if key not in PAPER_TABLES:
            annex[key] = (heading, items)
            continue
        chosen = PAPER_TABLES[key]
        shown = [item for item in items if chosen is None or not isinstance(item, Table) or item.key in chosen]
        paper[key] = (heading, [without_sources(item) if isinstance(item, Table) else item for item in shown])
        detail = [item for item in items if isinstance(item, Table)
                  and not (any(item is s for s in shown) and without_sources(item) is item)]
        if detail:
            annex[f"{key}-detail"] = (f"{heading}: detailed tables", detail)
    return paper, annex


def section_tables(sections) -> list[Table]:
    """Every table in ``sections`` in the order shown, with the tables charts show of their own figures."""
    found = []
    for section in sections:
        for item in section.items:
            if isinstance(item, Table):
                found.append(item)
            elif isinstance(item, Chart) and item.table is not None and not item.table_key:
                found.append(item.table)
    return found


class HTML:
    """A fragment of HTML that Jupyter displays as HTML."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


class PageHeader(HTML):
    """The top of a document. Its display carries the title, so the briefing template can place the
    header before ``<main>`` and name the page after it."""

    def __init__(self, text: str, title: str):
        super().__init__(text)
        self.title = title

    def _repr_mimebundle_(self, include=None, exclude=None):
        """As shown in a notebook: with the document's style for the briefing's blocks (``export.notebook_style``),
        which a document has in its page's head (its HTML is ``_repr_html_``)."""
        from .export import notebook_style

        return {"text/html": f"<style>{notebook_style()}</style>{self.text}"}, {"briefing": {"title": self.title}}


def page_header(title: str, subtitle_html: str, headlines: list[str], sections, invalid: dict[str, str],
                flawed: dict[str, int] | None = None, partly: dict[str, str] | None = None, more: str = "",
                quality_href: str | None = None) -> PageHeader:
    """The document's ``<header>``: the one ``<h1>``, a subtitle, a notice of unusable returns, of returns
    used in part (``partly``: return → the sheets not used and why) and of returns with errors (``flawed``:
    return → errors), the headline figures (none: no such box) and the contents list (``sections``, then the
    ``more`` items). ``quality_href`` is where the Data quality section is, when not among ``sections``."""
    sections = list(sections)
    partly = partly or {}
    notice = ""
    if invalid:
        named = "; ".join(f"{html.escape(who)} ({html.escape(why)})" for who, why in invalid.items())
        notice = (f'<p class="banner"><strong>Returns missing or invalid:</strong> {named}. '
                  "Their measures and finance lines are shown as not available.</p>")
    if partly:
        named = "; ".join(f"{html.escape(who)} ({html.escape(why)})" for who, why in partly.items())
        notice += (f'<p class="banner"><strong>Returns used in part:</strong> {named}. What those sheets hold '
                   "is shown as not available; the rest of each return is used.</p>")
    flawed = {who: n for who, n in (flawed or {}).items() if who not in invalid and who not in partly}
    if flawed:
        named = "; ".join(f"{html.escape(who)} ({plural(n, 'error')})" for who, n in flawed.items())
        href = "#quality" if any(s.key == "quality" for s in sections) else quality_href
        quality = f'the <a href="{href}">Data quality</a> section' if href else "the Data quality section"
        notice += (f'<p class="banner"><strong>Returns with errors:</strong> {named}. Measures whose rows are in '
                   f"error are shown as not available; {quality} says which cells to correct.</p>")
    figures = "".join(f"<li>{html.escape(item)}</li>" for item in headlines)
    summary = (f'<section class="summary" aria-labelledby="summary-h"><h2 id="summary-h">Headline figures</h2>'
               f'<ul class="headlines">{figures}</ul></section>') if headlines else ""
    contents = "".join(f'<li><a href="#{s.key}">{html.escape(s.heading)}</a></li>' for s in sections) + more
    text = (f'<header class="masthead"><h1>{html.escape(title)}</h1><p class="subtitle">{subtitle_html}</p>'
            f"{notice}{summary}"
            f'<nav class="contents" aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2>'
            f"<ol>{contents}</ol></nav></header>")
    return PageHeader(text, title)


def rag_headlines(ratings: pd.DataFrame, compared: pd.DataFrame | None, period: str,
                  compare_to: str | None) -> list[str]:
    """Two headlines: the measures reported with their RAG counts, and the Red count against the comparison."""
    counts = performance.rag_summary(ratings).set_index("status")["measures"]
    statuses = {s: int(counts[s]) for s in ("Green", "Amber", "Red", "Monitoring only")}
    total = int(counts["Total"])
    items = [f"{plural(total, 'measure')} reported in {label(period)}: "
             f"{performance_tables.count_phrase(statuses)}" if total else f"No measures reported in {label(period)}"]
    red = statuses[RED]
    line = f"{red} Red"
    if compared is not None:
        now, before, left_out = performance.red_change(ratings, compared)
        change = now - before
        line += (f", the same as in {label(compare_to)}" if change == 0 else
                 f", {'up' if change > 0 else 'down'} {abs(change)} on {label(compare_to)}")
        line += (f" like for like ({now} against {before}, leaving out {plural(left_out, 'measure')} not available "
                 "in one of the months)" if left_out else f" ({before})" if change else "")
    items.append(line)
    return items


def variance_headline(position: pd.Series, who: str, compare_to: str | None, why_missing: str = "") -> str:
    """The forecast variance of a row of ``finance.directorate_position`` as a sentence (or why there is none)."""
    variance = position["variance"]
    if pd.isna(variance):
        return f"{who}: forecast variance not available" + (f": {why_missing}" if why_missing else "")
    kind = "overspend" if variance > 0 else "underspend" if variance < 0 else "on budget"
    text = f"{format_millions(variance, sign=True)} forecast variance for {who.lower() if who == 'Directorates' else who}"
    if variance != 0:
        text += f": an {kind} of {pct_text(position['variance_pct'])} of budget"
    change = position.get("change")
    if compare_to and change is not None and pd.notna(change):
        text += (f", unchanged since {label(compare_to)}" if change == 0 else
                 f", {format_millions(abs(change))} {'more' if change > 0 else 'less'} than in {label(compare_to)}")
    return text


class DirectorateBriefing:
    """One directorate's briefing: its measures and exceptions, its finance lines and savings."""

    def __init__(self, briefing: Briefing, directorate: str):
        self.briefing = briefing
        self.directorate = directorate

    @property
    def period(self) -> str:
        return self.briefing.period

    @property
    def title(self) -> str:
        return document_title(self.briefing.run.settings.council, self.period, self.directorate)

    @cached_property
    def _sections(self) -> dict[str, Section]:
        b, d = self.briefing, self.directorate
        return build_sections({"performance": ("Measures and exceptions", performance_tables.directorate_tables(b, d)),
                               "finance": ("Finance and savings", finance_tables.directorate_tables(b, d))})

    def sections(self) -> dict[str, Section]:
        """The directorate briefing's sections, by key."""
        return self._sections

    def section(self, key: str) -> Section:
        """One section of the directorate's briefing (performance, finance), ready to display."""
        return self._sections[key]

    def tables(self) -> list[Table]:
        return section_tables(self._sections.values())

    def headlines(self) -> list[str]:
        """The directorate's measures and RAG counts, its Red count's change, and its forecast variance."""
        b, d = self.briefing, self.directorate
        compared = b._compared_ratings()
        items = rag_headlines(b.ratings[b.ratings["directorate"] == d],
                              None if compared is None else compared[compared["directorate"] == d],
                              b.period, b.run.compare_to)
        position = b.finance.position
        row = position[position["directorate"] == d]
        if len(row):
            items.append(variance_headline(row.iloc[0], d, b.run.compare_to))
        return items

    def save(self) -> list[Path]:
        """Write the directorate's briefing to ``<output_dir>/<period>/directorates/<directorate>.html``."""
        from .export import document_html
        from .paths import safe_child

        target = safe_child(self.briefing.run.folder / "directorates", f"{self.directorate}.html")
        page = document_html(self.title, [self.header(), *self._sections.values()])
        return write_set(target.parent, {target.name: _html_writer(page)})

    def header(self) -> PageHeader:
        """The top of the directorate's briefing: title, headline figures, contents, and the way back."""
        b = self.briefing
        compare = f"compared with {label(b.run.compare_to)}" if b.run.compare_to else "no earlier period"
        subtitle = (f"{html.escape(self.directorate)}: performance and finance for {html.escape(label(self.period))}, "
                    f"{html.escape(compare)}. Part of the "
                    f'<a href="../briefing.html">corporate briefing for {html.escape(label(self.period))}</a>.')
        own = self.directorate
        invalid = {who: why for who, why in b.current.invalid.items() if who == own}
        flawed = {who: n for who, n in returns_with_errors(b.current.problems).items() if who == own}
        partly = {who: why for who, why in b.current.sheets_not_used().items() if who == own}
        return page_header(self.title, subtitle, self.headlines(), self._sections.values(), invalid, flawed, partly,
                           quality_href=f"../{ANNEX_FILE}#quality")


def _register_for(data_dir: Path, period: str, current_register: pd.DataFrame, current_period: str,
                  cache: ReadCache | None, read: dict) -> pd.DataFrame:
    """The register governing ``period``: the current one within its year, else that year's own (``read``:
    see ``load_register``)."""
    if financial_year(period) == financial_year(current_period):
        return current_register
    try:
        return load_register(data_dir, period, cache=cache, read=read)
    except ReturnError:
        return current_register


def build_briefing(run: Run, prepared: str | None = None, cache: ReadCache | None = None) -> Briefing:
    """The briefing of ``run.period``: its register and the returns of the twelve months up to it, validated.

    Twelve months back is enough to find every measure's previous due period
    (an annual measure's is a year earlier) and the year-to-date months.
    ``prepared`` is the file where ``prepare_briefing`` saved this period's
    briefing (the batch does, once for all the period's documents): it is
    loaded rather than built again. ``cache``: see ``readcache``.
    """
    if prepared:
        return _load_prepared(run, Path(prepared))
    read: dict[Path, dict] = {}
    register, register_issues, returns = read_history(run.data_dir, run.period, run.compare_to, cache, read)
    register_issues += register_problems(register)
    register, overridden = governed(register, run.settings)
    register_issues += overridden
    returns[run.period] = validated(register, returns[run.period],
                                    {p: r for p, r in returns.items() if p < run.period}, run.settings)
    registers = {p: governed(_register_for(run.data_dir, p, register, run.period, cache, read), run.settings)[0]
                 for p in returns}
    directorates, rule = list(dict.fromkeys(register["directorate"])), finance.OnTarget.of(run.settings)
    for p in returns:  # the months before: their computed measures too, as history (the period's are done)
        if p != run.period:
            returns[p] = with_computed(registers[p], returns[p], directorates, rule)[0]
    for r in returns.values():
        read.update(r.read)
    return Briefing(run, register, returns, register_issues, registers, read)


def load_period(period: str, compare_to: str | None = None, data_dir: str | None = None,
                params_file: str | None = None) -> Briefing:
    """One period's briefing, its returns read, validated, rated and worked out: what an analyst explores
    (``notebooks/explore.ipynb``). The arguments are the notebooks' parameters, checked the same way
    (``runs.check_parameters``); the ratings, the history, the finance position and every table are the
    Briefing's, exactly as its documents show them."""
    return build_briefing(check_parameters(period, compare_to, data_dir, None, params_file))


def prepare_briefing(run: Run, path: Path, cache: ReadCache | None = None,
                     problems: list[Problem] | None = None) -> Path:
    """Build the period's briefing, work out what every document of the period shows (the ratings and the
    finance position: the checks only the corporate briefing shows, and works out itself), and save it to
    ``path`` for the period's notebooks to load (their ``prepared`` parameter): the batch's way of
    computing a period once for all its documents. ``problems``, if given, is told the problems its returns
    have (what the annex's Data quality shows), for the command to say."""
    briefing = build_briefing(run, cache=cache)
    if problems is not None:
        problems.extend(briefing.problems)
    for shared in ("rated_history", "finance"):
        getattr(briefing, shared)
    shown = {run.period, briefing.run.compare_to}
    # The other months' money lines went into the forecast trend, now worked out: the documents show
    # none of them, and a large council's year of lines is most of what the file would hold.
    briefing.returns = {p: r if p in shown else replace(r, finance=r.finance.iloc[0:0], savings=r.savings.iloc[0:0],
                                                        lines=False) for p, r in briefing.returns.items()}
    with atomic_path(path) as partial, open(partial, "wb") as out:
        pickle.dump(briefing, out, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(path)


def _load_prepared(run: Run, path: Path) -> Briefing:
    """The briefing ``prepare_briefing`` saved, given this ``run``; refused if it was built for another one."""
    with open(path, "rb") as source:
        briefing = pickle.load(source)
    built, wanted = briefing.run, run
    if (built.period, built.compare_to, replace(built.settings, output_dir=None)) != \
            (wanted.period, wanted.compare_to, replace(wanted.settings, output_dir=None)):
        raise RunError(f"{path} holds the briefing of another run ({built.period}, compared with "
                       f"{built.compare_to}); build it again without `prepared`")
    briefing.run = run
    return briefing
