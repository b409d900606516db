"""Validation of a period's returns against the register and the returns contract.

Reading (``returns.load_period``) already reports what stops a return or a
cell being read: a missing workbook, sheet or column, a file that is not a
safe .xlsx, a cover naming another period, text or an Excel error where a
figure belongs. This module adds the rules on what was read (``schemas``: the
register, each Performance row against the register, each sheet of figures),
the checks across tables (a due measure missing from its return, the
Balances items, the funding arithmetic) and the policy:

* one problem per cell, the first found (a text budget is not also "blank");
* a Performance row with an error reports nothing: its measure is shown as
  "not available — return invalid", with the reason, and the rest of the
  return is used as normal;
* warnings (a Red measure without commentary, a figure out of line with its
  history, a percentage target typed as a fraction) are listed but change
  nothing; a value for a measure not due that month is a warning too, since
  it is not rated and would otherwise vanish without a word.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .params import Settings
from .periods import label, months_elapsed
from .problems import ERROR, RETURN_INVALID, Problem, ReturnError
from .readcache import ReadCache
from .ratings import due_months_of, is_due, measure_keys, numeric_actuals, rate_measures
from .register import load_register, months_text, register_problems
from .returns import CORPORATE, CORPORATE_SHEETS, DIRECTORATE_SHEETS, PeriodReturns, available_periods, \
    history_periods, load_period
from .schemas import cell_of, due_measure_rules, millions_text, money_rules, number_text, performance_rules, \
    required_item_rules
from .workbook import normalise_header

SHOWN_PER_COLUMN = 50  # a column's problems listed one by one; more are one line (``fold_repeated``)
FIGURE_SHEETS = {name: spec for name, spec in {**DIRECTORATE_SHEETS, **CORPORATE_SHEETS}.items()
                 if name != "performance"}


def validate_period(settings: Settings, period: str, cache: ReadCache | None = None) -> list[Problem]:
    """Every problem in the register and the returns of ``period``, errors and warnings, in cell order.
    ``cache``: see ``readcache``."""
    problems: list[Problem] = []
    try:
        register = load_register(settings.data_dir, period, problems, cache)
    except ReturnError as err:
        return [*problems, err.problem]
    problems += register_problems(register)
    register, differ = governed(register, settings)
    problems += differ
    directorates = list(dict.fromkeys(register["directorate"]))
    returns = load_period(settings.data_dir, period, directorates, cache=cache)
    history = earlier_returns(settings.data_dir, period, directorates, cache)
    return in_cell_order([*problems, *validated(register, returns, history, settings).problems])


def governed(register: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, list[Problem]]:
    """The register as params govern it (``computed.with_targets``: a computed variance measure is judged
    by the on-target rule), with a warning for each target it overrides."""
    from .computed import with_targets
    from .finance import OnTarget
    return with_targets(register, OnTarget.of(settings))


def earlier_returns(data_dir: Path, period: str, directorates: list[str],
                    cache: ReadCache | None = None) -> dict[str, PeriodReturns]:
    """The returns of the months before ``period`` that a briefing loads (``history_periods``) and that
    exist, oldest first: the history a figure is judged by (its measures; their money lines are not read)."""
    present = set(available_periods(data_dir))
    return {p: load_period(data_dir, p, directorates, lines=False, cache=cache) for p in history_periods(period, None)
            if p < period and p in present}


def validated(register: pd.DataFrame, returns: PeriodReturns, history: dict[str, PeriodReturns],
              settings: Settings) -> PeriodReturns:
    """A copy of ``returns`` carrying every problem found, with each Performance row in error set aside.

    ``returns`` itself is not changed (it may be shared). ``history`` holds
    earlier periods' returns, for the out-of-line check.
    """
    from .computed import with_computed
    from .finance import OnTarget

    problems = one_per_cell([*returns.problems, *return_problems(register, returns, history, settings)])
    checked = replace(returns, performance=set_aside(returns.performance, problems))
    checked, differ = with_computed(register, checked, list(dict.fromkeys(register["directorate"])),
                                    OnTarget.of(settings))
    return replace(checked, problems=fold_repeated(one_per_cell([*problems, *differ])))


def return_problems(register: pd.DataFrame, returns: PeriodReturns, history: dict[str, PeriodReturns],
                    settings: Settings) -> list[Problem]:
    """What the rules find in a period's returns beyond what reading them found."""
    found = performance_rules().problems(
        performance_context(register, returns, history, settings.amber_tolerance_pct))
    found += due_measure_rules().problems(due_measures(register, returns))
    for name, spec in FIGURE_SHEETS.items():
        found += money_rules(spec).problems(variance_context(getattr(returns, name), settings.variance_check_m))
    if CORPORATE not in returns.not_used("balances"):
        found += required_item_rules().problems(balances_items(returns.balances))
    found += funding_problems(returns, list(dict.fromkeys(register["directorate"])))
    return found


# The Performance rows --------------------------------------------------------------------

def performance_context(register: pd.DataFrame, returns: PeriodReturns, history: dict[str, PeriodReturns],
                        tolerance_pct: float) -> pd.DataFrame:
    """The period's Performance rows with what the rules compare them with: from the register (``known``,
    ``owner``, ``due``, with ``frequency_word`` and ``due_shown`` to say when it is due, ``judgement``,
    ``is_percent``, ``target_value``), the actual as a number and on the other scale (``actual_value``,
    ``scaled_shown``), the other cells reporting it (``also``), its rating this period (``status``) and its
    history (``comparable``, ``typical``, ``reports``: ``history_context``)."""
    table = returns.performance.reset_index(drop=True)
    key = measure_keys(table["measure_id"])
    measures = register.assign(key=measure_keys(register["measure_id"])).drop_duplicates("key").set_index("key")
    period = returns.period
    target = key.map(measures["target_value"]).astype("float64")
    actual = numeric_actuals(table["actual"])
    scaled = actual.where(target.lt(1), actual * 100).where(target.ge(1), actual / 100)
    rated = rate_measures(register, table, period, tolerance_pct, returns.not_used("performance"))
    table = table.assign(
        known=key.isin(measures.index), owner=key.map(measures["directorate"]).astype(object),
        due=key.isin(measures.index[is_due(measures, period)]),
        frequency_word=key.map(measures["frequency"]).map(lambda f: str(f).lower()).astype(object),
        due_shown=key.map(due_months_of(measures).map(months_text)).astype(object),
        judgement=key.map(measures["judgement"]).fillna(False).astype(bool),
        is_percent=key.map(measures["unit"]).map(lambda u: isinstance(u, str) and u.strip() == "%").astype(bool),
        target_value=target, target_shown=target.map(number_text), actual_value=actual,
        scaled_shown=scaled.map(number_text), month=label(period),
        also=_also_reported(table, key), id_hint=_id_hints(key, measures.index),
        status=key.map(rated.set_index(measure_keys(rated["measure_id"]))["rag"]).astype(object))
    return history_context(table, key, key.map(measures["cumulative"]).fillna(False).astype(bool), history,
                           months_elapsed(period))


def _also_reported(table: pd.DataFrame, key: pd.Series) -> pd.Series:
    """For each row, the other cells reporting the same measure ('' when it is reported once)."""
    where = pd.Series([f"{f}!{s}!{cell_of(r, 'measure_id')}" for f, s, r in
                       zip(table["file"], table["sheet"], table[["letters", "row"]].to_dict("records"))],
                      index=table.index, dtype=object)
    repeated = key.ne("") & key.duplicated(keep=False)
    cells = where[repeated].groupby(key[repeated]).agg(list)
    return pd.Series([", ".join(c for c in cells[k] if c != mine) if flag else ""
                      for k, mine, flag in zip(key, where, repeated)], index=table.index, dtype=object)


HINTS_AT_MOST = SHOWN_PER_COLUMN  # unknown Measure IDs given the nearest known one (the others are folded)


def _id_hints(key: pd.Series, known: pd.Index) -> pd.Series:
    """What would be right for an unknown Measure ID: the nearest ID in the register, if one is close.

    Looked for only for the first ``HINTS_AT_MOST`` unknown IDs: each search
    compares with every ID in the register, and a sheet pasted over with
    90,000 junk IDs would take a minute for hints no one reads.
    """
    names = list(known)
    unknown = list(dict.fromkeys(k for k in key if k not in known))[:HINTS_AT_MOST]
    hints = {}
    for k in unknown:
        near = difflib.get_close_matches(k, names, n=1, cutoff=0.75)
        hints[k] = f"{near[0]} (the nearest Measure ID in the register)" if near else ""
    return key.map(lambda k: "" if k in known else hints.get(k) or "a Measure ID in the register").astype(object)


def history_context(table: pd.DataFrame, key: pd.Series, cumulative: pd.Series,
                    history: dict[str, PeriodReturns], months: int) -> pd.DataFrame:
    """Add ``comparable`` (the actual, as a monthly pace for a year-to-date figure), ``typical`` (the median
    of the same over the earlier reports), ``reports`` (how many) and ``typical_shown``.

    A year-to-date figure restarts each April, so it is compared per month of
    the year elapsed (``months``, this period's). ``typical`` is blank with
    fewer than three earlier reports.
    """
    frames = [pd.DataFrame({"key": measure_keys(r.performance["measure_id"]),
                            "value": numeric_actuals(r.performance["actual"]).to_numpy(),
                            "months": months_elapsed(p)}) for p, r in history.items() if not r.performance.empty]
    earlier = pd.concat(frames, ignore_index=True).dropna(subset=["value"]) if frames else \
        pd.DataFrame({"key": pd.Series(dtype=object), "value": [], "months": []})
    earlier_cumulative = earlier["key"].isin(set(key[cumulative]))
    earlier = earlier.assign(pace=earlier["value"].where(~earlier_cumulative, earlier["value"] / earlier["months"]))
    summary = earlier.groupby("key")["pace"].agg(["median", "count"])
    summary = summary[summary["count"] >= 3]
    typical = key.map(summary["median"]).astype("float64")
    scale = cumulative.map({True: months, False: 1}).astype("float64")
    return table.assign(comparable=table["actual_value"] / scale, typical=typical,
                        reports=key.map(summary["count"]).fillna(0).astype(int),
                        typical_shown=(typical * scale).map(number_text))


def due_measures(register: pd.DataFrame, returns: PeriodReturns) -> pd.DataFrame:
    """Every measure due this period, located where its row would go in its directorate's Performance sheet.

    ``reported`` says whether any return has a row for it; ``return_invalid``
    whether its directorate's return could not be used (already reported).
    """
    period = returns.period
    due = register[is_due(register, period)]
    due = due.assign(key=measure_keys(due["measure_id"])).drop_duplicates("key")
    performance = returns.performance
    reported = set(measure_keys(performance["measure_id"]))
    rows = []
    for directorate, measures in due.groupby("directorate", sort=False):
        own = performance[performance["directorate"] == directorate]
        sheet = own["sheet"].iloc[0] if len(own) else "Performance"
        letters = own["letters"].iloc[0] if len(own) else {"measure_id": "A"}
        first = int(own["row"].max()) + 1 if len(own) else 2
        missing = ~measures["key"].isin(reported)
        next_rows = missing.cumsum() + first - 1
        rows.append(pd.DataFrame({"file": f"{directorate}.xlsx", "sheet": sheet, "row": next_rows.to_numpy(),
                                  "letters": [letters] * len(measures), "measure_id": measures["measure_id"].to_numpy(),
                                  "reported": ~missing.to_numpy(),
                                  "return_invalid": directorate in returns.not_used("performance"), "month": label(period)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


# Sheets of figures --------------------------------------------------------------------------

def variance_context(lines: pd.DataFrame, tolerance_m: float) -> pd.DataFrame:
    """Add ``variance_agrees``, ``stated_shown`` and ``computed_shown`` to lines that state a variance.

    The arithmetic is the finance checks' own (``checks.stated_variance_checks``);
    a line whose budget or forecast is blank is left to the rule on blanks.
    """
    if "stated_variance" not in lines or lines.empty:
        return lines.reset_index(drop=True)
    from . import checks

    lines = lines.reset_index(drop=True)
    _, computed, passed = checks.stated_variances(lines, tolerance_m)
    agrees = (passed | computed.isna()).reindex(lines.index, fill_value=True).astype(bool)
    wrong = ~agrees  # only these are named in a message, so only these are written out in £m
    return lines.assign(variance_agrees=agrees,
                        stated_shown=lines["stated_variance"].where(wrong).map(millions_text, na_action="ignore"),
                        computed_shown=computed.reindex(lines.index).where(wrong).map(millions_text,
                                                                                     na_action="ignore"))


def balances_items(balances: pd.DataFrame) -> pd.DataFrame:
    """The items the Balances sheet must hold, each with whether it does and where its row would go."""
    from .finance import OPENING_BALANCE, RISK_ASSESSED_LEVEL

    typed = set(balances["item"].map(normalise_header))
    sheet = balances["sheet"].iloc[0] if len(balances) else "Balances"
    letters = balances["letters"].iloc[0] if len(balances) else {"item": "A"}
    last = int(balances["row"].max()) if len(balances) else 1
    items = [OPENING_BALANCE, RISK_ASSESSED_LEVEL]
    present = [item.casefold() in typed for item in items]
    rows = [last + sum(1 for p in present[:i + 1] if not p) for i in range(len(items))]
    return pd.DataFrame({"file": f"{CORPORATE}.xlsx", "sheet": sheet, "row": rows, "letters": [letters] * 2,
                         "item": items, "present": present})


def funding_problems(returns: PeriodReturns, directorates: list[str]) -> list[Problem]:
    """The net operating budget against funding (the finance checks' ``funding_check``), when both are known."""
    from . import checks, finance

    if returns.funding.empty or any(d in returns.not_used("finance") for d in directorates) \
            or CORPORATE in returns.not_used("central"):
        return []
    council = finance.net_operating_budget(returns, None, directorates)
    result = checks.funding_check(council, returns.funding)
    if result["result"] == checks.PASSED or pd.isna(result["figure"]) or pd.isna(result["expected"]):
        return []
    first, last = returns.funding.iloc[0], returns.funding.iloc[-1]
    cells = f"{cell_of(first, 'latest_budget')}:{cell_of(last, 'latest_budget')}"
    return [Problem(ERROR, first["file"], first["sheet"], cells,
                    f"funding totals {millions_text(-int(result['expected']))} but the net operating budget "
                    f"(directorate and central budgets) is {millions_text(result['figure'])}: the budget does "
                    "not balance", f"funding of {millions_text(-int(result['figure']))} in all")]


# Policy ---------------------------------------------------------------------------------------

def one_per_cell(problems: list[Problem]) -> list[Problem]:
    """The problems with only the first kept for any one cell (or, without a cell, any one message)."""
    kept: dict[tuple, Problem] = {}
    for problem in problems:
        kept.setdefault((problem.file, problem.sheet, problem.cell or problem.message), problem)
    return list(kept.values())


RATED_FROM = ("measure_id", "actual", "reported_rag")


def set_aside(performance: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Performance rows with an error in a cell the rating is made from (Measure ID, Actual, Reported RAG),
    their Actual and Reported RAG cleared and their Not reported reason ``not available — return invalid:
    <the error>``, so the measure shows as Not reported, and why, instead of a figure that may be wrong."""
    errors = {}
    for p in problems:
        if p.severity == ERROR and p.cell and p.sheet:
            errors.setdefault((p.file, p.sheet, p.cell), p.message)
    if performance.empty or not errors:
        return performance
    reasons = pd.Series([next((errors[(f, s, f"{letters.get(c)}{r}")] for c in RATED_FROM
                               if (f, s, f"{letters.get(c)}{r}") in errors), None)
                         for f, s, r, letters in zip(performance["file"], performance["sheet"], performance["row"],
                                                     performance["letters"])],
                        index=performance.index, dtype=object)
    flawed = reasons.notna()
    if not flawed.any():
        return performance
    performance = performance.copy()
    performance.loc[flawed, ["actual", "reported_rag"]] = None
    performance.loc[flawed, "not_reported_reason"] = f"{RETURN_INVALID}: " + reasons[flawed]
    return performance


def fold_repeated(problems: list[Problem], at_most: int = SHOWN_PER_COLUMN) -> list[Problem]:
    """The problems with, for any one column of one sheet, the first ``at_most`` of each severity listed and
    the rest folded into one line naming their cells and how many there are (``Problem.more``).

    A return pasted over with thousands of bad rows gives thousands of
    problems; listed one by one they would bury every other problem and make
    the Data quality section longer than the briefing. Problems without a cell
    are kept as they are. The order of the problems kept is unchanged.
    """
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(problems):
        if p.cell and p.sheet:
            column = "".join(c for c in p.cell.split(":")[0] if c.isalpha())
            groups.setdefault((p.file, p.sheet, column, p.severity), []).append(i)
    folded: dict[int, Problem] = {}
    dropped: set[int] = set()
    for (_, _, column, severity), members in groups.items():
        if len(members) <= at_most + 1:
            continue
        ordered = sorted(members, key=lambda i: _cell_order(problems[i]))
        rest = ordered[at_most:]
        first, last = problems[rest[0]], problems[rest[-1]]
        folded[rest[0]] = Problem(
            severity, first.file, first.sheet, f"{first.cell.split(':')[0]}:{last.cell.split(':')[-1]}",
            f"{len(rest):,} more {severity}s in column {column} of this sheet, the first: {first.message}",
            first.expected, more=len(rest) - 1)
        dropped.update(rest[1:])
    return [folded.get(i, p) for i, p in enumerate(problems) if i not in dropped]


def returns_with_errors(problems: list[Problem]) -> dict[str, int]:
    """How many errors each return (``Children's Services``, ``Corporate``) has, for the banner."""
    counts: Counter = Counter()
    for p in problems:
        if p.severity == ERROR and p.file.endswith(".xlsx") and "/" not in p.file:
            counts[p.file.removesuffix(".xlsx")] += p.count
    return dict(counts)


def _cell_order(p: Problem) -> tuple:
    cell = (p.cell or "").split(":")[0]
    letters = "".join(c for c in cell if c.isalpha())
    return p.file, p.sheet or "", int("".join(c for c in cell if c.isdigit()) or 0), len(letters), letters


def in_cell_order(problems: list[Problem]) -> list[Problem]:
    """Problems by file, sheet, row and column, so a return's problems read top to bottom."""
    return sorted(problems, key=_cell_order)
