import pytest

from briefing.periods import (PeriodError, financial_year, label, months_elapsed, parse_period, period_range,
                              shift, year_to_date)


def test_financial_year_runs_april_to_march():
    assert financial_year("2022-04") == "2022-23"
    assert financial_year("2023-03") == "2022-23"
    assert financial_year("2022-03") == "2021-22"
    assert financial_year("1999-12") == "1999-00"


def test_months_elapsed_counts_from_april():
    assert [months_elapsed(p) for p in ("2022-04", "2022-07", "2022-12", "2023-01", "2023-03")] == [1, 4, 9, 10, 12]


def test_shift_crosses_year_ends():
    assert shift("2022-01", -1) == "2021-12"
    assert shift("2022-12", 1) == "2023-01"
    assert shift("2022-07", -12) == "2021-07"


def test_range_is_inclusive_and_ordered():
    assert period_range("2022-11..2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert period_range("2022-07") == ["2022-07"]
    with pytest.raises(PeriodError):
        period_range("2023-02..2022-11")


@pytest.mark.parametrize("bad", ["2022-13", "2022-7", "202207", "../../etc", "2022-07/..", "", "2022-00"])
def test_malformed_periods_are_refused(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_year_to_date_and_labels():
    assert year_to_date("2022-06") == ["2022-04", "2022-05", "2022-06"]
    assert label("2022-07") == "July 2022"
