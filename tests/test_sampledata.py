"""The bundled sample council: regenerable, complete, clean, and shaped like the July 2022 report."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from briefing import sampledata
from briefing.periods import financial_year, months_elapsed, period_range

PERIODS = period_range("2022-03..2023-03")
REAL_NAMES = ["Bill Cotton", "Karen Fuller", "Kevin Gordon", "Mark Haynes", "Lorna Baxter", "Claire Taylor",
              "Anita Bradley", "Louise Tustian", "Kathy Wilcox", "Ian Dyson", "Steven Jones"]


@lru_cache(maxsize=None)
def sheets(path: Path) -> dict[str, list[tuple]]:
    """Every sheet of a workbook as rows of cell values (row 1 the headers)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def records(path: Path, sheet: str) -> list[dict]:
    """A sheet's data rows as dicts by header (a read-only row stops at its last filled cell)."""
    rows = sheets(path)[sheet]
    width = len(rows[0])
    return [dict(zip(rows[0], row + (None,) * (width - len(row)))) for row in rows[1:]]


@pytest.fixture(scope="module")
def register(data_dir) -> dict[str, dict[str, dict]]:
    """Financial year -> Measure ID -> register row."""
    return {fy: {r["Measure ID"]: r for r in records(data_dir / "register" / f"{fy}.xlsx", "Measures")}
            for fy in ("2021-22", "2022-23")}


@pytest.fixture(scope="module")
def performance(data_dir, register) -> dict[str, list[dict]]:
    """Period -> every Performance row of the period, with the directorate whose file it came from."""
    out = {}
    for period in PERIODS:
        out[period] = [dict(r, file=d) for d in directorates(register)
                       for r in records(data_dir / "returns" / period / f"{d}.xlsx", "Performance")]
    return out


def directorates(register) -> list[str]:
    return list(dict.fromkeys(r["Directorate"] for r in register["2022-23"].values()))


def due(measure: dict, period: str) -> bool:
    return int(period[5:7]) in sampledata.DUE_MONTHS[measure["Frequency"]]


def rating(measure: dict, row: dict, period: str) -> str | None:
    """The briefing's rule, written out independently of the generator."""
    if measure["Polarity"] == "Monitoring only":
        return "M"
    if isinstance(measure["Target"], str) or row["Actual"] is None:
        return row["Reported RAG"]
    target = measure["Target"] * (months_elapsed(period) / 12 if measure["Cumulative"] == "Y" else 1)
    tolerance = 5.0 if measure["Amber tolerance"] is None else measure["Amber tolerance"]
    shortfall = target - row["Actual"] if measure["Polarity"] == "Higher is better" else row["Actual"] - target
    return "G" if shortfall <= 0 else "A" if shortfall <= abs(target) * tolerance / 100 else "R"


def ratings(register, performance, period) -> dict[str, str | None]:
    reg = register[financial_year(period)]
    return {r["Measure ID"]: rating(reg[r["Measure ID"]], r, period) for r in performance[period]}


# --- regeneration -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample")
    return out, sampledata.generate(out)


def test_regenerating_gives_the_committed_data(regenerated, data_dir):
    out, written = regenerated
    for path in written:
        committed = data_dir / path.relative_to(out)
        assert committed.exists(), f"{committed} is not committed: run python -m briefing.sampledata"
        assert sheets(path) == sheets(committed), f"{committed} differs from what the generator writes"


def test_no_stale_workbooks_in_the_data_folder(regenerated, data_dir):
    out, written = regenerated
    expected = {p.relative_to(out) for p in written}
    committed = {p.relative_to(data_dir) for folder in ("register", "returns", "templates")
                 for p in (data_dir / folder).rglob("*.xlsx")}
    assert committed == expected


def test_same_seed_same_bytes_and_the_command_line(regenerated, tmp_path, capsys):
    out, written = regenerated
    sampledata.main(["--out", str(tmp_path), "--seed", "2022"])
    assert "Wrote 96 workbooks" in capsys.readouterr().out
    for path in written:
        assert (tmp_path / path.relative_to(out)).read_bytes() == path.read_bytes(), path.name


def test_another_seed_changes_the_detail_but_not_the_story(tmp_path, register):
    sampledata.generate(tmp_path, seed=7)
    other = records(tmp_path / "register" / "2022-23.xlsx", "Measures")
    assert [r["Measure ID"] for r in other] == list(register["2022-23"])
    july = records(tmp_path / "returns" / "2022-07" / "Children's Services.xlsx", "Performance")
    assert {r["Measure ID"] for r in july} == {m for m, r in register["2022-23"].items()
                                              if r["Directorate"] == "Children's Services" and due(r, "2022-07")}


# --- the register -----------------------------------------------------------------------


def test_register_shape(register):
    reg = list(register["2022-23"].values())
    assert 58 <= len(reg) <= 64
    assert len({r["Measure ID"] for r in reg}) == len(reg)
    assert set(directorates(register)) == set(sampledata.DIRECTORATES) and len(sampledata.DIRECTORATES) == 6
    priorities = {r["Priority"] for r in reg}
    assert {p.split(":")[0] for p in priorities} == {f"OCC{n:02d}" for n in range(1, 12)}
    assert all(re.fullmatch(r"OCC\d\d: \S.*", p) for p in priorities)
    assert all(r["Measure ID"].startswith(r["Priority"][:5] + ".") for r in reg)
    assert {p for p in priorities if "Running the business" in p} == {
        "OCC10: Running the business: customer contact", "OCC11: Running the business: finance"}
    assert set(Counter(r["Frequency"] for r in reg)) == set(sampledata.FREQUENCIES)
    polarity = Counter(r["Polarity"] for r in reg)
    assert 6 <= polarity["Monitoring only"] <= 8 and polarity["Higher is better"] and polarity["Lower is better"]
    text_targets = [r for r in reg if isinstance(r["Target"], str)]
    assert 3 <= len(text_targets) <= 5
    assert {"Top quartile", "Completion", "93-95%"} <= {r["Target"] for r in text_targets}
    assert all(r["Target"] is None for r in reg if r["Polarity"] == "Monitoring only")
    assert all(isinstance(r["Target"], (int, float, str)) for r in reg if r["Polarity"] != "Monitoring only")
    assert sum(r["Cumulative"] == "Y" for r in reg) >= 5 and {r["Cumulative"] for r in reg} == {"Y", "N"}
    assert sum(r["Amber tolerance"] is not None for r in reg) >= 3
    assert not {r["Director"] for r in reg} & set(REAL_NAMES)


def test_2021_22_register_covers_march_2022(register):
    assert set(register["2021-22"]) < set(register["2022-23"])


# --- the performance returns ------------------------------------------------------------------


def test_every_due_measure_reported_once_in_its_directorates_return(register, performance):
    for period in PERIODS:
        reg = register[financial_year(period)]
        rows = performance[period]
        ids = [r["Measure ID"] for r in rows]
        assert len(ids) == len(set(ids)), period
        assert set(ids) == {m for m, r in reg.items() if due(r, period)}, period
        assert all(reg[r["Measure ID"]]["Directorate"] == r["file"] for r in rows), period


def test_cells_hold_the_right_kinds_of_value(performance):
    for period, rows in performance.items():
        for r in rows:
            assert r["Actual"] is None or isinstance(r["Actual"], (int, float)), (period, r)
            assert r["Reported RAG"] in (None, "R", "A", "G")
            assert r["Outlook"] in (None, *sampledata.OUTLOOKS)


def test_july_2022_looks_like_the_report(register, performance):
    july = ratings(register, performance, "2022-07")
    counts = Counter(july.values())
    rated = len(july) - counts[None]
    assert 48 <= len(july) <= 56
    assert 0.38 <= counts["G"] / rated <= 0.50
    assert 0.20 <= counts["A"] / rated <= 0.32
    assert 0.10 <= counts["R"] / rated <= 0.20
    assert 0.10 <= counts["M"] / rated <= 0.18


def test_childrens_social_care_red_through_the_summer(register, performance):
    for period in ("2022-06", "2022-07", "2022-08", "2022-09"):
        got = ratings(register, performance, period)
        assert [got[m] for m in ("OCC07.01", "OCC07.05", "OCC07.08")] == ["R", "R", "R"], period


def test_ratings_move_month_to_month(register, performance):
    for previous, period in zip(PERIODS[1:], PERIODS[2:]):
        before, now = ratings(register, performance, previous), ratings(register, performance, period)
        changes = Counter((before[m], now[m]) for m in now if before.get(m) in ("R", "A", "G") and
                          now[m] in ("R", "A", "G") and before[m] != now[m])
        assert sum(changes.values()) >= 4, period
        assert changes["A", "G"] + changes["R", "G"] >= 1 and changes["G", "A"] + changes["G", "R"] >= 1, period
        assert sum(1 for m in now if now[m] == "A" and before.get(m) == "A") >= 2, period


def test_red_and_amber_measures_carry_commentary_risk_and_finance_impact(register, performance):
    for period in PERIODS:
        reg = register[financial_year(period)]
        for r in performance[period]:
            shown = r["Reported RAG"] or rating(reg[r["Measure ID"]], r, period)
            if shown in ("R", "A") or rating(reg[r["Measure ID"]], r, period) in ("R", "A"):
                assert r["Commentary"] and r["Risk impact"] and r["Finance impact"], (period, r["Measure ID"])


def test_not_reported_measures_have_a_reason_and_no_actual(performance):
    per_month = []
    for period, rows in performance.items():
        missing = [r for r in rows if r["Not reported reason"]]
        assert all(r["Actual"] is None and r["Reported RAG"] is None for r in missing), period
        per_month.append(len(missing))
    assert max(per_month) <= 3
    assert sum(1 <= n <= 3 for n in per_month) >= len(PERIODS) * 2 // 3


def test_text_targets_are_rated_by_the_director(register, performance):
    for period, rows in performance.items():
        reg = register[financial_year(period)]
        for r in rows:
            if isinstance(reg[r["Measure ID"]]["Target"], str) and not r["Not reported reason"]:
                assert r["Reported RAG"] in ("R", "A", "G"), (period, r["Measure ID"])
    blank = [r for rows in performance.values() for r in rows
             if r["Measure ID"] in ("OCC01.05", "OCC04.10", "OCC07.09")]
    assert blank and all(r["Actual"] is None for r in blank)


def test_some_directors_overrule_the_rule_and_some_agree(register, performance):
    differ, agree = set(), 0
    for period, rows in performance.items():
        reg = register[financial_year(period)]
        for r in rows:
            measure = reg[r["Measure ID"]]
            if r["Reported RAG"] and r["Actual"] is not None and not isinstance(measure["Target"], str):
                if r["Reported RAG"] == rating(measure, r, period):
                    agree += 1
                else:
                    differ.add(r["Measure ID"])
    assert 2 <= len(differ) <= 3
    assert agree >= 3


def test_cumulative_actuals_climb_through_the_year(register, performance):
    cumulative = [m for m, r in register["2022-23"].items() if r["Cumulative"] == "Y"]
    for measure in cumulative:
        series = [r["Actual"] for p in PERIODS[1:] for r in performance[p]
                  if r["Measure ID"] == measure and r["Actual"] is not None]
        assert series == sorted(series), measure


# --- the finance returns ---------------------------------------------------------------------


def finance(data_dir, period: str) -> dict[str, list[dict]]:
    folder = data_dir / "returns" / period
    out = {d: records(folder / f"{d}.xlsx", "Finance") for d in sampledata.DIRECTORATES}
    out["Central budgets"] = records(folder / "Corporate.xlsx", "Central budgets")
    out["Funding"] = records(folder / "Corporate.xlsx", "Funding")
    return out


def pence(value: float) -> int:
    return round(value * 100_000_000)


def test_money_is_numbers_with_at_most_three_decimals_and_variances_add_up(data_dir):
    for period in PERIODS:
        for who, rows in finance(data_dir, period).items():
            assert 3 <= len(rows) <= 7 or who == "Funding", (period, who)
            for r in rows:
                for column in ("Latest budget £m", "Forecast outturn £m", "Variance £m"):
                    value = r[column]
                    assert isinstance(value, (int, float)), (period, who, column)
                    assert abs(value * 1000 - round(value * 1000)) < 1e-6, (period, who, column, value)
                stated = r["Variance £m"]
                assert abs(r["Forecast outturn £m"] - r["Latest budget £m"] - stated) <= 0.005 + 1e-9, (period, who, r)


def test_net_operating_budget_equals_funding_to_the_penny_all_year(data_dir):
    budgets = set()
    for period in PERIODS:
        lines = finance(data_dir, period)
        net = sum(pence(r["Latest budget £m"]) for who, rows in lines.items() if who != "Funding" for r in rows)
        funding = lines["Funding"]
        assert len(funding) == 1 and funding[0]["Service area"] == "Business Rates & Council Tax funding"
        assert pence(funding[0]["Latest budget £m"]) == -net == pence(funding[0]["Forecast outturn £m"])
        assert {r["Service area"] for r in lines["Central budgets"]} >= {
            "Capital Financing Costs", "Interest on Balances", "Inflation and Contingency",
            "Un-ringfenced Specific Grants", "Insurance", "Contribution from COVID-19 Reserve",
            "Budgeted contributions to reserves"}
        if financial_year(period) == "2022-23":
            budgets.add(net)
    assert len(budgets) == 1


def test_july_2022_finance_is_shaped_on_the_report(data_dir):
    def position(period):
        lines = finance(data_dir, period)
        return {who: (sum(r["Latest budget £m"] for r in rows),
                      sum(r["Forecast outturn £m"] - r["Latest budget £m"] for r in rows))
                for who, rows in lines.items()}

    july = position("2022-07")
    expected = {"Adult Services": 211, "Children's Services": 149, "Public Health": 2.4,
                "Environment & Place": 63, "Commercial Development, Assets & Investments": 49,
                "Customers, Organisational Development & Resources": 37}
    for who, budget in expected.items():
        assert july[who][0] == pytest.approx(budget, rel=0.03), who
    children = [position(p)["Children's Services"][1] for p in ("2022-04", "2022-07", "2022-12")]
    assert 2.5 <= children[0] <= 4 and 7 <= children[1] <= 9 and children[2] >= 9.5
    assert july["Environment & Place"][1] < 0
    assert july["Central budgets"][1] < 0


def test_balances_reserves_dsg_and_savings(data_dir):
    for period in PERIODS:
        folder = data_dir / "returns" / period
        balances = {r["Item"]: r["£m"] for r in records(folder / "Corporate.xlsx", "Balances")}
        assert list(balances) == ["General balances at 1 April", "Risk-assessed level"]
        reserves = records(folder / "Corporate.xlsx", "Reserves")
        assert 6 <= len(reserves) <= 10 and "COVID-19 Reserve" in {r["Reserve"] for r in reserves}
        dsg = {r["Block"]: r for r in records(folder / "Corporate.xlsx", "DSG")}
        assert list(dsg) == ["Schools", "Central School Services", "Early Years", "High Needs"]
        for d in sampledata.DIRECTORATES:
            savings = records(folder / f"{d}.xlsx", "Savings")
            assert 2 <= len(savings) <= 6
            assert all(0 <= s["Forecast delivered £m"] <= s["Planned £m"] for s in savings)
    july = data_dir / "returns" / "2022-07" / "Corporate.xlsx"
    balances = {r["Item"]: r["£m"] for r in records(july, "Balances")}
    assert balances == {"General balances at 1 April": 36.7, "Risk-assessed level": 28.9}
    high_needs = {r["Block"]: r for r in records(july, "DSG")}["High Needs"]
    assert high_needs["Opening cumulative deficit £m"] == 29.8 and high_needs["Forecast in-year deficit £m"] == 17.5


def test_cover_sheets(data_dir):
    for period in PERIODS:
        for who in (*sampledata.DIRECTORATES, "Corporate"):
            cover = {r["Item"]: r["Value"] for r in records(data_dir / "returns" / period / f"{who}.xlsx", "Cover")}
            assert cover["Directorate"] == who and cover["Period"] == period and cover["Prepared by"]
            submitted = cover["Date submitted"]
            assert (submitted.year * 12 + submitted.month) - (int(period[:4]) * 12 + int(period[5:])) == 1


# --- templates and the large scale ---------------------------------------------------------------


def test_templates_have_headers_and_drop_down_lists(data_dir):
    register = load_workbook(data_dir / "templates" / "Measure register.xlsx")["Measures"]
    assert [c.value for c in register[1]] == list(sampledata.REGISTER_COLUMNS)
    assert all(c.font.b for c in register[1])
    lists = {dv.formula1 for dv in register.data_validations.dataValidation}
    assert lists == {'"Monthly,Quarterly,Termly,Six-monthly,Annual"',
                     '"Higher is better,Lower is better,Monitoring only"', '"Y,N"'}
    directorate = load_workbook(data_dir / "templates" / "Directorate return.xlsx")
    assert directorate.sheetnames == ["Cover", "Performance", "Finance", "Savings"]
    lists = {dv.formula1 for dv in directorate["Performance"].data_validations.dataValidation}
    assert lists == {'"R,A,G"', '"Improving,Stable,Deteriorating"'}
    corporate = load_workbook(data_dir / "templates" / "Corporate return.xlsx")
    assert corporate.sheetnames == ["Cover", "Central budgets", "Funding", "Balances", "Reserves", "DSG",
                                    "Recommendations", "Implications"]


def test_large_scale_smoke(tmp_path):
    spec = sampledata.LargeSpec(directorates=3, measures=40, service_areas=90, periods="2022-02..2022-04")
    written = sampledata.generate(tmp_path, scale="large", seed=1, large=spec)
    assert sorted(p.name for p in (tmp_path / "register").iterdir()) == ["2021-22.xlsx", "2022-23.xlsx"]
    measures = records(tmp_path / "register" / "2022-23.xlsx", "Measures")
    assert len(measures) == 40 and len({m["Measure ID"] for m in measures}) == 40
    for period in ("2022-02", "2022-03", "2022-04"):
        folder = tmp_path / "returns" / period
        names = [f"Directorate {i:02d}" for i in (1, 2, 3)]
        rows = [r for d in names for r in records(folder / f"{d}.xlsx", "Finance")]
        assert len(rows) == 90 and len({r["Service area"] for r in rows}) == 90
        central = records(folder / "Corporate.xlsx", "Central budgets")
        funding = records(folder / "Corporate.xlsx", "Funding")[0]
        net = sum(pence(r["Latest budget £m"]) for r in rows + central)
        assert pence(funding["Latest budget £m"]) == -net
    assert len(written) == 2 + 3 * 4 + 3
