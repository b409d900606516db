"""The finance narrative: every figure stated, escaped, first in its section, and what it says when it cannot."""
from __future__ import annotations

from briefing import finance_narrative, finance_tables
from finance_returns import JULY_FINANCE, briefing_of, july, may


def test_narrative_states_every_figure_computed():
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    text = finance_narrative.narrative_text(b)
    assert "The forecast directorate overspend is £0.2m or 0.8% of the budget." in text        # 0.15 of 19.25
    assert "The directorate variance has risen by £0.4m since May 2022." in text               # +0.35
    assert ("The overall forecast underspend is £0.4m or 1.9% of the net operating budget after taking account "
            "of a forecast underspend of £0.5m on budgets held centrally.") in text            # -0.35 of 18.25
    assert ("After taking account of the forecast underspend of £0.4m, general balances will be £20.4m, "
            "£1.4m above the risk-assessed level of £19.0m.") in text                          # 20.35, 1.35
    assert "£2.5m of the £3.0m planned savings (83.3%) are forecast to be delivered." in text
    assert "cumulative deficit to £47.7m, £47.5m of it on the High Needs block." in text


def test_narrative_is_escaped_html_and_comes_first_in_the_section():
    assert finance_narrative.Narrative("Assets & <Investments>")._repr_html_() == \
        '<p class="narrative">Assets &amp; &lt;Investments&gt;</p>'
    b = briefing_of({"2022-05": may(), "2022-07": july()}, compare_to="2022-05")
    items = finance_tables.tables(b)
    assert isinstance(items[0], finance_narrative.Narrative)
    assert [type(i).__name__ for i in items[1:3]] == ["Chart", "Table"]
    assert items[1].table_key == items[2].key == "Directorate position"  # the chart points to its table


def test_narrative_says_when_the_position_is_not_available():
    b = briefing_of({"2022-07": july(finance_by={"Alpha": JULY_FINANCE["Alpha"]}, invalid={"Beta": "missing"})})
    assert "no usable return from Beta" in finance_narrative.narrative_text(b)
