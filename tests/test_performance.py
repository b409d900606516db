"""The performance tables, pinned on a small synthetic council whose answers are worked out by hand.

Every measure's status in every month is planned below (G/A/R, M monitoring
only, N not reported, "." not due); the returns are written to give exactly
those statuses, rated by the real rules, and each table is checked against
counts read off the plan by eye.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing import performance as P
from briefing.periods import months_elapsed
from briefing.ratings import (AMBER, GREEN, MONITORING, NOT_REPORTED, RED, STATUSES, add_direction_of_travel,
                              rate_measures)
from briefing.tables import Table

PERIODS = ["2022-03", "2022-04", "2022-05", "2022-06", "2022-07", "2022-08", "2022-09"]
P1, P2 = "P1: Keep people safe", "P2: A thriving county"
D1, D2 = "Directorate One", "Directorate Two"
#          id    priority directorate frequency   polarity            cumulative judgement  Mar Apr May Jun Jul Aug Sep
PLAN = [("M1", P1, D1, "Monthly", "Higher is better", False, False, "GGAAAGA"),
        ("M2", P1, D1, "Monthly", "Lower is better", False, False, "GRRGRRA"),
        ("M3", P1, D1, "Monthly", "Monitoring only", False, False, "MMMMMMM"),
        ("Q1", P1, D1, "Quarterly", "Higher is better", False, False, "A..A..A"),
        ("S1", P1, D1, "Six-monthly", "Higher is better", False, False, "G.....R"),
        ("M4", P2, D2, "Monthly", "Higher is better", False, False, "RAGRGAA"),
        ("M5", P2, D2, "Monthly", "Higher is better", True, False, "GGGARRR"),
        ("J1", P2, D2, "Monthly", "Higher is better", False, True, "AAAAGGG"),
        ("M6", P2, D2, "Monthly", "Higher is better", False, False, "GGGGNGG"),
        ("T1", P2, D2, "Termly", "Higher is better", False, False, ".G..R..")]
SHORTFALL = {"G": 1.0, "A": 0.97, "R": 0.8}      # share of target reached, for higher is better
OUTLOOK = {"M1": "improving", "M2": "↓", "Q1": "Stable", "M4": "positive"}


def _register() -> pd.DataFrame:
    rows = []
    for mid, priority, directorate, frequency, polarity, cumulative, judgement, _ in PLAN:
        target = "Top quartile" if judgement else None if polarity == "Monitoring only" else \
            1200.0 if cumulative else 100.0
        rows.append(dict(measure_id=mid, measure=f"Measure {mid}", priority=priority, directorate=directorate,
                         director=f"Director of {directorate}", frequency=frequency, polarity=polarity,
                         unit="number", target=target, amber_tolerance=None, cumulative=cumulative,
                         target_value=target if isinstance(target, float) else float("nan"),
                         target_text="" if target is None else str(target), judgement=judgement))
    return pd.DataFrame(rows)


def _returns(period: str) -> pd.DataFrame:
    rows = []
    for mid, _, directorate, _, polarity, cumulative, judgement, plan in PLAN:
        status = plan[PERIODS.index(period)]
        if status == ".":
            continue
        row = dict(measure_id=mid, actual=None, reported_rag=None, outlook=OUTLOOK.get(mid), commentary=f"On {mid}",
                   risk_impact=f"Risk of {mid}", finance_impact=f"Cost of {mid}", not_reported_reason=None,
                   file=f"{directorate}.xlsx", sheet="Performance", row=2 + len(rows), letters={"actual": "B"},
                   directorate=directorate)
        if status == "N":
            row["not_reported_reason"] = "System down"
        elif status == "M":
            row["actual"] = 5.0
        elif judgement:
            row["reported_rag"] = status
        else:
            target = 1200.0 * months_elapsed(period) / 12 if cumulative else 100.0
            share = SHORTFALL[status]
            row["actual"] = target * (share if polarity == "Higher is better" else 2 - share)
        rows.append(row)
    return pd.DataFrame(rows)


REGISTER = _register()
HISTORY = add_direction_of_travel(pd.concat(
    [rate_measures(REGISTER, _returns(p), p, 5.0) for p in PERIODS], ignore_index=True))


def briefing(period: str, compare_to: str | None) -> SimpleNamespace:
    """What the table functions read from a Briefing, for one period of the synthetic council."""
    ratings = HISTORY[HISTORY["period"] == period].reset_index(drop=True)
    return SimpleNamespace(period=period, ratings=ratings, rated_history=HISTORY, register=REGISTER,
                           run=SimpleNamespace(compare_to=compare_to), directorates=[D1, D2])


JULY, SEPTEMBER = briefing("2022-07", "2022-06"), briefing("2022-09", "2022-08")


def test_the_plan_is_what_the_rules_give():
    """The scenario itself: each planned letter is the status rated (so the hand counts below hold)."""
    letters = {GREEN: "G", AMBER: "A", RED: "R", MONITORING: "M", NOT_REPORTED: "N"}
    for mid, *_, plan in PLAN:
        rated = HISTORY[HISTORY["measure_id"] == mid].set_index("period")["rag"]
        got = "".join(letters[rated[p]] if p in rated else "." for p in PERIODS)
        assert got == plan, mid


def test_rag_summary_counts_and_shares_of_those_reported():
    summary = P.rag_summary(JULY.ratings).set_index("status")
    assert summary["measures"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, "Total": 7}
    assert summary.loc[RED, "share_pct"] == pytest.approx(300 / 7)


def test_rag_by_priority_and_by_directorate():
    by_priority = P.rag_by_group(JULY.ratings, "priority").set_index("priority")
    assert by_priority.loc[P1].to_dict() == {GREEN: 0, AMBER: 1, RED: 1, MONITORING: 1, "Total": 3, NOT_REPORTED: 0}
    assert by_priority.loc[P2].to_dict() == {GREEN: 2, AMBER: 0, RED: 2, MONITORING: 0, "Total": 4, NOT_REPORTED: 1}
    assert by_priority.loc["Total"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, "Total": 7,
                                                   NOT_REPORTED: 1}
    by_directorate = P.rag_by_group(JULY.ratings, "directorate")
    assert list(by_directorate["directorate"]) == [D1, D2, "Total"]
    assert list(by_directorate["Total"]) == [3, 4, 7]


def test_a_sentence_per_priority_in_the_reports_voice():
    sentences = P.group_sentences(JULY.ratings, "priority", "2022-07").set_index("priority")["sentence"]
    assert sentences[P1] == "This priority has 3 measures reporting in July: 1 Red, 1 Amber and 1 monitoring only."
    assert sentences[P2] == ("This priority has 4 measures reporting in July: 2 Red and 2 Green. "
                             "1 more measure was due but not reported.")
    table = P.rag_by_priority_table(JULY)
    assert table.frame.set_index("Priority").loc[P1, "In words"] == sentences[P1]
    assert table.title == "2 of the 2 priorities had a Red measure in July 2022; 7 measures reported"


def test_red_measures_carry_direction_and_source_cell():
    red = P.red_measures(JULY.ratings)
    assert list(red["measure_id"]) == ["M2", "M5", "T1"]
    assert red.set_index("measure_id").loc["M2", "direction"] == "Deteriorating"   # 100 → 120, lower is better
    table = P.red_measures_table(JULY)
    assert table.title == "3 measures reported Red in July 2022"
    assert table.frame.loc[0, "Direction"] == "Deteriorating ↓"
    assert table.frame.loc[0, "Source cell"] == "Directorate One.xlsx!Performance!B3"
    assert table.frame.loc[1, "Target"] == "400 (year to date)"                     # 1,200 × 4/12


def test_status_changes_are_named_as_figure_3():
    changes = P.status_changes(JULY.ratings, HISTORY[HISTORY["period"] == "2022-06"], set(REGISTER["measure_id"]))
    named = changes.set_index("measure_id")["change"]
    assert named.to_dict() == {"M1": "", "M2": "Green to Red", "M3": "", "M4": "Red to Green", "M5": "Amber to Red",
                               "J1": "Amber to Green", "M6": "No longer reported", "T1": "Newly rated", "Q1": ""}
    lists = P.change_lists(changes).set_index("change")
    assert lists["measures"].to_dict() == {"Red to Green": 1, "Amber to Green": 1, "Red to Amber": 0,
                                           "Green to Amber": 0, "Green to Red": 1, "Amber to Red": 1,
                                           "Newly rated": 1, "No longer reported": 1}
    assert lists.loc["Newly rated", "which"] == "T1: Measure T1 (Red)"
    assert P.improved_and_worse(changes) == (2, 2)


def test_a_measure_gone_from_the_register_is_no_longer_reported_but_one_not_due_is_not():
    june = HISTORY[HISTORY["period"] == "2022-06"]
    changes = P.status_changes(JULY.ratings, june, set(REGISTER["measure_id"]) - {"Q1"}).set_index("measure_id")
    assert changes.loc["Q1", "change"] == "No longer reported"


def test_transition_matrix_counts_every_measure_once():
    changes = P.status_changes(JULY.ratings, HISTORY[HISTORY["period"] == "2022-06"])
    matrix = P.transition_matrix(changes).set_index("before")
    assert matrix.loc[GREEN].to_dict() == {GREEN: 0, AMBER: 0, RED: 1, MONITORING: 0, NOT_REPORTED: 1, "Not due": 0,
                                           "Total": 2}
    assert matrix.loc[AMBER].to_dict() == {GREEN: 1, AMBER: 1, RED: 1, MONITORING: 0, NOT_REPORTED: 0, "Not due": 1,
                                           "Total": 4}
    assert matrix.loc[RED, GREEN] == 1 and matrix.loc[MONITORING, MONITORING] == 1
    assert matrix.loc["Not due", RED] == 1
    assert matrix.loc["Total"].to_dict() == {GREEN: 2, AMBER: 1, RED: 3, MONITORING: 1, NOT_REPORTED: 1,
                                             "Not due": 1, "Total": 9}
    table = P.status_matrix_table(JULY)
    assert table.title == "1 of the 5 measures rated in both June and July kept their rating"
    assert table.formats[table.frame.columns[0]] == "rag"


def test_exceptions_are_red_or_amber_two_periods_running():
    found = P.exceptions(JULY.ratings)
    assert found[["measure_id", "exception"]].values.tolist() == [
        ["M1", "Amber two periods running"], ["M2", RED], ["M5", RED], ["T1", RED]]
    assert P.exceptions_phrase(P.exception_counts(found)) == "3 Red and 1 Amber for two periods running"
    assert found.set_index("measure_id").loc["T1", "previous_period"] == "2022-04"   # termly: April, then July
    table = P.exceptions_table(JULY)
    assert table.title == "4 measures are exceptions in July 2022: 3 Red and 1 Amber for two periods running"
    assert list(table.frame["Priority"]) == [P1, P1, P2, P2]
    assert table.frame.loc[0, "Risk impact"] == "Risk of M1" and table.frame.loc[0, "Finance impact"] == "Cost of M1"


def test_a_quarterly_measures_previous_due_period_is_three_months_back():
    found = P.exceptions(SEPTEMBER.ratings).set_index("measure_id")
    assert sorted(found.index) == ["M4", "M5", "Q1", "S1"]
    assert found.loc["Q1", "exception"] == "Amber two periods running"
    assert found.loc["Q1", "previous_period"] == "2022-06"
    assert found.loc["S1", "previous_period"] == "2022-03"
    assert "M1" not in found.index      # Amber now but Green in August
    table = P.exceptions_table(SEPTEMBER)
    assert "Amber (June 2022)" in set(table.frame["Previous status"])


def test_year_to_date_tracking_counts_rated_measures_each_month():
    tracking = P.year_to_date_tracking(HISTORY, "2022-07")
    assert tracking["month"].tolist() == ["April", "May", "June", "July"]
    assert tracking[[GREEN, AMBER, RED, "Total"]].values.tolist() == [[4, 2, 1, 7], [3, 2, 1, 6], [2, 4, 1, 7],
                                                                     [2, 1, 3, 6]]
    assert P.year_to_date_table(JULY).title == "3 of the 6 measures rated in July were Red, two more than in June"
    chart = P.year_to_date_chart(JULY)
    assert chart.table_key == "Year to date"


def test_narrative_numbers_come_from_the_figures():
    text = P.narrative(JULY.ratings, HISTORY, "2022-07", "2022-06")
    assert text == ("Of the 7 measures reported in July, 2 (29%) were Green, 1 (14%) Amber, 3 (43%) Red and "
                    "1 (14%) monitoring only; Red measures are two more than in June. "
                    "4 measures are exceptions: 3 Red and 1 Amber for two periods running. "
                    "Since June, 2 measures have improved and 2 have deteriorated. "
                    "1 measure was due but not reported.")


def test_narrative_is_escaped_html():
    shown = P.Narrative("Red < Amber & Green")._repr_html_()
    assert shown == '<p class="narrative">Red &lt; Amber &amp; Green</p>'


def test_quarterly_dashboard_compares_with_three_months_earlier():
    dashboard = P.quarterly_dashboard(HISTORY, "2022-09", [D1, D2]).set_index("measure_id")
    assert list(dashboard["directorate"].unique()) == [D1, D2]
    assert dashboard.loc["M2", ["last_quarter", "this_quarter"]].tolist() == [GREEN, AMBER]
    assert dashboard.loc["M4", ["last_quarter", "this_quarter"]].tolist() == [RED, AMBER]
    assert dashboard.loc["S1", "last_quarter"] == "n/a"                         # not due in June
    assert dashboard.loc["M5", "cumulative"] == "Y" and dashboard.loc["M1", "cumulative"] == "N"
    assert dashboard.loc["M1", "outlook"] == "Improving ↑" and dashboard.loc["M2", "outlook"] == "Deteriorating ↓"
    assert dashboard.loc["M4", "outlook"] == "Improving ↑"                      # typed "positive"
    table = P.quarterly_dashboard_table(SEPTEMBER)
    assert table.title == "2 measures were Red at the end of Q2 2022-23, one more than at the end of Q1"
    assert {"Q1 RAG", "Q2 RAG"} <= set(table.frame.columns)


def test_quarterly_dashboard_only_at_a_quarter_end():
    july = [getattr(item, "key", "") for item in P.tables(JULY)]
    september = [getattr(item, "key", "") for item in P.tables(SEPTEMBER)]
    assert "Quarterly dashboard" not in july and "Quarterly dashboard" in september


def test_section_order_keys_and_rag_formats():
    items = P.tables(JULY)
    assert isinstance(items[0], P.Narrative)
    tables = [item for item in items if isinstance(item, Table)]
    keys = [t.key for t in tables]
    assert keys == ["RAG summary", "RAG by priority", "RAG by directorate", "Red measures", "Status changes",
                    "Status matrix", "Exceptions", "Year to date", "Director assessments", "Not reported"]
    for table in tables:
        assert len(table.key) <= 31 and not re.search(r"[\[\]:*?/\\]", table.key)
        for column in table.frame.columns:
            shown = set(table.frame[column].dropna())
            if shown and shown <= set(STATUSES) and len(shown) > 1:
                assert table.formats.get(column) == "rag", (table.key, column)


def test_grouped_table_shows_each_group_under_its_heading_with_its_lead():
    page = P.exceptions_table(JULY)._repr_html_()
    assert page.count("<section") == page.count("</section>") == 3
    assert re.findall(r"<h4[^>]*>(.*?)</h4>", page) == [P1, P2]
    assert '<p class="group-lead">This priority has 3 measures reporting in July' in page
    assert ">Priority<" not in page                          # the group column is the heading, not a column


def test_no_comparison_period_gives_explained_empty_tables():
    alone = briefing("2022-07", None)
    assert P.status_changes_table(alone).frame.empty
    assert "Since" not in P.narrative(alone.ratings, HISTORY, "2022-07", None)


def test_directorate_tables_hold_only_that_directorate():
    tables = P.directorate_tables(JULY, D2)
    assert [t.key for t in tables] == ["Directorate RAG summary", "Directorate measures", "Directorate exceptions",
                                       "Directorate not reported"]
    summary, measures, found, missing = tables
    assert summary.frame.set_index("Status")["Measures"].to_dict() == {GREEN: 2, AMBER: 0, RED: 2, MONITORING: 0,
                                                                      "Total": 4}
    assert measures.frame["Measure ID"].tolist() == ["J1", "M4", "M5", "M6", "T1"]
    assert measures.frame.set_index("Measure ID").loc["M4", "Direction"] == "Improving ↑"   # 80 → 100
    assert measures.frame.set_index("Measure ID").loc["M4", "Director's outlook"] == "Improving ↑"
    assert found.title.endswith("2 measures are exceptions in July 2022: 2 Red")
    assert missing.frame["Measure ID"].tolist() == ["M6"] and missing.frame["Reason"].tolist() == ["System down"]
    assert "Directorate dashboard" in [t.key for t in P.directorate_tables(SEPTEMBER, D1)]


def test_director_assessments_show_both_ratings():
    register = REGISTER[REGISTER["measure_id"].isin(["M1", "M4"])]
    returns = _returns("2022-07").set_index("measure_id")
    returns.loc["M4", "reported_rag"] = "Amber"                   # the rule gives Green
    rated = rate_measures(register, returns.reset_index(), "2022-07", 5.0).assign(direction="")
    differ = P.director_assessments(rated)
    assert differ[["measure_id", "rule_rag", "reported_rag"]].values.tolist() == [["M4", GREEN, AMBER]]
    table = P._assessments_table(rated, "2022-07", "Director assessments")
    assert table.title == "For 1 measure in July 2022 the director's rating differs from the rule"


@pytest.mark.parametrize("counts,expected", [
    ({RED: 4, AMBER: 1, GREEN: 2, MONITORING: 2}, "4 Red, 1 Amber, 2 Green and 2 monitoring only"),
    ({RED: 0, AMBER: 3, GREEN: 2, MONITORING: 3}, "3 Amber, 2 Green and 3 monitoring only"),
    ({RED: 0, GREEN: 1}, "1 Green"), ({RED: 0}, "none")])
def test_count_phrase(counts, expected):
    assert P.count_phrase(counts) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["X", "Y", "Z"]), st.sampled_from(STATUSES),
                          st.sampled_from([*STATUSES, None])), min_size=1, max_size=30))
def test_property_group_totals_and_matrix_add_up(rows):
    now = pd.DataFrame([{"measure_id": f"M{i}", "measure": "m", "priority": g, "rag": s}
                        for i, (g, s, _) in enumerate(rows)])
    before = pd.DataFrame([{"measure_id": f"M{i}", "measure": "m", "priority": g, "rag": b}
                           for i, (g, _, b) in enumerate(rows) if b is not None],
                          columns=["measure_id", "measure", "priority", "rag"])
    by_group = P.rag_by_group(now, "priority")
    summary = P.rag_summary(now).set_index("status")["measures"]
    assert by_group.iloc[-1][["Total", *P.SUMMARY_ORDER]].tolist() == [summary["Total"],
                                                                       *summary[list(P.SUMMARY_ORDER)]]
    assert by_group.iloc[:-1]["Total"].sum() == (now["rag"] != NOT_REPORTED).sum()
    matrix = P.transition_matrix(P.status_changes(now, before)).set_index("before")
    assert matrix.loc["Total", "Total"] == len(now)
    assert matrix.loc["Not due", "Total"] == len(now) - len(before)
    for status in STATUSES:
        assert matrix.loc["Total", status] == (now["rag"] == status).sum()


@pytest.mark.parametrize("period", ["2022-07", "2022-09"])
def test_bundled_briefing_yields_every_table(period, data_dir, tmp_path):
    from briefing.document import build_briefing, check_parameters
    from briefing.tables import write_workbook

    b = build_briefing(check_parameters(period, data_dir=str(data_dir)))
    items = P.tables(b)
    keys = [item.key for item in items if isinstance(item, Table)]
    expected = ["RAG summary", "RAG by priority", "RAG by directorate", "Red measures", "Status changes",
                "Status matrix", "Exceptions", "Year to date", "Director assessments", "Not reported"]
    if period == "2022-09":
        expected.insert(expected.index("Director assessments"), "Quarterly dashboard")
    assert keys == expected
    assert isinstance(items[0], P.Narrative)
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
    assert written.sheetnames == keys
    for item in items:
        item._repr_html_()
