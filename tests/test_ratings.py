"""The RAG rules, pinned at every boundary."""
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.document import build_briefing, check_parameters
from briefing.ratings import (AMBER, GREEN, MONITORING, NOT_REPORTED, RED, add_direction_of_travel, is_due,
                              period_targets, rate_measures, rate_periods, rule_ratings)


def rate_one(actual, target, polarity="Higher is better", tolerance=5.0):
    return rule_ratings(pd.Series([actual], dtype="float64"), pd.Series([target], dtype="float64"),
                        pd.Series([polarity]), pd.Series([tolerance]))[0]


@pytest.mark.parametrize("actual,expected", [(100, GREEN), (101, GREEN), (95, AMBER), (94.99, RED), (96, AMBER)])
def test_higher_is_better_boundaries(actual, expected):
    assert rate_one(actual, 100) == expected


@pytest.mark.parametrize("actual,expected", [(100, GREEN), (99, GREEN), (105, AMBER), (105.01, RED), (0, GREEN)])
def test_lower_is_better_boundaries(actual, expected):
    assert rate_one(actual, 100, "Lower is better") == expected


def test_exactly_on_tolerance_with_awkward_floats_is_amber():
    assert rate_one(90.25, 95, tolerance=5) == AMBER     # 95 - 4.75
    assert rate_one(0.855, 0.9, tolerance=5) == AMBER    # 0.9 * 0.95, not exact in binary
    assert rate_one(62.7, 57, "Lower is better", tolerance=10) == AMBER


def test_monitoring_only_and_missing_values_are_not_rated():
    assert rate_one(5, 100, "Monitoring only") is None
    assert rate_one(float("nan"), 100) is None


@given(target=st.floats(1, 1e6), miss=st.floats(0, 1), tol=st.floats(0, 50))
def test_property_rating_follows_shortfall(target, miss, tol):
    actual = target * (1 - miss)
    got = rate_one(actual, target, tolerance=tol)
    shortfall = target - actual
    if shortfall <= 1e-9 * target:
        assert got in (GREEN, AMBER)
    elif shortfall < target * tol / 100 * (1 - 1e-9):
        assert got == AMBER
    elif shortfall > target * tol / 100 * (1 + 1e-9) + 1e-9:
        assert got == RED


@given(target=st.floats(1, 1e6), better=st.floats(0, 1e6))
def test_property_meeting_or_beating_is_green_both_ways(target, better):
    assert rate_one(target + better, target) == GREEN
    assert rate_one(max(target - better, 0), target, "Lower is better") == GREEN


@pytest.mark.parametrize("frequency,months", [
    ("Monthly", list(range(1, 13))), ("Quarterly", [3, 6, 9, 12]), ("Six-monthly", [3, 9]),
    ("Annual", [3]), ("Termly", [4, 7, 12])])
def test_every_frequency_is_due_in_its_months(frequency, months):
    measure = pd.DataFrame({"frequency": [frequency]})  # no Due months: the frequency's own
    due = [m for m in range(1, 13) if is_due(measure, f"2022-{m:02d}").iloc[0]]
    assert due == months


def test_cumulative_target_is_pro_rata_to_months_elapsed():
    targets = pd.Series([1200.0, 1200.0])
    cumulative = pd.Series([True, False])
    assert period_targets(targets, cumulative, "2022-07").tolist() == [400.0, 1200.0]
    assert period_targets(targets, cumulative, "2023-03").tolist() == [1200.0, 1200.0]
    assert period_targets(targets, cumulative, "2022-04").tolist() == [100.0, 1200.0]


def register(**overrides):
    base = dict(measure_id="M1", measure="A measure", priority="P1", directorate="D", director="X",
                frequency="Monthly", polarity="Higher is better", unit="%", target=90.0, target_value=90.0,
                target_text="90", amber_tolerance=None, cumulative=False, judgement=False)
    base.update(overrides)
    return base


def returned(**overrides):
    base = dict(measure_id="M1", actual=None, reported_rag=None, outlook=None, commentary=None, risk_impact=None,
                finance_impact=None, not_reported_reason=None, file="D.xlsx", sheet="Performance", row=2,
                letters={"actual": "B"}, directorate="D")
    base.update(overrides)
    return base


def rate(reg_rows, perf_rows, period="2022-07", tolerance=5.0, invalid=None):
    return rate_measures(pd.DataFrame(reg_rows), pd.DataFrame(perf_rows, columns=list(returned())), period,
                         tolerance, invalid).set_index("measure_id")


def test_register_tolerance_overrides_the_default():
    reg = [register(measure_id="M1", amber_tolerance=10.0), register(measure_id="M2")]
    perf = [returned(measure_id="M1", actual=82.0), returned(measure_id="M2", actual=82.0)]
    rated = rate(reg, perf)
    assert rated.loc["M1", "rag"] == AMBER   # 8 short of 90 is within 10% (9)
    assert rated.loc["M2", "rag"] == RED     # but not within the default 5% (4.5)
    assert rated.loc["M1", "source"] == "D.xlsx!Performance!B2"


def test_cumulative_measure_rated_against_pro_rata_target():
    reg = [register(target=1200.0, target_value=1200.0, cumulative=True, unit="number")]
    assert rate(reg, [returned(actual=400.0)]).loc["M1", "rag"] == GREEN
    assert rate(reg, [returned(actual=385.0)]).loc["M1", "rag"] == AMBER
    assert rate(reg, [returned(actual=379.0)]).loc["M1", "rag"] == RED


def test_judgement_target_takes_the_reported_rag():
    reg = [register(target="Top quartile", target_value=float("nan"), target_text="Top quartile", judgement=True)]
    rated = rate(reg, [returned(reported_rag="a")])
    assert rated.loc["M1", "rag"] == AMBER
    assert rated.loc["M1", "basis"].startswith("director's judgement")
    unrated = rate(reg, [returned(actual="Completed")])
    assert unrated.loc["M1", "rag"] == NOT_REPORTED
    assert "no Reported RAG" in unrated.loc["M1", "not_reported_reason"]


def test_reported_rag_without_actual_is_used():
    rated = rate([register()], [returned(reported_rag="R")])
    assert rated.loc["M1", "rag"] == RED
    assert not rated.loc["M1", "override"]


def test_director_override_is_shown_and_flagged():
    rated = rate([register()], [returned(actual=95.0, reported_rag="A")])
    assert rated.loc["M1", "rule_rag"] == GREEN
    assert rated.loc["M1", "rag"] == AMBER
    assert rated.loc["M1", "override"]
    agreeing = rate([register()], [returned(actual=95.0, reported_rag="G")])
    assert not agreeing.loc["M1", "override"]


def test_not_due_not_reported_and_monitoring():
    reg = [register(measure_id="Q", frequency="Quarterly"), register(measure_id="M", polarity="Monitoring only"),
           register(measure_id="N"), register(measure_id="Gone")]
    perf = [returned(measure_id="M", actual=3.0), returned(measure_id="N", not_reported_reason="NHS data late")]
    rated = rate(reg, perf)
    assert "Q" not in rated.index                      # quarterly measures are not due in July
    assert rated.loc["M", "rag"] == MONITORING
    assert rated.loc["N", "rag"] == NOT_REPORTED
    assert rated.loc["N", "not_reported_reason"] == "NHS data late"
    assert rated.loc["Gone", "not_reported_reason"] == "not in the directorate's return"


def test_measures_of_an_invalid_return_are_not_available():
    rated = rate([register()], [returned(actual=95.0)], invalid={"D": "return invalid (corrupt)"})
    assert rated.loc["M1", "rag"] == NOT_REPORTED
    assert rated.loc["M1", "not_reported_reason"] == "not available — return invalid (corrupt)"


def test_direction_of_travel_respects_polarity_and_cumulative():
    rows = []
    for period, up, down, ytd in [("2022-05", 80, 10, 200), ("2022-06", 85, 12, 300), ("2022-07", 85.2, 12, 350)]:
        rows += [
            dict(measure_id="UP", period=period, frequency="Monthly", rag=GREEN, actual_value=up, polarity="Higher is better",
                 cumulative=False, period_target=90.0),
            dict(measure_id="DOWN", period=period, frequency="Monthly", rag=GREEN, actual_value=down, polarity="Lower is better",
                 cumulative=False, period_target=9.0),
            dict(measure_id="YTD", period=period, frequency="Monthly", rag=GREEN, actual_value=ytd, polarity="Higher is better",
                 cumulative=True, period_target=1200 * {"2022-05": 2, "2022-06": 3, "2022-07": 4}[period] / 12),
        ]
    history = add_direction_of_travel(pd.DataFrame(rows))
    june = history[history.period == "2022-06"].set_index("measure_id")["direction"]
    july = history[history.period == "2022-07"].set_index("measure_id")["direction"]
    assert june["UP"] == "Improving" and june["DOWN"] == "Deteriorating"
    assert july["UP"] == "Stable"                      # 85 → 85.2 is within 1%
    assert june["YTD"] == "Stable" and july["YTD"] == "Deteriorating"  # 300/300 → 350/400


def test_rating_months_together_is_rating_each_and_putting_them_one_after_another(data_dir):
    briefing = build_briefing(check_parameters("2022-07", data_dir=str(data_dir)))
    periods = [(briefing.register, returns.performance, period,
                {"Public Health": "missing"} if period == "2022-05" else returns.invalid)
               for period, returns in briefing.returns.items()]
    together = rate_periods(periods, 5.0)
    apart = pd.concat([rate_measures(register, performance, period, 5.0, invalid)
                       for register, performance, period, invalid in periods], ignore_index=True)
    pd.testing.assert_frame_equal(together, apart, check_exact=True)
    assert together["period"].nunique() == len(periods) >= 5
    assert (together.loc[together["period"] == "2022-05"].query("directorate == 'Public Health'")["basis"]
            == "return invalid").all()
