"""Tables as the briefing shows them: each column's cells as HTML, and the table as accessible HTML.

tables.xlsx, written by ``briefing.spreadsheet``, is tested in ``tests/test_spreadsheet.py``.
"""
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from briefing import tables as tables_module
from briefing.tables import Table, _cell_html, column_html


@given(st.sampled_from(["text", "money", "money_signed", "pct", "pct_signed", "int", "number", "rag", "html"]),
       st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.booleans(),
                          st.integers(-10 ** 20, 10 ** 20), st.sampled_from([5_000_000, -5_000_000, 4_999_999,
                                                                             -15_000_000, 10 ** 18 - 1]),
                          st.floats(allow_nan=True, allow_infinity=False), st.sampled_from([0.05, -0.05, -0.04]),
                          st.text(max_size=8), st.sampled_from(["Green", "a\nb", "<&>", "Red"]),
                          st.builds(np.float64, st.floats(-1e6, 1e6)),
                          st.builds(np.int64, st.integers(-10 ** 15, 10 ** 15))),
                max_size=12))
@example("money", [5_000_000, -5_000_000, 4_999_999, -15_000_000, 0, -1, 123_456_789_012])  # ties round away
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, 10 ** 19])
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, np.int64(-15_000_000), 10 ** 18 - 1])  # all whole
@example("pct_signed", [0.05, -0.04, -0.0, 12345.65, float("nan")])
@example("pct_signed", [0.05, -0.04, -0.0, 0.0, -0.06, 999.94, np.float64(999.96), 12.0])  # floats: all at once
@example("pct", [0.05, -0.04, -0.0, 1e300, float("inf"), -float("inf")])  # thousands separated, and infinities
@example("pct_signed", [float("nan"), 0.05, np.float64("nan"), -0.04])  # floats with blanks among them
@example("pct", [float("nan"), np.float64("nan")])
@example("money_signed", [5_000_000, -5_000_000, -4_999_999, 0, 99_949_999_999])  # under £1,000m: all at once
def test_a_column_is_shown_as_its_cells_one_by_one(kind, values):
    try:
        one_by_one = [_cell_html(value, kind) for value in values]
    except Exception as refused:  # noqa: BLE001 - a value its format cannot show
        with pytest.raises(type(refused)):
            column_html(values, kind)
        return
    assert column_html(values, kind) == one_by_one


@given(st.lists(st.one_of(st.none(), st.just(np.nan), st.just(pd.NA), st.text(max_size=4), st.integers(-5, 5),
                          st.floats(allow_nan=False, allow_infinity=False)), max_size=10),
       st.sampled_from([object, "str"]))
def test_a_text_or_object_column_is_read_as_iterating_over_it_reads_it(values, dtype):
    if dtype == "str":
        values = [v for v in values if v is None or isinstance(v, str) or (isinstance(v, float) and v != v)]
    column = pd.Series(values, dtype=dtype)
    taken, iterated = tables_module._values(column), list(column)
    assert [type(v) for v in taken] == [type(v) for v in iterated]
    assert all(a is b or (a != a and b != b) for a, b in zip(taken, iterated))


@given(st.floats(allow_nan=False) | st.integers(-10 ** 6, 10 ** 6).map(lambda n: n / 20) | st.just(-0.0), st.booleans())
@example(0.15, False)
@example(-0.04, True)
@example(0.05, True)
def test_one_decimal_place_is_rounds_figure(value, signed):
    shown = round(value, 1) + 0.0
    assert tables_module._one_place(value, signed) == f"{'+' if signed and shown > 0 else ''}{shown:,.1f}"


@given(st.lists(st.one_of(st.none(), st.integers(-2 ** 62, 2 ** 62)), max_size=30), st.sampled_from(["Int64", "Float64"]))
def test_a_nullable_columns_values_are_what_iterating_gives(values, dtype):
    column = pd.Series(pd.array(values if dtype == "Int64" else [None if v is None else v / 7 for v in values],
                                dtype=dtype))
    got, expected = tables_module._values(column), list(column)
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [v is pd.NA or v == w for v, w in zip(got, expected)] == [True] * len(got)


def test_an_html_table_shows_its_cells_as_they_are_braces_and_markup_included():
    frame = pd.DataFrame({"Service": ["Roads {0}", "Parks {}", "<b>Total</b>"],
                          "Budget £m": pd.array([150_000_000, None, 150_000_000], dtype="Int64")})
    page = tables_module.to_html(Table("Braces", "Title", frame, formats={"Budget £m": "money"}, total_rows=1))
    assert '<tr><th scope="row">Roads {0}</th><td class="num">1.5</td></tr>' in page
    assert '<tr><th scope="row">Parks {}</th><td class="num">–</td></tr>' in page
    assert '<tr class="total"><th scope="row">&lt;b&gt;Total&lt;/b&gt;</th><td class="num">1.5</td></tr>' in page
