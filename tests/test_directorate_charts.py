"""Each directorate's briefing carries its own charts: its measures' RAG by priority, its savings and its
forecast variance trend, each placed before the table holding its figures, its words stating those figures as
the table shows them, and "not available" with no bars when its return was not used."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.figure import Figure

from briefing.charts import Chart
from briefing.document import build_briefing, check_parameters
from briefing.finance import savings_lines
from briefing.money import format_millions
from briefing.periods import month_name
from briefing.tables import Table, element_id, format_value
from broken_returns import CHILDREN, HEALTH, PERIOD, copy_data, edit_sheet, remove_file

WHO = "Children's Services"
KEYS = ["chart-directorate-rag-by-priority", "chart-directorate-savings", "chart-directorate-variance-trend",
        "chart-directorate-measure-history"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def july():
    return build_briefing(check_parameters(PERIOD, None, None, None, None))


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """Children's Services' return removed, and Public Health's Savings sheet left with no savings."""
    data = copy_data(tmp_path_factory.mktemp("broken") / "data")
    remove_file(CHILDREN)(data)
    edit_sheet(HEALTH, "Savings", lambda sheet: sheet.delete_rows(2, sheet.max_row))(data)
    return build_briefing(check_parameters(PERIOD, data_dir=str(data)))


def _items(document) -> list:
    return [item for key in ("performance", "finance") for item in document.section(key).items]


def _charts(document) -> dict[str, Chart]:
    return {item.key: item for item in _items(document) if isinstance(item, Chart)}


def _linked(document, key: str) -> tuple[Chart, Table]:
    """The chart ``key`` and the table it names as holding its figures, whose finding it states as its title."""
    chart = _charts(document)[key]
    table = next(t for t in _items(document) if isinstance(t, Table) and t.key == chart.table_key)
    assert chart.title == table.title, key
    return chart, table


def _bars(chart: Chart) -> int:
    """How many bars the chart draws (a bar of zero width counts)."""
    fig = Figure()
    ax = fig.add_subplot()
    chart.draw(fig, ax)
    return len(ax.patches)


def test_every_directorate_has_its_three_charts_each_before_the_table_of_its_figures(july):
    for directorate in july.directorates:
        items = _items(july.for_directorate(directorate))
        charts = [item for item in items if isinstance(item, Chart)]
        assert sorted(c.key for c in charts) == sorted(KEYS), directorate
        ids = [c.element_id for c in charts] + [element_id("table", t.key) for t in items if isinstance(t, Table)]
        assert len(ids) == len(set(ids)), directorate                  # one id each in the document
        for chart in charts:
            assert re.fullmatch(r"chart-[a-z0-9]+(-[a-z0-9]+)*", chart.element_id) and chart.element_id == chart.key
            assert chart.title and chart.subtitle and chart.title in chart.alt
            after = items[items.index(chart) + 1]
            if chart.table_key:
                assert isinstance(after, Table) and after.key == chart.table_key, (directorate, chart.key)
            else:
                assert chart.table is not None, (directorate, chart.key)


def test_the_rag_chart_states_the_directorates_counts(july):
    chart = _charts(july.for_directorate(WHO))[KEYS[0]]
    ratings = july.ratings[july.ratings["directorate"] == WHO]
    assert ratings["priority"].nunique() == 1                          # the bundled directorate has one priority
    priority = ratings["priority"].iloc[0]
    counts = ratings["rag"].value_counts()
    red = int(counts.get("Red", 0))
    assert chart.title == f"{priority} has {red} Red measures"
    assert (f"{priority}: {int(counts.get('Green', 0))} Green, {int(counts.get('Amber', 0))} Amber, {red} Red, "
            f"{int(counts.get('Monitoring only', 0))} Monitoring only") in chart.alt
    shown = chart.table.frame.set_index("Priority").loc[priority]
    assert shown["Red"] == red and shown["Total"] == int(counts.drop("Not reported", errors="ignore").sum())


def test_the_savings_chart_states_each_saving_as_the_table_does(july):
    chart, table = _linked(july.for_directorate(WHO), KEYS[1])
    assert table.key == "Savings"
    lines = savings_lines(july.current, WHO)
    total = lines.iloc[-1]
    assert chart.title.startswith(f"{format_millions(total['forecast_delivered'])} of "
                                  f"{format_millions(total['planned'])} planned savings")
    for saving in lines.iloc[:-1].itertuples():
        assert (f"{saving.saving}: planned {format_value(saving.planned, 'money')}, forecast delivered "
                f"{format_value(saving.forecast_delivered, 'money')}") in chart.alt
    assert _bars(chart) == 2 * (len(lines) - 1)


def test_the_trend_chart_states_the_directorates_variance_month_by_month(july):
    chart, table = _linked(july.for_directorate(WHO), KEYS[2])
    assert table.key == "Forecast trend"
    trend = july.finance.trend
    row = trend[trend["directorate"] == WHO].iloc[0]
    months = [c for c in trend.columns if c != "directorate"]
    assert table.frame["Directorate"].tolist() == [WHO]
    assert chart.title == (f"{WHO}: forecast variance moved from {format_millions(row[months[0]], sign=True)} in "
                           f"{month_name(months[0])} to {format_millions(row[months[-1]], sign=True)} in "
                           f"{month_name(months[-1])}")
    assert f"{WHO}: " + ", ".join(f"{month_name(m)[:3]} {format_value(row[m], 'money_signed')}" for m in months) \
        in chart.alt


def test_each_chart_draws_a_png(july):
    for chart in _charts(july.for_directorate(WHO)).values():
        assert chart.png.startswith(PNG), chart.key


def test_a_directorate_without_its_return_says_not_available_and_draws_no_bars(broken):
    charts = _charts(broken.for_directorate(WHO))
    assert sorted(charts) == sorted(KEYS)
    rag, savings, trend = (charts[k] for k in KEYS[:3])
    assert rag.title == f"{WHO}: ratings not available — return invalid (missing)"
    assert "No bar is drawn" in rag.alt and _bars(rag) == 0
    assert rag.table.frame[["Green", "Amber", "Red", "Total"]].isna().all().all()   # blank, not nought
    assert savings.title == "The savings position is not available"
    assert f"{WHO}: not available" in savings.alt and _bars(savings) == 0
    assert trend.title == f"{WHO}: forecast variance for July is not available"
    assert "Jul not available" in trend.alt
    for chart in charts.values():
        assert "not available" in chart.title and chart.png.startswith(PNG), chart.key


def test_a_directorate_with_no_savings_has_no_savings_chart(broken):
    document = broken.for_directorate("Public Health")
    assert sorted(_charts(document)) == sorted(k for k in KEYS if k != "chart-directorate-savings")
    table = next(t for t in _items(document) if isinstance(t, Table) and t.key == "Savings")
    assert table.title == "No savings are planned" and table.frame.empty
    assert pd.notna(broken.finance.savings.set_index("directorate").loc["Public Health", "planned"])
