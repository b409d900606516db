"""Tables as the briefing shows them: the table as accessible HTML.

tables.xlsx, written by ``briefing.spreadsheet``, is tested in ``tests/test_spreadsheet.py``.
"""
import pandas as pd

from briefing import tables as tables_module
from briefing.tables import Table


def test_an_html_table_shows_its_cells_as_they_are_braces_and_markup_included():
    frame = pd.DataFrame({"Service": ["Roads {0}", "Parks {}", "<b>Total</b>"],
                          "Budget £m": pd.array([150_000_000, None, 150_000_000], dtype="Int64")})
    page = tables_module.to_html(Table("Braces", "Title", frame, formats={"Budget £m": "money"}, total_rows=1))
    assert '<tr><th scope="row">Roads {0}</th><td class="num" data-label="Budget £m">1.5</td></tr>' in page
    assert '<tr><th scope="row">Parks {}</th><td class="num" data-label="Budget £m">–</td></tr>' in page
    assert '<tr class="total"><th scope="row">&lt;b&gt;Total&lt;/b&gt;</th><td class="num" data-label="Budget £m">1.5</td></tr>' in page


def test_a_wide_table_with_long_text_is_shown_as_cards_each_value_labelled_with_its_column():
    long = "A commentary long enough to need a line of its own on a card, as a director writes it."
    frame = pd.DataFrame({"Measure": ["OCC01.01"], "Status": ["Red"], "Change %": [1.5], "Commentary": [long]})
    page = tables_module.to_html(Table("Cards", "Title", frame, formats={"Status": "rag", "Change %": "pct"}))
    assert '<table class="cards print-table">' in page         # four columns: cards on a phone, a table on A4
    assert '<td class="num" data-label="Change %">1.5%</td>' in page  # a "%" in a column name survives
    assert f'<td class="long" data-label="Commentary">{long}</td>' in page
    wide = frame.assign(**{f"Column {i}": "x" for i in range(tables_module.PRINT_TABLE_AT_MOST - 3)})
    assert '<table class="cards">' in tables_module.to_html(Table("Wide", "Title", wide))  # cards on A4 too
    narrow = frame.drop(columns="Commentary").assign(Notes="short")
    assert 'class="cards' not in tables_module.to_html(Table("Plain", "Title", narrow))
    assert '<table class="cards print-table">' in tables_module.to_html(Table("Forced", "Title", narrow, cards=True))


def test_a_status_shown_by_its_symbol_keeps_its_word_for_screen_readers_and_hover():
    cell = tables_module.rag_html("Amber", symbol_only=True)
    assert cell == ('<span class="rag rag-a" title="Amber"><span aria-hidden="true">▲</span>'
                    '<span class="visually-hidden">Amber</span></span>')
    assert tables_module.RAG_KEY == "✔ Green, ▲ Amber, ✖ Red, ○ Monitoring only"
