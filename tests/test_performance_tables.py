"""The performance section's tables, charts and sentences, on the synthetic council of test_performance.py.

The figures themselves are tested there; here, what the briefing shows of them:
titles that state the finding, the reports' sentences, the section's order
and each directorate's own tables.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from briefing import performance_tables as T
from briefing.ratings import AMBER, GREEN, MONITORING, RED, STATUSES
from briefing.tables import Table
from test_performance import D1, D2, HISTORY, JULY, P1, P2, SEPTEMBER, briefing, overridden_july


def test_a_sentence_per_priority_in_the_reports_voice():
    sentences = T.group_sentences(JULY.ratings, "priority", "2022-07").set_index("priority")["sentence"]
    assert sentences[P1] == "This priority has 3 measures reporting in July: 1 Red, 1 Amber and 1 monitoring only."
    assert sentences[P2] == ("This priority has 4 measures reporting in July: 2 Red and 2 Green. "
                             "1 more measure was due but not reported.")
    table = T.rag_by_priority_table(JULY)
    assert table.frame.set_index("Priority").loc[P1, "In words"] == sentences[P1]
    assert table.title == "2 of the 2 priorities had a Red measure in July 2022; 7 measures reported"


def test_red_measures_table_shows_direction_source_cell_and_target():
    table = T.red_measures_table(JULY)
    assert table.title == "3 measures reported Red in July 2022"
    assert table.frame.loc[0, "Direction"] == "Deteriorating ↓"
    assert table.frame.loc[0, "Source cell"] == "Directorate One.xlsx!Performance!B3"
    assert table.frame.loc[1, "Target"] == "400 (year to date)"                     # 1,200 × 4/12


def test_status_matrix_table_says_how_many_kept_their_rating():
    table = T.status_matrix_table(JULY)
    assert table.title == "1 of the 5 measures rated in both June and July kept their rating"
    assert table.formats[table.frame.columns[0]] == "rag"


def test_exceptions_table_by_priority_with_risk_and_finance_impact():
    assert T.exceptions_phrase({RED: 3, "Amber two periods running": 1}) == "3 Red and 1 Amber for two periods running"
    assert T.exceptions_phrase({RED: 0, "Amber two periods running": 0}) == "none"
    table = T.exceptions_table(JULY)
    assert table.title == "4 measures are exceptions in July 2022: 3 Red and 1 Amber for two periods running"
    assert list(table.frame["Priority"]) == [P1, P1, P2, P2]
    assert table.frame.loc[0, "Risk impact"] == "Risk of M1" and table.frame.loc[0, "Finance impact"] == "Cost of M1"
    assert "Amber (June 2022)" in set(T.exceptions_table(SEPTEMBER).frame["Previous status"])


def test_year_to_date_table_and_chart():
    assert T.year_to_date_table(JULY).title == "3 of the 6 measures rated in July were Red, two more than in June"
    chart = T.year_to_date_chart(JULY)
    assert chart.table_key == "Year to date"


def test_narrative_numbers_come_from_the_figures():
    text = T.narrative(JULY.ratings, HISTORY, "2022-07", "2022-06")
    assert text == ("Of the 7 measures reported in July, 2 (29%) were Green, 1 (14%) Amber, 3 (43%) Red and "
                    "1 (14%) monitoring only; Red measures are two more than in June. "
                    "4 measures are exceptions: 3 Red and 1 Amber for two periods running. "
                    "Since June, 2 measures have improved and 2 have deteriorated. "
                    "The directors' outlook is positive (improving or stable) for 2 of the 3 rated measures that "
                    "give one; 2 Red measures have none. "
                    "1 measure was due but not reported.")
    outlook = JULY.ratings[JULY.ratings["rag"].isin(["Green", "Amber", "Red"])]["outlook"]
    assert outlook.notna().sum() == 3 and outlook.isin(["Improving", "Stable"]).sum() == 2


def test_narrative_is_escaped_html():
    shown = T.Narrative("Red < Amber & Green")._repr_html_()
    assert shown == '<p class="narrative">Red &lt; Amber &amp; Green</p>'


def test_quarterly_dashboard_table_compares_red_with_last_quarter():
    table = T.quarterly_dashboard_table(SEPTEMBER)
    assert table.title == "2 measures were Red at the end of Q2 2022-23, one more than at the end of Q1"
    assert {"Q1 RAG", "Q2 RAG"} <= set(table.frame.columns)


def test_quarterly_dashboard_only_at_a_quarter_end():
    july = [getattr(item, "key", "") for item in T.tables(JULY)]
    september = [getattr(item, "key", "") for item in T.tables(SEPTEMBER)]
    assert "Quarterly dashboard" not in july and "Quarterly dashboard" in september


def test_section_order_keys_and_rag_formats():
    items = T.tables(JULY)
    assert isinstance(items[0], T.Narrative)
    tables = [item for item in items if isinstance(item, Table)]
    keys = [t.key for t in tables]
    assert keys == ["RAG summary", "RAG by priority", "RAG by directorate", "Red measures", "Status changes",
                    "Status matrix", "Exceptions", "Highlights", "Signals", "Year to date", "Priorities by month",
                    "Director assessments", "Not reported"]
    for table in tables:
        assert len(table.key) <= 31 and not re.search(r"[\[\]:*?/\\]", table.key)
        for column in table.frame.columns:
            shown = set(table.frame[column].dropna())
            if shown and shown <= set(STATUSES) and len(shown) > 1:
                assert table.formats.get(column) in ("rag", "rag_symbol"), (table.key, column)


def test_grouped_table_shows_each_group_under_its_heading_with_its_lead():
    page = T.exceptions_table(JULY)._repr_html_()
    assert page.count("<section") == page.count("</section>") == 3
    assert re.findall(r"<h4[^>]*>(.*?)</h4>", page) == [P1, P2]
    assert '<p class="group-lead">This priority has 3 measures reporting in July' in page
    assert ">Priority<" not in page                          # the group column is the heading, not a column


def test_no_comparison_period_gives_explained_empty_tables():
    alone = briefing("2022-07", None)
    assert T.status_changes_table(alone).frame.empty
    assert "Since" not in T.narrative(alone.ratings, HISTORY, "2022-07", None)


def test_directorate_tables_hold_only_that_directorate():
    tables = T.directorate_tables(JULY, D2)
    assert [t.key for t in tables] == ["Directorate RAG summary", "chart-directorate-rag-by-priority",
                                       "Directorate measures", "chart-directorate-measure-history",
                                       "Directorate exceptions", "Directorate not reported"]
    summary, _, measures, _, found, missing = tables
    assert summary.frame.set_index("Status")["Measures"].to_dict() == {GREEN: 2, AMBER: 0, RED: 2, MONITORING: 0,
                                                                      "Total": 4}
    assert measures.frame["Measure ID"].tolist() == ["J1", "M4", "M5", "M6", "T1"]
    assert measures.frame.set_index("Measure ID").loc["M4", "Direction"] == "Improving ↑"   # 80 → 100
    assert measures.frame.set_index("Measure ID").loc["M4", "Director's outlook"] == "Improving ↑"
    assert found.title.endswith("2 measures are exceptions in July 2022: 2 Red")
    assert missing.frame["Measure ID"].tolist() == ["M6"] and missing.frame["Reason"].tolist() == ["System down"]
    assert "Directorate dashboard" in [t.key for t in T.directorate_tables(SEPTEMBER, D1)]


def test_director_assessments_table_says_how_many_differ():
    table = T.director_assessments_table(SimpleNamespace(ratings=overridden_july(), period="2022-07"))
    assert table.title == "For 1 measure in July 2022 the director's rating differs from the rule"


@pytest.mark.parametrize("counts,expected", [
    ({RED: 4, AMBER: 1, GREEN: 2, MONITORING: 2}, "4 Red, 1 Amber, 2 Green and 2 monitoring only"),
    ({RED: 0, AMBER: 3, GREEN: 2, MONITORING: 3}, "3 Amber, 2 Green and 3 monitoring only"),
    ({RED: 0, GREEN: 1}, "1 Green"), ({RED: 0}, "none")])
def test_count_phrase(counts, expected):
    assert T.count_phrase(counts) == expected


@pytest.mark.parametrize("period", ["2022-07", "2022-09"])
def test_bundled_briefing_yields_every_table(period, data_dir, tmp_path):
    from briefing.document import build_briefing, check_parameters
    from briefing.spreadsheet import write_workbook

    b = build_briefing(check_parameters(period, data_dir=str(data_dir)))
    items = T.tables(b)
    keys = [item.key for item in items if isinstance(item, Table)]
    expected = ["RAG summary", "RAG by priority", "RAG by directorate", "Red measures", "Status changes",
                "Status matrix", "Exceptions", "Highlights", "Signals", "Year to date", "Priorities by month",
                "Director assessments", "Not reported"]
    if period == "2022-09":
        expected.insert(expected.index("Director assessments"), "Quarterly dashboard")
    assert keys == expected
    assert isinstance(items[0], T.Narrative)
    tables = {item.key: item for item in items if isinstance(item, Table)}
    for key in ("RAG summary", "RAG by priority", "Red measures", "Exceptions", "Year to date", "Status matrix"):
        assert not tables[key].frame.empty, key
    rated = b.ratings[b.ratings["rag"].isin([GREEN, AMBER, RED])]["rag"].value_counts()
    last_month = tables["Year to date"].frame.iloc[-1]
    assert [last_month[s] for s in (GREEN, AMBER, RED)] == [rated.get(s, 0) for s in (GREEN, AMBER, RED)]
    matrix = tables["Status matrix"].frame
    assert matrix.iloc[-1, -1] == len(set(b.ratings["measure_id"]) | set(
        b.rated_history.loc[b.rated_history["period"] == b.run.compare_to, "measure_id"]))
    from openpyxl import load_workbook
    written = load_workbook(write_workbook(list(tables.values()), tmp_path / "tables.xlsx"), read_only=True)
    assert written.sheetnames == ["Contents", *keys]
    for item in items:
        item._repr_html_()
