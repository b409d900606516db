"""The column rules of the returns and the register, written as pandera schemas.

Each rule is one pandera check, named after a ``Rule`` that says what is
wrong, what would be right, how serious it is and which column's cell to
name. pandera reports every failure with the row's index; the row's ``file``,
``sheet``, ``row`` and ``letters`` (kept by ``workbook.read_sheet``) turn that
into the exact cell, e.g. ``Children's Services.xlsx!Performance!C14``.

A rule that needs another table (the register, earlier months, the rating)
reads it from columns added to the table before validation (``owner``,
``due``, ``status``, ``typical`` … see ``validation``), so every rule stays a
vectorised test of one DataFrame and its message a template over the row.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .paths import UnsafePathError, safe_child
from .problems import ERROR, WARNING, Problem
from .ratings import AMBER, RED, outlook_word, rag_word
from .register import FREQUENCIES, POLARITIES
from .workbook import SheetSpec, blank, missing


@dataclass(frozen=True)
class Rule:
    """One rule of a sheet.

    ``test`` is a pandera check function: it gets the column ``column`` (or,
    with ``whole_row``, the whole table) and returns True where the rule holds.
    ``message`` and ``expected`` are ``str.format`` templates over the row's
    fields, plus ``value`` (the cell as read) and ``shown`` (the cell as
    people write it).
    """

    name: str
    column: str
    test: Callable
    message: str
    expected: str
    severity: str = ERROR
    whole_row: bool = False
    element_wise: bool = False
    ignore_na: bool = True

    def check(self) -> pa.Check:
        return pa.Check(self.test, name=self.name, error=self.name, element_wise=self.element_wise,
                        ignore_na=self.ignore_na)

    def problem(self, row: dict) -> Problem:
        """The problem this rule finds in ``row`` (a table row as a dict), at the cell of its column."""
        value = row.get(self.column)
        fields = {**row, "value": value, "shown": shown(value)}
        return Problem(self.severity, row["file"], row["sheet"], cell_of(row, self.column),
                       self.message.format(**fields), self.expected.format(**fields))


def shown(value) -> str:
    """A cell's content as people write it: numbers without trailing zeros, text quoted, blank as blank."""
    if blank(value):
        return "blank"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.10g}"
    return str(value)


def is_blank(values: pd.Series) -> pd.Series:
    """``blank`` for every value of a column: a number column is blank where it is missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values.isna()
    return values.map(blank).astype(bool)


def cell_of(row: dict, column: str) -> str:
    """``C14``: the cell of ``column`` in ``row``; the row's first cell when the sheet has no such column."""
    letters = row["letters"] if isinstance(row["letters"], dict) else {}
    letter = letters.get(column) or next(iter(letters.values()), "A")
    return f"{letter}{int(row['row'])}"


class RuleSet:
    """A sheet's rules as one pandera ``DataFrameSchema``, turning its failures into problems."""

    def __init__(self, name: str, rules: list[Rule]):
        self.rules = {rule.name: rule for rule in rules}
        columns: dict[str, list[pa.Check]] = {}
        for rule in rules:
            if not rule.whole_row:
                columns.setdefault(rule.column, []).append(rule.check())
        self.schema = pa.DataFrameSchema(
            {column: pa.Column(nullable=True, checks=checks) for column, checks in columns.items()},
            checks=[rule.check() for rule in rules if rule.whole_row], name=name)

    def problems(self, table: pd.DataFrame) -> list[Problem]:
        """Every rule broken in ``table``, in row order, each at its cell.

        ``table`` must have a unique index and the ``file``, ``sheet``, ``row``
        and ``letters`` of each row. The ``letters`` (dicts) are kept out of
        pandera's way and looked up by index.
        """
        if table.empty:
            return []
        try:
            self.schema.validate(table.drop(columns="letters"), lazy=True)
            return []
        except SchemaErrors as err:
            cases = err.failure_cases
        stray = cases[~cases["check"].isin(list(self.rules)) | cases["index"].isna()]
        if len(stray):  # a rule that raised, or a column missing: a fault in the rules, not the return
            raise RuntimeError(f"{self.schema.name} rules failed to run: {stray.to_dict('records')}")
        order = {name: i for i, name in enumerate(self.rules)}
        cases = cases.assign(_order=cases["check"].map(order), index=cases["index"].astype(int)) \
            .drop_duplicates(["check", "index"]).sort_values(["index", "_order"])
        rows = table.loc[cases["index"].unique()].to_dict("index")  # only the rows with a problem
        return [self.rules[name].problem(rows[index]) for name, index in zip(cases["check"], cases["index"])]


def _present(values: pd.Series) -> pd.Series:
    return ~is_blank(values)


def _blank_rule(column: str, header: str, expected: str) -> Rule:
    return Rule(f"{column} blank", column, _present, f"{header} is blank", expected, ignore_na=False)


# The register -------------------------------------------------------------------------

def _safe_name(name) -> bool:
    try:
        safe_child(Path("returns"), f"{name}.xlsx")
    except UnsafePathError:
        return False
    return True


@cache
def register_rules() -> RuleSet:
    """The register's own rules: IDs unique, frequency and polarity known, a target for every rated measure,
    directorate names that can name a file, percentage targets on the 0–100 scale, Due months that name
    months, an SPC baseline that is a month."""
    return RuleSet("Measures", [
        Rule("register id repeated", "measure_id", lambda s: ~s.str.strip().str.upper().duplicated(keep=False),
             "Measure ID {measure_id} appears more than once", "each Measure ID once"),
        _blank_rule("measure", "Measure", "what is measured"),
        _blank_rule("directorate", "Directorate", "the directorate exactly as its return is named"),
        Rule("directorate unsafe", "directorate", _safe_name,
             "Directorate {value!r} cannot be used as a file name",
             "a name without '/', '\\' or a leading '.'", element_wise=True),
        Rule("frequency unknown", "frequency", lambda s: s.isin(FREQUENCIES),
             "unknown frequency {value!r}", ", ".join(FREQUENCIES), ignore_na=False),
        Rule("polarity unknown", "polarity", lambda s: s.isin(POLARITIES),
             "unknown polarity {value!r}", ", ".join(POLARITIES), ignore_na=False),
        Rule("target missing", "target",
             lambda t: ~t["polarity"].isin(POLARITIES) | t["polarity"].eq("Monitoring only")
             | t["target_value"].notna() | t["judgement"].astype(bool),
             "{measure_id} has no target", "a number, or text for a judgement target", whole_row=True),
        Rule("target a fraction", "target",
             lambda t: ~(t["unit"].eq("%") & t["target_value"].gt(0) & t["target_value"].lt(1)),
             "Target {shown} looks like a fraction, but {measure_id}'s unit is % (on the 0–100 scale)",
             "{target_as_percent}", severity=WARNING, whole_row=True),
        Rule("due months unknown", "due_months", lambda t: t["due_months_unread"].eq(""),
             "Due months {shown}: {due_months_unread!r} is not a month", "month names such as 'Jan, May, Sep'",
             whole_row=True),
        Rule("computed as unknown", "computed_as", lambda t: t["computed_readable"].astype(bool),
             "Computed as {shown} is not a figure the briefing works out", "{computed_names}", whole_row=True),
        Rule("spc baseline unknown", "spc_baseline_to", lambda t: t["spc_baseline_readable"].astype(bool),
             "SPC baseline to {shown} is not a month", "a month written YYYY-MM (2023-03), a date, or blank for "
             "every point", whole_row=True),
    ])


def check_register(register: pd.DataFrame) -> list[Problem]:
    """The register's own problems (``register_rules``), each at its cell of the register."""
    from .computed import NAMES
    target_as_percent = register["target_value"].map(lambda v: number_text(v * 100))
    return register_rules().problems(register.assign(target_as_percent=target_as_percent, computed_names=NAMES)
                                     .reset_index(drop=True))


# The Performance sheet ----------------------------------------------------------------

def _reports_something(t: pd.DataFrame) -> pd.Series:
    return _present(t["actual"]) | _present(t["reported_rag"]) | _present(t["not_reported_reason"])


NOT_DUE_EXPECTED = ("report it in a month it is due ({due_shown}), or give the measure its due months in the "
                    "register's Due months column")


@cache
def performance_rules() -> RuleSet:
    """The Performance sheet's rules, over the columns ``validation.performance_context`` adds."""
    percent = "is_percent"
    return RuleSet("Performance", [
        _blank_rule("measure_id", "Measure ID", "the Measure ID from the register, e.g. OCC07.01"),
        Rule("measure unknown", "measure_id", lambda t: is_blank(t["measure_id"]) | t["known"],
             "Measure ID {value!r} is not in the register", "{id_hint}", whole_row=True),
        Rule("measure repeated", "measure_id", lambda t: ~t["known"] | t["also"].eq(""),
             "{measure_id} is reported more than once (also at {also})", "one row per measure", whole_row=True),
        Rule("measure elsewhere", "measure_id", lambda t: ~t["known"] | t["owner"].eq(t["directorate"]),
             "{measure_id} belongs to {owner} in the register, not {directorate}",
             "{measure_id} reported in {owner}.xlsx", whole_row=True),
        Rule("actual text", "actual",
             lambda t: ~(t["known"] & ~t["judgement"] & t["actual"].map(lambda v: isinstance(v, str))
                         & t["actual_value"].isna()),
             "Actual is text ({value!r}), not a number",
             "a number, or a blank Actual and a Not reported reason", whole_row=True),
        Rule("actual a fraction", "actual",
             lambda t: ~(t[percent] & t["target_value"].ge(1) & t["actual_value"].gt(0) & t["actual_value"].lt(1)
                         & _near(t["actual_value"] * 100, t["target_value"])),
             "Actual {shown} looks like a fraction, but {measure_id} is a percentage on the 0–100 scale "
             "(target {target_shown})", "{scaled_shown}", whole_row=True),
        Rule("actual a per cent", "actual",
             lambda t: ~(t[percent] & t["target_value"].gt(0) & t["target_value"].lt(1) & t["actual_value"].gt(1)
                         & t["actual_value"].le(100) & _near(t["actual_value"] / 100, t["target_value"])),
             "Actual {shown} looks like a per cent, but {measure_id}'s target is {target_shown}, a fraction",
             "{scaled_shown}", whole_row=True),
        Rule("due not reported", "actual", lambda t: ~(t["known"] & t["due"] & ~_reports_something(t)),
             "{measure_id} is due in {month} but has no Actual and no Not reported reason",
             "an Actual, or the reason it is not reported in 'Not reported reason'", whole_row=True),
        Rule("rag unknown", "reported_rag", lambda v: rag_word(v) is not None,
             "Reported RAG {value!r} is not Red, Amber or Green", "R, A or G", element_wise=True),
        Rule("outlook unknown", "outlook", lambda v: outlook_word(v) is not None,
             "Outlook {value!r} is not Improving, Stable or Deteriorating", "Improving, Stable or Deteriorating",
             element_wise=True),
        Rule("commentary missing", "commentary",
             lambda t: ~(t["status"].isin([RED, AMBER]) & is_blank(t["commentary"])),
             "{measure_id} is {status} but has no commentary", "commentary on why, and what is being done",
             severity=WARNING, whole_row=True),
        Rule("actual not due", "actual", lambda t: ~(t["known"] & ~t["due"] & _present(t["actual"])),
             "{measure_id} is {frequency_word} and not due in {month}: its Actual {shown} is not rated",
             NOT_DUE_EXPECTED, severity=WARNING, whole_row=True),
        Rule("actual out of line", "actual",
             lambda t: ~(t["typical"].gt(0) & t["comparable"].gt(0)
                         & ~_near(t["comparable"], t["typical"], OUT_OF_LINE_FACTOR)),
             "Actual {shown} is far out of line with {measure_id}'s previous {reports} reports "
             "(typically {typical_shown})",
             "a figure in line with earlier reports, or commentary explaining the change",
             severity=WARNING, whole_row=True),
        Rule("rag not due", "reported_rag",
             lambda t: ~(t["known"] & ~t["due"] & is_blank(t["actual"]) & _present(t["reported_rag"])),
             "{measure_id} is {frequency_word} and not due in {month}: its Reported RAG {shown} is not used",
             NOT_DUE_EXPECTED, severity=WARNING, whole_row=True),
    ])


@cache
def due_measure_rules() -> RuleSet:
    """Every measure due this period has a row in its directorate's return (``validation.due_measures``)."""
    return RuleSet("Due measures", [
        Rule("measure missing", "measure_id", lambda t: t["reported"] | t["return_invalid"],
             "{measure_id} is due in {month} but is not in the return",
             "a row for {measure_id} with its Actual, or the reason it is not reported", whole_row=True),
    ])


@cache
def required_item_rules() -> RuleSet:
    """The rows a sheet of items must hold, such as the Balances items (``validation.balances_items``)."""
    return RuleSet("Required items", [
        Rule("item missing", "item", lambda t: t["present"].astype(bool),
             "no '{item}' row", "a row '{item}' with its amount in £m", whole_row=True),
    ])


SCALE_FACTOR = 3.0
OUT_OF_LINE_FACTOR = 10.0


def _near(values: pd.Series, reference: pd.Series, factor: float = SCALE_FACTOR) -> pd.Series:
    """True where ``values`` is within ``factor`` times (either way) of a positive ``reference``."""
    ratio = values / reference
    return ratio.ge(1 / factor) & ratio.le(factor)


# Finance and the other sheets of figures ----------------------------------------------------

@cache
def money_rules(spec: SheetSpec) -> RuleSet:
    """A sheet of named figures (Finance, Savings, Reserves …): every required cell filled in and,
    where the sheet states a variance, the variance equal to forecast − budget.

    A text or error cell is reported where it is read, with the same cell, so
    it is not reported again as blank (``validation`` keeps one problem per cell).
    """
    rules = [_blank_rule(col.name, col.header, "a figure in £m" if col.kind == "money" else "text")
             for col in spec.columns if col.required]
    if "stated_variance" in spec.names:
        rules.append(Rule("variance wrong", "stated_variance", lambda t: t["variance_agrees"].astype(bool),
                          "Variance £m is {stated_shown}, but Forecast outturn £m − Latest budget £m is "
                          "{computed_shown}", "{computed_shown}", whole_row=True))
    return RuleSet(spec.sheet, rules)


def millions_text(pence) -> str:
    """Pence as £m to the £1,000 a return is typed in (``-0.331``); blank as blank."""
    if missing(pence):
        return "blank"
    text = f"{int(pence) / 100_000_000:,.3f}"
    return "0.000" if text == "-0.000" else text


def number_text(value) -> str:
    """A number as people write it (``58``, ``0.58``, ``1,650,000``); blank for NaN."""
    return "" if missing(value) else f"{float(value):,.10g}"
