"""One period's briefing as an analyst explores it in JupyterLab (``notebooks/explore.ipynb``).

Presentation only. Each function takes a ``document.Briefing`` (from ``briefing.load_period``) and
returns either a plain DataFrame to ask questions of, or a pandas ``Styler`` to look at. A Styler shows
figures as the briefing's documents do (``tables.format_value``: money held in integer pence as £m to one
decimal, per cents to one decimal), a RAG status as its symbol and its word (``✔ Green``) with the
documents' colours only as an extra, columns named in words, and no index. It formats only what is
displayed: the frame beneath keeps its exact values (``styler.data``).
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from . import finance_tables, performance_tables
from .performance import actual_shown, exceptions, target_shown, with_arrow
from .periods import is_period, label
from .tables import NUMERIC, RAG_SYMBOLS, Table, format_value
from .words import sentence_case

# The documents' RAG badges (templates/briefing/style.css, .rag-r to .rag-n) as cell styles: the same
# background, a text colour readable on it, and the same border where the badge has one.
RAG_STYLES = {
    "Red": {"background": "#d4351c", "color": "#fff"},
    "Amber": {"background": "#ffdd00", "color": "#0b0c0c"},
    "Green": {"background": "#00703c", "color": "#fff"},
    "Monitoring only": {"background": "#fff", "color": "#0b0c0c", "border": "1px solid #505a5f"},
    "Not reported": {"background": "#f3f2f1", "color": "#0b0c0c", "border": "1px solid #b1b4b6"},
}

# How the columns of the Briefing's own frames are shown (``tables.FORMATS``): money in pence, per cents
# and RAG statuses. A column not named here is text unless ``styled`` is told otherwise.
COLUMN_FORMATS = {
    "latest_budget": "money", "forecast_outturn": "money", "variance": "money_signed",
    "previous_variance": "money_signed", "change": "money_signed", "stated_variance": "money_signed",
    "variance_pct": "pct_signed", "planned": "money", "forecast_delivered": "money", "shortfall": "money",
    "achieved_pct": "pct", "amount": "money", "opening": "money", "forecast_movement": "money_signed",
    "forecast_closing": "money", "opening_deficit": "money", "in_year_deficit": "money_signed",
    "closing_deficit": "money", "rag": "rag", "previous_rag": "rag", "rule_rag": "rag", "reported_rag": "rag",
}
# Column names that a plain "underscores to spaces" would not say in words.
COLUMN_NAMES = {"measure_id": "Measure ID", "rag": "Status", "previous_rag": "Previous status",
                "rule_rag": "Rule gives", "reported_rag": "Director's rating", "target_shown": "Target",
                "variance_pct": "Variance %", "achieved_pct": "Achieved %"}
RAG_KINDS = ("rag", "rag_symbol")


def rag_text(value) -> str:
    """A RAG status as text that says it without colour: its symbol and its word (``✔ Green``); any other
    value as it is, blank for none."""
    text = format_value(value, "rag")
    return f"{RAG_SYMBOLS[text]} {text}" if text in RAG_SYMBOLS else text


def rag_style(value) -> str:
    """The CSS of a cell holding a RAG status: the documents' badge colours (``RAG_STYLES``); none for
    anything else."""
    style = RAG_STYLES.get(value) if isinstance(value, str) else None
    return "; ".join(f"{name}: {setting}" for name, setting in style.items()) if style else ""


def column_name(column, kind: str = "text") -> str:
    """A column's name in words: ``COLUMN_NAMES``, a period as its month (``July 2022``), otherwise
    underscores as spaces and a capital first letter; a money column says it is in £m."""
    name = str(column)
    if name in COLUMN_NAMES:
        name = COLUMN_NAMES[name]
    elif is_period(name):
        name = label(name)
    else:
        name = name.replace("_", " ")
        name = sentence_case(name)
    return f"{name} £m" if kind in ("money", "money_signed") and "£m" not in name else name


def _cell_text(value, kind: str) -> str:
    return rag_text(value) if kind in RAG_KINDS else format_value(value, kind)


def styled(frame: pd.DataFrame, caption: str = "", *, money: Iterable = (), money_signed: Iterable = (),
           pct: Iterable = (), pct_signed: Iterable = (), rag: Iterable = (), formats: Mapping | None = None,
           bold_rows: Sequence[int] = (), source: str = "", notes: str = "") -> Styler:
    """``frame`` as the briefing shows a table, for display in a notebook.

    Each column is formatted by its kind (``tables.FORMATS``): the Briefing's own columns by their names
    (``COLUMN_FORMATS``), then any ``formats`` (column → kind), then the columns listed as ``money``
    (integer pence, shown as £m to one decimal), ``money_signed`` (with + on an overspend), ``pct``,
    ``pct_signed`` or ``rag`` (symbol and word, coloured). Blank money and per cents show as "–", blank
    text as nothing. A named index (``rag_by_month``'s measure IDs) becomes the first column, since the
    index itself is hidden; an unnamed one (row numbers, or what is left of them after filtering) is
    dropped. ``bold_rows`` are the positions of total rows. The caption is ``caption`` in bold, then
    ``notes`` and the ``source``.
    """
    kinds = {column: kind for column, kind in COLUMN_FORMATS.items() if column in frame.columns}
    kinds.update(formats or {})
    for kind, columns in (("money", money), ("money_signed", money_signed), ("pct", pct),
                          ("pct_signed", pct_signed), ("rag", rag)):
        kinds.update(dict.fromkeys(columns, kind))
    named = any(name is not None for name in frame.index.names)
    shown = frame.reset_index(drop=not named)
    kinds = {column: kinds.get(column, "text") for column in shown.columns}

    styler = shown.style.format({column: partial(_cell_text, kind=kind) for column, kind in kinds.items()},
                                escape="html")
    rag_columns = [column for column, kind in kinds.items() if kind in RAG_KINDS]
    if rag_columns:
        styler = styler.map(rag_style, subset=rag_columns)
    numeric = [column for column, kind in kinds.items() if kind in NUMERIC]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    words = [column for column in kinds if column not in numeric]
    if words:  # JupyterLab aligns every cell to the right; words read from the left
        styler = styler.set_properties(subset=words, **{"text-align": "left"})
    if len(bold_rows):
        styler = styler.set_properties(subset=pd.IndexSlice[shown.index[list(bold_rows)], :],
                                       **{"font-weight": "bold"})
    lines = [f"<b>{html.escape(caption)}</b>" if caption else "", html.escape(notes),
             html.escape(f"Source: {source}") if source else ""]
    styler = styler.set_caption("<br>".join(line for line in lines if line))
    styler = styler.set_table_styles([{"selector": "caption", "props": "caption-side: top; text-align: left"},
                                      {"selector": "td", "props": "vertical-align: top"}])
    return styler.relabel_index([column_name(c, kinds[c]) for c in shown.columns], axis="columns").hide()


def table_view(table: Table, bold_rows: Sequence[int] | None = None) -> Styler:
    """One of the briefing's tables (``Briefing.tables()``) as a Styler: its title (the finding) as the
    caption, with its caption and source beneath; its columns formatted as the documents format them; its
    total rows (``bold_rows``, positions: by default the table's ``total_rows``) in bold. Every row, as
    tables.xlsx has them."""
    frame = table.frame
    if bold_rows is None:
        bold_rows = range(max(len(frame) - table.total_rows, 0), len(frame))
    return styled(frame, table.title, formats=table.formats, bold_rows=bold_rows, source=table.source,
                  notes=table.caption)


# Performance: the rated measures and their history ---------------------------------------

def ratings_view(b) -> Styler:
    """This period's rated measures (``Briefing.ratings``): each measure's actual and target with their
    units, its status, its status at its previous due period, its direction of travel and the director's
    commentary; captioned with the period's RAG summary."""
    ratings = b.ratings
    frame = pd.DataFrame({"measure_id": ratings["measure_id"], "measure": ratings["measure"],
                          "directorate": ratings["directorate"], "actual": actual_shown(ratings),
                          "target": target_shown(ratings), "rag": ratings["rag"],
                          "previous_rag": ratings["previous_rag"], "direction": ratings["direction"].map(with_arrow),
                          "commentary": ratings["commentary"]})
    return styled(frame, performance_tables.rag_summary_table(b).title, source=performance_tables.SOURCE)


def rag_by_month(b) -> pd.DataFrame:
    """Each measure's status in every month loaded (``Briefing.rated_history``): one row per measure, its
    ID the index; one column per period, oldest first; blank in a month the measure was not due."""
    return b.rated_history.pivot(index="measure_id", columns="period", values="rag")


def actuals_by_month(b) -> pd.DataFrame:
    """Each measure's actual (a number; blank where none was reported or it is text) in every month
    loaded: one row per measure, its ID the index; one column per period, oldest first."""
    return b.rated_history.pivot(index="measure_id", columns="period", values="actual_value")


def history_view(b) -> Styler:
    """Each measure's status month by month (``rag_by_month``), with its name: how long a measure has been
    Amber or Red, at a glance."""
    months = rag_by_month(b)
    names = b.rated_history.drop_duplicates("measure_id", keep="last").set_index("measure_id")["measure"]
    frame = months.join(names).loc[:, ["measure", *months.columns]]
    return styled(frame, f"Each measure's status, {label(months.columns[0])} to {label(months.columns[-1])}",
                  rag=months.columns, notes="Blank: the measure was not due that month.",
                  source=performance_tables.SOURCE)


def _measure_rows(b, measure_id: str) -> pd.DataFrame:
    """The measure's rows of ``Briefing.rated_history``, oldest first; a KeyError naming the measures if
    it has none."""
    history = b.rated_history
    rows = history[history["measure_id"] == measure_id].sort_values("period")
    if rows.empty:
        raise KeyError(f"no measure {measure_id!r} was rated; the measures are "
                       f"{', '.join(pd.unique(history['measure_id']))}")
    return rows.reset_index(drop=True)


def measure_history(b, measure_id: str) -> pd.DataFrame:
    """One measure's figures in every month it was rated, oldest first: its actual and the month's target
    (numbers, in its ``unit``; a cumulative target is the target to date), status, direction of travel and
    commentary."""
    rows = _measure_rows(b, measure_id)
    return rows.rename(columns={"actual_value": "actual", "period_target": "target"})[
        ["period", "actual", "target", "unit", "rag", "direction", "commentary"]]


def measure_history_view(b, measure_id: str) -> Styler:
    """One measure's history (``measure_history``) as the briefing states it: actuals and targets with
    their units, status, direction of travel and commentary, month by month."""
    rows = _measure_rows(b, measure_id)
    frame = pd.DataFrame({"month": rows["period"].map(label), "actual": actual_shown(rows),
                          "target": target_shown(rows), "rag": rows["rag"],
                          "direction": rows["direction"].map(with_arrow), "commentary": rows["commentary"]})
    return styled(frame, f"{measure_id}: {rows['measure'].iloc[-1]}", source=performance_tables.SOURCE)


def exceptions_view(b) -> Styler:
    """The period's exceptions (``performance.exceptions``): every measure Red, or Amber now and at its
    previous due period, by priority, with actual, target, direction, commentary and impacts."""
    found = exceptions(b.ratings)
    frame = found.assign(direction=found["direction"].map(with_arrow),
                         previous_period=found["previous_period"].map(lambda p: label(p) if is_period(p) else ""))
    frame = frame[["priority", "measure_id", "measure", "rag", "exception", "previous_rag", "previous_period",
                   "actual", "target_shown", "direction", "commentary", "risk_impact", "finance_impact"]]
    return styled(frame, performance_tables.exceptions_table(b).title, source=performance_tables.SOURCE)


# Finance ---------------------------------------------------------------------------

def finance_view(b) -> Styler:
    """The directorate financial position (``Briefing.finance.position``) as the briefing's table: budget,
    forecast outturn, variance in £m and per cent, the variance at the comparison report and the change."""
    return table_view(finance_tables.directorate_position_table(b))


def service_area_view(b, directorates: list[str] | None = None) -> Styler:
    """Every service area (``Briefing.finance.service_areas``), or those of ``directorates``, as the
    briefing's table in full, each directorate's subtotal and the total in bold."""
    kinds = b.finance.service_areas_of(directorates)["kind"]
    return table_view(finance_tables.service_areas_table(b, directorates), bold_rows=np.flatnonzero(kinds != "line"))


def trend_view(b) -> Styler:
    """Each directorate's forecast variance at every month's report of the year so far, and their total
    (``Briefing.finance.trend``), as the briefing's table."""
    return table_view(finance_tables.trend_table(b))
