"""The performance figures, pinned on a small synthetic council whose answers are worked out by hand.

Every measure's status in every month is planned below (G/A/R, M monitoring
only, N not reported, "." not due); the returns are written to give exactly
those statuses, rated by the real rules, and each figure is checked against
counts read off the plan by eye. The tables and sentences showing them are
tested in test_performance_tables.py, on the same council.
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing import performance as P
from briefing.params import Settings
from briefing.periods import months_elapsed
from briefing.ratings import (AMBER, GREEN, MONITORING, NOT_REPORTED, RED, STATUSES, add_direction_of_travel,
                              rate_measures)

PERIODS = ["2022-03", "2022-04", "2022-05", "2022-06", "2022-07", "2022-08", "2022-09"]
P1, P2 = "P1: Keep people safe", "P2: A thriving county"
D1, D2 = "Directorate One", "Directorate Two"
#          id    priority directorate frequency   polarity            cumulative judgement  Mar Apr May Jun Jul Aug Sep
PLAN = [("M1", P1, D1, "Monthly", "Higher is better", False, False, "GGAAAGA"),
        ("M2", P1, D1, "Monthly", "Lower is better", False, False, "GRRGRRA"),
        ("M3", P1, D1, "Monthly", "Monitoring only", False, False, "MMMMMMM"),
        ("Q1", P1, D1, "Quarterly", "Higher is better", False, False, "A..A..A"),
        ("S1", P1, D1, "Six-monthly", "Higher is better", False, False, "G.....R"),
        ("M4", P2, D2, "Monthly", "Higher is better", False, False, "RAGRGAA"),
        ("M5", P2, D2, "Monthly", "Higher is better", True, False, "GGGARRR"),
        ("J1", P2, D2, "Monthly", "Higher is better", False, True, "AAAAGGG"),
        ("M6", P2, D2, "Monthly", "Higher is better", False, False, "GGGGNGG"),
        ("T1", P2, D2, "Termly", "Higher is better", False, False, ".G..R..")]
SHORTFALL = {"G": 1.0, "A": 0.97, "R": 0.8}      # share of target reached, for higher is better
OUTLOOK = {"M1": "improving", "M2": "↓", "Q1": "Stable", "M4": "positive"}


def _register() -> pd.DataFrame:
    rows = []
    for mid, priority, directorate, frequency, polarity, cumulative, judgement, _ in PLAN:
        target = "Top quartile" if judgement else None if polarity == "Monitoring only" else \
            1200.0 if cumulative else 100.0
        rows.append(dict(measure_id=mid, measure=f"Measure {mid}", priority=priority, directorate=directorate,
                         director=f"Director of {directorate}", frequency=frequency, polarity=polarity,
                         unit="number", target=target, amber_tolerance=None, cumulative=cumulative,
                         target_value=target if isinstance(target, float) else float("nan"),
                         target_text="" if target is None else str(target), judgement=judgement))
    return pd.DataFrame(rows)


def _returns(period: str) -> pd.DataFrame:
    rows = []
    for mid, _, directorate, _, polarity, cumulative, judgement, plan in PLAN:
        status = plan[PERIODS.index(period)]
        if status == ".":
            continue
        row = dict(measure_id=mid, actual=None, reported_rag=None, outlook=OUTLOOK.get(mid), commentary=f"On {mid}",
                   risk_impact=f"Risk of {mid}", finance_impact=f"Cost of {mid}", not_reported_reason=None,
                   file=f"{directorate}.xlsx", sheet="Performance", row=2 + len(rows), letters={"actual": "B"},
                   directorate=directorate)
        if status == "N":
            row["not_reported_reason"] = "System down"
        elif status == "M":
            row["actual"] = 5.0
        elif judgement:
            row["reported_rag"] = status
        else:
            target = 1200.0 * months_elapsed(period) / 12 if cumulative else 100.0
            share = SHORTFALL[status]
            row["actual"] = target * (share if polarity == "Higher is better" else 2 - share)
        rows.append(row)
    return pd.DataFrame(rows)


REGISTER = _register()
HISTORY = add_direction_of_travel(pd.concat(
    [rate_measures(REGISTER, _returns(p), p, 5.0) for p in PERIODS], ignore_index=True))


def briefing(period: str, compare_to: str | None) -> SimpleNamespace:
    """What the table functions read from a Briefing, for one period of the synthetic council."""
    ratings = HISTORY[HISTORY["period"] == period].reset_index(drop=True)
    return SimpleNamespace(period=period, ratings=ratings, rated_history=HISTORY, register=REGISTER,
                           run=SimpleNamespace(compare_to=compare_to, settings=Settings()), directorates=[D1, D2])


JULY, SEPTEMBER = briefing("2022-07", "2022-06"), briefing("2022-09", "2022-08")


def overridden_july() -> pd.DataFrame:
    """July's M1 and M4 rated, M4's director reporting Amber where the rule gives Green."""
    register = REGISTER[REGISTER["measure_id"].isin(["M1", "M4"])]
    returns = _returns("2022-07").set_index("measure_id")
    returns.loc["M4", "reported_rag"] = "Amber"                   # the rule gives Green
    return rate_measures(register, returns.reset_index(), "2022-07", 5.0).assign(direction="")


def test_the_plan_is_what_the_rules_give():
    """The scenario itself: each planned letter is the status rated (so the hand counts below hold)."""
    letters = {GREEN: "G", AMBER: "A", RED: "R", MONITORING: "M", NOT_REPORTED: "N"}
    for mid, *_, plan in PLAN:
        rated = HISTORY[HISTORY["measure_id"] == mid].set_index("period")["rag"]
        got = "".join(letters[rated[p]] if p in rated else "." for p in PERIODS)
        assert got == plan, mid


def test_rag_summary_counts_and_shares_of_those_reported():
    summary = P.rag_summary(JULY.ratings).set_index("status")
    assert summary["measures"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, "Total": 7}
    assert summary.loc[RED, "share_pct"] == pytest.approx(300 / 7)


def test_rag_by_priority_and_by_directorate():
    by_priority = P.rag_by_group(JULY.ratings, "priority").set_index("priority")
    assert by_priority.loc[P1].to_dict() == {GREEN: 0, AMBER: 1, RED: 1, MONITORING: 1, "Total": 3, NOT_REPORTED: 0}
    assert by_priority.loc[P2].to_dict() == {GREEN: 2, AMBER: 0, RED: 2, MONITORING: 0, "Total": 4, NOT_REPORTED: 1}
    assert by_priority.loc["Total"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, "Total": 7,
                                                   NOT_REPORTED: 1}
    by_directorate = P.rag_by_group(JULY.ratings, "directorate")
    assert list(by_directorate["directorate"]) == [D1, D2, "Total"]
    assert list(by_directorate["Total"]) == [3, 4, 7]


def test_status_counts_worst_first():
    july = P.status_counts(JULY.ratings["rag"])
    assert list(july.items()) == [(RED, 3), (AMBER, 1), (GREEN, 2), (MONITORING, 1)]


def test_red_measures_carry_direction_and_source_cell():
    red = P.red_measures(JULY.ratings)
    assert list(red["measure_id"]) == ["M2", "M5", "T1"]
    assert red.set_index("measure_id").loc["M2", "direction"] == "Deteriorating"   # 100 → 120, lower is better
    assert red.loc[1, "target_shown"] == "400 (year to date)"                     # 1,200 × 4/12


def test_status_changes_are_named_as_figure_3():
    changes = P.status_changes(JULY.ratings, HISTORY[HISTORY["period"] == "2022-06"], set(REGISTER["measure_id"]))
    named = changes.set_index("measure_id")["change"]
    assert named.to_dict() == {"M1": "", "M2": "Green to Red", "M3": "", "M4": "Red to Green", "M5": "Amber to Red",
                               "J1": "Amber to Green", "M6": "No longer reported", "T1": "Newly rated", "Q1": ""}
    lists = P.change_lists(changes).set_index("change")
    assert lists["measures"].to_dict() == {"Red to Green": 1, "Amber to Green": 1, "Red to Amber": 0,
                                           "Green to Amber": 0, "Green to Red": 1, "Amber to Red": 1,
                                           "Newly rated": 1, "No longer reported": 1}
    assert lists.loc["Newly rated", "which"] == "T1: Measure T1 (Red)"
    assert P.improved_and_worse(changes) == (2, 2)


def test_a_measure_gone_from_the_register_is_no_longer_reported_but_one_not_due_is_not():
    june = HISTORY[HISTORY["period"] == "2022-06"]
    changes = P.status_changes(JULY.ratings, june, set(REGISTER["measure_id"]) - {"Q1"}).set_index("measure_id")
    assert changes.loc["Q1", "change"] == "No longer reported"


def test_transition_matrix_counts_every_measure_once():
    changes = P.status_changes(JULY.ratings, HISTORY[HISTORY["period"] == "2022-06"])
    matrix = P.transition_matrix(changes).set_index("before")
    assert matrix.loc[GREEN].to_dict() == {GREEN: 0, AMBER: 0, RED: 1, MONITORING: 0, NOT_REPORTED: 1, "Not due": 0,
                                           "Total": 2}
    assert matrix.loc[AMBER].to_dict() == {GREEN: 1, AMBER: 1, RED: 1, MONITORING: 0, NOT_REPORTED: 0, "Not due": 1,
                                           "Total": 4}
    assert matrix.loc[RED, GREEN] == 1 and matrix.loc[MONITORING, MONITORING] == 1
    assert matrix.loc["Not due", RED] == 1
    assert matrix.loc["Total"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, NOT_REPORTED: 1,
                                             "Not due": 1, "Total": 9}


def test_exceptions_are_red_or_amber_two_periods_running():
    found = P.exceptions(JULY.ratings)
    assert found[["measure_id", "exception"]].values.tolist() == [
        ["M1", "Amber two periods running"], ["M2", RED], ["M5", RED], ["T1", RED]]
    assert P.exception_counts(found) == {RED: 3, P.RED_AMBER_TWICE: 1}
    assert found.set_index("measure_id").loc["T1", "previous_period"] == "2022-04"   # termly: April, then July
    assert list(found["priority"]) == [P1, P1, P2, P2]


def test_a_quarterly_measures_previous_due_period_is_three_months_back():
    found = P.exceptions(SEPTEMBER.ratings).set_index("measure_id")
    assert sorted(found.index) == ["M4", "M5", "Q1", "S1"]
    assert found.loc["Q1", "exception"] == "Amber two periods running"
    assert found.loc["Q1", "previous_period"] == "2022-06"
    assert found.loc["S1", "previous_period"] == "2022-03"
    assert "M1" not in found.index      # Amber now but Green in August


def test_year_to_date_tracking_counts_rated_measures_each_month():
    tracking = P.year_to_date_tracking(HISTORY, "2022-07")
    assert tracking["month"].tolist() == ["April", "May", "June", "July"]
    assert tracking[[GREEN, AMBER, RED, "Total"]].values.tolist() == [[4, 2, 1, 7], [3, 2, 1, 6], [2, 4, 1, 7],
                                                                     [2, 1, 3, 6]]


def test_quarterly_dashboard_compares_with_three_months_earlier():
    dashboard = P.quarterly_dashboard(HISTORY, "2022-09", [D1, D2]).set_index("measure_id")
    assert list(dashboard["directorate"].unique()) == [D1, D2]
    assert dashboard.loc["M2", ["last_quarter", "this_quarter"]].tolist() == [GREEN, AMBER]
    assert dashboard.loc["M4", ["last_quarter", "this_quarter"]].tolist() == [RED, AMBER]
    assert dashboard.loc["S1", "last_quarter"] == "n/a"                         # not due in June
    assert dashboard.loc["M5", "cumulative"] == "Y" and dashboard.loc["M1", "cumulative"] == "N"
    assert dashboard.loc["M1", "outlook"] == "Improving ↑" and dashboard.loc["M2", "outlook"] == "Deteriorating ↓"
    assert dashboard.loc["M4", "outlook"] == "Improving ↑"                      # typed "positive"
    assert [P.is_quarter_end(p) for p in ("2022-07", "2022-09")] == [False, True]
    assert P.quarter_name("2022-09") == "Q2"


def test_directorate_measures_are_every_measure_due():
    measures = P.directorate_measures(JULY.ratings[JULY.ratings["directorate"] == D2])
    assert measures["measure_id"].tolist() == ["J1", "M4", "M5", "M6", "T1"]
    assert measures.set_index("measure_id").loc["M4", ["direction", "outlook"]].tolist() == ["Improving ↑"] * 2


def test_director_assessments_show_both_ratings():
    differ = P.director_assessments(overridden_july())
    assert differ[["measure_id", "rule_rag", "reported_rag"]].values.tolist() == [["M4", GREEN, AMBER]]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["X", "Y", "Z"]), st.sampled_from(STATUSES),
                          st.sampled_from([*STATUSES, None])), min_size=1, max_size=30))
def test_property_group_totals_and_matrix_add_up(rows):
    now = pd.DataFrame([{"measure_id": f"M{i}", "measure": "m", "priority": g, "rag": s}
                        for i, (g, s, _) in enumerate(rows)])
    before = pd.DataFrame([{"measure_id": f"M{i}", "measure": "m", "priority": g, "rag": b}
                           for i, (g, _, b) in enumerate(rows) if b is not None],
                          columns=["measure_id", "measure", "priority", "rag"])
    by_group = P.rag_by_group(now, "priority")
    summary = P.rag_summary(now).set_index("status")["measures"]
    assert by_group.iloc[-1][["Total", *P.SUMMARY_ORDER]].tolist() == [summary["Total"],
                                                                       *summary[list(P.SUMMARY_ORDER)]]
    assert by_group.iloc[:-1]["Total"].sum() == (now["rag"] != NOT_REPORTED).sum()
    matrix = P.transition_matrix(P.status_changes(now, before)).set_index("before")
    assert matrix.loc["Total", "Total"] == len(now)
    assert matrix.loc["Not due", "Total"] == len(now) - len(before)
    for status in STATUSES:
        assert matrix.loc["Total", status] == (now["rag"] == status).sum()
