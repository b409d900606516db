"""Performance tables of the briefing, each a DataFrame computed from the rated measures.

Every table of the two reference reports' performance sections is here: the
month's RAG summary (Figure 1), the same by priority and by directorate, the
Red measures, the status changes since the comparison period (Figure 3), the
exceptions grouped by priority, the year-to-date tracking (Figure 4), the
quarterly dashboard per directorate (Q3 2017-18 report) and a narrative
paragraph. Each ``name(...)`` function returns a DataFrame from rated rows
(``ratings.rate_measures`` plus ``add_direction_of_travel``); each
``name_table(b)`` wraps it in a ``Table`` whose title states the finding.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .charts import rag_by_group_chart, rag_by_month_chart
from .periods import financial_year, label, month_name, months_elapsed, parse_period, shift, year_to_date
from .ratings import (AMBER, DETERIORATING, GREEN, IMPROVING, MONITORING, NOT_REPORTED, RATED, RED, STABLE,
                      STATUSES)
from .tables import Table, element_id, to_html

SUMMARY_ORDER = (GREEN, AMBER, RED, MONITORING)
PHRASE_ORDER = (RED, AMBER, GREEN, MONITORING)
NOT_DUE = "Not due"
ARROWS = {IMPROVING: "↑", STABLE: "↔", DETERIORATING: "↓"}
QUARTER_END_MONTHS = frozenset({6, 9, 12, 3})
RED_AMBER_TWICE = "Amber two periods running"
CHANGES = ((RED, GREEN), (AMBER, GREEN), (RED, AMBER), (GREEN, AMBER), (GREEN, RED), (AMBER, RED))
IMPROVEMENTS = frozenset({(RED, GREEN), (AMBER, GREEN), (RED, AMBER)})
NEWLY_RATED, NO_LONGER_REPORTED = "Newly rated", "No longer reported"
SOURCE = "directorate returns, Performance sheets; measure register"
_HEADING = re.compile(r"<h3([^>]*)>(.*?)</h3>", re.DOTALL)  # a group's table title, shown one level down
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


# Words ------------------------------------------------------------------------

def count_phrase(counts: dict[str, int]) -> str:
    """``4 Red, 1 Amber, 2 Green and 2 monitoring only`` — the reports' way of listing counts."""
    words = [f"{n} {status if status in RATED else status.lower()}" for status, n in counts.items() if n]
    if not words:
        return "none"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def status_counts(statuses: pd.Series) -> dict[str, int]:
    """Measures reported by status, worst first as the reports list them: ``{"Red": 4, "Amber": 1, …}``."""
    counts = statuses.value_counts()
    return {status: int(counts.get(status, 0)) for status in PHRASE_ORDER}


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def _pct(part: int, whole: int) -> float:
    return 100 * part / whole if whole else float("nan")


def with_arrow(direction) -> str:
    """A direction or outlook as a word and the reports' arrow: ``Improving ↑``; blank when there is none."""
    if not isinstance(direction, str) or direction not in ARROWS:
        return ""
    return f"{direction} {ARROWS[direction]}"


def measure_label(frame: pd.DataFrame) -> pd.Series:
    """``OCC07.01: Number of contacts into the MASH`` for each row."""
    return frame["measure_id"].astype(str) + ": " + frame["measure"].astype(str)


def target_shown(frame: pd.DataFrame) -> pd.Series:
    """The target as the period's briefing states it: text targets as typed, cumulative ones to date."""
    def shown(judgement, target_text, target_value, period_target, cumulative) -> str:
        if judgement or (isinstance(target_text, str) and target_text and pd.isna(target_value)):
            return target_text
        if pd.isna(period_target):
            return ""
        text = f"{period_target:,.2f}".rstrip("0").rstrip(".")
        return f"{text} (year to date)" if cumulative else text
    columns = ["judgement", "target_text", "target_value", "period_target", "cumulative"]
    return pd.Series([shown(*values) for values in frame[columns].itertuples(index=False, name=None)],
                     index=frame.index, dtype="object")


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


@dataclass
class Narrative:
    """A paragraph of the briefing in the reports' voice, every number in it computed."""

    text: str

    def _repr_html_(self) -> str:
        return f'<p class="narrative">{html.escape(self.text)}</p>'


# Counts ---------------------------------------------------------------------

def rag_summary(ratings: pd.DataFrame) -> pd.DataFrame:
    """Counts and per cent of all measures reported, by status, with the total (Figure 1).

    Measures due but not reported are not part of the total, as in the reports;
    they are listed in their own table.
    """
    reported = ratings[ratings["rag"] != NOT_REPORTED]
    counts = reported["rag"].value_counts().reindex(SUMMARY_ORDER, fill_value=0)
    total = int(counts.sum())
    table = pd.DataFrame({"status": list(SUMMARY_ORDER) + ["Total"],
                          "measures": [int(c) for c in counts] + [total]})
    table["share_pct"] = 100 * table["measures"] / total if total else float("nan")
    return table


def rag_by_group(ratings: pd.DataFrame, group: str) -> pd.DataFrame:
    """Measures by status for each priority or directorate, in the order they first appear, and a total row.

    ``Total`` counts the measures reported (monitoring only included, not
    reported excluded, as Figure 1); ``Not reported`` is shown beside it.
    """
    order = list(pd.unique(ratings[group]))
    counts = pd.crosstab(ratings[group], ratings["rag"]).reindex(index=order, columns=list(STATUSES),
                                                                 fill_value=0).rename_axis(columns=None)
    counts["Total"] = counts[list(SUMMARY_ORDER)].sum(axis=1)
    counts = counts[[*SUMMARY_ORDER, "Total", NOT_REPORTED]]
    counts.loc["Total"] = counts.sum()
    return counts.astype(int).rename_axis(group).reset_index()


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
            sentence = f"This {noun} has {_plural(n, 'measure')} reporting in {month}: {count_phrase(reporting)}."
        else:
            sentence = f"No measure of this {noun} reported in {month}."
        if missing:
            sentence += f" {_plural(missing, 'more measure was', 'more measures were')} due but not reported."
        rows.append({group: name, "sentence": sentence})
    return pd.DataFrame(rows, columns=[group, "sentence"])


# Measures -------------------------------------------------------------------

def red_measures(ratings: pd.DataFrame) -> pd.DataFrame:
    """Every measure rated Red, in measure order, with what scrutiny needs to ask about it."""
    red = ratings[ratings["rag"] == RED].sort_values("measure_id")
    return red.assign(target_shown=target_shown(red))[
        ["measure_id", "measure", "priority", "director", "actual", "target_text", "period_target", "target_shown",
         "unit", "direction", "commentary", "source"]].reset_index(drop=True)


def not_reported(ratings: pd.DataFrame) -> pd.DataFrame:
    """Measures due this period with no actual and no rating, and why."""
    missing = ratings[ratings["rag"] == NOT_REPORTED].sort_values("measure_id")
    return missing[["measure_id", "measure", "directorate", "not_reported_reason"]].reset_index(drop=True)


def director_assessments(ratings: pd.DataFrame) -> pd.DataFrame:
    """Measures whose director's Reported RAG differs from the rule: both ratings, and why."""
    differ = ratings[ratings["override"].astype(bool)].sort_values("measure_id")
    return differ.assign(target_shown=target_shown(differ))[
        ["measure_id", "measure", "director", "actual", "target_shown", "rule_rag", "reported_rag", "commentary",
         "source"]].reset_index(drop=True)


def exceptions(ratings: pd.DataFrame) -> pd.DataFrame:
    """The exceptions: every measure Red, or Amber both now and at its previous due period.

    A quarterly measure's previous due period is three months back (see
    ``ratings.previous_due_period``). Grouped by priority, then measure.
    """
    red = ratings["rag"] == RED
    amber_twice = (ratings["rag"] == AMBER) & (ratings["previous_rag"] == AMBER)
    chosen = ratings[red | amber_twice]
    chosen = chosen.assign(exception=np.where(chosen["rag"] == RED, RED, RED_AMBER_TWICE),
                           target_shown=target_shown(chosen))
    order = {name: i for i, name in enumerate(pd.unique(ratings["priority"]))}
    chosen = chosen.sort_values(["priority", "measure_id"], key=lambda s: s.map(order) if s.name == "priority" else s)
    return chosen[["priority", "measure_id", "measure", "rag", "exception", "previous_rag", "previous_period",
                   "director", "actual", "target_shown", "direction", "commentary", "risk_impact",
                   "finance_impact", "source"]].reset_index(drop=True)


def exception_counts(found: pd.DataFrame) -> dict[str, int]:
    """How many exceptions of each kind: ``{"Red": 8, "Amber two periods running": 9}``."""
    counts = found["exception"].value_counts()
    return {RED: int(counts.get(RED, 0)), RED_AMBER_TWICE: int(counts.get(RED_AMBER_TWICE, 0))}


def exceptions_phrase(counts: dict[str, int]) -> str:
    """``8 Red and 9 Amber for two periods running`` (a kind with none is left out)."""
    parts = [f"{counts[RED]} Red" if counts[RED] else "",
             f"{counts[RED_AMBER_TWICE]} Amber for two periods running" if counts[RED_AMBER_TWICE] else ""]
    return " and ".join(p for p in parts if p) or "none"


# Changes since the comparison period --------------------------------------------

def status_changes(current: pd.DataFrame, comparison: pd.DataFrame | None,
                   register_ids: set[str] | None = None) -> pd.DataFrame:
    """Each measure's status at the comparison period and now, one row per measure in either.

    A measure absent from a period's ratings is "Not due" there. ``change``
    names the move the reports list (``Red to Green`` …, ``Newly rated``,
    ``No longer reported``), blank for anything else. Newly rated: rated now,
    not rated then. No longer reported: rated or monitored then, and now due
    but not reported, or gone from the register (``register_ids``); a
    measure simply not due now is not "no longer reported".
    """
    comparison = comparison if comparison is not None else current.iloc[0:0]
    columns = ["measure_id", "measure", "priority", "rag"]
    now = current[columns].set_index("measure_id")
    before = comparison[columns].set_index("measure_id")
    ids = list(dict.fromkeys([*now.index, *before.index]))
    table = pd.DataFrame({"measure_id": ids})
    names = now["measure"].combine_first(before["measure"])
    table["measure"] = table["measure_id"].map(names)
    table["before"] = table["measure_id"].map(before["rag"].astype(object)).astype(object).fillna(NOT_DUE)
    table["now"] = table["measure_id"].map(now["rag"].astype(object)).astype(object).fillna(NOT_DUE)
    registered = table["measure_id"].isin(register_ids if register_ids is not None else now.index)
    moves = {f"{a} to {b}": (table["before"] == a) & (table["now"] == b) for a, b in CHANGES}
    moves[NEWLY_RATED] = table["now"].isin(RATED) & ~table["before"].isin(RATED)
    moves[NO_LONGER_REPORTED] = table["before"].isin([*RATED, MONITORING]) & (
        (table["now"] == NOT_REPORTED) | ((table["now"] == NOT_DUE) & ~registered))
    table["change"] = np.select(list(moves.values()), list(moves.keys()), default="")
    return table


def transition_matrix(changes: pd.DataFrame) -> pd.DataFrame:
    """Counts of measures by status at the comparison period (rows) and now (columns), with totals."""
    states = [*STATUSES, NOT_DUE]
    matrix = pd.crosstab(changes["before"], changes["now"]).reindex(index=states, columns=states, fill_value=0)
    matrix = matrix.rename_axis(columns=None)
    matrix["Total"] = matrix.sum(axis=1)
    matrix.loc["Total"] = matrix.sum()
    return matrix.astype(int).rename_axis("before").reset_index()


def change_lists(changes: pd.DataFrame) -> pd.DataFrame:
    """The named lists of Figure 3: each kind of change, how many, and which measures."""
    kinds = [f"{a} to {b}" for a, b in CHANGES] + [NEWLY_RATED, NO_LONGER_REPORTED]
    rows = []
    for kind in kinds:
        moved = changes[changes["change"] == kind].sort_values("measure_id")
        names = measure_label(moved)
        if kind in (NEWLY_RATED, NO_LONGER_REPORTED):
            names = names + " (" + np.where(kind == NEWLY_RATED, moved["now"], moved["now"].str.lower()) + ")"
        rows.append({"change": kind, "measures": len(moved), "which": "\n".join(names)})
    return pd.DataFrame(rows)


def improved_and_worse(changes: pd.DataFrame) -> tuple[int, int]:
    """How many rated measures moved to a better status, and how many to a worse one."""
    moved = list(zip(changes["before"], changes["now"]))
    better = sum(move in IMPROVEMENTS for move in moved)
    worse = sum(move in set(CHANGES) - IMPROVEMENTS for move in moved)
    return better, worse


# The year so far -------------------------------------------------------------

def year_to_date_tracking(history: pd.DataFrame, period: str) -> pd.DataFrame:
    """Green, Amber and Red counts (not monitoring only) for each month of the financial year so far (Figure 4).

    Months with no rated rows in ``history`` (no returns loaded) are left out.
    """
    present = set(history["period"].unique())
    months = [p for p in year_to_date(period) if p in present]
    rated = history[history["period"].isin(months) & history["rag"].isin(RATED)]
    counts = pd.crosstab(rated["period"], rated["rag"]).reindex(index=months, columns=list(RATED), fill_value=0)
    counts = counts.rename_axis(columns=None)
    counts["Total"] = counts.sum(axis=1)
    counts = counts.astype(int).rename_axis("period").reset_index()
    counts.insert(0, "month", [month_name(p) for p in counts["period"]])
    return counts


# The quarterly dashboard ----------------------------------------------------------

def is_quarter_end(period: str) -> bool:
    """June, September, December and March: the months the quarterly dashboard is shown."""
    return parse_period(period)[1] in QUARTER_END_MONTHS


def quarter_name(period: str) -> str:
    """The financial quarter a period ends or falls in: ``Q2`` for September."""
    return f"Q{(months_elapsed(period) - 1) // 3 + 1}"


def quarterly_dashboard(history: pd.DataFrame, period: str, directorates: list[str] | None = None) -> pd.DataFrame:
    """Each directorate's dashboard, as the Q3 2017-18 report: every measure due this quarter's end.

    Priority, measure, target, cumulative Y/N, the status last quarter (the
    period three months earlier; "n/a" when the measure was not rated then),
    the status now and the director's outlook with its arrow.
    """
    now = history[history["period"] == period]
    before = history[history["period"] == shift(period, -3)].set_index("measure_id")["rag"]
    order = directorates or list(pd.unique(now["directorate"]))
    rank = {name: i for i, name in enumerate(order)}
    now = now.assign(_rank=now["directorate"].map(rank).fillna(len(order))).sort_values(
        ["_rank", "priority", "measure_id"], kind="stable")
    return pd.DataFrame({
        "directorate": now["directorate"], "priority": now["priority"], "measure_id": now["measure_id"],
        "measure": now["measure"], "target_shown": target_shown(now),
        "cumulative": np.where(now["cumulative"].astype(bool), "Y", "N"),
        "last_quarter": now["measure_id"].map(before).fillna("n/a"), "this_quarter": now["rag"],
        "outlook": now["outlook"].map(with_arrow),
    }).reset_index(drop=True)


# The narrative -------------------------------------------------------------

def _difference(now: int, before: int) -> str:
    change = now - before
    if change == 0:
        return "the same number as"
    return f"{_number_word(abs(change))} {'more' if change > 0 else 'fewer'} than"


def narrative(ratings: pd.DataFrame, history: pd.DataFrame, period: str, compare_to: str | None) -> str:
    """The section's opening paragraph, in the reports' voice, from the figures alone.

    ``Of the 52 measures reported in July, 23 (44%) were Green, 14 (27%) Amber
    and 8 (15%) Red; Red measures are one fewer than in June.`` — then the
    exceptions, the status changes, and what was not reported or assessed
    differently by a director.
    """
    month = month_name(period)
    counts = rag_summary(ratings).set_index("status")["measures"]
    total = int(counts["Total"])
    if not total:
        text = [f"No measure was reported in {month}."]
    else:
        parts = [f"{int(counts[s])} ({_pct(int(counts[s]), total):.0f}%) {'were ' if i == 0 else ''}"
                 f"{s if s in RATED else s.lower()}" for i, s in enumerate(SUMMARY_ORDER) if counts[s]]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        first = f"Of the {_plural(total, 'measure')} reported in {month}, {listed}"
        before = history[history["period"] == compare_to] if compare_to else history.iloc[0:0]
        if compare_to and not before.empty:
            red_before = int((before["rag"] == RED).sum())
            first += f"; Red measures are {_difference(int(counts[RED]), red_before)} in {month_name(compare_to)}"
        text = [first + "."]
    found = exception_counts(exceptions(ratings))
    n_exceptions = sum(found.values())
    if n_exceptions:
        text.append(f"{_plural(n_exceptions, 'measure is an exception', 'measures are exceptions')}: "
                    f"{exceptions_phrase(found)}.")
    if compare_to:
        before = history[history["period"] == compare_to]
        if not before.empty:
            better, worse = improved_and_worse(status_changes(ratings, before))
            text.append(f"Since {month_name(compare_to)}, {_plural(better, 'measure has', 'measures have')} "
                        f"improved and {worse} {'has' if worse == 1 else 'have'} deteriorated.")
    missing = int((ratings["rag"] == NOT_REPORTED).sum())
    if missing:
        text.append(f"{_plural(missing, 'measure was', 'measures were')} due but not reported.")
    differ = int(ratings["override"].astype(bool).sum())
    if differ:
        text.append(f"For {_plural(differ, 'measure')} the director's rating differs from the rule.")
    return " ".join(text)


# Tables ------------------------------------------------------------------------

def _summary_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    summary = rag_summary(ratings)
    counts = dict(zip(summary["status"], summary["measures"]))
    total = counts["Total"]
    green_pct = 100 * counts[GREEN] / total if total else 0
    title = (f"{who}{counts[GREEN]} of the {total} measures reported in {label(period)} "
             f"({green_pct:.0f}%) were Green and {counts[RED]} were Red")
    frame = summary.rename(columns={"status": "Status", "measures": "Measures",
                                    "share_pct": "Share of measures reported"})
    return Table(key, title, frame,
                 caption=f"Measures by RAG status, {label(period)}. Green meets or exceeds the target; "
                         "Amber misses it by no more than its tolerance; Red misses it by more.",
                 formats={"Status": "rag", "Measures": "int", "Share of measures reported": "pct"},
                 source=SOURCE, total_rows=1)


def rag_summary_table(b) -> Table:
    """Figure 1: counts and per cent of the measures reported, by status."""
    return _summary_table(b.ratings, b.period, "RAG summary")


def most_red(groups: pd.DataFrame, group: str, what: str, period: str) -> str:
    """``OCC07 … has the most Red measures in July 2022 (4)``, naming every group tied for the most."""
    most = int(groups[RED].max()) if len(groups) else 0
    if not most:
        return f"No {what} has a Red measure in {label(period)}"
    worst = list(groups.loc[groups[RED] == most, group])
    if len(worst) == 1:
        return f"{worst[0]} has the most Red measures in {label(period)} ({most})"
    return f"{', '.join(worst[:-1])} and {worst[-1]} have the most Red measures in {label(period)} ({most} each)"


def _group_table(b, group: str, what: str, key: str) -> Table:
    counts = rag_by_group(b.ratings, group)
    frame = counts.rename(columns={group: what.capitalize()})
    if group == "priority":
        sentences = group_sentences(b.ratings, group, b.period).set_index(group)["sentence"]
        frame["In words"] = counts[group].map(sentences).fillna("")
    groups = counts.iloc[:-1]
    if group == "priority":
        with_red = int((groups[RED] > 0).sum())
        title = (f"{with_red} of the {len(groups)} priorities had a Red measure in {label(b.period)}; "
                 f"{int(groups['Total'].sum())} measures reported")
    else:
        title = most_red(groups, group, what, b.period)
    formats = {c: "int" for c in [*SUMMARY_ORDER, "Total", NOT_REPORTED]}
    return Table(key, title, frame,
                 caption=f"Measures reported in {label(b.period)} by {what} and status. Total counts the "
                         "measures reported, monitoring only included; not reported measures are not in it",
                 formats=formats, source=SOURCE, total_rows=1)


def rag_by_priority_table(b) -> Table:
    """RAG counts for each priority, with the report's sentence for each."""
    return _group_table(b, "priority", "priority", "RAG by priority")


def rag_by_priority_chart(b):
    """The priorities' RAG counts as stacked bars (data in 'RAG by priority')."""
    groups = rag_by_group(b.ratings, "priority").iloc[:-1]
    return rag_by_group_chart(groups, "priority", "chart-rag-by-priority", "priority", table_key="RAG by priority")


def rag_by_directorate_table(b) -> Table:
    """RAG counts for each directorate."""
    return _group_table(b, "directorate", "directorate", "RAG by directorate")


def _red_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    red = red_measures(ratings)
    frame = pd.DataFrame({
        "Measure": measure_label(red), "Priority": red["priority"], "Director": red["director"],
        "Actual": red["actual"], "Target": red["target_shown"], "Direction": red["direction"].map(with_arrow),
        "Commentary": red["commentary"].fillna(""), "Source cell": red["source"]})
    n = len(frame)
    return Table(key, f"{who}{n} measure{'s' if n != 1 else ''} reported Red in {label(period)}",
                 frame, caption=f"Performance measures reporting Red for {label(period)} ({n}); direction of "
                                "travel against the previous value reported",
                 formats={"Actual": "number"}, source="directorate returns", empty_text="No measure is Red.")


def red_measures_table(b) -> Table:
    """The measures reporting Red, with what scrutiny needs to ask about them."""
    return _red_table(b.ratings, b.period, "Red measures")


def _comparison_rows(b) -> pd.DataFrame | None:
    compare_to = b.run.compare_to
    if not compare_to:
        return None
    rows = b.rated_history[b.rated_history["period"] == compare_to]
    return rows if not rows.empty else None


def _nothing_to_compare(b, key: str, compare: str) -> Table:
    """An empty comparison table that says there was nothing to compare with (a first month, say)."""
    return Table(key, f"No ratings for {compare} to compare with", pd.DataFrame(),
                 empty_text=f"There are no ratings for {compare} to compare {label(b.period)} with.")


def status_changes_table(b) -> Table:
    """Figure 3: the measures that changed status since the comparison period, named."""
    before = _comparison_rows(b)
    compare = label(b.run.compare_to) if b.run.compare_to else "the last report"
    if before is None:
        return _nothing_to_compare(b, "Status changes", compare)
    changes = status_changes(b.ratings, before, set(b.register["measure_id"]))
    better, worse = improved_and_worse(changes)
    lists = change_lists(changes).rename(columns={"change": "Change", "measures": "Measures",
                                                  "which": "Which measures"})
    return Table("Status changes", f"{_plural(better, 'measure')} improved and {worse} deteriorated between "
                 f"{compare} and {label(b.period)}", lists,
                 caption=f"Status changes – {month_name(b.run.compare_to)} to {label(b.period)}. Newly rated: "
                         "rated now but not then (not due, not reported or new). No longer reported: rated "
                         "then, now due but not reported or no longer in the register",
                 formats={"Measures": "int"}, source=SOURCE)


def status_matrix_table(b) -> Table:
    """Every measure's status at the comparison period against its status now, as counts."""
    before = _comparison_rows(b)
    compare = label(b.run.compare_to) if b.run.compare_to else "the last report"
    if before is None:
        return _nothing_to_compare(b, "Status matrix", compare)
    changes = status_changes(b.ratings, before, set(b.register["measure_id"]))
    matrix = transition_matrix(changes)
    then, now = month_name(b.run.compare_to), month_name(b.period)
    same = int(sum(matrix.loc[matrix["before"] == s, s].iloc[0] for s in RATED))
    rated_both = int((changes["before"].isin(RATED) & changes["now"].isin(RATED)).sum())
    frame = matrix.rename(columns={"before": f"Status in {then}", **{s: f"{s} now" for s in [*STATUSES, NOT_DUE]}})
    formats = {c: "int" for c in frame.columns[1:]}
    formats[frame.columns[0]] = "rag"
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
    title = (f"{who}{_plural(n, 'measure is an exception', 'measures are exceptions')} in {label(period)}: "
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
    title = (f"{who}{_plural(red_now, 'measure was', 'measures were')} Red at the end of {this} "
             f"{financial_year(b.period)}, {_difference(red_now, red_before)} at the end of {last}")
    return GroupedTable(key, title, frame,
                        caption=f"Performance dashboard, {this} {financial_year(b.period)} ({label(b.period)}); "
                                f"{last} is {label(shift(b.period, -3))}. Outlook is the director's: ↑ improving, "
                                "↔ stable, ↓ deteriorating",
                        formats={f"{last} RAG": "rag", f"{this} RAG": "rag"}, source=SOURCE,
                        group="Directorate", leads=leads.to_dict())


def _assessments_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    differ = director_assessments(ratings)
    n = len(differ)
    frame = pd.DataFrame({
        "Measure": measure_label(differ), "Director": differ["director"], "Actual": differ["actual"],
        "Target": differ["target_shown"], "Rule gives": differ["rule_rag"], "Director's rating": differ["reported_rag"],
        "Commentary": differ["commentary"].fillna(""), "Source cell": differ["source"]})
    title = (f"{who}For {_plural(n, 'measure')} in {label(period)} the director's rating differs from the rule"
             if n else f"{who}Every director's rating in {label(period)} agrees with the rule")
    return Table(key, title, frame,
                 caption="Measures where the Reported RAG differs from the rating the rules give; the briefing "
                         "shows the director's rating",
                 formats={"Actual": "number", "Rule gives": "rag", "Director's rating": "rag"},
                 source="directorate returns, Performance sheets", empty_text="No rating differs from the rule.")


def director_assessments_table(b) -> Table:
    """Director's assessments that differ from the rule, with both ratings."""
    return _assessments_table(b.ratings, b.period, "Director assessments")


def _not_reported_table(ratings: pd.DataFrame, period: str, key: str, who: str = "") -> Table:
    missing = not_reported(ratings)
    frame = missing.rename(columns={"measure_id": "Measure ID", "measure": "Measure",
                                    "directorate": "Directorate", "not_reported_reason": "Reason"})
    n = len(frame)
    title = (f"{who}{_plural(n, 'measure was', 'measures were')} due in {month_name(period)} but not reported"
             if n else f"{who}Every measure due in {month_name(period)} was reported")
    return Table(key, title, frame,
                 caption="Measures due this period with no actual value or rating, and the reason given",
                 source="directorate returns", empty_text="Every measure due was reported.")


def not_reported_table(b) -> Table:
    """Measures due but not reported, with the reason: never dropped silently."""
    return _not_reported_table(b.ratings, b.period, "Not reported")


def narrative_paragraph(b) -> Narrative:
    """The section's opening paragraph."""
    return Narrative(narrative(b.ratings, b.rated_history, b.period, b.run.compare_to))


def tables(b) -> list:
    """The performance section of the briefing, in order: the narrative, then tables and charts.

    The quarterly dashboard is shown only at a quarter's end (June,
    September, December, March); other months' briefings leave it out.
    """
    items = [narrative_paragraph(b), rag_summary_table(b), rag_by_priority_chart(b), rag_by_priority_table(b),
             rag_by_directorate_table(b), red_measures_table(b), status_changes_table(b), status_matrix_table(b),
             exceptions_table(b), year_to_date_chart(b), year_to_date_table(b)]
    if is_quarter_end(b.period):
        items.append(quarterly_dashboard_table(b))
    items += [director_assessments_table(b), not_reported_table(b)]
    return items


# One directorate's briefing ---------------------------------------------------------

def directorate_measures(ratings: pd.DataFrame) -> pd.DataFrame:
    """Every measure due: ID, measure, actual, target, status, direction, director's outlook, commentary."""
    due = ratings.sort_values("measure_id")
    return pd.DataFrame({
        "measure_id": due["measure_id"], "measure": due["measure"], "actual": due["actual"],
        "target_shown": target_shown(due), "rag": due["rag"], "direction": due["direction"].map(with_arrow),
        "outlook": due["outlook"].map(with_arrow), "commentary": due["commentary"].fillna("")}).reset_index(drop=True)


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
        "Directorate measures", f"{who}{_plural(n, 'measure was', 'measures were')} due in {label(b.period)}",
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
