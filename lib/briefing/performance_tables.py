"""The performance section of the briefing: ``performance``'s figures shown as tables, charts and sentences.

Every table of the two reference reports' performance sections, each
``name_table(b)`` wrapping a figure of ``performance`` in a ``Table`` whose
title states the finding; the charts; a narrative paragraph; and the words
the tables and the page headline use (``count_phrase``). ``tables(b)`` is the
corporate briefing's section in order, ``directorate_tables(b, directorate)``
one directorate's.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .charts import most_red, rag_by_group_chart, rag_by_month_chart
from .performance import (NOT_DUE, RED_AMBER_TWICE, SUMMARY_ORDER, change_lists, director_assessments,
                          directorate_measures, exception_counts, exceptions, highlights, improved_and_worse,
                          is_quarter_end, measure_label, not_reported, outlook_summary, priority_grid,
                          quarter_name, quarterly_dashboard, rag_by_group, rag_summary, red_measures, status_changes,
                          status_counts, transition_matrix, with_arrow, year_to_date_tracking)
from .money import percent
from .periods import financial_year, label, month_name, shift
from .ratings import GREEN, NOT_REPORTED, RATED, RED, STATUSES
from .tables import Narrative, Table, element_id, to_html
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
        parts = [f'<section class="table-block table-groups" id="{block_id}">',
                 f'<h3 class="table-title" id="{block_id}-title">{html.escape(self.title)}</h3>']
        for number, (name, rows) in enumerate(self.frame.groupby(self.group, sort=False), start=1):
            part = Table(f"{self.key}-{number}", str(name), rows.drop(columns=self.group).reset_index(drop=True),
                         caption=f"{self.caption}: {name}" if self.caption else str(name), formats=self.formats,
                         source=self.source, row_header=self.row_header)
            lead = self.leads.get(name)
            lead_html = f'\n<p class="group-lead">{html.escape(lead)}</p>' if lead else ""
            parts.append(_HEADING.sub(lambda m: f"<h4{m[1]}>{m[2]}</h4>{lead_html}", to_html(part), count=1))
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


def narrative(ratings: pd.DataFrame, history: pd.DataFrame, period: str, compare_to: str | None) -> str:
    """The section's opening paragraph, in the reports' voice, from the figures alone.

    ``Of the 52 measures reported in July, 23 (44%) were Green, 14 (27%) Amber
    and 8 (15%) Red; Red measures are one fewer than in June.`` — then the
    exceptions, the status changes, and what was not reported or assessed
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
            red_before = int((before["rag"] == RED).sum())
            first += f"; Red measures are {_difference(int(counts[RED]), red_before)} in {month_name(compare_to)}"
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
    missing = int((ratings["rag"] == NOT_REPORTED).sum())
    if missing:
        text.append(f"{plural(missing, 'measure was', 'measures were')} due but not reported.")
    differ = int(ratings["override"].astype(bool).sum())
    if differ:
        text.append(f"For {plural(differ, 'measure')} the director's rating differs from the rule.")
    return " ".join(text)


# Tables ------------------------------------------------------------------------

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
    groups = rag_by_group(b.ratings, "priority").iloc[:-1]
    return rag_by_group_chart(groups, "priority", "chart-rag-by-priority", "priority", table_key="RAG by priority")


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
                 formats={"Actual": "number"}, source="directorate returns", empty_text="No measure is Red.")


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
                 empty_text="No measure improved its status this period.")


def priority_grid_table(b) -> Table:
    """Each priority's overall status month by month, April to March (the July 2022 report's grid)."""
    grid = priority_grid(b.rated_history, b.period)
    months = [c for c in grid.columns if c != "priority"]
    frame = pd.DataFrame({"Priority": grid["priority"], **{month_name(m): grid[m] for m in months}})
    return Table("Priorities by month", f"Each priority's overall status by month, {label(months[0])} to "
                 f"{label(months[-1])}", frame,
                 caption="A priority's overall status in a month is the status most of its rated measures have "
                         "(a tie goes to the worse); a blank month is one still to come, or with no measure rated.",
                 formats={month_name(m): "rag" for m in months}, source=SOURCE)


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
                                "previous due period",
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
                        group="Directorate", leads=leads.to_dict())


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
                 source="directorate returns, Performance sheets", empty_text="No rating differs from the rule.")


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


def tables(b) -> list:
    """The performance section of the briefing, in order: the narrative, then tables and charts.

    The quarterly dashboard is shown only at a quarter's end (June,
    September, December, March); other months' briefings leave it out.
    """
    items = [Narrative(narrative(b.ratings, b.rated_history, b.period, b.run.compare_to)), rag_summary_table(b),
             rag_by_priority_chart(b), rag_by_priority_table(b), rag_by_directorate_table(b), red_measures_table(b),
             status_changes_table(b), status_matrix_table(b), exceptions_table(b), highlights_table(b),
             year_to_date_chart(b), year_to_date_table(b), priority_grid_table(b)]
    if is_quarter_end(b.period):
        items.append(quarterly_dashboard_table(b))
    items += [director_assessments_table(b), not_reported_table(b)]
    return items


# One directorate's briefing ---------------------------------------------------------

def directorate_tables(b, directorate: str) -> list[Table]:
    """One directorate's measures and exceptions, for its own briefing.

    Its RAG summary, every measure due, its exceptions, its quarterly
    dashboard at a quarter's end, and its not-reported measures; keys differ
    from the corporate tables' so both can share a workbook.
    """
    ratings = b.ratings[b.ratings["directorate"] == directorate].reset_index(drop=True)
    who = f"{directorate}: "
    measures = directorate_measures(ratings)
    n = len(measures)
    measures_table = Table(
        "Directorate measures", f"{who}{plural(n, 'measure was', 'measures were')} due in {label(b.period)}",
        measures.rename(columns={"measure_id": "Measure ID", "measure": "Measure", "actual": "Actual",
                                 "target_shown": "Target", "rag": "Status", "direction": "Direction",
                                 "outlook": "Director's outlook", "commentary": "Commentary"}),
        caption=f"{directorate}'s measures due in {label(b.period)}; direction of travel against the previous "
                "value reported, outlook as the director gives it",
        formats={"Actual": "number", "Status": "rag"}, source=SOURCE, empty_text="No measure was due.")
    items = [_summary_table(ratings, b.period, "Directorate RAG summary", who), measures_table,
             _exceptions_table(ratings, b.period, "Directorate exceptions", who)]
    if is_quarter_end(b.period):
        items.append(quarterly_dashboard_table(b, [directorate], "Directorate dashboard", who))
    return items + [_not_reported_table(ratings, b.period, "Directorate not reported", who)]
