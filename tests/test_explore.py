"""explore: the analyst's views of a period; and notebooks/explore.ipynb, run top to bottom with papermill
with its defaults as an analyst runs it, showing what the Briefing's own frames say."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from bs4 import BeautifulSoup

import briefing
from briefing import explore, finance_tables
from briefing.kernel import KERNEL_NAME, Kernel
from briefing.paths import NOTEBOOKS_DIR
from briefing.performance import exceptions
from briefing.periods import label, month_name
from briefing.tables import RAG_CLASSES, RAG_SYMBOLS, Table, format_value

NOTEBOOK = NOTEBOOKS_DIR / "explore.ipynb"
QUESTIONS = ("question-amber", "question-childrens", "question-over-budget")


def parameters_cell(nb) -> str:
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def grid(html: str) -> tuple[list[str], list[list[str]]]:
    """A rendered table's column headers and its rows of cell text, as a reader sees them."""
    table = BeautifulSoup(html, "html.parser").table
    headers = [th.get_text() for th in table.thead.find_all("th")]
    rows = [[cell.get_text() for cell in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    return headers, rows


def column(html: str, name: str) -> list[str]:
    headers, rows = grid(html)
    return [row[headers.index(name)] for row in rows]


def bold_rows(html: str) -> set[int]:
    """The rows a Styler's CSS sets in bold."""
    rows = set()
    for selectors, settings in re.findall(r"([^{}]+)\{([^}]*)\}", BeautifulSoup(html, "html.parser").style.get_text()):
        if "font-weight: bold" in settings:
            rows |= {int(n) for n in re.findall(r"_row(\d+)_col\d+", selectors)}
    return rows


def cell_html(nb, cell_id: str) -> str:
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    shown = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    assert len(shown) == 1, f"{cell_id} shows one table"
    return shown[0]


@pytest.fixture(scope="module")
def source():
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def period(source) -> str:
    return re.search(r'^period = "(.*)"$', parameters_cell(source), re.M).group(1)


@pytest.fixture(scope="module")
def b(period):
    return briefing.load_period(period)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run once with its defaults, in a kernel of this environment's ipykernel."""
    folder = tmp_path_factory.mktemp("explore")
    kernel = Kernel(cwd=NOTEBOOKS_DIR, folder=folder)
    try:
        return papermill.execute_notebook(str(NOTEBOOK), str(folder / "explore.ipynb"), kernel_name=KERNEL_NAME,
                                          km=kernel.manager(), cwd=str(NOTEBOOKS_DIR), progress_bar=False,
                                          execution_timeout=300)
    finally:
        kernel.stop()


# The notebook ---------------------------------------------------------------------------

def test_notebook_is_committed_without_outputs_and_its_parameters_are_literals(source):
    nbformat.validate(source)
    code = [c for c in source.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all(c.get("id") for c in source.cells)
    assert parameters_cell(source).splitlines() == ['period = "2022-07"', "data_dir = None", "params_file = None"]
    assert sum("briefing.load_period(" in c.source for c in code) == 1
    assert {c.id for c in code} >= set(QUESTIONS)


def test_notebook_runs_top_to_bottom_with_its_defaults(executed):
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]


def test_amber_for_three_months_is_what_the_history_says(executed, b):
    history = b.rated_history
    last_three = sorted(history["period"].unique())[-3:]
    recent = history[history["period"].isin(last_three)]
    expected = sorted(m for m, rows in recent.groupby("measure_id") if (rows["rag"] == "Amber").sum() == 3)
    assert expected, "the bundled data has measures Amber three months running"
    assert column(cell_html(executed, "question-amber"), "Measure ID") == expected


def test_childrens_forecast_moves_as_the_trend_says(executed, b):
    row = b.finance.trend.set_index("directorate").loc["Children's Services"]
    months = [m for m in b.finance.trend.columns if m != "directorate"]
    variances = [row[m] for m in months]
    changes = [pd.NA, *(now - before for before, now in zip(variances, variances[1:]))]
    expected = [[m, format_value(v, "money_signed"), format_value(c, "money_signed")]
                for m, v, c in zip(months, variances, changes)]
    headers, rows = grid(cell_html(executed, "question-childrens"))
    assert headers == ["Period", "Variance £m", "Change £m"]
    assert rows == expected


def test_service_areas_over_budget_are_those_over_by_more_than_five_per_cent(executed, b):
    lines = b.finance.service_areas
    lines = lines[lines["kind"] == "line"]
    # exactly, in pence: over by more than 5% of a budget (a per cent of a nil or negative budget, an income
    # line's, is blank: it says nothing)
    expected = [[d, s, format_value(budget, "money"), format_value(variance, "money_signed")]
                for d, s, budget, variance in zip(lines["directorate"], lines["service_area"],
                                                  lines["latest_budget"], lines["variance"])
                if not pd.isna(variance) and budget > 0 and variance * 100 > 5 * budget]
    assert expected, "the bundled data has service areas more than 5% over budget"
    headers, rows = grid(cell_html(executed, "question-over-budget"))
    shown = [[r[headers.index(h)] for h in ("Directorate", "Service area", "Latest budget £m", "Variance £m")]
             for r in rows]
    assert shown == expected


def test_tables_show_rag_as_symbol_and_word_and_money_as_the_briefing(executed, b):
    ratings = cell_html(executed, "ratings")
    assert column(ratings, "Status") == [f"{RAG_SYMBOLS[w]} {w}" for w in b.ratings["rag"]]
    assert column(ratings, "Measure ID") == list(b.ratings["measure_id"])
    position = b.finance.position
    finance = cell_html(executed, "finance")
    assert column(finance, "Latest budget £m") == [format_value(v, "money") for v in position["latest_budget"]]
    assert column(finance, "Forecast outturn £m") == [format_value(v, "money")
                                                      for v in position["forecast_outturn"]]
    assert column(finance, f"Variance {label(b.period)} £m") == [
        format_value(v, "money_signed") for v in position["variance"]]
    trend = cell_html(executed, "trend")
    assert column(trend, f"{month_name(b.period)} £m") == [format_value(v, "money_signed")
                                                          for v in b.finance.trend[b.period]]


def test_no_table_shows_an_index(executed):
    shown = [o["data"]["text/html"] for c in executed.cells if c.cell_type == "code" for o in c.outputs
             if "text/html" in o.get("data", {})]
    assert len(shown) >= 10
    for html in shown:
        soup = BeautifulSoup(html, "html.parser")
        assert not soup.select("th.row_heading, th.index_name, th.blank")
        headers, rows = grid(html)
        assert all(len(row) == len(headers) for row in rows)


def test_every_name_the_notebook_uses_is_public_and_documented(source, b):
    """Each ``briefing.<name>``, ``explore.<name>`` and ``b.<name>`` (and on down while the object is the
    package's, ``b.finance.trend``) is public and has a docstring; a dataclass's field is documented in its
    class's docstring as ``name: what it is``."""
    roots = {"briefing": briefing, "explore": explore, "b": b}
    chains = set()
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            names = []
            while isinstance(node, ast.Attribute):
                names.insert(0, node.attr)
                node = node.value
            if names and isinstance(node, ast.Name) and node.id in roots:
                chains.add((node.id, *names))
    checked = set()
    for root, *names in chains:
        owner = roots[root]
        for name in names:
            if not (inspect.ismodule(owner) or type(owner).__module__.startswith("briefing.")):
                break  # a pandas object's own names
            assert not name.startswith("_"), name
            kind = type(owner)
            if dataclasses.is_dataclass(owner) and name in {f.name for f in dataclasses.fields(owner)}:
                assert re.search(rf"^\s*{name}: \S", kind.__doc__, re.M), f"{kind.__name__}.{name}"
            else:
                member = getattr(owner, name) if inspect.ismodule(owner) else inspect.getattr_static(kind, name)
                assert (member.__doc__ or "").strip(), f"{root}.{name}"
            checked.add(name)
            owner = getattr(owner, name)
    assert {"load_period", "ratings", "finance", "trend", "service_areas", "styled", "rag_by_month",
            "ratings_view", "finance_view"} <= checked


# explore's functions -------------------------------------------------------------------

def test_rag_styles_are_the_documents_badge_colours():
    css = (Path(explore.__file__).parent / "templates" / "briefing" / "style.css").read_text()
    for word, cls in RAG_CLASSES.items():
        rule = re.search(rf"\.{cls} \{{([^}}]*)\}}", css).group(1)
        badge = dict(part.split(": ") for part in (p.strip() for p in rule.split(";")) if part)
        style = explore.RAG_STYLES[word]
        assert (style["background"], style["color"]) == (badge["background"], badge["color"])
        if "border-color" in badge:
            assert style["border"].endswith(badge["border-color"])


def test_rag_text_says_the_status_in_symbol_and_word():
    assert explore.rag_text("Amber") == "▲ Amber"
    assert [explore.rag_text(w) for w in RAG_SYMBOLS] == [f"{s} {w}" for w, s in RAG_SYMBOLS.items()]
    assert explore.rag_text(np.nan) == "" and explore.rag_text(None) == "" and explore.rag_text("Not due") == "Not due"
    assert explore.rag_style("Red") == "background: #d4351c; color: #fff" and explore.rag_style(np.nan) == ""


def test_column_names_in_words():
    assert explore.column_name("measure_id") == "Measure ID"
    assert explore.column_name("latest_budget", "money") == "Latest budget £m"
    assert explore.column_name("Latest budget £m", "money") == "Latest budget £m"
    assert explore.column_name("2022-07") == "July 2022"
    assert explore.column_name("variance_pct", "pct_signed") == "Variance %"
    assert explore.column_name("Variance July 2022 %") == "Variance July 2022 %"


def test_styled_formats_by_kind_hides_the_index_and_keeps_the_values():
    frame = pd.DataFrame({"directorate": ["A & B", "Total"],
                          "latest_budget": pd.array([1_234_567_890, pd.NA], dtype="Int64"),
                          "variance": pd.array([-5_000_000, 25_000_000], dtype="Int64"),
                          "variance_pct": [-0.4049, np.nan], "rag": ["Red", None],
                          "commentary": [np.nan, "<b>late</b>"], "other": [10_000_000, 0]},
                         index=[7, 9])
    styler = explore.styled(frame, "Finding <1>", money=["other"], source="returns", bold_rows=[1])
    headers, rows = grid(styler.to_html())
    assert headers == ["Directorate", "Latest budget £m", "Variance £m", "Variance %", "Status", "Commentary",
                       "Other £m"]
    assert rows == [["A & B", "12.3", "-0.1", "-0.4%", "✖ Red", "", "0.1"],
                    ["Total", "–", "+0.3", "–", "", "<b>late</b>", "0.0"]]
    html = styler.to_html()
    assert "<caption><b>Finding &lt;1&gt;</b><br>Source: returns</caption>" in html
    assert "background: #d4351c" in html and "font-weight: bold" in html
    assert styler.data["latest_budget"].iloc[0] == 1_234_567_890, "the frame beneath keeps its exact pence"


def test_styled_keeps_a_named_index_as_a_column():
    frame = pd.DataFrame({"2022-06": ["Green"], "2022-07": ["Amber"]}, index=pd.Index(["X1"], name="measure_id"))
    headers, rows = grid(explore.styled(frame, rag=frame.columns).to_html())
    assert headers == ["Measure ID", "June 2022", "July 2022"] and rows == [["X1", "✔ Green", "▲ Amber"]]


def test_table_view_shows_a_briefing_table_as_its_documents_do():
    table = Table("Example", "Spending is up", pd.DataFrame({"Line": ["A", "B", "Total"],
                                                             "£m": pd.array([150_000_000, 50_000, 150_050_000],
                                                                            dtype="Int64")}),
                  caption="What it is.", formats={"£m": "money"}, source="returns", total_rows=1)
    html = explore.table_view(table).to_html()
    assert grid(html) == (["Line", "£m"], [["A", "1.5"], ["B", "0.0"], ["Total", "1.5"]])
    assert "<b>Spending is up</b><br>What it is.<br>Source: returns" in html
    assert bold_rows(html) == {2}


def test_rag_by_month_is_the_history_pivoted(b):
    months = explore.rag_by_month(b)
    assert list(months.columns) == sorted(b.rated_history["period"].unique())
    now = b.ratings.set_index("measure_id")["rag"]
    assert months.loc[now.index, b.period].tolist() == now.tolist()
    actuals = explore.actuals_by_month(b)
    assert actuals.shape == months.shape
    assert actuals.loc[now.index, b.period].tolist() == pytest.approx(b.ratings["actual_value"].tolist(),
                                                                      nan_ok=True)


def test_measure_history_is_the_measures_rows_oldest_first(b):
    measure = b.ratings["measure_id"].iloc[1]
    history = explore.measure_history(b, measure)
    rows = b.rated_history[b.rated_history["measure_id"] == measure]
    assert history["period"].tolist() == sorted(rows["period"])
    assert history["rag"].tolist() == rows.sort_values("period")["rag"].tolist()
    shown = explore.measure_history_view(b, measure).to_html()
    assert column(shown, "Status") == [explore.rag_text(w) for w in history["rag"]]
    with pytest.raises(KeyError, match="no measure 'NOPE' was rated; the measures are OCC"):
        explore.measure_history(b, "NOPE")


def test_views_of_the_period(b):
    history = explore.history_view(b).to_html()
    assert column(history, "Measure ID") == sorted(b.rated_history["measure_id"].unique())
    found = exceptions(b.ratings)
    shown = explore.exceptions_view(b).to_html()
    assert column(shown, "Measure ID") == found["measure_id"].tolist()
    assert column(shown, "Previous status") == [explore.rag_text(w) for w in found["previous_rag"]]
    areas = explore.service_area_view(b).to_html()
    table = finance_tables.service_areas_table(b)
    assert column(areas, "Variance £m") == [format_value(v, "money_signed") for v in table.frame["Variance £m"]]
    assert bold_rows(areas) == set(np.flatnonzero(b.finance.service_areas["kind"] != "line"))
