"""The register's Due months, and values reported in a month their measure is not due (issue 19, item 7).

A measure is due in its frequency's months unless the register's Due months
names others; a value reported in a month its measure is not due is not
rated, and is listed as a warning at its cell rather than dropped without a word.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from briefing.document import build_briefing, check_parameters
from briefing.params import load_settings
from briefing.problems import ERROR, WARNING, Problem
from briefing.ratings import AMBER, GREEN, RED, is_due, previous_due_period
from briefing.register import read_due_months
from briefing.validation import validate_period

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PERIODS = ("2022-03", "2022-04", "2022-05", "2022-06", "2022-07")
REGISTER = "register/2022-23.xlsx"
CHILDREN = "Children's Services.xlsx"
TERMLY = "OCC07.10"            # termly (Apr, Jul, Dec), higher is better, target 88 %
TERMLY_ROW = 44                # its row of the register
JUDGED = "OCC07.09"            # termly, rated by the director's Reported RAG ("Top quartile")
DUE_MONTHS_CELL = f"M{TERMLY_ROW}"
NOT_DUE_EXPECTED = ("report it in a month it is due ({}), or give the measure its due months in the "
                    "register's Due months column")


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the bundled register and of five months of returns."""
    shutil.copytree(DATA_DIR / "register", tmp_path / "data" / "register")
    for period in PERIODS:
        shutil.copytree(DATA_DIR / "returns" / period, tmp_path / "data" / "returns" / period)
    return tmp_path / "data"


def give_due_months(data: Path, **entries: str) -> None:
    """Add the Due months column (M, after Computed as) to the copy's register, with ``entries`` by row
    (``M44="Jan, May, Sep"``)."""
    path = data / REGISTER
    book = load_workbook(path)
    sheet = book["Measures"]
    sheet["M1"] = "Due months"
    for cell, text in entries.items():
        sheet[cell] = text
    book.save(path)


def add_row(data: Path, period: str, values: list) -> int:
    """Append a Performance row to the copy's Children's Services return of ``period``; its Excel row."""
    path = data / "returns" / period / CHILDREN
    book = load_workbook(path)
    book["Performance"].append(values)
    book.save(path)
    return book["Performance"].max_row


def problems(data: Path, period: str) -> list[Problem]:
    return validate_period(load_settings(data_dir=str(data)), period)


def rated(data: Path, period: str, out: Path) -> pd.DataFrame:
    """The period's ratings, indexed by Measure ID."""
    briefing = build_briefing(check_parameters(period, None, str(data), str(out), None))
    return briefing.ratings.set_index("measure_id")


# Reading Due months ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Jan, May, Sep", "january may september", "SEPT; jan and May.", " Jan,May ,Sep "])
def test_due_months_are_read_from_names_in_any_case_and_separation(text):
    assert read_due_months(text) == (frozenset({1, 5, 9}), [])


@pytest.mark.parametrize("text,unread", [("Jan, Mya, Sep", ["Mya"]), ("1, 5, 9", ["1", "5", "9"]),
                                         ("Ju, Dec", ["Ju"]), ("Spring term", ["Spring", "term"])])
def test_words_that_are_no_month_are_given_back(text, unread):
    assert read_due_months(text)[1] == unread


def test_a_blank_entry_names_no_month():
    assert read_due_months(None) == (frozenset(), [])
    assert read_due_months("   ") == (frozenset(), [])


def test_due_months_replace_the_frequencys_and_a_table_without_them_keeps_the_frequencys():
    measures = pd.DataFrame({"frequency": ["Termly", "Termly", "Monthly", "Weekly"],
                             "due_month_numbers": [frozenset({1, 5, 9}), None, None, None]})
    assert is_due(measures, "2022-05").tolist() == [True, False, True, False]
    assert is_due(measures, "2022-04").tolist() == [False, True, True, False]
    assert is_due(measures.drop(columns="due_month_numbers"), "2022-04").tolist() == [True, True, True, False]
    assert previous_due_period("Termly", "2022-05", frozenset({1, 5, 9})) == "2022-01"
    assert previous_due_period("Termly", "2022-05") == "2022-04"


# A value in a month its measure is not due ------------------------------------------------------

def test_a_termly_value_in_may_gives_one_warning_at_its_actual_and_is_not_rated(data, tmp_path):
    row = add_row(data, "2022-05", [TERMLY, 85, None, None, "Spring term results"])
    assert problems(data, "2022-05") == [Problem(
        WARNING, CHILDREN, "Performance", f"B{row}",
        f"{TERMLY} is termly and not due in May 2022: its Actual 85 is not rated",
        NOT_DUE_EXPECTED.format("Apr, Jul, Dec"))]
    assert TERMLY not in rated(data, "2022-05", tmp_path / "out").index


def test_a_reported_rag_alone_in_a_month_not_due_is_a_warning_at_its_cell(data):
    row = add_row(data, "2022-05", [JUDGED, None, "G"])
    assert problems(data, "2022-05") == [Problem(
        WARNING, CHILDREN, "Performance", f"C{row}",
        f"{JUDGED} is termly and not due in May 2022: its Reported RAG 'G' is not used",
        NOT_DUE_EXPECTED.format("Apr, Jul, Dec"))]


# Due months in the register ---------------------------------------------------------------------

def test_a_termly_measure_due_in_may_by_its_due_months_is_rated_in_may(data, tmp_path):
    give_due_months(data, **{DUE_MONTHS_CELL: "Jan, May, Sep"})
    add_row(data, "2022-05", [TERMLY, 85, None, None, "Spring term results"])
    assert problems(data, "2022-05") == []
    measure = rated(data, "2022-05", tmp_path / "out").loc[TERMLY]
    tolerance = load_settings().amber_tolerance_pct
    # higher is better: 85 misses 88 by 3, within the Amber band of tolerance % of 88 (4.4 at 5 %)
    expected = GREEN if 85 >= 88 else AMBER if 88 - 85 <= 88 * tolerance / 100 else RED
    assert (measure["actual_value"], measure["period_target"]) == (85.0, 88.0)
    assert measure["rag"] == measure["rule_rag"] == expected == AMBER
    assert measure["basis"] == "rule"
    assert measure["previous_period"] == "2022-01"


def test_a_measure_due_by_its_due_months_and_missing_is_an_error_where_its_row_would_go(data):
    give_due_months(data, **{DUE_MONTHS_CELL: "January May September"})
    assert problems(data, "2022-05") == [Problem(
        ERROR, CHILDREN, "Performance", "A10", f"{TERMLY} is due in May 2022 but is not in the return",
        f"a row for {TERMLY} with its Actual, or the reason it is not reported")]


def test_a_value_in_a_default_month_the_due_months_leave_out_is_a_warning(data, tmp_path):
    give_due_months(data, **{DUE_MONTHS_CELL: "jan, may, sep"})
    found = problems(data, "2022-07")
    assert found == [Problem(
        WARNING, CHILDREN, "Performance", "B11",
        f"{TERMLY} is termly and not due in July 2022: its Actual 90.4 is not rated",
        NOT_DUE_EXPECTED.format("Jan, May, Sep"))]
    assert TERMLY not in rated(data, "2022-07", tmp_path / "out").index


def test_an_unreadable_due_months_entry_is_an_error_at_its_cell_and_the_frequency_applies(data, tmp_path):
    give_due_months(data, **{DUE_MONTHS_CELL: "Jan, Mya, Sep"})
    assert problems(data, "2022-07") == [Problem(
        ERROR, REGISTER, "Measures", DUE_MONTHS_CELL, "Due months 'Jan, Mya, Sep': 'Mya' is not a month",
        "month names such as 'Jan, May, Sep'")]
    assert rated(data, "2022-07", tmp_path / "out").loc[TERMLY, "actual_value"] == 90.4


def test_monthly_measures_are_unaffected_by_an_empty_due_months_column(data, tmp_path):
    before = rated(data, "2022-07", tmp_path / "before")
    give_due_months(data)
    after = rated(data, "2022-07", tmp_path / "after")
    assert problems(data, "2022-07") == []
    monthly = before.index[before["frequency"] == "Monthly"]
    assert len(monthly) > 30
    columns = ["rag", "actual_value", "period_target", "previous_period", "previous_rag"]
    pd.testing.assert_frame_equal(after.loc[monthly, columns], before.loc[monthly, columns])
    assert list(after.index) == list(before.index)
