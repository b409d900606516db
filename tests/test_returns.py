"""The loader on the bundled data: every sheet of every return read, every value from its own cell.

Values are checked against the workbooks read independently with openpyxl, so
a wrong column, a skipped row or a drifting money conversion shows up here.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

import broken_returns
from briefing.register import FREQUENCIES, POLARITIES, load_register, register_directorates
from briefing.returns import CORPORATE, load_period

PERIOD = "2022-07"


def raw_rows(path, sheet: str) -> list[dict]:
    """A sheet's rows as ``{header: value}`` with the Excel row number, read by openpyxl."""
    ws = load_workbook(path, read_only=True, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    return [{"row": i, **dict(zip(headers, r))} for i, r in enumerate(rows[1:], start=2)
            if any(v not in (None, "") for v in r)]


def pence(value) -> int:
    return int((Decimal(repr(float(value))) * 100_000_000).to_integral_value())


@pytest.fixture(scope="module")
def returns(data_dir):
    return load_period(data_dir, PERIOD, register_directorates(data_dir, PERIOD))


def test_register_reads_every_measure_with_canonical_words(data_dir):
    register = load_register(data_dir, PERIOD)
    raw = raw_rows(data_dir / "register" / "2022-23.xlsx", "Measures")
    assert list(register["measure_id"]) == [r["Measure ID"] for r in raw]
    assert set(register["frequency"]) == set(FREQUENCIES) and set(register["polarity"]) == set(POLARITIES)
    numeric = [isinstance(r["Target"], (int, float)) for r in raw]
    assert list(register["target_value"].notna()) == numeric
    text_targets = register[register["judgement"]]
    assert len(text_targets) >= 2 and text_targets["target_value"].isna().all()
    assert register["cumulative"].any() and not register["cumulative"].all()


def test_every_directorate_and_the_corporate_return_load_clean(returns, data_dir):
    directorates = register_directorates(data_dir, PERIOD)
    assert returns.invalid == {} and returns.problems == []
    assert sorted(set(returns.finance["directorate"]) | set(returns.performance["directorate"])) == sorted(directorates)
    assert len(returns.files) == len(directorates) + 1
    assert {p.name for p in returns.files} == {f"{d}.xlsx" for d in [*directorates, CORPORATE]}


@pytest.mark.parametrize("sheet, table, key, money", [
    ("Performance", "performance", ("Measure ID", "measure_id"), []),
    ("Finance", "finance", ("Service area", "service_area"), [("Latest budget £m", "latest_budget"),
                                            ("Forecast outturn £m", "forecast_outturn")]),
    ("Savings", "savings", ("Saving", "saving"), [("Planned £m", "planned"), ("Forecast delivered £m", "forecast_delivered")]),
])
def test_directorate_sheets_match_their_cells(returns, data_dir, sheet, table, key, money):
    loaded = getattr(returns, table)
    total = 0
    for directorate in register_directorates(data_dir, PERIOD):
        raw = raw_rows(data_dir / "returns" / PERIOD / f"{directorate}.xlsx", sheet)
        mine = loaded[loaded["directorate"] == directorate]
        assert list(mine["row"]) == [r["row"] for r in raw]
        assert list(mine[key[1]]) == [r[key[0]] for r in raw]
        for header, column in money:
            assert list(mine[column]) == [pence(r[header]) for r in raw], (directorate, header)
        total += len(raw)
    assert len(loaded) == total > 0


@pytest.mark.parametrize("sheet, table, columns", [
    ("Central budgets", "central", [("Latest budget £m", "latest_budget"), ("Forecast outturn £m", "forecast_outturn")]),
    ("Funding", "funding", [("Latest budget £m", "latest_budget"), ("Forecast outturn £m", "forecast_outturn")]),
    ("Balances", "balances", [("£m", "amount")]),
    ("Reserves", "reserves", [("Opening £m", "opening"), ("Forecast movement £m", "forecast_movement")]),
    ("DSG", "dsg", [("Opening cumulative deficit £m", "opening_deficit"),
                    ("Forecast in-year deficit £m", "in_year_deficit")]),
])
def test_corporate_sheets_match_their_cells(returns, data_dir, sheet, table, columns):
    raw = raw_rows(data_dir / "returns" / PERIOD / f"{CORPORATE}.xlsx", sheet)
    loaded = getattr(returns, table)
    assert len(loaded) == len(raw) > 0
    assert set(loaded["sheet"]) == {sheet} and list(loaded["row"]) == [r["row"] for r in raw]
    for header, column in columns:
        assert list(loaded[column]) == [pence(r[header]) for r in raw], header


# A month read as history: its money lines not read -------------------------------------------------

FAR_DOWN = 25  # rows: a header row well below a sheet's first screen


def _pushed_down(sheet: str, rows: int = FAR_DOWN, header: dict | None = None):
    """A break moving a sheet's header and lines ``rows`` rows down, under rows of cells holding only spaces
    , and typing ``header`` (``{"B": "Forecast"}``) into its header row."""
    def change(worksheet):
        worksheet.insert_rows(1, rows)
        for row in range(1, rows + 1):
            worksheet.cell(row, 1, " ")
        for column, text in (header or {}).items():
            worksheet[f"{column}{rows + 1}"] = text
    return lambda file: broken_returns.edit_sheet(file, sheet, change)


HISTORY_BREAKS = [*((case.name, case.breaks) for case in broken_returns.CASES),
                  ("finance header far down", _pushed_down("Finance")(broken_returns.ADULTS)),
                  ("finance header far down, a column missing",
                   _pushed_down("Finance", header={"C": "Forecast"})(broken_returns.HEALTH)),
                  ("savings header far down, a column missing",
                   _pushed_down("Savings", header={"B": "Planned"})(broken_returns.CHILDREN)),
                  ("savings header a little down", _pushed_down("Savings", 3,
                                                                           {"B": "Planned"})(broken_returns.ADULTS))]


@pytest.mark.parametrize("name, breaks", HISTORY_BREAKS, ids=[name for name, _ in HISTORY_BREAKS])
def test_a_month_read_as_history_has_the_measures_and_usable_returns_it_has_when_read_whole(name, breaks, tmp_path):
    """Every broken return of the corpus, and headers far down their sheets: the same measures,
    the same returns invalid (for the same reason), the same files; no finance or savings lines."""
    data = broken_returns.copy_data(tmp_path / "data")
    breaks(data)
    try:
        directorates = register_directorates(data, PERIOD)
    except Exception:  # noqa: BLE001 - a case breaking the register: the returns are read for every directorate
        directorates = register_directorates(broken_returns.DATA_DIR, PERIOD)
    whole = load_period(data, PERIOD, directorates)
    history = load_period(data, PERIOD, directorates, lines=False)
    assert history.invalid == whole.invalid
    assert history.files == whole.files
    pd.testing.assert_frame_equal(history.performance, whole.performance)
    assert history.finance.empty and history.savings.empty and not history.lines and whole.lines
    for table in ("central", "funding", "balances", "reserves", "dsg"):
        pd.testing.assert_frame_equal(getattr(history, table), getattr(whole, table))
    kept = [p for p in history.problems if p.sheet not in ("Finance", "Savings")]
    assert kept == [p for p in whole.problems if p.sheet not in ("Finance", "Savings")]
    assert all(p in whole.problems for p in history.problems), "what is said of the money sheets, said whole"
