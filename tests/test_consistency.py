"""One briefing that agrees with itself: every total adds up exactly before rounding (and within the rounding
the note declares, as shown), every figure that appears in more than one place is shown the same way, and what
is not available is said to be so everywhere."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from briefing import finance
from briefing.charts import Chart
from briefing.document import build_briefing, check_parameters
from briefing.finance_tables import on_target_sentence
from briefing.money import format_millions, percent_text
from briefing.performance import with_unit
from briefing.returns import available_periods
from briefing.tables import ROUNDING_NOTE, Narrative, Table, format_value, rounding_differences, to_html
from briefing.paths import DATA_DIR
from broken_returns import ADULTS, HEALTH, PERIOD, copy_data, remove_file

YEAR = available_periods(DATA_DIR)
FIGURE = re.compile(r"\d[\d,]*\.\d+")  # an amount or per cent as shown, one decimal or more


def _documents(b):
    """The corporate briefing and every directorate's."""
    return [b, *(b.for_directorate(d) for d in b.directorates)]


def _items(document) -> list:
    return [item for section in document.sections().values() for item in section.items]


def _money_columns(table: Table) -> list[str]:
    return [c for c in table.frame.columns if table.formats.get(c) in ("money", "money_signed")]


@pytest.fixture(scope="module")
def july():
    return build_briefing(check_parameters(PERIOD))


@pytest.mark.parametrize("period", YEAR)
def test_every_total_and_difference_is_exact_and_any_rounding_gap_is_declared(period):
    """Each table's totals are the exact sum of the rows it declares as their parts, and each derived column
    the exact sum of its terms, in pence; shown, they agree within half a unit of each figure rounded, and
    the table carries the rounding note exactly when they do not agree."""
    b = build_briefing(check_parameters(period))
    checked = 0
    for document in _documents(b):
        for table in [t for t in document.tables() if isinstance(t, Table) and _money_columns(t)]:
            frame = table.frame
            first_total = len(frame) - table.total_rows
            parts = list(range(first_total)) if table.part_rows is None else list(table.part_rows)
            for column in _money_columns(table):
                values = frame[column]
                for total in range(first_total, len(frame)) if parts else ():
                    rows = values.iloc[parts]
                    if pd.isna(values.iloc[total]) or rows.isna().any():
                        continue
                    assert int(rows.sum()) == int(values.iloc[total]), (period, table.key, column)
                    shown = sum(round(v / 10**7) for v in rows) - round(values.iloc[total] / 10**7)
                    assert abs(shown) <= (len(parts) + 1) / 2, (period, table.key, column)
                    checked += 1
            for column, terms in table.derived:
                for i in range(len(frame)):
                    got = [frame[c].iloc[i] for _, c in terms]
                    if pd.isna(frame[column].iloc[i]) or any(pd.isna(v) for v in got):
                        continue
                    assert int(frame[column].iloc[i]) == sum(s * int(v) for (s, _), v in zip(terms, got)), \
                        (period, table.key, column, i)
                    checked += 1
            assert bool(rounding_differences(table)) == bool(table.rounding_note)
            assert (ROUNDING_NOTE in to_html(table)) == bool(rounding_differences(table))
    assert checked > 100


def test_the_contradictions_a_reader_found_now_carry_the_note(july):
    """Directorate forecasts summing to 518.1 against 518.2, Public Health's change, the savings totals and
    Children's Services' Family Solutions Plus shortfall: each table says rounding is why."""
    tables = {t.key: t for t in july.tables() if isinstance(t, Table)}
    for key in ("Directorate position", "Savings", "Service areas"):
        assert tables[key].rounding_note == ROUNDING_NOTE, key
    children = {t.key: t for t in july.for_directorate("Children's Services").tables()}
    assert children["Savings"].rounding_note == ROUNDING_NOTE


def test_a_chart_shows_its_figures_as_its_table_does(july):
    """Every amount or per cent in a chart's alt text is one its table shows, written the same way, and a
    chart whose table is linked rather than repeated has that table's own finding as its title where they
    state the same figure (savings, balances)."""
    for document in _documents(july):
        items = _items(document)
        tables = {t.key: t for t in items if isinstance(t, Table)}
        for chart in [i for i in items if isinstance(i, Chart)]:
            table = tables.get(chart.table_key) or chart.table
            shown = {text for column in table.frame.columns
                     for text in (format_value(v, table.formats.get(column, "text")) for v in table.frame[column])}
            figures = set(FIGURE.findall(" ".join(shown)))
            said = set(FIGURE.findall(chart.alt)) - set(FIGURE.findall(chart.title))
            assert said <= figures, (chart.key, sorted(said - figures))
            if chart.table_key in ("Savings", "General balances"):
                assert chart.title == table.title, chart.key


def test_each_figure_in_the_headlines_is_the_tables(july):
    headlines = " ".join(july.headlines())
    total = july.finance.position.iloc[-1]
    assert f"{format_millions(total['variance'], sign=True)} forecast variance for directorates" in headlines
    balances = july.finance.balances.set_index("item")["amount"]
    assert f"{format_millions(balances[finance.FORECAST_BALANCES])} forecast general balances" in headlines
    tables = {t.key: t for t in july.tables() if isinstance(t, Table)}
    shown = tables["Directorate position"].frame.iloc[-1]
    assert f"£{format_value(shown.iloc[3], 'money_signed').lstrip('+-')}m" in headlines  # the Variance total shown


def test_each_computed_measure_shows_what_the_finance_section_shows(july):
    rated = july.ratings.set_index("measure_id")
    shown = {m: with_unit(rated.loc[m, "actual"], rated.loc[m, "unit"]) for m in
             ("OCC11.01", "OCC11.02", "OCC11.03", "OCC11.04", "OCC11.05")}
    f = july.finance
    assert shown["OCC11.02"] == percent_text(f.savings.iloc[-1]["achieved_pct"])
    assert shown["OCC11.03"] == format_millions(f.balances.set_index("item").loc[finance.FORECAST_BALANCES,
                                                                                 "amount"])
    judged = f.on_target.iloc[:-1]
    yes = int((judged["on_target"] == "Yes").sum())
    assert on_target_sentence(judged, finance.OnTarget.of(july.run.settings)).startswith(f"{yes} of {len(judged)}")
    assert shown["OCC11.04"] == percent_text(100 * yes / len(judged))
    assert shown["OCC11.05"] == format_millions(f.dsg.set_index("block").loc["High Needs", "in_year_deficit"])
    council = f.on_target.iloc[-1]
    assert shown["OCC11.01"] == percent_text(council["variance_pct"])
    assert (rated.loc["OCC11.01", "rag"] == "Green") == (council["on_target"] == "Yes")
    assert rated.loc["OCC11.01", "period_target"] == july.run.settings.finance_tolerance_pct


def test_what_is_not_available_is_said_so_everywhere(tmp_path):
    """Public Health's return removed: the savings chart, its table, the headline and the narrative all say
    the figures are not available, and the chart plots no bar for it."""
    data = copy_data(tmp_path / "data")
    remove_file(HEALTH)(data)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data)))
    items = _items(b)
    tables = {t.key: t for t in items if isinstance(t, Table)}
    chart = next(i for i in items if isinstance(i, Chart) and i.table_key == "Savings")
    assert tables["Savings"].title == chart.title == "The savings position is not available"
    assert "Public Health: not available" in chart.alt
    assert "forecast variance not available: no usable return from Public Health" in " ".join(b.headlines())
    narrative = next(str(i) for i in b.section("finance").items if isinstance(i, Narrative))
    assert "not available" in narrative and "Public Health" in narrative


def test_no_amount_is_shown_to_three_decimals_or_with_a_double_negative(july):
    for document in _documents(july):
        text = " ".join(f"{getattr(i, 'title', '')} {getattr(i, 'alt', '')}" for i in _items(document))
        assert not re.search(r"£\d+\.\d{3}m", text)
        for table in [t for t in _items(document) if isinstance(t, Table)]:
            for row in table.frame.itertuples(index=False):
                assert not re.search(r"£-?\d+\.\d{3}m", " ".join(map(str, row))), table.key
    balances = july.finance.balances
    assert not any(item.startswith("Less") and amount < 0 for item, amount in
                   zip(balances["item"], balances["amount"]) if pd.notna(amount))


def test_measures_show_their_unit_and_captions_speak_words_not_settings(july):
    tables = {t.key: t for t in july.tables() if isinstance(t, Table)}
    rated = july.ratings.set_index("measure_id")
    ehcp = rated.loc["OCC07.08"]
    assert with_unit(ehcp["actual"], ehcp["unit"]) == "53.9%"
    assert with_unit(60.0, "%") == "60%" and with_unit(17.5, "£m") == "£17.5m" and with_unit(2.5, "days") == "2.5 days"
    shown = " ".join(" ".join(map(str, t.frame.astype(str).to_numpy().ravel())) for t in tables.values())
    assert "53.9%" in shown and "60%" in shown
    for table in tables.values():
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", table.caption), (table.key, table.caption)
    assessments = tables["Director assessments"]
    assert "Green meets or exceeds the target" in assessments.title + assessments.caption


def test_red_measures_are_compared_like_for_like_when_a_return_is_missing(tmp_path, july):
    """Adult Services' return removed: its Red measures of June are not counted as an improvement; the headline
    and the narrative compare the same measures in both months and say how many they leave out."""
    from briefing.performance import not_available, red_change
    from briefing.ratings import RED
    data = copy_data(tmp_path / "data")
    remove_file(ADULTS)(data)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data)))
    june = july.rated_history[july.rated_history["period"] == july.run.compare_to]
    gone = set(b.ratings.loc[not_available(b.ratings), "measure_id"])
    # its measures, and the council-wide ones worked out from every finance return
    assert gone >= set(july.ratings.loc[july.ratings["directorate"] == "Adult Services", "measure_id"])
    red_then = int(((june["rag"] == RED) & ~june["measure_id"].isin(gone)).sum())
    red_now = int((b.ratings["rag"] == RED).sum())
    assert int(((june["rag"] == RED) & june["measure_id"].isin(gone)).sum()) >= 1   # Adult Services had Red in June
    assert red_change(b.ratings, june) == (red_now, red_then, len(gone))
    headline = next(h for h in b.headlines() if h.startswith(f"{red_now} Red"))
    assert f"like for like ({red_now} against {red_then}, leaving out {len(gone)} measures" in headline
    narrative = str(next(i for i in b.section("performance").items if isinstance(i, Narrative)))
    assert f"(like for like: {len(gone)} measures not available in one of the months left out)" in narrative
    assert red_change(july.ratings, june)[2] == 0                     # with every return, nothing is left out
    assert "like for like" not in " ".join(july.headlines())
