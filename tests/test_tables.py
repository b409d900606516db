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
    assert '<tr><th scope="row">Roads {0}</th><td class="num">1.5</td></tr>' in page
    assert '<tr><th scope="row">Parks {}</th><td class="num">–</td></tr>' in page
    assert '<tr class="total"><th scope="row">&lt;b&gt;Total&lt;/b&gt;</th><td class="num">1.5</td></tr>' in page
