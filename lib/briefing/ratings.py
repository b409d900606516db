"""The Red/Amber/Green rules, applied to every measure due in a period.

The rules, exactly as applied here (docs/ratings.md says the same in words):

* Due periods: Monthly every month; Quarterly in June, September, December and
  March; Six-monthly in September and March; Annual in March; Termly at the
  end of each school term (December, April, July). The register's Due months,
  where given, replace the frequency's months (a termly measure whose data
  arrives after the term: Jan, May, Sep). A measure not due is not rated or
  counted; a value reported for it is listed as a warning by validation. A
  measure due with no actual and no rating is "Not reported", with the
  return's reason (or why none could be given).
* Polarity and tolerance: Green when the actual meets or beats the target;
  Amber when it misses by no more than the amber tolerance (per cent of the
  target's size: the register's, else the default in params); Red beyond that.
  Exactly on the target is Green; exactly on the tolerance is Amber. A target
  of 0 has no Amber band. Monitoring-only measures are "Monitoring only",
  never rated.
* Cumulative targets: the register holds the full-year target, the return
  the year-to-date actual, and the period's target is the full-year target
  × months elapsed since April ÷ 12.
* Judgement targets (text such as "Top quartile") take the return's Reported
  RAG, as does a numeric measure with a Reported RAG and no actual.
* Director's assessment: a numeric measure with an actual and a Reported RAG
  that differs from the rule shows the reported rating, flagged with both.
* A measure on more than one row of the returns is rated from one row: the
  first that reports something, preferring its own directorate's return.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .periods import months_elapsed, parse_period, shift
from .workbook import blank, column_of

GREEN, AMBER, RED = "Green", "Amber", "Red"
MONITORING = "Monitoring only"
NOT_REPORTED = "Not reported"
RATED = (GREEN, AMBER, RED)
STATUSES = (GREEN, AMBER, RED, MONITORING, NOT_REPORTED)
IMPROVING, STABLE, DETERIORATING = "Improving", "Stable", "Deteriorating"

DUE_MONTHS = {
    "Monthly": frozenset(range(1, 13)),
    "Quarterly": frozenset({6, 9, 12, 3}),
    "Six-monthly": frozenset({9, 3}),
    "Annual": frozenset({3}),
    "Termly": frozenset({12, 4, 7}),
}
RAG_WORDS = {"r": RED, "red": RED, "a": AMBER, "amber": AMBER, "g": GREEN, "green": GREEN}
OUTLOOK_WORDS = {
    "improving": IMPROVING, "positive": IMPROVING, "up": IMPROVING, "↑": IMPROVING,
    "stable": STABLE, "no change": STABLE, "unchanged": STABLE, "↔": STABLE,
    "deteriorating": DETERIORATING, "negative": DETERIORATING, "down": DETERIORATING, "↓": DETERIORATING,
}
STABLE_WITHIN_PCT = 1.0
_NUMBER_TYPES = (int, float, np.integer, np.floating)
_PUNCTUATION = " .,;:!-–—()[]'\""


def due_months(frequency: str, given: frozenset[int] | None = None) -> frozenset[int]:
    """The months a measure is due: those the register's Due months give (``given``), else its frequency's.

    Empty for an unknown frequency with no Due months: such a measure is never due.
    """
    return given if isinstance(given, frozenset) and given else DUE_MONTHS.get(frequency, frozenset())


def due_months_of(measures: pd.DataFrame) -> pd.Series:
    """``due_months`` of each row of a table of measures (the register, or rated rows built from it).

    A table without ``due_month_numbers`` (one not read from a register) has
    its frequencies' months.
    """
    given = measures["due_month_numbers"].tolist() if "due_month_numbers" in measures else [None] * len(measures)
    return pd.Series([due_months(f, g) for f, g in zip(measures["frequency"].tolist(), given)],
                     index=measures.index, dtype=object)


def is_due(measures: pd.DataFrame, period: str) -> pd.Series:
    """Whether each measure is due in ``period``, by its due months (``due_months_of``)."""
    month = parse_period(period)[1]
    return due_months_of(measures).map(lambda months: month in months).astype(bool)


def previous_due_period(frequency: str, period: str, given: frozenset[int] | None = None) -> str | None:
    """The last period before ``period`` in which a measure of this frequency (or these Due months,
    ``given``) was due.

    A quarterly measure's is three months back, an annual one's twelve; None
    for an unknown frequency without Due months.
    """
    months = due_months(frequency, given)
    if not months:
        return None
    return next(p for p in (shift(period, -k) for k in range(1, 13)) if parse_period(p)[1] in months)


def rag_word(value) -> str | None:
    """A Reported RAG as typed to Red/Amber/Green; None when blank, unknown or ambiguous.

    Accepts the letter or the word in any case with stray punctuation (``R``,
    ``amber.``, `` Green ``), and a word with a remark (``Amber - improving``).
    Text naming two ratings (``R/A``, ``Amber/Green``) is ambiguous, so None;
    single letters count only on their own, since "a" is also a word.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    whole = text.strip(_PUNCTUATION)
    if whole in RAG_WORDS:
        return RAG_WORDS[whole]
    named = {RAG_WORDS[word] for word in re.findall(r"[a-z]+", text) if len(word) > 1 and word in RAG_WORDS}
    return named.pop() if len(named) == 1 else None


def outlook_word(value) -> str | None:
    """A director's Outlook as typed (``improving``, ``Positive``, ``↑`` …) to Improving/Stable/Deteriorating."""
    if not isinstance(value, str):
        return None
    return OUTLOOK_WORDS.get(value.strip().casefold().strip(_PUNCTUATION)) or OUTLOOK_WORDS.get(value.strip())


def numeric_actuals(actual: pd.Series) -> pd.Series:
    """Each actual as a number: numbers as they are, text that reads as a number (``1,200``) as that number.

    Anything else (blank, ``TBC``, ``Completed``, TRUE/FALSE) is NaN.
    """
    values = [v.replace(",", "").strip() if isinstance(v, str)
              else v if isinstance(v, _NUMBER_TYPES) and not isinstance(v, (bool, np.bool_)) else None
              for v in actual]
    return pd.to_numeric(pd.Series(values, index=actual.index, dtype="object"), errors="coerce").astype("float64")


def period_targets(targets: pd.Series, cumulative: pd.Series, period: str | pd.Series) -> pd.Series:
    """Each measure's target for the period: full-year targets pro rata to months elapsed.

    ``period`` is the period of every row, or a Series giving each row's.
    """
    share = months_elapsed(period) / 12 if isinstance(period, str) else \
        period.map({p: months_elapsed(p) / 12 for p in period.unique()})
    return targets.where(~cumulative.fillna(False).astype(bool), targets * share)


def rule_ratings(actual: pd.Series, target: pd.Series, polarity: pd.Series,
                 tolerance_pct: pd.Series) -> pd.Series:
    """Green, Amber or Red by the rules; None where the rules cannot rate.

    The shortfall is how far the actual falls short of the target in the bad
    direction; Amber covers shortfalls up to ``tolerance_pct`` of the target's
    size (so a negative target has a band too, and a target of 0 none).
    A difference within a billionth of the boundary's size (at least 1e-9) is
    float noise, not a shortfall, so that a value typed exactly on a boundary,
    or worked out in Excel to land on it, falls on the side the rules say.
    """
    actual = pd.to_numeric(actual, errors="coerce").astype("float64").to_numpy()
    target = pd.to_numeric(target, errors="coerce").astype("float64").to_numpy()
    higher = (polarity == "Higher is better").to_numpy()
    lower = (polarity == "Lower is better").to_numpy()
    shortfall = np.where(higher, target - actual, actual - target)
    band = np.abs(target) * tolerance_pct.astype("float64").to_numpy() / 100
    rateable = (higher | lower) & ~np.isnan(actual) & ~np.isnan(target)
    rating = np.where(shortfall <= 1e-9 * np.maximum(np.abs(target), 1), GREEN,
                      np.where(shortfall <= band + 1e-9 * np.maximum(band, 1), AMBER, RED))
    return pd.Series(np.where(rateable, rating, None), index=polarity.index, dtype="object")


def measure_keys(ids: pd.Series) -> pd.Series:
    """Measure IDs as matched between register and returns: trimmed, upper case; blank as ''."""
    return pd.Series(["" if blank(v) else str(v).strip().upper() for v in ids], index=ids.index, dtype="object")


def reported_rows(performance: pd.DataFrame, owners: pd.Series) -> pd.DataFrame:
    """One return row per measure, indexed by measure key, with ``times_reported``.

    A measure on several rows is rated from the first row that reports
    something (an actual or a Reported RAG), preferring a row in the return of
    the directorate that owns it (``owners``: key → directorate); the count of
    rows is kept so the duplication can be shown.
    """
    key = measure_keys(performance["measure_id"])
    own = performance["directorate"].eq(key.map(owners)) if "directorate" in performance else False
    rows = performance.assign(_key=key, times_reported=key.map(key.value_counts()), _own=own,
                              _reports=performance["actual"].notna() | performance["reported_rag"].notna())
    chosen = rows.sort_values(["_reports", "_own"], ascending=False, kind="stable").drop_duplicates("_key")
    return chosen.drop(columns=["_reports", "_own"]).set_index("_key")


def _source_cells(rated: pd.DataFrame) -> pd.Series:
    """Where each actual was read, ``Children's Services.xlsx!Performance!B7``, or what it was computed from
    (``computed``); blank when not in a return."""
    rows = pd.to_numeric(rated["row"], errors="coerce").tolist()
    computed = rated["computed_from"].tolist() if "computed_from" in rated else [""] * len(rated)
    return pd.Series([how or ("" if pd.isna(r) else f"{f}!{s}!{column_of(letters, 'actual')}{int(r)}")
                      for f, s, letters, r, how in zip(rated["file"].tolist(), rated["sheet"].tolist(),
                                                       rated["letters"].tolist(), rows, computed)],
                     index=rated.index, dtype="object")


def rate_measures(register: pd.DataFrame, performance: pd.DataFrame, period: str,
                  default_tolerance_pct: float, invalid: dict[str, str] | None = None) -> pd.DataFrame:
    """Rate every measure of the register that is due in ``period``.

    ``performance`` is the period's Performance rows (all directorates), and
    ``invalid`` names directorates whose Performance sheet could not be used,
    each with why (``PeriodReturns.not_used``): their measures are shown as
    "not available — <why>" rather than silently dropped.
    Returns one row per due measure with ``rag`` (the status shown),
    ``rule_rag`` (what the rules give), ``reported_rag``, ``override``,
    ``basis`` (how the status was reached), ``times_reported`` and ``source``.
    """
    return rate_periods([(register, performance, period, invalid)], default_tolerance_pct)


def rate_periods(periods: list[tuple], default_tolerance_pct: float) -> pd.DataFrame:
    """``rate_measures`` of several periods, given as ``(register, performance, period, invalid)``: the rows of
    each period in turn, as if each were rated and the results put one after another.

    A briefing rates thirteen months. Each month's due measures are matched
    with its returns on their own; the rating itself is worked out once for
    all the months' rows, since most of its cost is per call, not per row.
    """
    joined = pd.concat([_due_and_reported(register, performance, period, invalid or {})
                        for register, performance, period, invalid in periods], ignore_index=True)
    joined["actual_value"] = numeric_actuals(joined["actual"])
    joined["tolerance_pct"] = joined["amber_tolerance"].fillna(default_tolerance_pct).astype("float64")
    joined["period_target"] = period_targets(joined["target_value"], joined["cumulative"], joined["period"])
    joined["reported_rag_as_typed"] = joined["reported_rag"]
    joined["reported_rag"] = pd.Series([rag_word(v) for v in joined["reported_rag"]], index=joined.index, dtype=object)
    joined["outlook"] = pd.Series([outlook_word(v) for v in joined["outlook"]], index=joined.index, dtype=object)
    joined["rule_rag"] = rule_ratings(joined["actual_value"], joined["period_target"],
                                      joined["polarity"], joined["tolerance_pct"])
    joined["rule_rag"] = joined["rule_rag"].where(~joined["judgement"].astype(bool), None)

    monitoring = joined["polarity"] == "Monitoring only"
    has_actual = joined["actual"].notna()
    has_reported = joined["reported_rag"].notna()
    by_rule = joined["rule_rag"].notna()
    override = by_rule & has_reported & (joined["reported_rag"] != joined["rule_rag"])
    by_director = ~monitoring & ~by_rule & has_reported
    return_invalid = joined["_return_invalid"]

    joined["rag"] = np.select(
        [return_invalid, monitoring & has_actual, override, by_rule, by_director],
        [NOT_REPORTED, MONITORING, joined["reported_rag"], joined["rule_rag"], joined["reported_rag"]],
        default=NOT_REPORTED)
    joined["override"] = override & ~return_invalid
    joined["basis"] = np.select(
        [return_invalid, joined["rag"] == NOT_REPORTED, joined["rag"] == MONITORING, override, by_rule,
         by_director & joined["judgement"].astype(bool), by_director],
        ["return invalid", "not reported", "monitoring only", "director's assessment differs from the rule",
         "rule", "director's judgement (text target)", "director's rating (no actual)"],
        default="")
    joined["not_reported_reason"] = _not_reported_reasons(joined, return_invalid)
    joined["source"] = _source_cells(joined)
    return joined.drop(columns=["_key", "_return_invalid", "_invalid_why"])


def _due_and_reported(register: pd.DataFrame, performance: pd.DataFrame, period: str,
                      invalid: dict[str, str]) -> pd.DataFrame:
    """The register's measures due in ``period``, each with what the period's returns reported for it."""
    due = register[is_due(register, period)]
    due = due.assign(_key=measure_keys(due["measure_id"])).drop_duplicates("_key")
    owners = due.set_index("_key")["directorate"]
    reported = reported_rows(performance, owners)
    fields = ["actual", "reported_rag", "outlook", "commentary", "risk_impact", "finance_impact",
              "not_reported_reason", "file", "sheet", "row", "letters", "times_reported", "computed_from"]
    if "computed_from" not in reported:
        reported = reported.assign(computed_from="")
    joined = due.drop(columns=[c for c in ("file", "sheet", "row", "letters") if c in due]).join(
        reported[fields], on="_key")
    joined["period"] = period
    joined["in_return"] = joined["_key"].isin(reported.index)
    joined["times_reported"] = joined["times_reported"].fillna(0).astype(int)
    joined["computed_from"] = joined["computed_from"].fillna("").astype(object)
    # a computed measure needs no Performance sheet: its figure comes from the finance returns
    joined["_return_invalid"] = joined["directorate"].isin(invalid) & joined["computed_from"].eq("")
    joined["_invalid_why"] = joined["directorate"].map(invalid).astype(object)
    return joined


def _not_reported_reasons(rated: pd.DataFrame, return_invalid: pd.Series) -> pd.Series:
    """Why each Not reported measure has no status: the return's own reason first, else what is missing."""
    reasons = pd.Series("", index=rated.index, dtype="object")
    missing = rated["rag"] == NOT_REPORTED
    columns = ["not_reported_reason", "in_return", "reported_rag_as_typed", "reported_rag", "actual",
               "actual_value", "judgement", "polarity"]
    reasons[missing] = [_not_reported_reason(row, why if invalid else None) for row, invalid, why in zip(
        rated.loc[missing, columns].to_dict("records"), return_invalid[missing], rated.loc[missing, "_invalid_why"])]
    return reasons


def _not_reported_reason(row: dict, invalid_why: str | None) -> str:
    given = row["not_reported_reason"]
    if invalid_why is not None:
        return f"not available — {invalid_why}"
    if not row["in_return"]:
        return "not in the directorate's return"
    if not blank(given):
        return given.strip()
    typed, actual = row["reported_rag_as_typed"], row["actual"]
    if isinstance(typed, str) and row["reported_rag"] is None:
        return f"Reported RAG {typed!r} not recognised (expected Red, Amber or Green)"
    if row["judgement"] and not blank(actual):
        return "no Reported RAG given for a judgement target"
    if not blank(actual) and np.isnan(row["actual_value"]) and row["polarity"] != "Monitoring only":
        return f"actual {actual!r} is not a number"
    return "no reason given"


def add_direction_of_travel(history: pd.DataFrame) -> pd.DataFrame:
    """Direction of travel of each measure against its previous reported value, and its previous status.

    ``history`` holds rated rows (``rate_measures`` output) of several periods. For cumulative measures the
    actual is compared as a share of the period's target, since a year-to-date figure grows whatever happens. A
    change of no more than 1% of the previous value is "Stable"; otherwise "Improving" or "Deteriorating" by
    polarity. Adds ``previous_actual`` (the last value reported before), ``previous_period`` (the measure's
    previous due period, by its due months) and ``previous_rag`` (its status then; blank when that period is not
    in ``history`` or the measure was not rated then).
    """
    history = history.sort_values(["measure_id", "period"], kind="stable").copy()
    key = history["measure_id"]
    comparable = history["actual_value"].where(~history["cumulative"].astype(bool),
                                               history["actual_value"] / history["period_target"])

    def last_before(values: pd.Series) -> pd.Series:
        return values.groupby(key).ffill().groupby(key).shift(1)

    history["previous_actual"] = last_before(history["actual_value"])
    previous = last_before(comparable)
    change = comparable - previous
    stable = change.abs() <= previous.abs() * STABLE_WITHIN_PCT / 100
    better = np.where(history["polarity"] == "Lower is better", change < 0, change > 0)
    direction = np.where(stable, STABLE, np.where(better, IMPROVING, DETERIORATING))
    usable = change.notna() & history["polarity"].isin(["Higher is better", "Lower is better"])
    history["direction"] = np.where(usable, direction, "")

    keys = list(zip(history["frequency"], history["period"], due_months_of(history)))
    previous_periods = {key: previous_due_period(*key) for key in set(keys)}
    history["previous_period"] = pd.Series([previous_periods[key] for key in keys], index=history.index,
                                           dtype="object")
    status = history.set_index(["measure_id", "period"])["rag"]
    status = status[~status.index.duplicated()]
    history["previous_rag"] = status.reindex(
        pd.MultiIndex.from_arrays([history["measure_id"], history["previous_period"]])).to_numpy()
    return history.sort_index()
