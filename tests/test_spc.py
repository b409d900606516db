"""XmR charts, the special-cause rules at every boundary, variation and assurance, and year-end projections."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.periods import period_range, shift
from briefing.spc import (ASSURANCE_INCONSISTENT, ASSURANCE_MET, ASSURANCE_NOT_MET, COMMON_CAUSE, HIGH, LOW,
                          MIN_POINTS, NEAR_LIMITS, OUTSIDE_LIMITS, PROJECTION_COLUMNS, SHIFT, SPC_COLUMNS,
                          SPECIAL_CONCERNING, SPECIAL_IMPROVING, SPECIAL_NEITHER, TOO_FEW_POINTS, TREND, Signal,
                          assurance, baseline_points, charted_figures, near_limits, outside_limits, project_year_end,
                          shifts, spc_points, spc_signals, spc_table, trends, variation, variation_symbol, xmr,
                          year_end_projections)

HIGHER, LOWER, MONITORING = "Higher is better", "Lower is better", "Monitoring only"
# The worked example of docs/ratings.md: a measure of a financial year, April to March.
YEAR = period_range("2022-04..2023-03")
WORKED = [50, 47, 48, 54, 54, 50, 49, 47, 53, 53, 46, 49]


def series(values, first="2022-04"):
    """Values labelled by consecutive periods from ``first``."""
    return pd.Series(values, index=[shift(first, k) for k in range(len(values))], dtype="float64")


def labels(values):
    return pd.Series(values, dtype="float64")


def rules_of(chart):
    return [(s.rule, s.side) for s in chart.signals]


def test_limits_of_the_worked_example():
    chart = xmr(series(WORKED))
    # mean = 600 / 12 = 50
    # moving ranges 3, 1, 6, 0, 4, 1, 2, 6, 0, 7, 3: sum 33, mean 33 / 11 = 3
    # limits 50 ± 2.66 × 3 = 50 ± 7.98 → 42.02 and 57.98; sigma = 3 / 1.128 = 2.6596
    assert chart.mean == pytest.approx(50)
    assert chart.moving_ranges.tolist()[1:] == [3, 1, 6, 0, 4, 1, 2, 6, 0, 7, 3]
    assert chart.mean_moving_range == pytest.approx(3)
    assert (chart.lower_limit, chart.upper_limit) == (pytest.approx(42.02), pytest.approx(57.98))
    assert chart.sigma == pytest.approx(2.659574, abs=1e-6)
    assert chart.signals == () and chart.note == ""


def test_a_point_after_a_fixed_baseline_is_judged_against_it():
    chart = xmr(series(WORKED + [59]), baseline=12)
    # the baseline is the worked example's: 59 is above 57.98 and beyond 2 sigma (55.32) but one point is not two
    assert (chart.mean, chart.upper_limit) == (pytest.approx(50), pytest.approx(57.98))
    assert rules_of(chart) == [(OUTSIDE_LIMITS, HIGH)]
    assert variation(chart, HIGHER) == SPECIAL_IMPROVING and variation_symbol(chart, HIGHER) == "H+"
    assert assurance(chart, 52, HIGHER) == ASSURANCE_INCONSISTENT
    table = chart.table()
    assert table.loc["2023-04", "special_cause"] == OUTSIDE_LIMITS and not table.loc["2023-04", "in_baseline"]


def test_the_baseline_defaults_to_every_point():
    assert xmr(series(WORKED + [59])).mean == pytest.approx(659 / 13)


@pytest.mark.parametrize("point,fires", [(57.98, False), (57.99, True), (42.02, False), (42.01, True)])
def test_a_point_exactly_on_a_limit_is_not_outside(point, fires):
    chart = xmr(series(WORKED + [point]), baseline=12)
    assert (OUTSIDE_LIMITS in [s.rule for s in chart.signals]) is fires


def test_outside_limits_names_each_point_and_its_side():
    assert outside_limits(labels([5, 11, -1, 10, 0]), 0, 10) == [
        Signal(OUTSIDE_LIMITS, HIGH, (1,)), Signal(OUTSIDE_LIMITS, LOW, (2,))]


def test_seven_on_one_side_of_the_mean_fires_and_six_does_not():
    assert shifts(labels([51] * 7), 50) == [Signal(SHIFT, HIGH, tuple(range(7)))]
    assert shifts(labels([49] * 7), 50) == [Signal(SHIFT, LOW, tuple(range(7)))]
    assert shifts(labels([51] * 6), 50) == []
    assert shifts(labels([48, 51, 52, 51, 52, 51, 52, 48]), 50) == []


def test_a_point_on_the_mean_breaks_the_run():
    assert shifts(labels([51, 51, 51, 50, 51, 51, 51, 51]), 50) == []
    assert shifts(labels([51, 51, 51, 50, 51, 51, 51, 51, 51, 51, 51]), 50) == [
        Signal(SHIFT, HIGH, tuple(range(4, 11)))]


def test_the_run_rule_through_xmr():
    # baseline 52, 48, … 48: mean 50, moving ranges all 4, limits 39.36 to 60.64, 2 sigma 7.09
    baseline = [52, 48] * 6
    assert SHIFT not in [s.rule for s in xmr(series(baseline + [51] * 6), baseline=12).signals]
    chart = xmr(series(baseline + [51] * 7), baseline=12)
    assert rules_of(chart) == [(SHIFT, HIGH)]
    assert chart.signals[0].points == tuple(period_range("2023-04..2023-10"))


def test_six_rising_or_falling_fires_and_five_does_not():
    assert trends(labels([1, 2, 3, 4, 5, 6])) == [Signal(TREND, HIGH, tuple(range(6)))]
    assert trends(labels([6, 5, 4, 3, 2, 1])) == [Signal(TREND, LOW, tuple(range(6)))]
    assert trends(labels([1, 2, 3, 4, 5])) == []
    assert trends(labels([9, 1, 2, 3, 4, 5, 0])) == []


def test_equal_consecutive_values_break_a_trend():
    assert trends(labels([1, 2, 3, 3, 4, 5, 6])) == []
    assert trends(labels([1, 2, 3, 3, 4, 5, 6, 7, 8])) == [Signal(TREND, HIGH, tuple(range(3, 9)))]


def test_two_of_three_beyond_two_sigma_on_the_same_side_fires():
    # mean 50, sigma 2: 2 sigma is 46 to 54
    assert near_limits(labels([50, 55, 50, 55, 50]), 50, 2) == [Signal(NEAR_LIMITS, HIGH, (1, 3))]
    assert near_limits(labels([45, 44, 50]), 50, 2) == [Signal(NEAR_LIMITS, LOW, (0, 1))]
    assert near_limits(labels([55, 50, 45, 50]), 50, 2) == []   # opposite sides
    assert near_limits(labels([55, 50, 50, 55]), 50, 2) == []   # not within three points
    assert near_limits(labels([54, 54, 50]), 50, 2) == []       # on 2 sigma is not beyond it


def test_overlapping_windows_make_one_signal():
    assert near_limits(labels([55, 56, 50, 57, 58]), 50, 2) == [Signal(NEAR_LIMITS, HIGH, (0, 1, 3, 4))]


def test_a_level_change_in_april_is_found_by_the_run_rule_across_financial_years():
    # 2021-10 .. 2022-10: six months about 48, then from April seven about 52, every point inside the limits.
    # Twelve months 2021-10 .. 2022-09 split six and six around the mean, one short of the rule; the seventh
    # month after the change makes the run. The chart spans two registers' years and is one series.
    before = [48, 47, 49, 48, 47, 49]
    after = [52, 51, 53, 52, 51, 53, 52]
    periods = period_range("2021-10..2022-10")
    history = make_history("M1", periods, before + after)
    chart = xmr(pd.Series(before + after, index=periods, dtype="float64"))
    assert [(s.rule, s.points) for s in chart.signals] == [(SHIFT, tuple(period_range("2022-04..2022-10")))]
    row = spc_table(history).iloc[0]
    assert (row["variation"], row["rules_this_period"], row["direction"]) == (SPECIAL_IMPROVING, SHIFT, "improvement")
    assert xmr(pd.Series(before + after[:6], index=periods[:12], dtype="float64")).signals == ()


def test_fewer_than_twelve_points_give_no_limits():
    chart = xmr(series(WORKED[:11] + [np.nan]))  # twelve months, one missing: eleven points
    assert len(chart.points) == 11 and MIN_POINTS == 12
    assert math.isnan(chart.lower_limit) and math.isnan(chart.upper_limit)
    assert chart.signals == () and chart.note == TOO_FEW_POINTS
    assert variation(chart, HIGHER) == TOO_FEW_POINTS and assurance(chart, 50, HIGHER) == ""
    assert xmr(series(WORKED + [59]), baseline=11).note == TOO_FEW_POINTS


def test_missing_values_are_skipped_not_zero():
    chart = xmr(series(WORKED[:6] + [np.nan] + WORKED[6:]))  # October missing: September's 50 meets November's 49
    assert "2022-10" not in chart.points.index and len(chart.points) == 12
    assert (chart.mean, chart.mean_moving_range) == (pytest.approx(50), pytest.approx(3))


def test_a_baseline_of_no_points_gives_no_limits_and_fewer_is_refused():
    chart = xmr(series(WORKED), baseline=0)
    assert chart.note == TOO_FEW_POINTS and math.isnan(chart.upper_limit) and chart.signals == ()
    with pytest.raises(ValueError):
        xmr(series(WORKED), baseline=-1)


@pytest.mark.parametrize("baseline, count", [(None, None), ("", None), (float("nan"), None), (pd.NA, None),
                                             (5, 5), ("2023-03", 12), ("2023-04", 13), ("2022-03", 0),
                                             ("2030-01", 13)])
def test_a_baseline_is_a_count_or_the_period_it_ends(baseline, count):
    assert baseline_points(series(WORKED + [59]), baseline) == count


def test_each_measure_can_have_its_own_baseline_and_the_points_use_the_same():
    """M1's limits end in March 2023, so April's 59 is outside them; M2's take in every point, so its 59 moves
    the limits and stays inside; the chart's points carry the limits the table states."""
    history = pd.concat([make_history("M1", YEAR + ["2023-04"], WORKED + [59]),
                         make_history("M2", YEAR + ["2023-04"], WORKED + [59])], ignore_index=True)
    baseline = pd.Series({"M1": "2023-03", "M2": None})
    table = spc_table(history, baseline=baseline).set_index("measure_id")
    assert table.loc["M1", ["baseline_points", "rules_this_period"]].tolist() == [12, OUTSIDE_LIMITS]
    assert table.loc["M2", ["baseline_points", "rules_this_period"]].tolist() == [13, ""]
    assert table.loc["M1", "upper_limit"] == pytest.approx(57.98)
    points = spc_points(history, baseline).groupby("measure_id")["upper_limit"].first()
    assert points.to_dict() == pytest.approx(table["upper_limit"].to_dict())
    assert spc_signals(history, baseline=baseline)["measure_id"].tolist() == ["M1"]


@given(value=st.floats(-1e9, 1e9, allow_nan=False), count=st.integers(MIN_POINTS, 40))
def test_property_a_constant_series_has_no_signals(value, count):
    chart = xmr(pd.Series([value] * count))
    assert chart.signals == ()
    assert variation(chart, HIGHER) == COMMON_CAUSE


@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=MIN_POINTS, max_size=40))
def test_property_limits_are_symmetric_around_the_mean(values):
    chart = xmr(pd.Series(values))
    assert chart.lower_limit <= chart.mean <= chart.upper_limit
    assert math.isclose(chart.upper_limit - chart.mean, chart.mean - chart.lower_limit, rel_tol=1e-9, abs_tol=1e-6)


def shifted_up():
    return xmr(series([52, 48] * 6 + [51] * 7), baseline=12)


@pytest.mark.parametrize("polarity,words,symbol", [
    (HIGHER, SPECIAL_IMPROVING, "H+"), (LOWER, SPECIAL_CONCERNING, "H!"), (MONITORING, SPECIAL_NEITHER, "H")])
def test_polarity_decides_improving_or_concerning(polarity, words, symbol):
    assert variation(shifted_up(), polarity) == words
    assert variation_symbol(shifted_up(), polarity) == symbol


def test_a_signal_before_the_latest_point_is_not_this_period():
    chart = xmr(series([52, 48] * 6 + [51] * 7 + [49]), baseline=12)
    assert [s.rule for s in chart.signals] == [SHIFT] and chart.latest_signals == ()
    assert variation(chart, HIGHER) == COMMON_CAUSE and variation_symbol(chart, HIGHER) == "~"


def test_a_concern_outweighs_an_improvement_at_the_latest_point():
    # still above the mean (a run of 7, improving) but falling six times (a trend, concerning)
    chart = xmr(series([52, 48] * 6 + [57, 56, 55, 54, 53, 52, 51]), baseline=12)
    assert {s.rule for s in chart.latest_signals} >= {SHIFT, TREND}
    assert variation(chart, HIGHER) == SPECIAL_CONCERNING and variation_symbol(chart, HIGHER) == "L!"


@pytest.mark.parametrize("target,polarity,expected", [
    (52, HIGHER, ASSURANCE_INCONSISTENT), (57.98, HIGHER, ASSURANCE_INCONSISTENT),
    (42.02, LOWER, ASSURANCE_INCONSISTENT),
    (40, HIGHER, ASSURANCE_MET), (60, HIGHER, ASSURANCE_NOT_MET),
    (60, LOWER, ASSURANCE_MET), (40, LOWER, ASSURANCE_NOT_MET),
    (None, HIGHER, ""), (np.nan, HIGHER, ""), (60, MONITORING, "")])
def test_assurance_compares_the_target_with_the_limits(target, polarity, expected):
    assert assurance(xmr(series(WORKED)), target, polarity) == expected


def make_history(measure_id, periods, actuals, polarity=HIGHER, target=52.0, cumulative=False,
                 frequency="Monthly"):
    """Rated-history rows as ``Briefing.rated_history`` has them, for one measure."""
    months = [(int(p[5:]) - 4) % 12 + 1 for p in periods]
    return pd.DataFrame({
        "measure_id": measure_id, "period": periods, "actual_value": pd.Series(actuals, dtype="float64"),
        "target_value": target, "period_target": [target * m / 12 if cumulative else target for m in months],
        "polarity": polarity, "cumulative": cumulative, "frequency": frequency})


def test_spc_table_one_row_per_measure():
    history = pd.concat([
        make_history("M1", YEAR + ["2023-04"], WORKED + [59]),
        make_history("M2", YEAR[:11], WORKED[:11], polarity=LOWER),
    ], ignore_index=True).sample(frac=1, random_state=1)  # any row order
    table = spc_table(history, baseline=12).set_index("measure_id")
    assert table.columns.tolist() == SPC_COLUMNS[1:]
    m1 = table.loc["M1"]
    assert (m1["points"], m1["first_period"], m1["last_period"]) == (13, "2022-04", "2023-04")
    assert (m1["mean"], m1["lower_limit"], m1["upper_limit"]) == (
        pytest.approx(50), pytest.approx(42.02), pytest.approx(57.98))
    assert (m1["variation"], m1["variation_symbol"], m1["assurance"], m1["assurance_symbol"]) == (
        SPECIAL_IMPROVING, "H+", ASSURANCE_INCONSISTENT, "?")
    assert (m1["rules_this_period"], m1["direction"]) == (OUTSIDE_LIMITS, "improvement")
    assert m1["signals"] == "point outside the limits, high: 2023-04"
    m2 = table.loc["M2"]
    assert (m2["variation"], m2["note"], m2["assurance"], m2["rules_this_period"]) == (
        TOO_FEW_POINTS, TOO_FEW_POINTS, "", "")
    assert math.isnan(m2["upper_limit"])


def test_spc_table_polarity_and_target_can_be_given():
    history = make_history("M1", YEAR + ["2023-04"], WORKED + [59])
    history = pd.concat([history, make_history("M2", YEAR, WORKED)], ignore_index=True)
    table = spc_table(history, polarity={"M1": LOWER}, target=pd.Series({"M1": 40.0}), baseline=12)
    m1, m2 = table.set_index("measure_id").loc[["M1", "M2"]].to_dict("records")
    assert (m1["variation"], m1["direction"], m1["assurance"], m1["assurance_symbol"]) == (
        SPECIAL_CONCERNING, "concern", ASSURANCE_NOT_MET, "F")
    assert (m2["target"], m2["assurance"]) == (52, ASSURANCE_INCONSISTENT)  # not named: the history's own


def test_spc_signals_lists_every_signal():
    history = make_history("M1", YEAR + period_range("2023-04..2023-11"), [52, 48] * 6 + [51] * 7 + [49])
    signals = spc_signals(history, baseline=12)
    assert signals[["measure_id", "rule", "side", "first_period", "last_period", "direction", "this_period"]
                   ].values.tolist() == [["M1", SHIFT, HIGH, "2023-04", "2023-10", "improvement", False]]


def test_cumulative_measures_are_charted_on_their_in_period_figures():
    periods = period_range("2022-02..2022-06")
    history = make_history("C1", periods, [300, 330, 30, 62, np.nan], cumulative=True, target=360.0)
    figures = charted_figures(history)
    # Feb: no January figure; March 330 - 300; April starts the year; May 62 - 30; June missing
    assert figures["charted_actual"].tolist()[1:4] == [30, 30, 32]
    assert math.isnan(figures["charted_actual"][0]) and math.isnan(figures["charted_actual"][4])
    assert figures["charted_target"].tolist()[1:] == [30, 30, 30, 30]  # 360 / 12 a month


def test_quarterly_cumulative_measures_change_from_the_previous_quarter():
    history = make_history("Q1", ["2022-06", "2022-09", "2022-12"], [10, 25, 45], cumulative=True,
                           frequency="Quarterly", target=80.0)
    assert charted_figures(history)["charted_actual"].tolist() == [10, 15, 20]


def test_year_end_projection_pro_rata_and_run_rate():
    ytd = pd.Series({"2022-04": 30, "2022-05": 62, "2022-06": 95, "2022-07": 130, "2022-08": 170})
    projection = project_year_end(ytd, 420, LOWER)
    # August is month 5: pro rata 170 / 5 × 12 = 408
    # last three months' increments: June 33, July 35, August 40, mean 36; 7 months remain: 170 + 36 × 7 = 422
    assert (projection.period, projection.months_elapsed, projection.months_remaining) == ("2022-08", 5, 7)
    assert projection.pro_rata == pytest.approx(408) and projection.run_rate == pytest.approx(422)
    assert projection.pro_rata_meets_target is True and projection.run_rate_meets_target is False
    higher = project_year_end(ytd, 420, HIGHER)
    assert higher.pro_rata_meets_target is False and higher.run_rate_meets_target is True


def test_run_rate_needs_three_months_of_the_year():
    may = project_year_end(pd.Series({"2022-04": 30, "2022-05": 62}), 420, LOWER)
    assert may.pro_rata == pytest.approx(372) and math.isnan(may.run_rate) and may.run_rate_meets_target is None
    # June: three months; the start of the year counts as 0, so 105 + 105 / 3 × 9 = 420, on target: met
    june = project_year_end(pd.Series({"2022-03": 404, "2022-06": 105}), 420, LOWER)
    assert june.run_rate == pytest.approx(420) and june.run_rate_meets_target is True
    # September with no June figure: no run rate
    assert math.isnan(project_year_end(pd.Series({"2022-08": 170, "2022-09": 200})).run_rate)


def test_projection_in_march_is_the_year_to_date_figure():
    march = project_year_end(pd.Series({"2022-11": 300, "2023-03": 426}), 420, LOWER)  # no December: no matter
    assert (march.pro_rata, march.run_rate, march.months_remaining) == (426, 426, 0)
    assert march.pro_rata_meets_target is False


def test_projection_without_target_or_polarity_meets_nothing():
    projection = project_year_end(pd.Series({"2022-07": 100}), None, HIGHER)
    assert projection.pro_rata == pytest.approx(300) and projection.pro_rata_meets_target is None
    assert project_year_end(pd.Series({"2022-07": 100}), 200, MONITORING).pro_rata_meets_target is None
    with pytest.raises(ValueError):
        project_year_end(pd.Series({"2022-07": np.nan}))


def test_year_end_projections_of_a_history():
    history = pd.concat([
        make_history("C1", period_range("2022-03..2022-08"), [404, 30, 62, 95, 130, 170], LOWER, 420.0, True),
        make_history("M1", YEAR, WORKED)], ignore_index=True)
    table = year_end_projections(history)
    assert table.columns.tolist() == PROJECTION_COLUMNS
    assert table.values.tolist() == [["C1", "2022-08", 5, 170.0, 420.0, pytest.approx(408), pytest.approx(422),
                                      True, False]]


@pytest.fixture(scope="module")
def bundled_history():
    from briefing.document import build_briefing, check_parameters
    return build_briefing(check_parameters("2023-03", None, None, None, None)).rated_history


def test_spc_table_of_the_bundled_briefing(bundled_history):
    table = spc_table(bundled_history).set_index("measure_id")
    assert len(table) == bundled_history["measure_id"].nunique()
    charted = table[table["note"] == ""]
    assert len(charted) and (charted["points"] >= MIN_POINTS).all()
    assert (charted["lower_limit"] <= charted["upper_limit"]).all()
    assert set(charted["variation"]) <= {COMMON_CAUSE, SPECIAL_IMPROVING, SPECIAL_CONCERNING, SPECIAL_NEITHER}
    # a year-to-date measure: thirteen months loaded, twelve in-month changes (March 2022 has no February)
    assert table.loc["OCC01.03", ["charted", "points"]].tolist() == ["in-period change in the year-to-date actual", 12]
    quarterly = bundled_history.loc[bundled_history["frequency"] == "Quarterly", "measure_id"].unique()
    assert (table.loc[quarterly, "note"] == TOO_FEW_POINTS).all()


def test_year_end_projections_of_the_bundled_briefing(bundled_history):
    table = year_end_projections(bundled_history).set_index("measure_id")
    cumulative = bundled_history.loc[bundled_history["cumulative"], "measure_id"].unique()
    assert set(table.index) <= set(cumulative) and "OCC01.03" in table.index
    # March: the whole year has elapsed, so both projections are the year-to-date figure, 426 kg against 420
    assert table.loc["OCC01.03", ["months_elapsed", "ytd", "pro_rata_projection", "run_rate_projection",
                                  "pro_rata_meets_target"]].tolist() == [12, 426, 426, 426, False]
