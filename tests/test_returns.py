"""The loader on the bundled data: every sheet of every return read, every value from its own cell.

Values are checked against the workbooks read independently with openpyxl, so
a wrong column, a skipped row or a drifting money conversion shows up here.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

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
    assert returns.directorates_reported == sorted(directorates)
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
