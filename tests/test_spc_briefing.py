"""Statistical process control in the documents: the Signals table and the narrative's sentence of the corporate
briefing, the SPC columns and the measures' history chart of each directorate's, all as ``spc`` works them out;
and, on a copy of the bundled year, a planted outlier and a planted run found with nothing else changed."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from briefing import performance_tables as T
from briefing.charts import Chart
from briefing.document import build_briefing, check_parameters
from briefing.paths import DATA_DIR
from briefing.performance import spc_for
from briefing.periods import label, period_range
from briefing.ratings import RED
from briefing.spc import COMMON_CAUSE, OUTSIDE_LIMITS, SHIFT, TOO_FEW_POINTS, spc_table
from briefing.tables import Table

PERIOD = "2023-03"  # the bundled year's last month: thirteen months loaded, so most measures have limits
PNG = b"\x89PNG\r\n\x1a\n"
HISTORY_CHART = "chart-directorate-measure-history"
OUTLIER, RUN = "OCC07.05", "OCC08.01"  # both common cause in the bundled March 2023, monthly, not year to date
OUTLIER_RETURN, RUN_RETURN = "Children's Services.xlsx", "Customers, Organisational Development & Resources.xlsx"


def _build(data_dir=None):
    return build_briefing(check_parameters(PERIOD, None, None if data_dir is None else str(data_dir), None, None))


@pytest.fixture(scope="module")
def march():
    return _build()


def _spc(b) -> pd.DataFrame:
    """The period's SPC, worked out here from ``spc`` alone: the rated history up to the period, the register's
    polarity."""
    history = b.rated_history[b.rated_history["period"] <= b.period]
    polarity = b.register.drop_duplicates("measure_id").set_index("measure_id")["polarity"]
    return spc_table(history, polarity=polarity).set_index("measure_id")


def _firing(spc: pd.DataFrame, period: str) -> pd.DataFrame:
    """The measures whose latest point, this period's, is part of a special-cause pattern."""
    return spc[(spc["last_period"] == period) & (spc["rules_this_period"] != "")]


def _signals(b) -> Table:
    return next(t for t in T.tables(b) if isinstance(t, Table) and t.key == "Signals")


def _ids(table: Table) -> list[str]:
    return [text.split(":")[0] for text in table.frame["Measure"]]


# The corporate briefing --------------------------------------------------------------

def test_the_signals_table_is_what_spc_finds_this_period(march):
    spc = _spc(march)
    firing = _firing(spc, PERIOD)
    assert len(firing) >= 2                                  # the bundled March has signals to show
    table = _signals(march)
    shown = table.frame.set_index(pd.Index(_ids(table)))
    assert sorted(shown.index) == sorted(firing.index)
    rag = march.ratings.set_index("measure_id")["rag"]
    for measure_id, row in firing.iterrows():
        assert shown.loc[measure_id, "Rule"] == row["rules_this_period"]
        assert shown.loc[measure_id, "Direction"] == row["direction"]
        assert shown.loc[measure_id, "Variation"] == f"{row['variation']} ({row['variation_symbol']})"
        assert row["assurance"] in shown.loc[measure_id, "Assurance"]
        assert shown.loc[measure_id, "Status"] == rag[measure_id]
    assert table.formats["Status"] == "rag"
    n = len(firing)
    assert table.title == f"{n} measures show a real change in {label(PERIOD)}"
    order = {"concern": 0, "improvement": 1}
    assert [order.get(d, 2) for d in shown["Direction"]] == sorted(order.get(d, 2) for d in shown["Direction"])


def test_the_signals_table_follows_the_exceptions_and_highlights(march):
    keys = [item.key for item in T.tables(march) if isinstance(item, Table)]
    assert keys.index("Signals") == keys.index("Highlights") + 1 == keys.index("Exceptions") + 2
    assert "Signals" in [t.key for t in march.tables()]              # so a sheet of tables.xlsx


def test_the_narrative_says_what_spc_finds(march):
    spc = _spc(march)
    n = len(_firing(spc, PERIOD))
    red = march.ratings.loc[march.ratings["rag"] == RED, "measure_id"]
    now = spc.reindex(red)
    common = int(((now["last_period"] == PERIOD) & (now["variation"] == COMMON_CAUSE)).sum())
    narrative = str(T.tables(march)[0])
    sentence = f"{n} measures show a real change this month (statistical process control); "
    sentence += (f"{common or 'none'} of the {len(red)} Red measures {'are' if common > 1 else 'is'} within normal "
                 "variation")
    assert sentence in narrative
    assert narrative.index("The directors' outlook") < narrative.index(sentence)


def _sentence(rags: list[str], spc_rows: list[tuple]) -> str:
    """``spc_sentence`` of measures M0, M1, ... rated ``rags``, their SPC rows (variation, rules this period) in
    ``spc_rows`` (None: too few points)."""
    ratings = pd.DataFrame({"measure_id": [f"M{i}" for i in range(len(rags))], "rag": rags})
    rows = [{"measure_id": f"M{i}", "last_period": PERIOD, "note": TOO_FEW_POINTS if row is None else "",
             "variation": TOO_FEW_POINTS if row is None else row[0], "rules_this_period": "" if row is None else row[1]}
            for i, row in enumerate(spc_rows)]
    return T.spc_sentence(ratings, pd.DataFrame(rows), PERIOD)


def test_the_sentence_counts_in_words():
    special = ("special cause improving", OUTSIDE_LIMITS)
    common = (COMMON_CAUSE, "")
    assert _sentence(["Red"], [None]) == ""                                  # nothing can be told yet
    assert _sentence(["Green", "Red"], [common, common]) == (
        "No measure shows a real change this month (statistical process control); the Red measure is within "
        "normal variation.")
    assert _sentence(["Green", "Red", "Red"], [special, None, common]) == (
        "1 measure shows a real change this month (statistical process control); 1 of the 2 Red measures is "
        "within normal variation (1 has too few figures to tell).")
    assert _sentence(["Red", "Red", "Red", "Green"], [special, None, None, special]) == (
        "2 measures show a real change this month (statistical process control); none of the 3 Red measures is "
        "within normal variation (2 have too few figures to tell).")
    assert _sentence(["Green", "Amber"], [special, common]) == (
        "1 measure shows a real change this month (statistical process control).")


def test_a_month_with_too_few_points_says_so():
    july = build_briefing(check_parameters("2022-07", None, None, None, None))
    table = _signals(july)
    assert table.frame.empty and "12 figures" in table.title and table.empty_text.startswith(table.title)
    assert "statistical process control" not in str(T.tables(july)[0])


# Each directorate's briefing ------------------------------------------------------------

def _items(document) -> list:
    return document.section("performance").items


def test_each_directorate_shows_variation_assurance_and_projection_in_words(march):
    spc = _spc(march)
    for directorate in march.directorates:
        items = _items(march.for_directorate(directorate))
        table = next(t for t in items if isinstance(t, Table) and t.key == "Directorate measures")
        frame = table.frame.set_index("Measure ID")
        columns = list(frame.columns)
        assert columns.index("Variation") == columns.index("Status") + 1
        assert columns.index("Assurance") == columns.index("Variation") + 1
        assert "Year-end projection" in columns
        rated = march.ratings.drop_duplicates("measure_id").set_index("measure_id")
        for measure_id, row in frame.iterrows():
            assert row["Variation"], measure_id                                  # words in every row
            if measure_id in spc.index and spc.loc[measure_id, "last_period"] == PERIOD \
                    and spc.loc[measure_id, "note"] == "":
                s = spc.loc[measure_id]
                assert row["Variation"] == f"{s['variation']} ({s['variation_symbol']})", measure_id
                assert row["Assurance"], measure_id
            projected = rated.loc[measure_id, "cumulative"] and pd.notna(rated.loc[measure_id, "actual_value"])
            if projected and pd.notna(rated.loc[measure_id, "target_value"]):
                assert ": meets" in row["Year-end projection"] or ": misses" in row["Year-end projection"]
            if not rated.loc[measure_id, "cumulative"]:
                assert row["Year-end projection"] == "", measure_id


def test_the_projection_in_words():
    row = pd.Series({"months_elapsed": 5, "ytd": 170.0, "pro_rata_projection": 408.0, "run_rate_projection": 422.0,
                     "full_year_target": 420.0, "pro_rata_meets_target": True, "run_rate_meets_target": False})
    assert T.projection_shown(row, "kg") == ("408 kg pro rata: meets; 422 kg at the last three months' rate: misses "
                                             "(full-year target 420 kg)")
    march = row.copy()
    march[["months_elapsed", "ytd", "pro_rata_projection", "run_rate_projection"]] = [12, 426.0, 426.0, 426.0]
    march["pro_rata_meets_target"] = False
    assert T.projection_shown(march, "kg") == "426 kg for the year: misses (full-year target 420 kg)"
    early = row.copy()
    early[["run_rate_projection", "full_year_target", "pro_rata_meets_target"]] = [float("nan"), float("nan"), None]
    assert T.projection_shown(early, "kg") == "408 kg pro rata"


def test_each_directorate_has_one_history_chart_of_its_measures(march):
    spc = _spc(march)
    for directorate in march.directorates:
        items = _items(march.for_directorate(directorate))
        charts = [item for item in items if isinstance(item, Chart) and item.key == HISTORY_CHART]
        assert len(charts) == 1, directorate
        chart = charts[0]
        measures = next(t for t in items if isinstance(t, Table) and t.key == "Directorate measures")
        assert items.index(chart) == items.index(measures) + 1                   # beside the SPC columns
        ids = measures.frame["Measure ID"].tolist()
        found = len(_firing(spc.reindex(ids).dropna(subset=["last_period"]), PERIOD))
        assert chart.title == (f"{directorate}: {found or 'none'} of {len(ids)} measures "
                               f"{'shows' if found < 2 else 'show'} a real change in {label(PERIOD)}")
        assert chart.title in chart.alt
        for measure_id in ids:
            assert f"{measure_id} " in chart.alt
        assert [m.split(":")[0] for m in chart.table.frame["Measure"]] == ids
        assert chart.table is not None and not chart.table_key


def test_the_history_chart_says_each_trend_in_words(march):
    chart = next(i for i in _items(march.for_directorate("Children's Services")) if getattr(i, "key", "") ==
                 HISTORY_CHART)
    history = march.rated_history[march.rated_history["measure_id"] == OUTLIER].sort_values("period")
    first, last = history.iloc[0], history.iloc[-1]
    moved = "rose" if last["actual_value"] > first["actual_value"] else "fell"
    assert (f"{OUTLIER} {moved} from {first['actual_value']:,.0f} in {label(first['period'])} to "
            f"{last['actual_value']:,.0f} in {label(last['period'])}; within normal variation") in chart.alt


def _headings(chart: Chart, width: float) -> list:
    """The panels' headings of ``chart`` drawn ``width`` inches wide, as (x, text)."""
    fig = Figure(figsize=(width, chart.size[1]))
    ax = fig.add_subplot()
    chart.draw(fig, ax)
    return [(round(t.get_position()[0], 3), t.get_text()) for t in ax.texts]


def test_the_history_chart_has_a_panel_a_measure_three_across_a_page_two_on_a_phone(march):
    chart = next(i for i in _items(march.for_directorate("Environment & Place")) if getattr(i, "key", "") ==
                 HISTORY_CHART)
    panels = len(chart.table.frame) - int((chart.table.frame.iloc[:, 2:-4] == "").all(axis=1).sum())
    page, phone = _headings(chart, chart.size[0]), _headings(chart, chart.phone_size[0])
    assert len(page) == len(phone) == panels
    assert len({x for x, _ in page}) == 3 and len({x for x, _ in phone}) == 2
    assert chart.png.startswith(PNG) and chart.phone_png.startswith(PNG)    # the phone's drawing fits it too


def test_a_directorate_without_its_return_says_not_available(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "returns" / PERIOD / OUTLIER_RETURN).unlink()
    items = _items(_build(data).for_directorate("Children's Services"))
    measures = next(t for t in items if isinstance(t, Table) and t.key == "Directorate measures")
    assert set(measures.frame["Variation"]) == {"not available for March"}
    chart = next(i for i in items if getattr(i, "key", "") == HISTORY_CHART)
    assert chart.title == ("Children's Services: ratings not available — return invalid (missing); the months "
                           "before are shown")
    assert chart.png.startswith(PNG)


# A planted outlier and a planted run ------------------------------------------------------

def _set_actuals(data, file: str, measure_id: str, values: dict[str, float]) -> None:
    """Type ``values`` (period → actual) into ``measure_id``'s row of each month's return ``file``."""
    for period, value in values.items():
        path = data / "returns" / period / file
        book = load_workbook(path)
        sheet = book["Performance"]
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == measure_id)
        sheet.cell(row, 2).value = value
        book.save(path)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The bundled year with OCC07.05's March far above its usual level (an outlier), and OCC08.01 a little above
    its mean for the last seven months (a run)."""
    data = tmp_path_factory.mktemp("planted") / "data"
    shutil.copytree(DATA_DIR, data)
    _set_actuals(data, OUTLIER_RETURN, OUTLIER, {PERIOD: 1100})
    _set_actuals(data, RUN_RETURN, RUN, dict(zip(period_range("2022-09..2023-03"), [93.5, 93.0] * 3 + [93.5])))
    return _build(data)


def test_a_planted_outlier_and_run_are_found_and_nothing_else_changes(march, planted):
    before, after = _spc(march), _spc(planted)
    assert OUTLIER not in _firing(before, PERIOD).index and RUN not in _firing(before, PERIOD).index
    firing = _firing(after, PERIOD)
    assert firing.loc[OUTLIER, "rules_this_period"] == OUTSIDE_LIMITS
    assert firing.loc[OUTLIER, "direction"] == "concern"                         # fewer children in care is better
    assert firing.loc[RUN, "rules_this_period"] == SHIFT
    assert firing.loc[RUN, "direction"] == "improvement"
    others = [m for m in before.index if m not in (OUTLIER, RUN)]
    pd.testing.assert_frame_equal(after.loc[others], before.loc[others])
    was, now = _signals(march), _signals(planted)
    assert sorted(_ids(now)) == sorted([*_ids(was), OUTLIER, RUN])
    kept = now.frame[[m not in (OUTLIER, RUN) for m in _ids(now)]].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.sort_values("Measure").reset_index(drop=True),
                                  was.frame.sort_values("Measure").reset_index(drop=True))
    shown = now.frame.set_index(pd.Index(_ids(now)))
    assert shown.loc[OUTLIER, "Rule"] == OUTSIDE_LIMITS and shown.loc[RUN, "Rule"] == SHIFT
    assert f"{len(firing)} measures show a real change this month" in str(T.tables(planted)[0])


# A fixed baseline ------------------------------------------------------------------------

def _set_baseline(data, entries: dict[str, object]) -> None:
    """Type ``entries`` (measure ID → SPC baseline to) into the year's register, adding the column if it lacks it."""
    path = data / "register" / "2022-23.xlsx"
    book = load_workbook(path)
    sheet = book["Measures"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("SPC baseline to") + 1 if "SPC baseline to" in headers else len(headers) + 1
    sheet.cell(1, column).value = "SPC baseline to"
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value in entries:
            sheet.cell(row, column).value = entries[sheet.cell(row, 1).value]
    book.save(path)


def test_the_register_and_params_fix_where_a_baseline_ends(tmp_path, march):
    """OCC07.05's own baseline ends in November 2022 (a date cell); params end every other measure's in
    December 2022: each measure's limits are those of its points up to then, in the tables and the charts."""
    import datetime
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    _set_baseline(data, {OUTLIER: datetime.datetime(2022, 11, 1)})
    (tmp_path / "council.yaml").write_text('spc_baseline_to: "2022-12"\n')
    b = build_briefing(check_parameters(PERIOD, None, str(data), None, str(tmp_path / "council.yaml")))
    spc = spc_for(b).set_index("measure_id")
    history = b.rated_history[b.rated_history["period"] <= PERIOD]
    polarity = b.register.drop_duplicates("measure_id").set_index("measure_id")["polarity"]
    for measure, end in [(OUTLIER, "2022-11"), (RUN, "2022-12")]:
        expected = spc_table(history, polarity=polarity, baseline=end).set_index("measure_id").loc[measure]
        assert expected["baseline_points"] < expected["points"]
        pd.testing.assert_series_equal(spc.loc[measure], expected)
    unchanged = _spc(march)
    assert (spc["baseline_points"] <= unchanged["baseline_points"]).all()
    assert (spc["baseline_points"] < unchanged["baseline_points"]).any()
    items = _items(b.for_directorate("Children's Services"))
    chart = next(i for i in items if getattr(i, "key", "") == HISTORY_CHART)
    assert chart.png.startswith(PNG)


def test_a_baseline_that_is_no_month_is_an_error_at_its_register_cell(tmp_path):
    from briefing.params import load_settings
    from briefing.validation import validate_period
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    _set_baseline(data, {OUTLIER: "last March"})
    problems = [p for p in validate_period(load_settings(data_dir=str(data)), PERIOD) if "SPC baseline" in p.message]
    assert [(p.file, p.sheet, p.severity) for p in problems] == [("register/2022-23.xlsx", "Measures", "error")]
    assert "'last March'" in problems[0].message or "last March" in problems[0].message
    assert "YYYY-MM" in problems[0].expected


def test_each_signal_has_a_sparkline_named_by_its_trend_in_words(march):
    from bs4 import BeautifulSoup

    from briefing.performance import with_unit
    from briefing.spreadsheet import excel_value
    from briefing.spc import spc_points
    table = _signals(march)
    assert table.formats["Trend"] == "html"
    history = march.rated_history[march.rated_history["period"] <= PERIOD]
    points = spc_points(history)
    register = march.register.drop_duplicates("measure_id").set_index("measure_id")
    checked = 0
    for measure_id, cell in zip(_ids(table), table.frame["Trend"]):
        svg = BeautifulSoup(cell, "html.parser").svg
        assert svg["role"] == "img"
        mine = points[points["measure_id"] == measure_id].sort_values("period")
        line = svg.find_all("polyline")[-1]["points"].split()
        assert len(line) == len(mine)                                           # a vertex a month
        rings = svg.find_all("circle", attrs={"r": "3"})
        assert len(rings) == (mine["special_cause"] != "").sum() >= 1         # its signal's points ringed
        if register.loc[measure_id, "cumulative"]:
            continue
        actuals = history[(history["measure_id"] == measure_id) & history["actual_value"].notna()] \
            .sort_values("period")
        first, last = actuals.iloc[0], actuals.iloc[-1]
        unit = register.loc[measure_id, "unit"]
        was, now = with_unit(first["actual_value"], unit), with_unit(last["actual_value"], unit)
        went = "Rose" if last["actual_value"] > first["actual_value"] else "Fell"
        assert svg.title.string == (f"Was {now} in both {label(first['period'])} and {label(last['period'])}"
                                    if was == now else f"{went} from {was} in {label(first['period'])} to {now} in "
                                    f"{label(last['period'])}")
        assert excel_value(cell, "html") == svg.title.string                 # what tables.xlsx keeps
        checked += 1
    assert checked >= 2
