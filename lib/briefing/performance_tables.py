"""The performance section of the briefing: ``performance``'s figures shown as tables, charts and sentences.

Every table of the two reference reports' performance sections, each
``name_table(b)`` wrapping a figure of ``performance`` in a ``Table`` whose
title states the finding; the charts; a narrative paragraph; and the words
the tables and the page headline use (``count_phrase``). Beyond RAG, the
statistical process control of ``spc``: the Signals table and a sentence of the
narrative, and in each directorate's briefing the variation, assurance and
year-end projection of its measures and a chart of each measure month by month.
``tables(b)`` is the corporate briefing's section in order,
``directorate_tables(b, directorate)`` one directorate's.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .charts import measure_history_chart, most_red, rag_by_group_chart, rag_by_month_chart, sparklines
from .performance import (NOT_AVAILABLE, NOT_DUE, RED_AMBER_TWICE, SUMMARY_ORDER, change_lists,
                          director_assessments, directorate_measures, exception_counts, exceptions, highlights,
                          improved_and_worse, is_quarter_end, measure_label, measure_projections, measure_spc,
                          not_reported, outlook_summary, priority_grid, quarter_name, quarterly_dashboard,
                          rag_by_group, rag_summary, red_change, red_measures, signals, spc_baselines, spc_for,
                          spc_history, spc_summary, status_changes, status_counts, transition_matrix, with_arrow,
                          with_unit, year_to_date_tracking)
from .money import percent
from .periods import financial_year, label, month_name, shift
from .ratings import GREEN, NOT_REPORTED, RATED, RED, STATUSES
from .spc import COMMON_CAUSE, MIN_POINTS, MONITORING_ONLY, spc_points
from .tables import RAG_KEY, Narrative, Table, element_id, to_html
from .words import listed, plural

SOURCE = "directorate returns, Performance sheets; measure register"
RULE_WORDS = ("Green meets or exceeds the target, Amber misses it by no more than its tolerance, Red misses it "
              "by more")  # the rule, as every table and sentence states it
_HEADING = re.compile(r"<h3([^>]*)>(.*?)</h3>", re.DOTALL)  # a group's table title, shown one level down
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


# Words ------------------------------------------------------------------------

def count_phrase(counts: dict[str, int]) -> str:
    """``4 Red, 1 Amber, 2 Green and 2 monitoring only`` — the reports' way of listing counts."""
    words = [f"{n} {status if status in RATED else status.lower()}" for status, n in counts.items() if n]
    return listed(words) or "none"


def _number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def group_sentences(ratings: pd.DataFrame, group: str, period: str, noun: str = "priority") -> pd.DataFrame:
    """One sentence per group in the report's voice.

    ``This priority has 9 measures reporting in July: 4 Red, 1 Amber, 2 Green
    and 2 monitoring only.`` — with what was due but not reported after it.
    """
    month = month_name(period)
    rows = []
    for name, measures in ratings.groupby(group, sort=False):
        reporting = status_counts(measures["rag"])
        n = sum(reporting.values())
        missing = int((measures["rag"] == NOT_REPORTED).sum())
        if n:
            sentence = f"This {noun} has {plural(n, 'measure')} reporting in {month}: {count_phrase(reporting)}."
        else:
            sentence = f"No measure of this {noun} reported in {month}."
        if missing:
            sentence += f" {plural(missing, 'more measure was', 'more measures were')} due but not reported."
        rows.append({group: name, "sentence": sentence})
    return pd.DataFrame(rows, columns=[group, "sentence"])


def exceptions_phrase(counts: dict[str, int]) -> str:
    """``8 Red and 9 Amber for two periods running`` (a kind with none is left out)."""
    parts = [f"{counts[RED]} Red" if counts[RED] else "",
             f"{counts[RED_AMBER_TWICE]} Amber for two periods running" if counts[RED_AMBER_TWICE] else ""]
    return listed([p for p in parts if p]) or "none"


# Tables shown in groups ---------------------------------------------------------

@dataclass
class GroupedTable(Table):
    """A table shown in groups, as the reports show exceptions by priority and dashboards by directorate.

    The frame keeps the ``group`` column, so tables.xlsx has one flat sheet;
    the HTML shows each group under its own heading, with its lead sentence
    from ``leads`` (group → sentence), and a table without the group column.
    """

    group: str = ""
    leads: dict = field(default_factory=dict)

    def _repr_html_(self) -> str:
        if self.frame.empty or self.group not in self.frame:
            return to_html(self)
        block_id = element_id("table", self.key)
        about = html.escape(self.caption) + (f' <span class="source">Source: {html.escape(self.source)}</span>'
                                             if self.source else "")
        parts = [f'<section class="table-block table-groups" id="{block_id}">',
                 f'<h3 class="table-title" id="{block_id}-title">{html.escape(self.title)}</h3>',
                 f'<p class="table-about">{about}</p>']
        for number, (name, rows) in enumerate(self.frame.groupby(self.group, sort=False), start=1):
            # each group's table is captioned by its group alone: what the tables are, and their source, is
            # said once above them
            part = Table(f"{self.key}-{number}", str(name), rows.drop(columns=self.group).reset_index(drop=True),
                         formats=self.formats, row_header=self.row_header)
            lead = self.leads.get(name)
            lead_html = f'\n<p class="group-lead">{html.escape(lead)}</p>' if lead else ""
            shown = to_html(part).replace("<caption>", '<caption class="visually-hidden">', 1)  # says the <h4>
            parts.append(_HEADING.sub(lambda m: f"<h4{m[1]}>{m[2]}</h4>{lead_html}", shown, count=1))
        parts.append("</section>")
        return "\n".join(parts)


# The narrative -------------------------------------------------------------

def _difference(now: int, before: int) -> str:
    change = now - before
    if change == 0:
        return "the same number as"
    return f"{_number_word(abs(change))} {'more' if change > 0 else 'fewer'} than"


def _compared_rows(history: pd.DataFrame, compare_to: str | None) -> pd.DataFrame:
    """The rated rows of the comparison period (none when there is no comparison period)."""
    return history[history["period"] == compare_to] if compare_to else history.iloc[0:0]


def narrative(ratings: pd.DataFrame, history: pd.DataFrame, period: str, compare_to: str | None,
              spc: pd.DataFrame | None = None) -> str:
    """The section's opening paragraph, in the reports' voice, from the figures alone.

    ``Of the 52 measures reported in July, 23 (44%) were Green, 14 (27%) Amber
    and 8 (15%) Red; Red measures are one fewer than in June.`` — then the
    exceptions, the status changes, the directors' outlook and, given the
    period's ``spc`` (``performance.measure_spc``), what statistical process
    control finds (``spc_sentence``), and what was not reported or assessed
    differently by a director.
    """
    month = month_name(period)
    before = _compared_rows(history, compare_to)
    counts = rag_summary(ratings).set_index("status")["measures"]
    total = int(counts["Total"])
    if not total:
        text = [f"No measure was reported in {month}."]
    else:
        parts = [f"{int(counts[s])} ({percent(int(counts[s]), total):.0f}%) {'were ' if i == 0 else ''}"
                 f"{s if s in RATED else s.lower()}" for i, s in enumerate(SUMMARY_ORDER) if counts[s]]
        first = f"Of the {plural(total, 'measure')} reported in {month}, {listed(parts)}"
        if not before.empty:
            red_now, red_before, left_out = red_change(ratings, before)
            first += f"; Red measures are {_difference(red_now, red_before)} in {month_name(compare_to)}"
            if left_out:
                first += (f" (like for like: {plural(left_out, 'measure')} not available in one of the months "
                          "left out)")
        text = [first + "."]
    found = exception_counts(exceptions(ratings))
    n_exceptions = sum(found.values())
    if n_exceptions:
        text.append(f"{plural(n_exceptions, 'measure is an exception', 'measures are exceptions')}: "
                    f"{exceptions_phrase(found)}.")
    if not before.empty:
        better, worse = improved_and_worse(status_changes(ratings, before))
        text.append(f"Since {month_name(compare_to)}, {plural(better, 'measure has', 'measures have')} "
                    f"improved and {plural(worse, 'has', 'have')} deteriorated.")
    outlook = outlook_summary(ratings)
    if outlook["given"]:
        text.append(f"The directors' outlook is positive (improving or stable) for {outlook['positive']} of the "
                    f"{plural(outlook['given'], 'rated measure')} that give one"
                    + (f"; {plural(outlook['red_without'], 'Red measure has', 'Red measures have')} none"
                       if outlook["red_without"] else "") + ".")
    found = "" if spc is None else spc_sentence(ratings, spc, period)
    if found:
        text.append(found)
    missing = int((ratings["rag"] == NOT_REPORTED).sum())
    if missing:
        text.append(f"{plural(missing, 'measure was', 'measures were')} due but not reported.")
    differ = int(ratings["override"].astype(bool).sum())
    if differ:
        text.append(f"For {plural(differ, 'measure')} the director's rating differs from the rule.")
    return " ".join(text)


# Tables ------------------------------------------------------------------------

def _figures(ratings: pd.DataFrame, ids: pd.Series, shown: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A table's Actual and Target columns (``shown``: text with units) as numbers, for tables.xlsx
    (``Table.figures``): each measure's actual and target for the period, from its row of ``ratings`` (``ids``
    are the table's measures, a row each); no figure for a text target. The text is kept as written where it
    says more than the figure and its unit ("200 (year to date)")."""
    rated = ratings.drop_duplicates("measure_id").set_index("measure_id").reindex(ids.tolist())
    values, units = {"Actual": rated["actual_value"], "Target": rated["period_target"]}, rated["unit"].tolist()
    figures = {}
    for column, texts in shown.items():
        numbers = values[column].astype(float).tolist()
        written = [text if isinstance(text, str) and not np.isnan(number) and text != with_unit(number, unit) else ""
                   for text, number, unit in zip(texts.tolist(), numbers, units)]
        figures[column] = pd.DataFrame({"value": numbers, "unit": units, "as_written": written})
    return figures


def _summary_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    summary = rag_summary(ratings)
    counts = dict(zip(summary["status"], summary["measures"]))
    total = counts["Total"]
    green_pct = percent(counts[GREEN], total) if total else 0
    title = (f"{who}{counts[GREEN]} of the {total} measures reported in {label(period)} "
             f"({green_pct:.0f}%) were Green and {counts[RED]} were Red")
    frame = summary.rename(columns={"status": "Status", "measures": "Measures",
                                    "share_pct": "Share of measures reported"})
    return Table(key, title, frame,
                 caption=f"Measures by RAG status, {label(period)}. {RULE_WORDS}.",
                 formats={"Status": "rag", "Measures": "int", "Share of measures reported": "pct"},
                 source=SOURCE, total_rows=1)


def rag_summary_table(b) -> Table:
    """Figure 1: counts and per cent of the measures reported, by status."""
    return _summary_table(b.ratings, b.period, "RAG summary")


def _group_table(b, group: str, key: str) -> Table:
    """RAG counts for each ``group`` ("priority" or "directorate"); a priority's with the report's sentence."""
    counts = rag_by_group(b.ratings, group)
    frame = counts.rename(columns={group: group.capitalize()})
    groups = counts.iloc[:-1]
    if group == "priority":
        sentences = group_sentences(b.ratings, group, b.period).set_index(group)["sentence"]
        frame["In words"] = counts[group].map(sentences).fillna("")
        with_red = int((groups[RED] > 0).sum())
        title = (f"{with_red} of the {len(groups)} priorities had a Red measure in {label(b.period)}; "
                 f"{int(groups['Total'].sum())} measures reported")
    else:
        title = most_red(groups, group, group, f" in {label(b.period)}")
    formats = {c: "int" for c in [*SUMMARY_ORDER, "Total", NOT_REPORTED]}
    return Table(key, title, frame,
                 caption=f"Measures reported in {label(b.period)} by {group} and status. Total counts the "
                         "measures reported, monitoring only included; not reported measures are not in it",
                 formats=formats, source=SOURCE, total_rows=1)


def rag_by_priority_table(b) -> Table:
    """RAG counts for each priority, with the report's sentence for each."""
    return _group_table(b, "priority", "RAG by priority")


def rag_by_priority_chart(b):
    """The priorities' RAG counts as stacked bars (data in 'RAG by priority')."""
    return _priority_chart(b.ratings, "chart-rag-by-priority", table_key="RAG by priority")


def _priority_chart(ratings: pd.DataFrame, key: str, table_key: str | None = None, unavailable: str = ""):
    """The RAG counts of ``ratings``' priorities as stacked bars (see ``charts.rag_by_group_chart``)."""
    groups = rag_by_group(ratings, "priority").iloc[:-1]
    return rag_by_group_chart(groups, "priority", key, "priority", table_key=table_key, unavailable=unavailable)


def rag_by_directorate_table(b) -> Table:
    """RAG counts for each directorate."""
    return _group_table(b, "directorate", "RAG by directorate")


def red_measures_table(b) -> Table:
    """The measures reporting Red, with what scrutiny needs to ask about them."""
    red, period = red_measures(b.ratings), b.period
    frame = pd.DataFrame({
        "Measure": measure_label(red), "Priority": red["priority"], "Director": red["director"],
        "Actual": red["actual"], "Target": red["target_shown"], "Direction": red["direction"].map(with_arrow),
        "Commentary": red["commentary"].fillna(""), "Source cell": red["source"]})
    n = len(frame)
    return Table("Red measures", f"{plural(n, 'measure')} reported Red in {label(period)}",
                 frame, caption=f"Performance measures reporting Red for {label(period)} ({n}); direction of "
                                "travel against the previous value reported",
                 formats={"Actual": "number"}, source="directorate returns", empty_text="No measure is Red.",
                 figures=_figures(b.ratings, red["measure_id"], frame[["Actual", "Target"]]))


def _changes_since(b) -> tuple[str, pd.DataFrame | None]:
    """The comparison period's name, and each measure's status then and now (None: no ratings then)."""
    before = _compared_rows(b.rated_history, b.run.compare_to)
    compare = label(b.run.compare_to) if b.run.compare_to else "the last report"
    return compare, None if before.empty else status_changes(b.ratings, before, set(b.register["measure_id"]))


def highlights_table(b) -> Table:
    """Performance highlights: the measures that turned Green since the period compared with, then those
    that rose from Red to Amber, with the director's commentary (the July 2022 report's highlights)."""
    before = _compared_rows(b.rated_history, b.run.compare_to)
    found = highlights(b.ratings, before)
    compare = month_name(b.run.compare_to) if b.run.compare_to else "the last report"
    green = int((found["rag"] == GREEN).sum())
    title = (f"{plural(green, 'measure')} turned Green since {compare}"
             + (f" and {len(found) - green} rose from Red to Amber" if len(found) > green else "")
             if len(found) else f"No measure improved its status since {compare}")
    frame = pd.DataFrame({"Measure": measure_label(found), "Was": found["before"], "Now": found["rag"],
                          "Actual": found["actual"], "Target": found["target_shown"],
                          "Commentary": found["commentary"].fillna(""), "Source cell": found["source"]})
    return Table("Highlights", title, frame,
                 caption=f"Measures whose status improved between {compare} and {label(b.period)}: those now Green, "
                         "then those now Amber that were Red.",
                 formats={"Was": "rag", "Now": "rag", "Actual": "number"}, source=SOURCE,
                 empty_text="No measure improved its status this period.",
                 figures=_figures(b.ratings, found["measure_id"], frame[["Actual", "Target"]]))


def priority_grid_table(b) -> Table:
    """Each priority's overall status month by month, April to March (the July 2022 report's grid)."""
    grid = priority_grid(b.rated_history, b.period)
    months = [c for c in grid.columns if c != "priority"]
    frame = pd.DataFrame({"Priority": grid["priority"], **{month_name(m): grid[m] for m in months}})
    return Table("Priorities by month", f"Each priority's overall status by month, {label(months[0])} to "
                 f"{label(months[-1])}", frame,
                 caption=f"{RAG_KEY}. A priority's overall status in a month is the status most of its rated measures "
                         "have (a tie goes to the worse); a blank month is one still to come, or with no measure "
                         "rated.",
                 formats={month_name(m): "rag_symbol" for m in months}, source=SOURCE, cards=True)


def _nothing_to_compare(b, key: str, compare: str) -> Table:
    """An empty comparison table that says there was nothing to compare with (a first month, say)."""
    return Table(key, f"No ratings for {compare} to compare with", pd.DataFrame(),
                 empty_text=f"There are no ratings for {compare} to compare {label(b.period)} with.")


def status_changes_table(b) -> Table:
    """Figure 3: the measures that changed status since the comparison period, named."""
    compare, changes = _changes_since(b)
    if changes is None:
        return _nothing_to_compare(b, "Status changes", compare)
    better, worse = improved_and_worse(changes)
    lists = change_lists(changes).rename(columns={"change": "Change", "measures": "Measures",
                                                  "which": "Which measures"})
    return Table("Status changes", f"{plural(better, 'measure')} improved and {worse} deteriorated between "
                 f"{compare} and {label(b.period)}", lists,
                 caption=f"Status changes – {month_name(b.run.compare_to)} to {label(b.period)}. Newly rated: "
                         "rated now but not then (not due, not reported or new). No longer reported: rated "
                         "then, now due but not reported or no longer in the register",
                 formats={"Measures": "int"}, source=SOURCE)


def status_matrix_table(b) -> Table:
    """Every measure's status at the comparison period against its status now, as counts."""
    compare, changes = _changes_since(b)
    if changes is None:
        return _nothing_to_compare(b, "Status matrix", compare)
    matrix = transition_matrix(changes)
    then, now = month_name(b.run.compare_to), month_name(b.period)
    same = int(sum(matrix.loc[matrix["before"] == s, s].iloc[0] for s in RATED))
    rated_both = int((changes["before"].isin(RATED) & changes["now"].isin(RATED)).sum())
    frame = matrix.rename(columns={"before": f"Status in {then}", **{s: f"{s} now" for s in [*STATUSES, NOT_DUE]}})
    formats = {frame.columns[0]: "rag", **{c: "int" for c in frame.columns[1:]}}
    return Table("Status matrix", f"{same} of the {rated_both} measures rated in both {then} and {now} kept "
                 "their rating", frame,
                 caption=f"Measures by status in {label(b.run.compare_to)} (rows) and now, {label(b.period)} "
                         "(columns). Not due: not rated in that period (not due, or not in the register)",
                 formats=formats, source=SOURCE, total_rows=1)


def _exceptions_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> GroupedTable:
    found = exceptions(ratings)
    counts = exception_counts(found)
    n = len(found)
    previous = found["previous_period"].map(lambda p: label(p) if isinstance(p, str) else "")
    frame = pd.DataFrame({
        "Priority": found["priority"], "Measure": measure_label(found), "Status": found["rag"],
        "Exception": found["exception"],
        "Previous status": np.where(previous != "", found["previous_rag"].fillna("") + " (" + previous + ")", ""),
        "Director": found["director"], "Direction": found["direction"].map(with_arrow),
        "Commentary": found["commentary"].fillna(""), "Risk impact": found["risk_impact"].fillna(""),
        "Finance impact": found["finance_impact"].fillna("")})
    leads = group_sentences(ratings, "priority", period).set_index("priority")["sentence"].to_dict()
    title = (f"{who}{plural(n, 'measure is an exception', 'measures are exceptions')} in {label(period)}: "
             f"{exceptions_phrase(counts)}")
    return GroupedTable(key, title, frame,
                        caption=f"Exceptions, {label(period)}: measures Red, or Amber this period and at their "
                                "previous due period. Direction: of travel, the figure against the one reported "
                                "before it, not the director's outlook (which each directorate's briefing shows)",
                        formats={"Status": "rag"}, source="directorate returns, Performance sheets",
                        empty_text="No measure is Red, or Amber for two periods running.",
                        group="Priority", leads=leads)


def exceptions_table(b) -> GroupedTable:
    """The exceptions by priority, with director, commentary, risk impact and finance impact."""
    return _exceptions_table(b.ratings, b.period, "Exceptions")


def year_to_date_table(b) -> Table:
    """Figure 4: RAG counts for each month of the financial year so far."""
    tracking = year_to_date_tracking(b.rated_history, b.period)
    frame = tracking.drop(columns="period").rename(columns={"month": "Month"})
    last = tracking.iloc[-1]
    title = f"{int(last[RED])} of the {int(last['Total'])} measures rated in {last['month']} were Red"
    if len(tracking) > 1:
        previous = tracking.iloc[-2]
        title += f", {_difference(int(last[RED]), int(previous[RED]))} in {previous['month']}"
    return Table("Year to date", title, frame,
                 caption=f"Measures rated Green, Amber and Red in each month of {financial_year(b.period)} to "
                         f"{month_name(b.period)}, not counting monitoring only. The total varies because not every "
                         "measure is due every month",
                 formats={c: "int" for c in [*RATED, "Total"]}, source=SOURCE)


def year_to_date_chart(b):
    """Figure 4 as stacked bars, one per month."""
    tracking = year_to_date_tracking(b.rated_history, b.period)
    return rag_by_month_chart(tracking[list(RATED)], [label(p) for p in tracking["period"]], table_key="Year to date")


def quarterly_dashboard_table(b, directorates: list[str] | None = None, key: str = "Quarterly dashboard",
                              who: str = "") -> GroupedTable:
    """The quarterly dashboard per directorate (Q3 2017-18 report), for a quarter-end period."""
    dashboard = quarterly_dashboard(b.rated_history, b.period, directorates or b.directorates)
    if directorates:
        dashboard = dashboard[dashboard["directorate"].isin(directorates)]
    this, last = quarter_name(b.period), quarter_name(shift(b.period, -3))
    red_now = int((dashboard["this_quarter"] == RED).sum())
    red_before = int((dashboard["last_quarter"] == RED).sum())
    frame = pd.DataFrame({
        "Directorate": dashboard["directorate"], "Priority": dashboard["priority"],
        "Measure": measure_label(dashboard), "Target": dashboard["target_shown"],
        "Cumulative target Y/N": dashboard["cumulative"], f"{last} RAG": dashboard["last_quarter"],
        f"{this} RAG": dashboard["this_quarter"], "Outlook": dashboard["outlook"]})
    shown = b.ratings[b.ratings["directorate"].isin(set(dashboard["directorate"]))]
    leads = group_sentences(shown, "directorate", b.period, "directorate").set_index("directorate")["sentence"]
    title = (f"{who}{plural(red_now, 'measure was', 'measures were')} Red at the end of {this} "
             f"{financial_year(b.period)}, {_difference(red_now, red_before)} at the end of {last}")
    return GroupedTable(key, title, frame,
                        caption=f"Performance dashboard, {this} {financial_year(b.period)} ({label(b.period)}); "
                                f"{last} is {label(shift(b.period, -3))}. Outlook is the director's: ↑ improving, "
                                "↔ stable, ↓ deteriorating",
                        formats={f"{last} RAG": "rag", f"{this} RAG": "rag"}, source=SOURCE,
                        group="Directorate", leads=leads.to_dict(),
                        figures=_figures(b.ratings, dashboard["measure_id"], frame[["Target"]]))


def director_assessments_table(b) -> Table:
    """Director's assessments that differ from the rule, with both ratings."""
    differ, period = director_assessments(b.ratings), b.period
    n = len(differ)
    frame = pd.DataFrame({
        "Measure": measure_label(differ), "Director": differ["director"], "Actual": differ["actual"],
        "Target": differ["target_shown"], "Rule gives": differ["rule_rag"], "Director's rating": differ["reported_rag"],
        "Commentary": differ["commentary"].fillna(""), "Source cell": differ["source"]})
    title = (f"For {plural(n, 'measure')} in {label(period)} the director's rating differs from the rule"
             if n else f"Every director's rating in {label(period)} agrees with the rule: {RULE_WORDS}")
    return Table("Director assessments", title, frame,
                 caption=f"Measures where the Reported RAG differs from the rating the rule gives ({RULE_WORDS}); "
                         "the briefing shows the director's rating",
                 formats={"Actual": "number", "Rule gives": "rag", "Director's rating": "rag"},
                 source="directorate returns, Performance sheets", empty_text="No rating differs from the rule.",
                 figures=_figures(b.ratings, differ["measure_id"], frame[["Actual", "Target"]]))


def _not_reported_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    missing = not_reported(ratings)
    frame = missing.rename(columns={"measure_id": "Measure ID", "measure": "Measure",
                                    "directorate": "Directorate", "not_reported_reason": "Reason"})
    n = len(frame)
    title = (f"{who}{plural(n, 'measure was', 'measures were')} due in {month_name(period)} but not reported"
             if n else f"{who}Every measure due in {month_name(period)} was reported")
    return Table(key, title, frame,
                 caption="Measures due this period with no actual value or rating, and the reason given",
                 source="directorate returns", empty_text="Every measure due was reported.")


def not_reported_table(b) -> Table:
    """Measures due but not reported, with the reason: never dropped silently."""
    return _not_reported_table(b.ratings, b.period, "Not reported")


# Statistical process control ------------------------------------------------------

SPC_SOURCE = "directorate returns, Performance sheets, every month loaded; measure register"
SPC_KEY = ("Variation: common cause (~) is within normal variation; a special cause is H (high) or L (low), + "
           "improving, ! concerning. Assurance: P consistently met, F will not be met without change, ? will "
           "sometimes hit and sometimes miss")
TOO_FEW_FIGURES = f"No measure yet has the {MIN_POINTS} figures needed to tell a real change from chance"


def _with_symbol(words: str, symbol: str) -> str:
    """``special cause improving (L+)``: an SPC status in words and its symbol, never a symbol alone."""
    return f"{words} ({symbol})" if words and symbol else words


def spc_shown(ratings: pd.DataFrame, spc: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each rated measure's SPC status as the briefing shows it, by measure ID: ``variation`` and ``assurance``
    in words with their symbols (``symbol``: the variation's alone), and ``spc_words``, the status in a
    sentence's words ("within normal variation", "special cause improving: point outside the limits").

    A measure with no figure this period (or one "not available", its return not used), or too few points,
    says so rather than showing an older status."""
    rows = spc.set_index("measure_id")
    month = month_name(period)
    shown = {}
    rated = ratings.drop_duplicates("measure_id")
    unread = rated["not_reported_reason"].fillna("").astype(str).str.startswith(NOT_AVAILABLE).tolist()
    for measure_id, polarity, unavailable in zip(rated["measure_id"], rated["polarity"], unread):
        if measure_id not in rows.index:
            shown[measure_id] = ("no figures", "", "", "no figures to chart")
            continue
        row = rows.loc[measure_id]
        if row["last_period"] != period:
            missing = f"not available for {month}" if unavailable else f"no figure for {month}"
            shown[measure_id] = (missing, "", "", missing)
        elif row["note"]:
            shown[measure_id] = (row["note"], "", "", row["note"])
        else:
            judged = ("not judged: monitoring only" if polarity == MONITORING_ONLY else
                      "not judged: no figure for the target")
            words = ("within normal variation" if row["variation"] == COMMON_CAUSE else
                     f"{row['variation']}: {row['rules_this_period']}")
            shown[measure_id] = (_with_symbol(row["variation"], row["variation_symbol"]),
                                 _with_symbol(row["assurance"], row["assurance_symbol"]) or judged,
                                 row["variation_symbol"], words)
    return pd.DataFrame.from_dict(shown, orient="index", columns=["variation", "assurance", "symbol", "spc_words"])


def spc_sentence(ratings: pd.DataFrame, spc: pd.DataFrame, period: str) -> str:
    """What statistical process control finds this period, in the narrative's words: ``3 measures show a real
    change this month (statistical process control); 2 of the 8 Red measures are within normal variation.``
    Blank when no measure has the points it needs."""
    counts = spc_summary(ratings, spc, period)
    if not counts["tested"]:
        return ""
    n, red, common = counts["signals"], counts["red"], counts["red_common"]
    text = (f"{'No measure shows' if not n else plural(n, 'measure shows', 'measures show')} a real change this "
            "month (statistical process control)")
    if red == 1:
        text += "; the Red measure " + ("is within normal variation" if common else "shows a real change"
                                        if counts["red_special"] else "has too few figures to tell")
    elif red:
        text += (f"; {common or 'none'} of the {red} Red measures {'are' if common > 1 else 'is'} within normal "
                 "variation")
        if counts["red_untested"]:
            text += f" ({plural(counts['red_untested'], 'has', 'have')} too few figures to tell)"
    return text + "."


def signals_table(b, spc: pd.DataFrame | None = None) -> Table:
    """The measures whose figure this period is part of a special-cause pattern: the rules that found it,
    whether it is an improvement or a concern, the variation and assurance in words and symbols, and the RAG
    status beside them. ``spc``: the period's (``performance.spc_for(b)`` unless given)."""
    spc = spc_for(b) if spc is None else spc
    found = signals(b.ratings, spc, b.period)
    counts = spc_summary(b.ratings, spc, b.period)
    shown = spc_shown(found, spc, b.period).reindex(found["measure_id"])
    frame = pd.DataFrame({"Measure": measure_label(found), "Trend": _trends(b, found).tolist(),
                          "Rule": found["spc_rules_this_period"],
                          "Direction": found["spc_direction"], "Variation": shown["variation"].tolist(),
                          "Assurance": shown["assurance"].tolist(), "Status": found["rag"]})
    n, when = len(found), label(b.period)
    title = (TOO_FEW_FIGURES if not counts["tested"] else f"No measure shows a real change in {when}" if not n
             else f"{plural(n, 'measure shows', 'measures show')} a real change in {when}")
    figured = len(spc[spc["last_period"] == b.period])
    return Table("Signals", title, frame,
                 caption=f"Measures whose {when} figure is part of a special-cause pattern on their XmR chart "
                         "(statistical process control, the NHS Making Data Count rules): "
                         f"{counts['tested']} of the {plural(figured, 'measure')} with a figure for {when} have the "
                         f"{MIN_POINTS} or more points it needs. Direction: whether the change is good or bad news "
                         f"by the measure's polarity. {SPC_KEY}. Status: the RAG rating ({RULE_WORDS}). Trend: "
                         f"{TREND_WORDS}",
                 formats={"Trend": "html", "Status": "rag"}, source=SPC_SOURCE,
                 empty_text=f"{TOO_FEW_FIGURES}." if not counts["tested"] else
                 "No measure's figure this period is part of a special-cause pattern.")


def tables(b) -> list:
    """The performance section of the briefing, in order: the narrative, then tables and charts.

    The quarterly dashboard is shown only at a quarter's end (June,
    September, December, March); other months' briefings leave it out.
    """
    spc = spc_for(b)
    items = [Narrative(narrative(b.ratings, b.rated_history, b.period, b.run.compare_to, spc)), rag_summary_table(b),
             rag_by_priority_chart(b), rag_by_priority_table(b), rag_by_directorate_table(b), red_measures_table(b),
             status_changes_table(b), status_matrix_table(b), exceptions_table(b), highlights_table(b),
             signals_table(b, spc), year_to_date_chart(b), year_to_date_table(b), priority_grid_table(b)]
    if is_quarter_end(b.period):
        items.append(quarterly_dashboard_table(b))
    items += [director_assessments_table(b), not_reported_table(b)]
    return items


# One directorate's briefing ---------------------------------------------------------



def _not_available(ratings: pd.DataFrame, who: str) -> str:
    """Why none of ``ratings`` can be counted, when none was reported and every one is not available (its
    return or Performance sheet not used, say): "Children's Services: ratings not available — return invalid
    (missing)"; blank when they can be counted."""
    reasons = ratings["not_reported_reason"].fillna("").astype(str)
    if ratings.empty or (ratings["rag"] != NOT_REPORTED).any() or not reasons.str.startswith(NOT_AVAILABLE).all():
        return ""
    return f"{who}ratings {NOT_AVAILABLE}{listed(list(dict.fromkeys(reasons.str.removeprefix(NOT_AVAILABLE))))}"


VERDICTS = {True: "meets", False: "misses"}


def projection_shown(projection: pd.Series, unit) -> str:
    """A year-to-date measure's year-end projection (a row of ``performance.measure_projections``) in words:
    ``408 kg pro rata: meets; 422 kg at the last three months' rate: misses (full-year target 420 kg)``; in
    March, the year's figure itself."""
    def judged(figure, how: str, meets) -> str:
        verdict = VERDICTS.get(meets)
        return f"{with_unit(figure, unit)} {how}" + (f": {verdict}" if verdict else "")
    if projection["months_elapsed"] == 12:
        parts = [judged(projection["ytd"], "for the year", projection["pro_rata_meets_target"])]
    else:
        parts = [judged(projection["pro_rata_projection"], "pro rata", projection["pro_rata_meets_target"])]
        if pd.notna(projection["run_rate_projection"]):
            parts.append(judged(projection["run_rate_projection"], "at the last three months' rate",
                                projection["run_rate_meets_target"]))
    target = with_unit(projection["full_year_target"], unit)
    return "; ".join(parts) + (f" (full-year target {target})" if target else "")


def _projections_shown(b, ratings: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """The year-end projection in words (``projection_shown``) of each year-to-date measure of ``ratings`` with
    a figure this period, by measure ID (``history``: their ``performance.spc_history``)."""
    projected = measure_projections(history, b.register, b.period)
    units = ratings.drop_duplicates("measure_id").set_index("measure_id")["unit"]
    return pd.Series([projection_shown(row, units.get(row["measure_id"])) for _, row in projected.iterrows()],
                     index=projected["measure_id"], dtype=object)


TREND_WORDS = ("the measure's figures month by month (a year-to-date measure's in-month figures), its target "
               "dashed, the latest figure dotted and points of a special-cause pattern ringed")


def _months(b) -> list[str]:
    """The months of briefing ``b``'s rated history up to its period, oldest first: the x axis of its trends."""
    return sorted(b.rated_history.loc[b.rated_history["period"] <= b.period, "period"].unique())


def _trends(b, rows: pd.DataFrame) -> pd.Series:
    """A sparkline (``charts.sparklines``) of each measure of ``rows`` (rated rows), in their order."""
    measures = rows.drop_duplicates("measure_id")
    history = spc_history(b.rated_history, b.period, measures["measure_id"])
    points = spc_points(history, spc_baselines(b.register, b.run.settings.spc_baseline_to))
    lines = sparklines(points, measures.assign(cumulative=measures["cumulative"].fillna(False).astype(bool)),
                       _months(b))
    return rows["measure_id"].map(lines).fillna("no figures")


def _history_chart(b, ratings: pd.DataFrame, history: pd.DataFrame, spc: pd.DataFrame, shown: pd.DataFrame,
                   who: str):
    """The directorate's measures due (``ratings``), each as a small chart of its figures by month with its
    target and, where it has enough points, its mean and process limits (``charts.measure_history_chart``);
    the title says how many show a real change this period. ``history``: their ``performance.spc_history``;
    ``spc``: their ``performance.measure_spc``; ``shown``: their ``spc_shown``."""
    due = ratings.drop_duplicates("measure_id").sort_values("measure_id")
    periods = _months(b)
    measures = pd.DataFrame({"measure_id": due["measure_id"], "measure": due["measure"], "unit": due["unit"],
                             "cumulative": due["cumulative"].fillna(False).astype(bool),
                             "symbol": due["measure_id"].map(shown["symbol"]).fillna(""),
                             "spc_words": due["measure_id"].map(shown["spc_words"]).fillna("")})
    counts, n = spc_summary(ratings, spc, b.period), len(due)
    found, unavailable = counts["signals"], _not_available(ratings, who)
    title = (f"{unavailable}; the months before are shown" if unavailable else
             f"{who}{plural(n, 'measure')} month by month: none has the {MIN_POINTS} figures up to "
             f"{label(b.period)} needed to tell a real change from chance" if not counts["tested"] else
             f"{who}{found or 'none'} of {plural(n, 'measure')} {'shows' if found < 2 else 'show'} a real change "
             f"in {label(b.period)}")
    points = spc_points(history, spc_baselines(b.register, b.run.settings.spc_baseline_to))  # as ``spc``'s
    return measure_history_chart(points, measures, periods, title)


def directorate_tables(b, directorate: str) -> list:
    """One directorate's measures and exceptions, for its own briefing.

    Its RAG summary, a chart of its measures' RAG by priority (with the
    figures as its own table; "not available" and no bars when its
    Performance sheet was not used), every measure due (with its variation,
    assurance and year-end projection beside its RAG status), a chart of each
    of them month by month, its exceptions, its quarterly dashboard at a
    quarter's end, and its not-reported measures; keys differ from the
    corporate tables' so both can share a workbook.
    """
    ratings = b.ratings[b.ratings["directorate"] == directorate].reset_index(drop=True)
    who = f"{directorate}: "
    measures = directorate_measures(ratings)
    n = len(measures)
    history = spc_history(b.rated_history, b.period, measures["measure_id"])
    spc = measure_spc(history, b.register, b.run.settings.spc_baseline_to)
    shown = spc_shown(ratings, spc, b.period).reindex(measures["measure_id"])
    frame = measures.rename(columns={"measure_id": "Measure ID", "measure": "Measure", "actual": "Actual",
                                     "target_shown": "Target", "rag": "Status", "direction": "Direction",
                                     "outlook": "Director's outlook", "commentary": "Commentary"})
    frame.insert(frame.columns.get_loc("Status") + 1, "Variation", shown["variation"].tolist())
    frame.insert(frame.columns.get_loc("Variation") + 1, "Assurance", shown["assurance"].tolist())
    frame.insert(frame.columns.get_loc("Director's outlook") + 1, "Year-end projection",
                 _projections_shown(b, ratings, history).reindex(measures["measure_id"]).fillna("").tolist())
    measures_table = Table(
        "Directorate measures", f"{who}{plural(n, 'measure was', 'measures were')} due in {label(b.period)}", frame,
        caption=f"The measures of {directorate} due in {label(b.period)}; direction of travel against the "
                "previous value reported, outlook as the director gives it; variation and assurance by statistical "
                f"process control of each measure's figures month by month ({SPC_KEY}); a year-to-date measure's "
                "year-end projection pro rata and at its last three months' rate, against its full-year target",
        formats={"Actual": "number", "Status": "rag"}, source=SOURCE, empty_text="No measure was due.",
        figures=_figures(ratings, measures["measure_id"],
                         measures[["actual", "target_shown"]].set_axis(["Actual", "Target"], axis=1)))
    chart = _priority_chart(ratings, "chart-directorate-rag-by-priority", unavailable=_not_available(ratings, who))
    items = [_summary_table(ratings, b.period, "Directorate RAG summary", who), chart, measures_table,
             _history_chart(b, ratings, history, spc, shown, who),
             _exceptions_table(ratings, b.period, "Directorate exceptions", who)]
    if is_quarter_end(b.period):
        items.append(quarterly_dashboard_table(b, [directorate], "Directorate dashboard", who))
    return items + [_not_reported_table(ratings, b.period, "Directorate not reported", who)]
