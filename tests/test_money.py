import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from briefing.money import format_millions, millions, pct_text, pence_column, pence_from_millions, percent, \
    percent_text, units_text, whole_units


def test_millions_to_pence_is_exact():
    assert pence_from_millions(211.083) == 21_108_300_000
    assert pence_from_millions(-0.015) == -1_500_000
    assert pence_from_millions(0.1) + pence_from_millions(0.2) == pence_from_millions(0.3)
    assert pence_from_millions(None) is None


def test_sum_of_many_small_amounts_does_not_drift():
    amounts = [0.1] * 10_000
    assert sum(pence_from_millions(a) for a in amounts) == 100_000_000_000
    assert sum(amounts) != 1000.0  # the float sum drifts; the pence sum above does not


def test_rounding_is_half_up_at_display_only():
    assert whole_units(pence_from_millions(7.25), 1) == 73 and whole_units(pence_from_millions(-7.25), 1) == -73
    assert format_millions(pence_from_millions(7.15)) == "£7.2m"
    assert format_millions(pence_from_millions(-1.349)) == "-£1.3m"
    assert format_millions(pence_from_millions(2.4), sign=True) == "+£2.4m"
    assert format_millions(pence_from_millions(-0.0004)) == "less than £0.1m"  # not nil: never "-£0.0m"
    assert format_millions(pence_from_millions(-0.04)) == "less than £0.1m"  # not nil, and no third decimal
    assert millions(150_000_000) == 1.5


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_infinity=False, min_value=-9e10, max_value=9e10),
                          st.decimals(min_value=-10**7, max_value=10**7, places=9).map(float),
                          st.integers(-10**15, 10**15).map(lambda n: n / 10**8),
                          st.integers(-10**15, 10**15).map(lambda n: (n + 0.5) / 10**8)), max_size=30))
def test_a_column_in_pence_at_once_is_each_value_in_pence(amounts):
    column = pence_column(pd.Series(amounts, dtype="float64"))
    assert str(column.dtype) == "Int64"
    assert [None if v is pd.NA else v for v in column] == [pence_from_millions(a) for a in amounts]


def test_a_column_in_pence_keeps_exact_halves_and_blanks():
    amounts = [211.083, -0.015, 0.000000005, -0.000000005, 1.234567895, 9_999_999.99999999, 12_345_678.9,
               math.nan, -0.0, 0.1]
    column = pence_column(pd.Series(amounts))
    assert list(column) == [21_108_300_000, -1_500_000, 1, -1, 123_456_790, 999_999_999_999_999,
                            1_234_567_890_000_000, pd.NA, 0, 10_000_000]
    assert list(pence_column(pd.Series([None, None], dtype=object))) == [pd.NA, pd.NA]


def test_a_small_amount_is_never_written_as_nil_in_a_sentence():
    assert format_millions(pence_from_millions("-0.007"), sign=True) == "less than £0.1m under"  # £7,000 under
    assert format_millions(pence_from_millions("0.022"), sign=True) == "less than £0.1m over"
    assert format_millions(pence_from_millions("0.05")) == "£0.1m"                  # rounds half up as before
    assert format_millions(0, sign=True) == "£0.0m"                                  # nil is nil
    assert pct_text(-0.0033) == "less than 0.1%" and pct_text(0) == "0.0%" and pct_text(-2.04) == "2.0%"


@given(st.one_of(st.integers(-10 ** 20, 10 ** 20), st.sampled_from([5_000_000, -5_000_000, 4_999_999, -50_000, 0])),
       st.sampled_from([1, 3]), st.booleans())
def test_whole_units_round_and_write_as_the_decimal_rounding_does(pence, places, plus):
    shown = (Decimal(pence) / 100_000_000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if shown < 0 else "+" if plus and shown > 0 else ""
    assert units_text(whole_units(pence, places), places, plus) == f"{sign}{abs(shown):,.{places}f}"


@given(st.floats(allow_nan=False) | st.integers(-10 ** 6, 10 ** 6).map(lambda n: n / 20) | st.just(-0.0), st.booleans())
@example(0.15, False)
@example(-0.04, True)
@example(0.05, True)
def test_a_per_cent_is_shown_to_one_place_as_round_rounds_it(value, signed):
    shown = round(value, 1) + 0.0
    assert percent_text(value, signed) == f"{'+' if signed and shown > 0 else ''}{shown:,.1f}%"


def test_a_per_cent_of_a_whole_is_blank_where_the_whole_is_nil_negative_or_blank():
    assert percent(1, 4) == 25.0 and math.isnan(percent(1, 0)) and math.isnan(percent(1, -4))
    assert math.isnan(percent(pd.NA, 4)) and math.isnan(percent(1, None))
    parts = pd.Series(pd.array([1, 3, None, 5], dtype="Int64"))
    assert percent(parts, 4).tolist()[:2] == [25.0, 75.0] and percent(parts, 4).isna().tolist()[2]
    assert percent(parts, pd.Series([4, 0, 4, -5])).isna().tolist() == [False, True, True, True]
