"""The committee paper's furniture: the meeting it goes to, the recommendations, the implications and the
officers who answer for it, as the July 2022 Cabinet report opens and closes.

The meeting, its date, who the report is by and whom to contact are settings (params); the
recommendations and the financial, legal and other implications are the corporate return's
(``Recommendations`` and ``Implications`` sheets, both optional): words only the council can write,
kept with the figures they are about. The section built here opens the corporate briefing.
"""
from __future__ import annotations

import html
import string

from .tables import Narrative
from .workbook import blank, cell_ref

DEFAULT_RECOMMENDATION = "note the report"


def recommendations(current) -> list[tuple[str, str]]:
    """The recommendations, each with the cell it was read from; "note the report" when the corporate
    return gives none (a monitoring report is always for noting at least)."""
    rows = current.recommendations
    found = [(str(r["recommendation"]).strip(), cell_ref(r, "recommendation"))
             for r in rows.to_dict("records") if not blank(r["recommendation"])]
    return found or [(DEFAULT_RECOMMENDATION, "")]


def _lettered(items: list[str]) -> list[str]:
    """``(a)``, ``(b)``, … ``(z)``, ``(aa)``: the way a committee paper letters its recommendations."""
    letters = string.ascii_lowercase
    return [f"({letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]})" for i in range(len(items))]


def _sentence(text: str) -> str:
    """A recommendation as the list reads it: lower-case start after "to:", one full stop at the end."""
    text = text.strip().rstrip(".;")
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[:1].lower() + text[1:]
    return text


class Recommendations(Narrative):
    """"The Cabinet is RECOMMENDED to: (a) …; (b) …" as a lettered list, each item sourced to its cell."""

    def __init__(self, meeting: str, items: list[tuple[str, str]]):
        self.meeting, self.items = meeting, items
        lettered = "; ".join(f"{letter} {_sentence(text)}" for letter, (text, _) in zip(_lettered(items), items))
        super().__init__(f"The {meeting} is RECOMMENDED to: {lettered}.")

    def _repr_html_(self) -> str:
        rows = "".join(f'<li><span class="letter">{letter}</span> {html.escape(_sentence(text))}'
                       f'{";" if i < len(self.items) - 1 else "."}</li>'
                       for i, (letter, (text, _)) in enumerate(zip(_lettered(self.items), self.items)))
        return (f'<div class="recommendation"><p class="narrative">The {html.escape(self.meeting)} is '
                f"<strong>RECOMMENDED</strong> to:</p><ol class=\"lettered\">{rows}</ol></div>")


class Furniture(Narrative):
    """A line of the paper's furniture (the meeting and date, who reports, the contact): not numbered."""

    def __init__(self, label: str, text: str):
        self.label = label
        super().__init__(f"{label}: {text}")

    def _repr_html_(self) -> str:
        value = self.text.split(": ", 1)[1]
        return f'<p class="furniture"><strong>{html.escape(self.label)}:</strong> {html.escape(value)}</p>'


def implications(current) -> list[Narrative]:
    """Each implication the corporate return states ("Financial implications: …", and who checked it)."""
    out = []
    for row in current.implications.to_dict("records"):
        if blank(row["implication"]) or blank(row["text"]):
            continue
        name = str(row["implication"]).strip()
        name = name if name.lower().endswith("implications") else f"{name} implications"
        checked = "" if blank(row.get("checked_by")) else f" Comments checked by {str(row['checked_by']).strip()}."
        out.append(Narrative(f"{name}: {str(row['text']).strip()}{checked}"))
    return out


def summary_items(b) -> list:
    """The opening section of the corporate briefing: the meeting, who reports, the recommendations, the
    implications and the contact officer, each line present only when the council gives it."""
    settings = b.run.settings
    items: list = []
    meeting = settings.meeting or "Cabinet"
    items.append(Furniture("Report to", f"{meeting}, {settings.meeting_date}" if settings.meeting_date else meeting))
    if settings.report_by:
        items.append(Furniture("Report by", settings.report_by))
    items.append(Recommendations(meeting, recommendations(b.current)))
    items.extend(implications(b.current))
    if settings.contact:
        items.append(Furniture("Contact officer", settings.contact))
    return items

