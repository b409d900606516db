"""Performance figures of the briefing, each computed from the rated measures.

The figures behind every table of the two reference reports' performance
sections: the month's RAG summary (Figure 1), the same by priority and by
directorate, the Red measures, the status changes since the comparison period
(Figure 3), the exceptions grouped by priority, the year-to-date tracking
(Figure 4) and the quarterly dashboard per directorate (Q3 2017-18 report).
Each function takes rated rows (``ratings.rate_measures`` plus
``add_direction_of_travel``) and returns a DataFrame or counts;
``performance_tables`` shows them as the briefing's tables, charts and sentences.
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from .money import format_millions, pence_from_millions, percent
from .periods import month_name, months_elapsed, parse_period, shift, year_to_date
from .ratings import (AMBER, DETERIORATING, GREEN, IMPROVING, MONITORING, NOT_REPORTED, RATED, RED, STABLE,
                      STATUSES, outlook_word)
from .spc import COMMON_CAUSE, CONCERN, IMPROVEMENT, spc_table, year_end_projections

SUMMARY_ORDER = (GREEN, AMBER, RED, MONITORING)
PHRASE_ORDER = (RED, AMBER, GREEN, MONITORING)
NOT_DUE = "Not due"
ARROWS = {IMPROVING: "↑", STABLE: "↔", DETERIORATING: "↓"}
QUARTER_END_MONTHS = frozenset({6, 9, 12, 3})
RED_AMBER_TWICE = "Amber two periods running"
CHANGES = ((RED, GREEN), (AMBER, GREEN), (RED, AMBER), (GREEN, AMBER), (GREEN, RED), (AMBER, RED))
IMPROVEMENTS = frozenset({(RED, GREEN), (AMBER, GREEN), (RED, AMBER)})
NEWLY_RATED, NO_LONGER_REPORTED = "Newly rated", "No longer reported"


# Values as the briefing states them ------------------------------------------------

def with_arrow(direction) -> str:
    """A direction or outlook as a word and the reports' arrow: ``Improving ↑``; blank when there is none."""
    if not isinstance(direction, str) or direction not in ARROWS:
        return ""
    return f"{direction} {ARROWS[direction]}"


def measure_label(frame: pd.DataFrame) -> pd.Series:
    """``OCC07.01: Number of contacts into the MASH`` for each row."""
    return frame["measure_id"].astype(str) + ": " + frame["measure"].astype(str)


def with_unit(value, unit) -> str:
    """A measure's figure with its unit, as a reader needs it: ``53.9%``, ``£17.5m``, ``2.5 days``, ``791``;
    text (a judgement, "n/a") as typed; blank for none. Numbers to at most two decimals (£m to one, as
    money is shown)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value).strip()
    unit = unit.strip() if isinstance(unit, str) else ""
    if unit == "£m":  # money as every amount is shown: from pence, half up
        return format_millions(pence_from_millions(value))
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + "%" if unit == "%" else f"{text} {unit}" if unit and unit != "number" else text


def actual_shown(frame: pd.DataFrame) -> pd.Series:
    """Each measure's actual with its unit (``with_unit``); None where there is none, shown as a dash."""
    units = frame["unit"] if "unit" in frame else pd.Series("", index=frame.index)
    return pd.Series([with_unit(v, u) or None for v, u in zip(frame["actual"].tolist(), units.tolist())],
                     index=frame.index, dtype="object")


def target_shown(frame: pd.DataFrame) -> pd.Series:
    """The target as the period's briefing states it, with its unit: text targets as typed, cumulative ones
    to date."""
    def shown(judgement, target_text, target_value, period_target, cumulative, unit) -> str:
        if judgement or (isinstance(target_text, str) and target_text and pd.isna(target_value)):
            return target_text
        if pd.isna(period_target):
            return ""
        text = with_unit(float(period_target), unit)
        return f"{text} (year to date)" if cumulative else text
    frame = frame if "unit" in frame else frame.assign(unit="")
    columns = ["judgement", "target_text", "target_value", "period_target", "cumulative", "unit"]
    return pd.Series([shown(*values) for values in frame[columns].itertuples(index=False, name=None)],
                     index=frame.index, dtype="object")


# Counts ---------------------------------------------------------------------

def _counts(values: pd.Series, keys) -> dict[str, int]:
    """How many of ``values`` are each of ``keys``, in the order of ``keys`` (0 for one not there)."""
    counts = values.value_counts()
    return {key: int(counts.get(key, 0)) for key in keys}


def _crosstab(rows: pd.DataFrame, by: str, of: str, index: list, columns: list) -> pd.DataFrame:
    """How many ``rows`` have each value of ``by`` (rows, in ``index`` order) and of ``of`` (``columns``)."""
    return pd.crosstab(rows[by], rows[of]).reindex(index=index, columns=columns, fill_value=0).rename_axis(
        columns=None)


def status_counts(statuses: pd.Series) -> dict[str, int]:
    """Measures reported by status, worst first as the reports list them: ``{"Red": 4, "Amber": 1, …}``."""
    return _counts(statuses, PHRASE_ORDER)


def rag_summary(ratings: pd.DataFrame) -> pd.DataFrame:
    """Counts and per cent of all measures reported, by status, with the total (Figure 1).

    Measures due but not reported are not part of the total, as in the reports;
    they are listed in their own table.
    """
    counts = _counts(ratings.loc[ratings["rag"] != NOT_REPORTED, "rag"], SUMMARY_ORDER)
    total = sum(counts.values())
    table = pd.DataFrame({"status": [*counts, "Total"], "measures": [*counts.values(), total]})
    table["share_pct"] = percent(table["measures"], total)
    return table


NOT_AVAILABLE = "not available — "  # how a Not reported reason starts when the figure could not be read


def not_available(ratings: pd.DataFrame) -> pd.Series:
    """Whether each rated row's figure could not be read (its return, sheet or computed figure not used), as
    against a measure its director did not report."""
    return ratings["not_reported_reason"].fillna("").astype(str).str.startswith(NOT_AVAILABLE)


def red_change(ratings: pd.DataFrame, before: pd.DataFrame) -> tuple[int, int, int]:
    """Red measures now and in the period compared with (``before``: its rated rows), like for like, and how
    many measures that leaves out: a measure whose figure is not available in either period counts in neither,
    so a directorate whose return could not be used does not read as fewer Red measures. What every sentence
    comparing the Red count says."""
    left_out = set(ratings.loc[not_available(ratings), "measure_id"]) | set(before.loc[not_available(before),
                                                                                         "measure_id"])
    now = ratings[~ratings["measure_id"].isin(left_out)]
    then = before[~before["measure_id"].isin(left_out)]
    return int((now["rag"] == RED).sum()), int((then["rag"] == RED).sum()), len(left_out)


def rag_by_group(ratings: pd.DataFrame, group: str) -> pd.DataFrame:
    """Measures by status for each priority or directorate, in the order they first appear, and a total row.

    ``Total`` counts the measures reported (monitoring only included, not
    reported excluded, as Figure 1); ``Not reported`` is shown beside it.
    """
    order = list(pd.unique(ratings[group]))
    counts = _crosstab(ratings, group, "rag", order, list(STATUSES))
    counts["Total"] = counts[list(SUMMARY_ORDER)].sum(axis=1)
    counts = counts[[*SUMMARY_ORDER, "Total", NOT_REPORTED]]
    counts.loc["Total"] = counts.sum()
    return counts.astype(int).rename_axis(group).reset_index()


# Measures -------------------------------------------------------------------

def red_measures(ratings: pd.DataFrame) -> pd.DataFrame:
    """Every measure rated Red, in measure order, with what scrutiny needs to ask about it."""
    red = ratings[ratings["rag"] == RED].sort_values("measure_id")
    return red.assign(target_shown=target_shown(red), actual=actual_shown(red))[
        ["measure_id", "measure", "priority", "director", "actual", "target_text", "period_target", "target_shown",
         "unit", "direction", "commentary", "source"]].reset_index(drop=True)


def not_reported(ratings: pd.DataFrame) -> pd.DataFrame:
    """Measures due this period with no actual and no rating, and why."""
    missing = ratings[ratings["rag"] == NOT_REPORTED].sort_values("measure_id")
    return missing[["measure_id", "measure", "directorate", "not_reported_reason"]].reset_index(drop=True)


def director_assessments(ratings: pd.DataFrame) -> pd.DataFrame:
    """Measures whose director's Reported RAG differs from the rule: both ratings, and why."""
    differ = ratings[ratings["override"].astype(bool)].sort_values("measure_id")
    return differ.assign(target_shown=target_shown(differ), actual=actual_shown(differ))[
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
                           target_shown=target_shown(chosen), actual=actual_shown(chosen))
    order = {name: i for i, name in enumerate(pd.unique(ratings["priority"]))}
    chosen = chosen.sort_values(["priority", "measure_id"], key=lambda s: s.map(order) if s.name == "priority" else s)
    return chosen[["priority", "measure_id", "measure", "rag", "exception", "previous_rag", "previous_period",
                   "director", "actual", "target_shown", "direction", "commentary", "risk_impact",
                   "finance_impact", "source"]].reset_index(drop=True)


def outlook_summary(ratings: pd.DataFrame) -> dict[str, int]:
    """The directors' outlook across the rated measures (Green, Amber or Red), as the Q3 2017-18 report sums
    it up ("the outlook for 48 of the 50 ... was positive"): ``rated``, ``given`` (with a readable Outlook),
    ``positive`` (Improving or Stable), ``deteriorating``, and ``red_without`` (Red with no outlook)."""
    rated = ratings[ratings["rag"].isin(RATED)]
    words = rated["outlook"].map(outlook_word)
    return {"rated": len(rated), "given": int(words.notna().sum()),
            "positive": int(words.isin([IMPROVING, STABLE]).sum()), "deteriorating": int((words == DETERIORATING).sum()),
            "red_without": int(((rated["rag"] == RED) & words.isna()).sum())}


def exception_counts(found: pd.DataFrame) -> dict[str, int]:
    """How many exceptions of each kind: ``{"Red": 8, "Amber two periods running": 9}``."""
    return _counts(found["exception"], (RED, RED_AMBER_TWICE))


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
    matrix = _crosstab(changes, "before", "now", states, states)
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
    counts = _crosstab(rated, "period", "rag", months, list(RATED))
    counts["Total"] = counts.sum(axis=1)
    counts = counts.astype(int).rename_axis("period").reset_index()
    counts.insert(0, "month", [month_name(p) for p in counts["period"]])
    return counts


def overall_status(statuses: pd.Series) -> str:
    """A priority's overall status in a month: the status most of its rated measures have, a tie going to the
    worse (two Red and two Green is Red); blank when none is rated."""
    counts = statuses[statuses.isin(RATED)].value_counts()
    if counts.empty:
        return ""
    most = counts.max()
    return next(s for s in (RED, AMBER, GREEN) if counts.get(s, 0) == most)


def priority_grid(history: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each priority's overall status (``overall_status``) in every month of the financial year, April to
    March, as the July 2022 report's per-priority grid: one row per priority, one column per month
    (``YYYY-MM``), blank for a month after ``period``, without returns, or with no measure rated."""
    first = year_to_date(period)[0]
    months = [shift(first, k) for k in range(12)]
    shown = history[history["period"].isin(year_to_date(period))]
    priorities = list(pd.unique(history.loc[history["period"] == period, "priority"]))
    priorities += [p for p in pd.unique(shown["priority"]) if p not in priorities]
    cells = shown.groupby(["priority", "period"])["rag"].agg(overall_status)
    return pd.DataFrame({"priority": priorities,
                         **{m: [cells.get((p, m), "") for p in priorities] for m in months}})


def highlights(ratings: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """The measures that improved their status since ``before`` (the period compared with): those that
    turned Green first, then Red to Amber; each with its actual, target and the director's commentary."""
    if before is None or before.empty:
        return ratings.iloc[0:0].assign(before="", target_shown="")
    was = before.set_index("measure_id")["rag"]
    now = ratings.assign(before=ratings["measure_id"].map(was).astype(object).fillna(""))
    better = now[((now["rag"] == GREEN) & now["before"].isin([AMBER, RED])) |
                 ((now["rag"] == AMBER) & (now["before"] == RED))]
    better = better.assign(_order=(better["rag"] != GREEN).astype(int)).sort_values(["_order", "measure_id"])
    return better.assign(target_shown=target_shown(better), actual=actual_shown(better)).drop(columns="_order") \
        .reset_index(drop=True)


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
        "last_quarter": now["measure_id"].map(before).astype(object).fillna("n/a"), "this_quarter": now["rag"],
        "outlook": now["outlook"].map(with_arrow),
    }).reset_index(drop=True)


# One directorate's briefing ---------------------------------------------------------

def directorate_measures(ratings: pd.DataFrame) -> pd.DataFrame:
    """Every measure due: ID, measure, actual, target, status, direction, director's outlook, commentary."""
    due = ratings.sort_values("measure_id")
    return pd.DataFrame({
        "measure_id": due["measure_id"], "measure": due["measure"], "actual": actual_shown(due),
        "target_shown": target_shown(due), "rag": due["rag"], "direction": due["direction"].map(with_arrow),
        "outlook": due["outlook"].map(with_arrow), "commentary": due["commentary"].fillna("")}).reset_index(drop=True)


# Statistical process control ------------------------------------------------------

SPC_READS = ("measure_id", "period", "actual_value", "period_target", "target_value", "cumulative", "frequency",
             "due_month_numbers", "polarity")  # the rated columns the SPC functions read


def spc_history(history: pd.DataFrame, period: str, measure_ids=None) -> pd.DataFrame:
    """The rated rows of ``history`` up to ``period`` (of ``measure_ids`` only, when given), with only the columns
    the SPC functions read (``SPC_READS``): what ``measure_spc``, ``measure_projections`` and
    ``spc.spc_points`` take, picked out once for a document's measures (a rated row has sixty columns, and
    copying them is most of what the statistics cost)."""
    rows = history.loc[history["period"] <= period, [c for c in SPC_READS if c in history]]
    return rows if measure_ids is None else rows[rows["measure_id"].isin(list(measure_ids))]


def _polarities(register: pd.DataFrame) -> pd.Series:
    """Each measure's polarity in ``register``, by measure ID."""
    return register.drop_duplicates("measure_id").set_index("measure_id")["polarity"]


def spc_baselines(register: pd.DataFrame, baseline_to: str | None = None) -> pd.Series:
    """The last period of each measure's SPC baseline, by measure ID: the register's SPC baseline to, else
    ``baseline_to`` (``spc_baseline_to`` in params), else None (every point)."""
    measures = register.drop_duplicates("measure_id").set_index("measure_id")
    own = measures["spc_baseline_period"] if "spc_baseline_period" in measures else pd.Series(None, measures.index)
    return own.astype(object).where(own.notna(), baseline_to)


def measure_spc(history: pd.DataFrame, register: pd.DataFrame, baseline_to: str | None = None) -> pd.DataFrame:
    """``spc.spc_table`` of the measures of ``history`` (``spc_history``): one row per measure, its polarity the
    register's (the history's for a measure the register no longer has), its target the charted target of its
    latest point (a year-to-date measure's in-month share of its target), its limits from its baseline
    (``spc_baselines``)."""
    return spc_table(history, polarity=_polarities(register), baseline=spc_baselines(register, baseline_to))


def spc_for(b) -> pd.DataFrame:
    """The statistical process control of every measure of briefing ``b`` at its period (``measure_spc`` of its
    rated history and register, with its params' baseline): what the Signals table and the narrative show."""
    return measure_spc(spc_history(b.rated_history, b.period), b.register, b.run.settings.spc_baseline_to)


def measure_projections(history: pd.DataFrame, register: pd.DataFrame, period: str) -> pd.DataFrame:
    """The year-end projection (``spc.year_end_projections``) of each year-to-date measure of ``history``
    (``spc_history``) with a figure for ``period`` itself (a measure that did not report this period is not
    projected from an older figure)."""
    projected = year_end_projections(history, polarity=_polarities(register))
    return projected[projected["period"] == period].reset_index(drop=True)


def spc_this_period(spc: pd.DataFrame, period: str) -> pd.DataFrame:
    """The rows of an SPC table (``measure_spc``) whose latest point is ``period`` and which have process
    limits: the measures whose variation this period can be told."""
    return spc[(spc["last_period"] == period) & (spc["note"] == "")]


DIRECTION_ORDER = {CONCERN: 0, f"{IMPROVEMENT} and {CONCERN}": 0, IMPROVEMENT: 1}  # anything else after


def signals(ratings: pd.DataFrame, spc: pd.DataFrame, period: str) -> pd.DataFrame:
    """The measures rated this period whose ``period`` figure is part of a special-cause pattern: the rated
    row joined to its SPC row (``measure_spc``, each column named with ``spc_`` before it: ``spc_direction``
    is the signal's, ``direction`` still the direction of travel), concerns first, then improvements, then
    signals of measures without a polarity, each by measure ID."""
    now = spc_this_period(spc, period)
    now = now[now["rules_this_period"] != ""].set_index("measure_id").add_prefix("spc_").reset_index()
    found = ratings.drop_duplicates("measure_id").merge(now, on="measure_id")
    order = found["spc_direction"].map(DIRECTION_ORDER).fillna(len(DIRECTION_ORDER))
    return found.assign(_order=order).sort_values(["_order", "measure_id"]).drop(columns="_order") \
        .reset_index(drop=True)


def spc_summary(ratings: pd.DataFrame, spc: pd.DataFrame, period: str) -> dict[str, int]:
    """What the narrative says of SPC: ``tested`` (measures rated this period whose variation can be told),
    ``signals`` (of those, a special cause this period), ``red`` (measures Red), ``red_common`` (Red but
    within normal variation), ``red_special`` (Red and a special cause) and ``red_untested`` (the rest)."""
    now = spc_this_period(spc, period).set_index("measure_id")
    rated = ratings.drop_duplicates("measure_id")
    tested = rated[rated["measure_id"].isin(now.index)]
    special = tested["measure_id"].map(now["rules_this_period"]) != ""
    red = tested["rag"] == RED
    counts = {"tested": len(tested), "signals": int(special.sum()), "red": int((rated["rag"] == RED).sum()),
              "red_common": int((red & (tested["measure_id"].map(now["variation"]) == COMMON_CAUSE)).sum()),
              "red_special": int((red & special).sum())}
    return {**counts, "red_untested": counts["red"] - counts["red_common"] - counts["red_special"]}

