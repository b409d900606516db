"""The committee paper's furniture: the meeting, the recommendations from the corporate return, the
implications and the contact officer open the corporate briefing (its section "recommendation")."""

import pandas as pd
import pytest

from briefing import committee
from briefing.document import build_briefing, check_parameters
from broken_returns import CORPORATE, PERIOD, copy_data, remove_sheet, set_cells


@pytest.fixture(scope="module")
def july(tmp_path_factory):
    data = copy_data(tmp_path_factory.mktemp("july") / "data")
    return build_briefing(check_parameters(PERIOD, data_dir=str(data)))


def test_the_briefing_opens_with_the_meeting_and_the_lettered_recommendations(july):
    section = july.section("recommendation")
    text = section._repr_html_()
    assert [str(item) for item in section.items][:2] == [
        "Report to: Cabinet",
        "Report by: the Director of Finance and the Corporate Director for Customers, Organisational Development "
        "& Resources"]
    assert str(section.items[2]) == (
        "The Cabinet is RECOMMENDED to: (a) note the report; (b) agree the use of a further £0.4m from the "
        "COVID-19 reserve to extend the funding for the managed teams in the Family Solutions Plus service within "
        "Children's Services; (c) note the virements set out in the finance annex.")
    assert "The Cabinet is <strong>RECOMMENDED</strong> to:" in text
    assert '<span class="letter">(c)</span> note the virements set out in the finance annex.</li>' in text
    assert "Financial implications: This report sets out" in text
    assert "Comments checked by Director of Law &amp; Governance and Monitoring Officer." in text
    assert '<strong>Contact officer:</strong> Corporate Performance Team' in text
    assert july.header().text.count('href="#recommendation"') == 1  # first in the contents


def test_without_recommendations_the_report_is_for_noting(tmp_path):
    data = copy_data(tmp_path / "data")
    remove_sheet(CORPORATE, "Recommendations")(data)
    remove_sheet(CORPORATE, "Implications")(data)
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data)))
    texts = [str(item) for item in b.section("recommendation").items]
    assert "The Cabinet is RECOMMENDED to: (a) note the report." in texts
    assert not any("implications" in t for t in texts)
    assert not b.current.sheets_not_used()  # optional sheets: their absence is no problem


def test_the_meeting_and_its_date_come_from_params_and_a_recommendation_is_escaped(tmp_path):
    data = copy_data(tmp_path / "data")
    set_cells(CORPORATE, "Recommendations", A3="<script>alert(1)</script> & approve")(data)
    params = tmp_path / "scrutiny.yaml"
    params.write_text("meeting: Performance and Corporate Services Overview and Scrutiny Committee\n"
                      "meeting_date: 2022-09-20\nreport_by:\ncontact:\n", encoding="utf-8")
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data), params_file=str(params)))
    section = b.section("recommendation")
    texts = [str(item) for item in section.items]
    assert texts[0] == "Report to: Performance and Corporate Services Overview and Scrutiny Committee, 2022-09-20"
    assert not any(t.startswith(("Report by", "Contact officer")) for t in texts)
    assert "The Performance and Corporate Services Overview and Scrutiny Committee is RECOMMENDED to:" in texts[1]
    html = section._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; approve" in html


def test_recommendations_are_lettered_past_z():
    letters = committee._lettered(["x"] * 28)
    assert letters[:2] == ["(a)", "(b)"] and letters[25:] == ["(z)", "(aa)", "(ab)"]


def test_red_measures_without_an_outlook_are_listed_for_the_officers(july):
    from briefing import quality
    table = quality.red_without_outlook_table(july)
    assert table.title == "2 Red measures have no director's outlook"
    assert table.frame["Measure"].str[:8].tolist() == ["OCC07.01", "OCC07.05"]
    assert table.frame["Outlook cell"].tolist() == ["Children's Services.xlsx!Performance!D2",
                                                    "Children's Services.xlsx!Performance!D6"]
    assert "Red without outlook" in [getattr(t, "key", "") for t in july.section("quality").items]


def test_the_performance_narrative_sums_up_the_directors_outlook(july):
    from briefing.performance import outlook_summary
    counts = outlook_summary(july.ratings)
    text = str(july.section("performance").items[0])
    assert (f"The directors' outlook is positive (improving or stable) for {counts['positive']} of the "
            f"{counts['given']} rated measures that give one; 2 Red measures have none.") in text


def test_highlights_are_the_measures_that_improved_their_status(july):
    from briefing import performance_tables as T
    table = T.highlights_table(july)
    june = july.rated_history[july.rated_history["period"] == "2022-06"].set_index("measure_id")["rag"]
    now = july.ratings.set_index("measure_id")["rag"]
    moved = [(m, june.get(m), now[m]) for m in now.index if (june.get(m), now[m]) in
             {("Amber", "Green"), ("Red", "Green"), ("Red", "Amber")}]
    assert len(table.frame) == len(moved) > 0
    shown = list(zip(table.frame["Measure"].str.split(":").str[0], table.frame["Was"], table.frame["Now"]))
    assert sorted(shown) == sorted(moved)
    greens = [now_ for _, _, now_ in shown]
    assert greens == sorted(greens, key=lambda s: s != "Green")  # the measures that turned Green first
    green = sum(1 for _, _, n in moved if n == "Green")
    assert table.title == f"{green} measures turned Green since June and {len(moved) - green} rose from Red to Amber"


def test_each_priority_has_its_overall_status_for_every_month_of_the_year(july):
    from briefing import performance_tables as T
    from briefing.performance import overall_status
    table = T.priority_grid_table(july)
    months = ["April", "May", "June", "July", "August", "September", "October", "November", "December",
              "January", "February", "March"]
    assert list(table.frame.columns) == ["Priority", *months]
    grid = table.frame.set_index("Priority")
    history = july.rated_history
    for period, column in (("2022-04", "April"), ("2022-07", "July")):
        for priority, statuses in history[history["period"] == period].groupby("priority")["rag"]:
            counts = statuses[statuses.isin(["Green", "Amber", "Red"])].value_counts()
            expected = "" if counts.empty else [s for s in ("Red", "Amber", "Green")
                                                if counts.get(s, 0) == counts.max()][0]
            assert grid.loc[priority, column] == expected, (priority, column)
    assert (grid[months[4:]] == "").all().all()  # August to March: still to come
    assert overall_status(pd.Series(["Red", "Red", "Green", "Green", "Monitoring only"])) == "Red"
    assert overall_status(pd.Series(["Green", "Green", "Amber"])) == "Green"
    assert overall_status(pd.Series(["Monitoring only", "Not reported"])) == ""
