"""Deterministic generator of the fictional Barsetshire County Council's monthly Excel returns.

The workbook ships with a year of returns from an invented council so that every
notebook runs out of the box and every test has realistic input. The figures are
shaped on a real county council's July 2022 monitoring report (about 44% of measures
Green, 27% Amber, 15% Red and 14% monitoring only; children's social care measures Red
through the summer; a Children's Services overspend growing through the year; a
high-needs DSG deficit), but every name and number here is made up.

Nothing depends on the clock or on hash order: ``generate(out_dir, seed=...)`` writes
the same cell contents for the same seed, and the workbooks carry fixed document and
zip timestamps so that regenerating the bundled data leaves ``git status`` clean.

Two scales:

* ``bundled`` - six directorates, 64 measures, returns for 2022-03 and for every month
  of 2022-23. The measures, budgets and the story of the year are the tables at the top
  of this module; randomness only fills in the detail (actuals, commentary, noise).
* ``large`` - a synthetic council for benchmarks: 20 directorates, 600 measures,
  24 months (2021-04..2023-03) and about 50,000 finance service-area rows a month.

The layout written under ``out_dir`` (the returns contract the loader reads)::

    register/2021-22.xlsx, register/2022-23.xlsx      sheet Measures
    returns/<YYYY-MM>/<Directorate>.xlsx               Cover, Performance, Finance, Savings
    returns/<YYYY-MM>/Corporate.xlsx                   Cover, Central budgets, Funding,
                                                       Balances, Reserves, DSG
    templates/*.xlsx                                   blank forms with drop-down lists

Run ``python -m briefing.sampledata --help``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import re
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from .periods import financial_year, months_elapsed, period_range

# ---------------------------------------------------------------------------
# The returns contract: sheet names, headers and vocabularies
# ---------------------------------------------------------------------------

COUNCIL = "Barsetshire County Council"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data"
FIXED_TIMESTAMP = dt.datetime(2023, 4, 28, 9, 0, 0)
DEFAULT_TOLERANCE_PCT = 5.0
FINANCE_TOLERANCE_PCT = 2.0
WRITE_ONLY_ROWS = 1000

MONTHLY, QUARTERLY, TERMLY, SIX_MONTHLY, ANNUAL = "Monthly", "Quarterly", "Termly", "Six-monthly", "Annual"
FREQUENCIES = (MONTHLY, QUARTERLY, TERMLY, SIX_MONTHLY, ANNUAL)
DUE_MONTHS = {
    MONTHLY: frozenset(range(1, 13)),
    QUARTERLY: frozenset({6, 9, 12, 3}),
    TERMLY: frozenset({12, 4, 7}),
    SIX_MONTHLY: frozenset({9, 3}),
    ANNUAL: frozenset({3}),
}
HIGHER, LOWER, MONITORING = "Higher is better", "Lower is better", "Monitoring only"
POLARITIES = (HIGHER, LOWER, MONITORING)
RAG_CODES = ("R", "A", "G")
OUTLOOKS = ("Improving", "Stable", "Deteriorating")
UNIT_DECIMALS = {"%": 1, "number": 0, "days": 1, "£m": 2, "kg": 0, "hectares": 0, "seconds": 0,
                 "milestone": 0}

REGISTER_SHEET = "Measures"
REGISTER_COLUMNS = ("Measure ID", "Measure", "Priority", "Directorate", "Director", "Frequency",
                    "Polarity", "Unit", "Target", "Amber tolerance", "Cumulative", "Computed as",
                    "SPC baseline to")
# The finance measures the briefing works out from the returns (``computed.FIGURES``), not typed.
COMPUTED_AS = {"OCC11.01": "Council variance %", "OCC11.02": "Savings delivered %",
               "OCC11.03": "Forecast general balances", "OCC11.04": "Directorates on target %",
               "OCC11.05": "DSG in-year deficit: High Needs"}
COVER_COLUMNS = ("Item", "Value")
COVER_ITEMS = ("Directorate", "Period", "Prepared by", "Date submitted")
PERFORMANCE_COLUMNS = ("Measure ID", "Actual", "Reported RAG", "Outlook", "Commentary",
                       "Risk impact", "Finance impact", "Not reported reason")
FINANCE_COLUMNS = ("Service area", "Latest budget £m", "Forecast outturn £m", "Variance £m", "Commentary")
SAVINGS_COLUMNS = ("Saving", "Planned £m", "Forecast delivered £m", "Commentary")
BALANCES_COLUMNS = ("Item", "£m")
BALANCE_ITEMS = ("General balances at 1 April", "Risk-assessed level")
RESERVES_COLUMNS = ("Reserve", "Opening £m", "Forecast movement £m", "Commentary")
DSG_COLUMNS = ("Block", "Opening cumulative deficit £m", "Forecast in-year deficit £m")
RECOMMENDATIONS_COLUMNS = ("Recommendation",)
IMPLICATIONS_COLUMNS = ("Implication", "Text", "Checked by")
# What the corporate return asks the Cabinet to decide, besides noting the report, in the months it asks.
DECISIONS = {
    "2022-07": ["Agree the use of a further £0.4m from the COVID-19 reserve to extend the funding for the managed "
                "teams in the Family Solutions Plus service within Children's Services.",
                "Note the virements set out in the finance annex."],
    "2022-11": ["Agree the transfer of £0.5m of the Public Health underspend to the Public Health reserve."],
}
IMPLICATIONS_ROWS = (
    ("Financial", "This report sets out the forecast financial position and risks for the council and the action "
                  "being taken to manage the budget within the position agreed by Council in February. The "
                  "on-going impact will be considered through the budget and business planning process.",
     "Director of Finance"),
    ("Legal", "The council has a fiduciary duty to council taxpayers: it must consider the prudent use of "
              "resources, including control of expenditure and financial prudence in the short and long term.",
     "Director of Law & Governance and Monitoring Officer"),
)
DSG_BLOCKS = ("Schools", "Central School Services", "Early Years", "High Needs")
CORPORATE = "Corporate"
FUNDING_LINE = "Business Rates & Council Tax funding"
CONTINGENCY_LINE = "Inflation and Contingency"
INTEREST_LINE = "Interest on Balances"

# ---------------------------------------------------------------------------
# The bundled council: Barsetshire County Council, 2022-23
# ---------------------------------------------------------------------------

PRIORITIES = {
    "OCC01": "Put action to address the climate emergency at the heart of our work",
    "OCC02": "Tackle inequalities in Barsetshire",
    "OCC03": "Prioritise the health and wellbeing of residents",
    "OCC04": "Support carers and the social care system",
    "OCC05": "Invest in an inclusive, integrated and sustainable transport network",
    "OCC06": "Preserve and improve access to nature and green spaces",
    "OCC07": "Create opportunities for children and young people to reach their full potential",
    "OCC08": "Play our part in a vibrant and participatory local democracy",
    "OCC09": "Work with local businesses and partners for environmental, economic and social benefit",
    "OCC10": "Running the business: customer contact",
    "OCC11": "Running the business: finance",
}

ADULTS = "Adult Services"
CHILDRENS = "Children's Services"
PUBLIC_HEALTH = "Public Health"
ENVIRONMENT = "Environment & Place"
COMMERCIAL = "Commercial Development, Assets & Investments"
CUSTOMERS = "Customers, Organisational Development & Resources"
DIRECTORATES = (ADULTS, CHILDRENS, PUBLIC_HEALTH, ENVIRONMENT, COMMERCIAL, CUSTOMERS)

# Who answers for a measure: owner key -> (directorate, director). Invented people.
OWNERS = {
    "AS": (ADULTS, "Helen Marchbank"),
    "CS": (CHILDRENS, "Owen Trelawney"),
    "PH": (PUBLIC_HEALTH, "Dr Priya Raman"),
    "EP": (ENVIRONMENT, "Gareth Pellow"),
    "FIRE": (COMMERCIAL, "Rachel Okafor"),
    "CO": (CUSTOMERS, "Joanna Whitcombe"),
    "CSC": (CUSTOMERS, "Dev Chaudhry"),
    "FIN": (CUSTOMERS, "Martin Crawley"),
}
PREPARED_BY = {
    ADULTS: "Tom Hebden", CHILDRENS: "Aisha Mensah", PUBLIC_HEALTH: "Lucy Farrant",
    ENVIRONMENT: "Ian Broadhurst", COMMERCIAL: "Paul Verity", CUSTOMERS: "Nadia Kowalski",
    CORPORATE: "Ruth Allardyce",
}

# The outcomes framework. ``july`` is the rating the measure shows in July 2022, the month
# the bundled data is shaped on: G/A/R, M (monitoring only), N (due but not reported),
# f (computed from the finance returns, see DERIVED) or blank (not due in July; its
# ratings start from a random draw). Ratings in other months follow a sticky random walk
# from July, so they move month to month without losing the year's story.
# A text target is rated by the director's judgement (Reported RAG). Frequencies and
# polarities are abbreviated to keep the table readable: see FREQUENCY_CODES, POLARITY_CODES.
FREQUENCY_CODES = {"Mth": MONTHLY, "Qtr": QUARTERLY, "Term": TERMLY, "6mth": SIX_MONTHLY, "Ann": ANNUAL}
POLARITY_CODES = {"H": HIGHER, "L": LOWER, "-": MONITORING}
MEASURE_COLUMNS = ("id", "name", "owner", "frequency", "polarity", "unit", "target", "tolerance",
                   "cumulative", "july")
MEASURES = [
    ("OCC01.01", "Number of street lights converted to LED", "EP", "Mth", "H", "number", 6000, None, "Y", "G"),
    ("OCC01.02", "% of household waste reused, recycled or composted", "EP", "Mth", "H", "%", 60, None, "N", "A"),
    ("OCC01.03", "Residual household waste per household (year to date)", "EP", "Mth", "L", "kg", 420, None, "Y", "G"),
    ("OCC01.04", "% reduction in the council's own carbon emissions against the 2019-20 baseline", "EP", "6mth", "H", "%", 20, None, "N", ""),
    ("OCC01.05", "Climate action plan adopted by every directorate", "EP", "Ann", "H", "milestone", "Completion", None, "N", ""),
    ("OCC02.01", "Number of physical visits to libraries", "CO", "Mth", "H", "number", 1_650_000, None, "Y", "G"),
    ("OCC02.02", "Digital engagement with heritage services (online sessions)", "CO", "Mth", "H", "number", 420_000, None, "Y", "G"),
    ("OCC02.03", "Number of households helped through the Household Support Fund", "CO", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC03.01", "% of eligible residents aged 40-74 offered an NHS Health Check", "PH", "Qtr", "H", "%", 20, None, "Y", ""),
    ("OCC03.02", "Babies breastfed at 6-8 weeks", "PH", "Qtr", "H", "%", "60-63%", None, "N", ""),
    ("OCC03.03", "% of children who received a 12-month development review", "PH", "Qtr", "H", "%", "93-95%", None, "N", ""),
    ("OCC03.04", "Opiate users completing drug treatment and not re-presenting within 6 months", "PH", "Mth", "H", "%", 6.8, 10, "N", "N"),
    ("OCC03.05", "Non-opiate users completing drug treatment and not re-presenting within 6 months", "PH", "Mth", "H", "%", 37.3, None, "N", "G"),
    ("OCC03.06", "Number of library issues (books, e-books and audio)", "CO", "Mth", "H", "number", 2_600_000, None, "Y", "G"),
    ("OCC03.07", "Number of physical visits to heritage services", "CO", "Mth", "H", "number", 60_000, None, "Y", "A"),
    ("OCC03.08", "Number of Safe and Well visits to vulnerable residents", "FIRE", "Mth", "H", "number", 6200, None, "Y", "G"),
    ("OCC03.09", "% of emergency call attendances within 11 minutes", "FIRE", "Mth", "H", "%", 80, None, "N", "G"),
    ("OCC04.01", "Number of people receiving long-term adult social care", "AS", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC04.02", "Number of carers' assessments and reviews completed", "AS", "Mth", "H", "number", 2400, None, "Y", "G"),
    ("OCC04.03", "% of residents aged 65+ receiving adult social care who use a direct payment", "AS", "Mth", "H", "%", 14.5, None, "N", "A"),
    ("OCC04.04", "% of residents aged 18-64 receiving adult social care who use a direct payment", "AS", "Mth", "H", "%", 38, None, "N", "A"),
    ("OCC04.05", "% of older people in long-term care supported to live in their own home", "AS", "Mth", "H", "%", 60, None, "N", "A"),
    ("OCC04.06", "Number of people waiting for a care needs assessment", "AS", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC04.07", "Hours of home care purchased per week", "AS", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC04.08", "% of social care providers rated good or outstanding by the CQC", "AS", "Mth", "H", "%", 85, None, "N", "G"),
    ("OCC04.09", "Average days from hospital discharge to the start of reablement", "AS", "Mth", "L", "days", 2.0, 25, "N", "G"),
    ("OCC04.10", "Satisfaction of people who use adult social care services", "AS", "Ann", "H", "%", "Top quartile", None, "N", ""),
    ("OCC05.01", "% of highway defects posing an immediate risk of injury repaired within 24 hours", "EP", "Mth", "H", "%", 100, 2, "N", "G"),
    ("OCC05.02", "% of contracted home-to-school transport seats designated to school children", "EP", "Mth", "H", "%", 95, None, "N", "G"),
    ("OCC05.03", "Number of people killed or seriously injured on the county's roads", "EP", "Mth", "L", "number", 330, 10, "Y", "G"),
    ("OCC05.04", "% of A and B roads where maintenance should be considered", "EP", "Ann", "L", "%", 28, None, "N", ""),
    ("OCC06.01", "Hectares of council-owned land managed for nature recovery", "EP", "6mth", "H", "hectares", 350, None, "N", ""),
    ("OCC06.02", "Number of visits to country parks", "EP", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC07.01", "Number of contacts into the MASH", "CS", "Mth", "L", "number", 1600, None, "N", "R"),
    ("OCC07.02", "Number of early help assessments", "CS", "Mth", "H", "number", 3000, None, "Y", "A"),
    ("OCC07.03", "Number of early help assessments completed by health visitors", "CS", "Mth", "H", "number", 600, None, "Y", "R"),
    ("OCC07.04", "Number of children we care for who are unaccompanied asylum-seeking children", "CS", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC07.05", "Number of children we care for (excluding unaccompanied children)", "CS", "Mth", "L", "number", 760, 3, "N", "R"),
    ("OCC07.06", "Number of child protection plans", "CS", "Mth", "L", "number", 600, None, "N", "G"),
    ("OCC07.07", "Number of children missing education", "CS", "Mth", "-", "number", None, None, "N", "M"),
    ("OCC07.08", "% of Education, Health and Care Plans completed within 20 weeks", "CS", "Mth", "H", "%", 60, None, "N", "R"),
    ("OCC07.09", "Persistent absence in secondary schools", "CS", "Term", "L", "%", "Top quartile", None, "N", "A"),
    ("OCC07.10", "% of pupils attending a good or outstanding school", "CS", "Term", "H", "%", 88, None, "N", "G"),
    ("OCC07.11", "% of care leavers in education, employment or training", "CS", "Qtr", "H", "%", 60, None, "N", ""),
    ("OCC08.01", "% of Freedom of Information requests answered within 20 working days", "CO", "Mth", "H", "%", 90, None, "N", "G"),
    ("OCC08.02", "Number of residents taking part in consultations on Let's Talk Barsetshire", "CO", "Qtr", "H", "number", 12_000, None, "Y", ""),
    ("OCC09.01", "Number of businesses given advice and support by Trading Standards", "FIRE", "Mth", "H", "number", 3300, None, "Y", "G"),
    ("OCC09.02", "Number of new community micro-enterprises supporting people in the community", "AS", "Mth", "H", "number", 60, None, "Y", "A"),
    ("OCC09.03", "Number of apprentices employed by the council", "CO", "Mth", "H", "number", 120, None, "N", "G"),
    ("OCC10.01", "% of calls to the Customer Service Centre answered within 60 seconds", "CSC", "Mth", "H", "%", 80, None, "N", "N"),
    ("OCC10.02", "Customer satisfaction with the telephony channel", "CSC", "Mth", "H", "%", 85, None, "N", "A"),
    ("OCC10.03", "Telephony enquiries resolved at the first point of contact", "CSC", "Mth", "H", "%", 75, None, "N", "A"),
    ("OCC10.04", "% of calls to the Customer Service Centre abandoned", "CSC", "Mth", "L", "%", 10, 20, "N", "A"),
    ("OCC10.05", "Average wait to be answered on the telephony channel", "CSC", "Mth", "L", "seconds", 120, 15, "N", "G"),
    ("OCC10.06", "Customer satisfaction with digital channels", "CSC", "Qtr", "H", "%", 80, None, "N", ""),
    ("OCC11.01", "Overall forecast revenue variance across the council (% of net operating budget)", "FIN", "Mth", "L", "%", 2.0, 20, "N", "f"),
    ("OCC11.02", "Achievement of planned savings (% forecast to be delivered)", "FIN", "Mth", "H", "%", 95, None, "N", "f"),
    ("OCC11.03", "Forecast general balances at the year end", "FIN", "Mth", "H", "£m", 28.9, None, "N", "f"),
    ("OCC11.04", "% of directorates forecasting no more than 2% over their budget", "FIN", "Mth", "H", "%", 100, None, "N", "f"),
    ("OCC11.05", "High-needs DSG in-year deficit against the deficit management plan", "FIN", "Mth", "L", "£m", 15.0, None, "N", "f"),
    ("OCC11.06", "Capital programme use of resources compared with the agreed programme", "FIN", "Qtr", "H", "%", 90, None, "N", ""),
    ("OCC11.07", "% of undisputed invoices paid within 30 days", "FIN", "Mth", "H", "%", 95, None, "N", "A"),
    ("OCC11.08", "Invoice collection rate - corporate debtors", "FIN", "Mth", "H", "%", 97.5, None, "N", "G"),
    ("OCC11.09", "Debt requiring impairment - adult social care contribution debtors", "FIN", "Mth", "L", "£m", 2.5, None, "N", "R"),
]

# The 2021-22 register (used by the March 2022 returns): two measures are new in 2022-23
# and a few targets were different.
NEW_IN_2022_23 = frozenset({"OCC01.05", "OCC09.02"})
TARGETS_2021_22 = {"OCC01.02": 58, "OCC07.01": 1700, "OCC07.05": 740, "OCC11.03": 27.5, "OCC11.05": 13.0}

# Typical monthly level of each monitoring-only measure.
MONITORING_LEVELS = {"OCC02.03": 2400, "OCC04.01": 5450, "OCC04.06": 780, "OCC04.07": 29_500,
                     "OCC06.02": 41_000, "OCC07.04": 95, "OCC07.07": 310}

# The months of bundled returns: March 2022 (so April has a previous month) and all of 2022-23.
BUNDLED_PERIODS = "2022-03..2023-03"

# Fixed ratings, one letter per bundled period ("." leaves the month to the walk):
# children's social care is Red through the summer.
SCRIPTS = {
    "OCC07.01": "AARRRRRAAAGAG",
    "OCC07.05": "RARRRRRRRAAAA",
    "OCC07.08": "GAARRRRRAAGAG",
}

# Directors' assessments that differ from the rule: (measure, period, rule rating forced
# by the actual, Reported RAG, commentary).
OVERRIDES = [
    ("OCC03.09", "2022-08", "G", "A",
     "Director's assessment: Amber. The target was met only by using overtime to cover crewing gaps, "
     "which cannot be sustained through the autumn."),
    ("OCC04.05", "2022-10", "A", "G",
     "Director's assessment: Green. The dip reflects a one-off move of 14 residents into nursing care "
     "after a provider closed; the underlying rate is on target."),
    ("OCC10.03", "2022-12", "R", "A",
     "Director's assessment: Amber. First-contact resolution fell in the week of the cold-weather "
     "surge, when call volumes doubled; excluding that week the rate is within tolerance."),
]

# Why a due measure is missing from a return: reasons particular to a priority or a
# directorate (the priority wins), else general ones.
NOT_REPORTED_REASONS = {
    "OCC10": ["The telephony platform migration has delayed the monthly extract."],
    "OCC11": ["The ledger closed late this month; will be reported next month."],
    PUBLIC_HEALTH: ["Data not yet published by NHS Digital; will be reported next quarter."],
    ADULTS: ["The provider return was not received in time for this report; will be included next month."],
    CHILDRENS: ["The case management system upgrade means the report cannot be run this month."],
}
GENERAL_NOT_REPORTED_REASONS = [
    "Figures are awaiting validation by the data owner.",
    "Data not available in time for this report; will be reported next month.",
    "The source system was unavailable at month end.",
]

# Commentary for the measures that recur in the exception report. {actual} and {target}
# are filled in with the month's figures.
SPECIFIC_TEXTS = {
    "OCC07.01": (
        "{actual} contacts into the MASH this month against an expected level of {target}. Demand has not "
        "fallen back after the spring peak and only about a fifth of contacts lead to a social care referral.",
        "Additional demand increases the risk that children are not seen in a timely way (strategic risk: "
        "safeguarding vulnerable children). Extra staff keep the most urgent contacts within 24 hours.",
        "The extra MASH staff are funded from the COVID-19 reserve this year; continuing demand would be a "
        "pressure in 2023-24."),
    "OCC07.02": (
        "{actual} early help assessments so far this year against a profile of {target}. Partner agencies are "
        "completing more assessments since the spring training programme.",
        "There is avoidable demand in the system; too little early help increases demand for children's "
        "social care (SR1) and for placements (SR5).",
        "Potential pressure on staffing and placement budgets if demand moves to statutory services."),
    "OCC07.03": (
        "Health visitors have completed {actual} early help assessments this year against a profile of "
        "{target}; vacancies in the health visiting service are the main cause.",
        "See OCC07.02: fewer early assessments mean families reach statutory services later and at greater need.",
        "See OCC07.02 finance impact."),
    "OCC07.05": (
        "{actual} children we care for (excluding unaccompanied children) against a target of {target}. "
        "Fewer children are leaving care than planned and court timescales remain long.",
        "More children in our care puts pressure on placement sufficiency (SR5) and on social work "
        "caseloads and retention (SR4).",
        "The more children we care for, the more placements we need, and shortages push children into more "
        "expensive placements. This is the main driver of the Children's Services overspend."),
    "OCC07.08": (
        "{actual} of Education, Health and Care Plans were completed within 20 weeks against a target of "
        "{target}. Requests for assessment are well up on last year and educational psychologist capacity "
        "is stretched.",
        "Delays leave children without the right support and raise the risk of complaints and tribunal appeals.",
        "Agency educational psychologists cost about £0.2m this year, funded from the high-needs block."),
    "OCC11.01": (
        "The council is forecasting a variance of {actual} of its net operating budget (tolerance {target}). "
        "Children's Services placements are the main pressure, partly offset by interest on balances.",
        "If the overspend is not reduced, general balances will fall towards the risk-assessed level.",
        "Management action is being taken to reduce the forecast overspend by the year end."),
    "OCC11.02": (
        "{actual} of planned savings are forecast to be delivered against a target of {target}. The largest "
        "shortfall is on reducing residential placements through in-house fostering.",
        "Undelivered savings add to the in-year overspend and to the gap in the medium term financial strategy.",
        "Shortfalls are in the directorate forecasts; savings that cannot be delivered will be reviewed in the "
        "budget process."),
    "OCC11.04": (
        "{actual} of directorates are forecasting an overspend of no more than 2% of their budget (target {target}).",
        "Directorates overspending beyond tolerance put the council's overall budget at risk.",
        "See the directorate financial position in the finance section."),
    "OCC11.05": (
        "The high-needs block is forecast to overspend by {actual} this year against {target} in the deficit "
        "management plan, reflecting continued growth in Education, Health and Care Plans.",
        "The cumulative high-needs deficit continues to grow and the statutory override is time-limited.",
        "The deficit is held in an unusable reserve; there is no in-year impact on the general fund."),
    "OCC11.09": (
        "Debt requiring impairment stands at {actual} against a target of {target}. Several large deferred "
        "payment cases are awaiting probate.",
        "Unrecovered debt reduces the resources available for services.",
        "The bad debt provision may need to increase at the year end."),
}

OFF_TARGET_TEXTS = [
    "{actual} against a target of {target}. Demand has stayed above forecast and capacity has not kept pace.",
    "At {actual} the measure is behind its target of {target}; a recovery plan was agreed at directorate "
    "leadership team this month.",
    "Performance slipped to {actual} (target {target}) over the holiday period and is expected to recover next month.",
    "{actual} against {target}: vacancies in the team are being covered by agency staff while recruitment continues.",
    "Neighbouring councils report the same trend and we are working with partners on a joint response. "
    "Position {actual} against {target}.",
    "{actual} compared with a target of {target}. A backlog from the spring system upgrade is reducing week by week.",
    "Below the target of {target} at {actual}; the service has reprioritised work towards the most urgent cases.",
    "{actual} against a target of {target}. Data cleansing removed duplicate records, which moved the figure.",
]
JUDGED_TEXTS = [
    "The latest published benchmarking places us just outside the target ({target}); the improvement plan is "
    "on track.",
    "Our assessment against the target ({target}) is below where we want to be; actions are agreed with partners.",
    "Provisional data suggests we will fall short of the target ({target}) this year.",
]
RISK_TEXTS = [
    "Continued under-performance would damage the council's reputation and could draw regulatory attention.",
    "Managed through the directorate risk register; no escalation to the strategic risk register is needed.",
    "If the trend continues, demand will move to other services and raise costs there (strategic risk SR1).",
    "There is no risk to service delivery at the current level.",
    "Delays affect residents' outcomes; the most urgent cases are prioritised so that statutory duties are met.",
    "Workforce pressure in the team increases the risk of further staff turnover.",
    "Low risk: the shortfall is small and the trend is improving.",
]
FINANCE_IMPACT_TEXTS = [
    "No significant financial impact.",
    "Agency cover costs about £0.1m this year and is included in the forecast outturn.",
    "Any pressure will be managed within the directorate budget.",
    "Higher unit costs are reflected in the directorate's forecast.",
    "Lost income of around £45k is reflected in the forecast.",
    "There is no financial risk to the service.",
    "Minor: increased demand may raise unit costs later in the year.",
]
GREEN_TEXTS = ["On track.", "Target met.", "Performance remains above target.", "Ahead of the profile for the year.",
               "Improvement sustained for another month.", "Performance is in line with the plan."]
MONITORING_TEXTS = ["Seasonal rise in line with previous years.", "Stable compared with last month.",
                    "Reported for context; no target is set.", "Demand continues to rise gradually."]

# Finance. Money is held in whole £k (£0.001m) so that every total adds up exactly.
# Service areas: (name, latest budget 2022-23 £k, share of the directorate's variance).
SERVICE_AREAS = {
    ADULTS: [("Age Well pooled budget", 99_318, 0.45), ("Live Well pooled budget", 81_744, 0.35),
             ("Adult social care non-pool services", 17_205, 0.1), ("Commissioning", 8_120, 0.05),
             ("Provider and Support Services", 4_696, 0.05)],
    CHILDRENS: [("Education and Learning", 31_984, 0.08), ("Children's Social Care", 62_310, 0.62),
                ("Children's Social Care Countywide", 33_405, 0.2), ("Family Help and Safeguarding", 13_206, 0.06),
                ("Children's Services central costs", 7_807, 0.04)],
    PUBLIC_HEALTH: [("Public Health functions", 33_514, 0.7), ("Public Health grant", -32_098, 0.0),
                    ("Domestic abuse and community safety", 1_000, 0.3)],
    ENVIRONMENT: [("Highways and Operations", 22_406, 0.25), ("Waste Management", 26_915, 0.55),
                  ("Planning, Environment and Climate Change", 4_118, 0.05), ("Growth and Economy", 2_973, 0.05),
                  ("Transport Policy and Infrastructure", 6_392, 0.1)],
    COMMERCIAL: [("Fire and Rescue and Community Safety", 26_488, 0.2),
                 ("Property and Facilities Management", 12_731, 0.6),
                 ("Law and Governance", 6_874, 0.15), ("Investment and Commercial", 2_478, 0.05)],
    CUSTOMERS: [("Finance", 9_312, 0.2), ("Human Resources and Organisational Development", 4_806, 0.15),
                ("ICT and Digital", 11_420, 0.3), ("Customer Services", 3_989, 0.15),
                ("Libraries and Heritage", 7_767, 0.2)],
}
BUDGET_FACTOR_2021_22 = 0.955

# Headline forecast variance £m: (2021-22 outturn reported in March 2022, April..March 2022-23).
DIRECTORATE_VARIANCE = {
    ADULTS: (-1.4, [0.0, 0.0, 0.1, 0.0, 0.3, 0.5, 0.8, 1.1, 0.9, 0.6, 0.4, -0.3]),
    CHILDRENS: (6.2, [3.3, 5.5, 6.6, 7.9, 8.6, 9.4, 10.1, 10.4, 10.2, 10.7, 10.5, 10.1]),
    PUBLIC_HEALTH: (-0.1, [0.0, 0.0, 0.0, -0.2, -0.2, -0.25, -0.3, -0.3, -0.35, -0.4, -0.4, -0.45]),
    ENVIRONMENT: (-1.9, [0.0, 0.0, -0.6, -1.3, -1.4, -1.6, -1.5, -1.9, -2.1, -2.4, -2.2, -2.6]),
    COMMERCIAL: (0.3, [0.2, 0.4, 0.7, 1.0, 1.1, 0.9, 0.8, 0.9, 0.7, 0.6, 0.5, 0.4]),
    CUSTOMERS: (-0.6, [-0.3, -0.4, -0.3, -0.2, -0.2, -0.1, 0.0, 0.2, 0.1, 0.0, -0.2, -0.3]),
}
VARIANCE_NOISE_K = 30

# Budgets held centrally: (line, 2022-23 £k, 2021-22 £k).
CENTRAL_BUDGETS = [
    ("Capital Financing Costs", 26_104, 24_870),
    (INTEREST_LINE, -13_000, -6_450),
    (CONTINGENCY_LINE, 12_318, 7_640),
    ("Un-ringfenced Specific Grants", -33_127, -30_905),
    ("Insurance", 1_412, 1_380),
    ("Contribution from COVID-19 Reserve", -8_400, -12_600),
    ("Budgeted contributions to reserves", 24_221, 19_315),
]
CENTRAL_VARIANCE = {
    INTEREST_LINE: (-0.4, [0.0, -1.1, -1.2, -1.3, -1.6, -2.0, -2.3, -2.6, -2.9, -3.1, -3.4, -3.6]),
    CONTINGENCY_LINE: (0.0, [0.0] * 9 + [-0.8, -0.8, -1.2]),
}
CENTRAL_COMMENTARY = {
    INTEREST_LINE: "Higher interest rates on cash balances than assumed in the budget.",
    CONTINGENCY_LINE: "Contingency not needed this year released to offset directorate pressures.",
}

# Budget moves during the year (period, (from directorate, area), (to directorate, area), £k).
VIREMENTS = [
    ("2022-06", (CHILDRENS, "Children's Social Care Countywide"), (CHILDRENS, "Children's Social Care"), 350),
    ("2022-09", (COMMERCIAL, "Fire and Rescue and Community Safety"),
     (PUBLIC_HEALTH, "Domestic abuse and community safety"), 480),
    ("2022-11", (ENVIRONMENT, "Growth and Economy"), (ENVIRONMENT, "Transport Policy and Infrastructure"), 220),
    ("2023-01", (ADULTS, "Commissioning"), (ADULTS, "Age Well pooled budget"), 600),
]
# The pay award agreed in November: £k moved from the contingency to directorates.
PAY_AWARD = {"2022-11": 10_700}

# Savings: (name, planned £k, share finally delivered, month the shortfall appears, commentary).
SAVINGS_2022_23 = {
    ADULTS: [("Review of high-cost care packages", 2_400, 1.0, None, ""),
             ("Expand reablement to reduce long-term care", 1_800, 0.85, "2022-06",
              "Reablement capacity is limited by recruitment; part delivery expected."),
             ("Increase take-up of direct payments", 900, 1.0, None, ""),
             ("Day services redesign", 650, 1.0, None, "")],
    CHILDRENS: [("Reduce residential placements through in-house fostering", 2_500, 0.4, "2022-05",
                 "Foster carer recruitment is slower than planned, so fewer children have stepped down from "
                 "residential care."),
                ("Family Solutions Plus demand reduction", 1_500, 0.7, "2022-07",
                 "Demand has not reduced as planned; partly delivered through vacancy control."),
                ("Home to school transport route optimisation", 800, 1.0, None, ""),
                ("Business support restructure", 400, 1.0, None, ""),
                ("Early help commissioning review", 350, 1.0, None, "")],
    PUBLIC_HEALTH: [("Recommission the stop smoking service", 200, 1.0, None, ""),
                    ("Integrate health improvement contracts", 150, 1.0, None, ""),
                    ("Reduce public health management costs", 100, 1.0, None, "")],
    ENVIRONMENT: [("Highways contract efficiencies", 1_200, 1.0, None, ""),
                  ("Increase income from parking and permits", 700, 0.8, "2022-09",
                   "Parking income is recovering more slowly than expected."),
                  ("Waste contract re-procurement", 900, 1.0, None, ""),
                  ("Street lighting LED energy savings", 600, 1.0, None, "")],
    COMMERCIAL: [("Property rationalisation and disposals", 1_100, 0.75, "2022-06",
                  "Two building disposals have slipped into 2023-24."),
                 ("Fire service crewing review", 500, 1.0, None, ""),
                 ("Commercial income growth", 300, 0.5, "2022-10", "New lettings are taking longer to secure.")],
    CUSTOMERS: [("ICT licence consolidation", 600, 1.0, None, ""),
                ("Digital by default customer contact", 450, 1.0, None, ""),
                ("Finance and HR system efficiencies", 350, 1.0, None, ""),
                ("Savings on corporate contracts", 800, 0.9, "2022-11",
                 "One contract extension was agreed at a higher price than planned.")],
}
SAVINGS_2021_22 = {
    ADULTS: [("Learning disability supported living review", 1_900, 0.9), ("Care home placement review", 1_200, 1.0),
             ("Assistive technology programme", 500, 1.0)],
    CHILDRENS: [("Placement commissioning framework", 1_600, 0.55), ("Children's centres model", 700, 1.0),
                ("Legal costs reduction", 300, 0.8)],
    PUBLIC_HEALTH: [("Sexual health service recommissioning", 250, 1.0),
                    ("Health visiting contract efficiencies", 150, 1.0)],
    ENVIRONMENT: [("Household waste recycling centre opening hours", 600, 1.0),
                  ("Highways depot consolidation", 450, 0.7),
                  ("Bus subsidy review", 300, 1.0)],
    COMMERCIAL: [("Office accommodation reduction", 900, 0.8), ("Fire control shared service", 250, 1.0),
                  ("Facilities management contract", 350, 1.0)],
    CUSTOMERS: [("Print and post reduction", 200, 1.0), ("Finance restructure", 400, 1.0),
                ("Library stock fund", 150, 1.0)],
}
SAVINGS_SLIP_2021_22 = "2021-10"

# Earmarked reserves: (name, opening 2021-22 £k, opening 2022-23 £k, budgeted movement 2022-23 £k,
# later changes (from period, £k, note), what the reserve is for).
RESERVES = [
    ("COVID-19 Reserve", 22_400, 14_900, -8_400,
     [("2022-08", -400, "A further £0.4m extends the Family Solutions Plus managed teams.")],
     "Includes the budgeted £8.4m contribution to the revenue budget."),
    ("Budget Priorities Reserve", 2_100, 7_700, 0,
     [("2022-06", -250, "£0.25m agreed for the Vision Zero road safety programme."),
      ("2022-07", -250, "£0.25m agreed for the food strategy action plan.")],
     "One-off funding for council priorities agreed in the budget."),
    ("Business Rates Reserve", 8_300, 9_600, 0,
     [("2022-07", 5_900, "In-year business rates income is £5.9m above the budget estimate.")],
     "Holds business rates timing differences."),
    ("Insurance Reserve", 11_600, 10_900, -300, [], "Expected settlement of claims."),
    ("Capital Reserve", 27_800, 31_500, -8_200,
     [("2022-11", 1_500, "Revenue contribution to the highways programme.")], "Funds the agreed capital programme."),
    ("Budget Equalisation Reserve", 10_200, 12_600, 1_800, [], "Smooths the medium term financial strategy."),
    ("Transformation Reserve", 5_000, 3_400, -1_200, [], "Funds the council's transformation programme."),
    ("Vehicle and Equipment Reserve", 2_600, 2_900, -500, [], "Fire and rescue vehicle replacement."),
    ("Government Initiatives Reserve", 9_100, 6_800, -2_400,
     [("2022-09", -600, "Holiday activities grant carried forward is now committed.")],
     "Unspent ring-fenced grants carried forward."),
]

# General balances at 1 April and the risk-assessed level, £k.
BALANCES = {"2021-22": (38_800, 27_500), "2022-23": (36_700, 28_900)}

# Dedicated Schools Grant: cumulative deficit at 1 April 2021 and the forecast in-year deficit £m
# (2021-22 outturn, April..March 2022-23). The 2022-23 opening is the 2021-22 close.
DSG_OPENING_2021_22 = {"Schools": 0, "Central School Services": 0, "Early Years": 600, "High Needs": 16_300}
DSG_IN_YEAR = {
    "Schools": (0.0, [0.0] * 12),
    "Central School Services": (0.0, [0.0] * 6 + [0.05] * 6),
    "Early Years": (-0.2, [-0.15, -0.15, -0.15, -0.2, -0.2, -0.2, -0.25, -0.25, -0.25, -0.3, -0.3, -0.32]),
    "High Needs": (13.5, [15.2, 15.2, 15.6, 17.5, 17.5, 17.5, 17.5, 17.9, 17.9, 18.1, 18.1, 17.8]),
}

# Finance commentary on service areas with a variance of £0.1m or more: what the service
# says about its own overspend or underspend, else a general reason.
AREA_OVERSPEND = {
    "Children's Social Care": "Placement costs continue to rise: more children in residential care than budgeted "
                              "and average weekly costs up on last year.",
    "Children's Social Care Countywide": "Pressure on transport for children with SEND and on short breaks.",
    "Property and Facilities Management": "Energy price increases on council buildings.",
    "Age Well pooled budget": "Care home fees rising with inflation, partly offset by the market sustainability grant.",
}
AREA_UNDERSPEND = {
    "Waste Management": "Lower tonnages than budgeted and higher income from recyclate prices.",
    "Public Health functions": "Contract underspends on sexual health services; to be transferred to the Public "
                               "Health reserve.",
}
OVERSPEND_TEXTS = ["Higher demand than budgeted.", "Agency staff covering vacancies.",
                   "Contract inflation above the budgeted rate.", "Income below budget."]
UNDERSPEND_TEXTS = ["Vacancies held pending a restructure.", "Income above budget.",
                    "Slippage in the start of new contracts.", "Lower demand than budgeted."]

# Invented people for the generated large council.
FIRST_NAMES = ["Alex", "Bethan", "Chidi", "Dominic", "Eleanor", "Farah", "Gareth", "Hannah", "Imran", "Joanne",
               "Kwame", "Laura", "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Sophie", "Tariq", "Una"]
SURNAMES = ["Ashworth", "Bellamy", "Carver", "Dunmore", "Ellison", "Fairweather", "Greaves", "Holloway", "Iqbal",
            "Jennings", "Kendrick", "Lomax", "Marchetti", "Norbury", "Okoye", "Pemberton", "Quayle", "Rutherford",
            "Sandhu", "Thornton"]
SAVING_THEMES = ["contract efficiencies", "staffing restructure", "income generation", "demand management",
                 "digital processes", "property rationalisation"]

# Month-to-month movement of a measure's rating: sticky, with a pull towards Green.
TRANSITIONS = {"G": (("G", 0.78), ("A", 0.17), ("R", 0.05)),
               "A": (("G", 0.34), ("A", 0.54), ("R", 0.12)),
               "R": (("G", 0.22), ("A", 0.43), ("R", 0.35))}
STARTING = (("G", 0.58), ("A", 0.31), ("R", 0.11))
RANK = {"G": 0, "A": 1, "R": 2}

# ---------------------------------------------------------------------------
# The model: what a council is, whatever its scale
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One row of the measure register."""

    id: str
    name: str
    priority: str
    directorate: str
    director: str
    frequency: str
    polarity: str
    unit: str
    target: float | str | None
    tolerance: float | None
    cumulative: bool

    @property
    def judged(self) -> bool:
        """A text target ("Top quartile"): rated by the director, not by the rule."""
        return isinstance(self.target, str)

    @property
    def monitoring(self) -> bool:
        """Reported for context, never rated."""
        return self.polarity == MONITORING

    def due(self, period: str) -> bool:
        """Whether the measure reports in ``period`` (by its frequency)."""
        return int(period[5:7]) in DUE_MONTHS[self.frequency]

    def register_row(self, priorities: dict[str, str]) -> tuple:
        """The measure as a row of the register's Measures sheet."""
        code = self.id.split(".")[0]
        return (self.id, self.name, f"{code}: {priorities[code]}", self.directorate, self.director,
                self.frequency, self.polarity, self.unit, self.target, self.tolerance,
                "Y" if self.cumulative else "N", COMPUTED_AS.get(self.id), None)


@dataclass(frozen=True)
class ServiceArea:
    """A line of a directorate's Finance sheet: base budget £k and its share of the directorate's variance."""

    name: str
    budget_k: int
    weight: float


@dataclass(frozen=True)
class Saving:
    """A planned saving; from ``slip`` on, the forecast falls over three months to ``final_fraction``."""

    name: str
    planned_k: int
    final_fraction: float = 1.0
    slip: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Reserve:
    """An earmarked reserve: opening balance and budgeted movement by financial year, and later changes."""

    name: str
    opening_k: dict[str, int]
    movement_k: dict[str, int]
    changes: tuple[tuple[str, int, str], ...]
    note: str


@dataclass(frozen=True)
class Virement:
    """Budget moved between two service areas from ``period`` to the end of its financial year."""

    period: str
    source: tuple[str, str]
    target: tuple[str, str]
    amount_k: int


@dataclass(frozen=True)
class LargeSpec:
    """Size of the synthetic benchmark council (``scale="large"``)."""

    directorates: int = 20
    measures: int = 600
    service_areas: int = 50_000
    periods: str = "2021-04..2023-03"


LARGE = LargeSpec()


@dataclass
class Scenario:
    """Everything the simulation needs to know about one council, at either scale."""

    periods: list[str]
    directorates: list[str]
    prepared_by: dict[str, str]
    registers: dict[str, list[Measure]]
    service_areas: dict[str, dict[str, list[ServiceArea]]]
    central_budgets: dict[str, list[tuple[str, int]]]
    directorate_variance_k: dict[str, dict[str, int]]
    central_variance_k: dict[str, dict[str, int]]
    virements: list[Virement]
    pay_award_k: dict[str, int]
    savings: dict[str, dict[str, list[Saving]]]
    reserves: list[Reserve]
    balances_k: dict[str, tuple[int, int]]
    dsg_opening_k: dict[str, dict[str, int]]
    dsg_in_year_k: dict[str, dict[str, int]]
    monitoring_levels: dict[str, float]
    anchors: dict[str, tuple[str, str]] = field(default_factory=dict)
    scripts: dict[str, dict[str, str]] = field(default_factory=dict)
    overrides: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    not_reported: dict[str, set[str]] = field(default_factory=dict)
    derived: dict[str, Callable[[dict], float]] = field(default_factory=dict)
    variance_noise_k: int = VARIANCE_NOISE_K
    detailed_commentary: bool = True


@dataclass
class FinanceMonth:
    """One period's finance: the rows of every finance sheet, and the totals the finance measures use."""

    directorate_rows: dict[str, list[tuple]]
    savings_rows: dict[str, list[tuple]]
    central_rows: list[tuple]
    funding_rows: list[tuple]
    balances_rows: list[tuple]
    reserves_rows: list[tuple]
    dsg_rows: list[tuple]
    figures: dict[str, float]


# Finance measures computed from the month's finance figures, so the performance and the
# finance sections of a briefing tell the same story.
DERIVED = {
    "OCC11.01": lambda f: round(100 * f["variance_k"] / f["nob_k"], 2),
    "OCC11.02": lambda f: round(100 * f["savings_delivered_k"] / f["savings_planned_k"], 1),
    "OCC11.03": lambda f: round((f["balances_k"] - f["variance_k"]) / 1000, 2),
    "OCC11.04": lambda f: round(100 * f["directorates_within"] / f["directorates"], 1),
    "OCC11.05": lambda f: round(f["high_needs_k"] / 1000, 2),
}

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _k(millions: float) -> int:
    """£m as written in the tables to whole £k."""
    return round(millions * 1000)


def _m(thousands: int) -> float:
    """Whole £k to £m as written in a return (up to 3 decimals)."""
    return thousands / 1000


def _month_index(period: str) -> int:
    """Months since year 0, so that periods can be subtracted."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _fy_month(period: str) -> int:
    """April = 0 ... March = 11."""
    return months_elapsed(period) - 1


def _draw(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    """One outcome of a ``((outcome, probability), ...)`` table."""
    x = rng.random()
    for code, p in table:
        x -= p
        if x < 0:
            return code
    return table[-1][0]


def _share_out(total: int, weights: Sequence[float]) -> list[int]:
    """Split whole ``total`` in proportion to ``weights`` so that the parts add up exactly."""
    wsum = sum(weights)
    if not weights:
        return []
    if wsum <= 0:
        return [total] + [0] * (len(weights) - 1)
    raw = [total * w / wsum for w in weights]
    parts = [math.floor(r) for r in raw]
    short = total - sum(parts)
    for i in sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))[:short]:
        parts[i] += 1
    return parts


def _effective_target(measure: Measure, period: str) -> float:
    """The period's target: cumulative full-year targets pro rata to months elapsed since April."""
    if measure.cumulative:
        return measure.target * months_elapsed(period) / 12
    return float(measure.target)


def _rule_rating(measure: Measure, actual, period: str) -> str | None:
    """The briefing's rule: Green when the actual meets or beats the target; Amber when it
    misses by no more than the amber tolerance (per cent of the target); Red beyond.
    None for monitoring-only and judgement measures, and for a blank actual."""
    if measure.monitoring or measure.judged or actual is None:
        return None
    target = _effective_target(measure, period)
    tolerance = DEFAULT_TOLERANCE_PCT if measure.tolerance is None else measure.tolerance
    shortfall = target - actual if measure.polarity == HIGHER else actual - target
    if shortfall <= 0:
        return "G"
    return "A" if shortfall <= abs(target) * tolerance / 100 else "R"


def _clear_of_boundaries(measure: Measure, actual: float, period: str) -> bool:
    """True when ``actual`` is not so close to a rating boundary that rounding could move it."""
    target = _effective_target(measure, period)
    tolerance = DEFAULT_TOLERANCE_PCT if measure.tolerance is None else measure.tolerance
    shortfall = target - actual if measure.polarity == HIGHER else actual - target
    eps = 1e-6 * max(1.0, abs(target))
    if abs(shortfall - abs(target) * tolerance / 100) <= eps:
        return False
    return not (measure.cumulative and abs(shortfall) <= eps)


def _round_unit(value: float, unit: str):
    """Round as the unit is reported: whole numbers as ints, per cents to 1 decimal, and so on."""
    places = UNIT_DECIMALS.get(unit, 2)
    return int(round(value)) if places == 0 else round(value, places)


def _fmt(value, unit: str) -> str:
    """A figure as commentary writes it: 71.3%, 1,523, £2.61m, 2.4 days."""
    if isinstance(value, str):
        return value
    if unit == "%":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + "%"
    if unit == "£m":
        return f"£{value:,.2f}m"
    if unit == "number":
        return f"{value:,.0f}"
    return f"{value:,.{UNIT_DECIMALS.get(unit, 1)}f} {unit}"


def _submitted(period: str, rng: random.Random) -> dt.date:
    """A working day early in the month after ``period``."""
    index = _month_index(period) + 1
    day = dt.date(index // 12, index % 12 + 1, 3 + rng.randint(0, 7))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _person(i: int) -> str:
    """An invented name for the large council's people."""
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {SURNAMES[(7 * i + i // len(FIRST_NAMES)) % len(SURNAMES)]}"


# ---------------------------------------------------------------------------
# Building the scenario: the bundled council from the tables, the large one generated
# ---------------------------------------------------------------------------


def _per_period(fy_2122: float, fy_2223: Sequence[float], periods: list[str]) -> dict[str, int]:
    """A table row (March 2022 figure, April..March figures) as £k per period."""
    out = {}
    for period in periods:
        out[period] = _k(fy_2122 if financial_year(period) == "2021-22" else fy_2223[_fy_month(period)])
    return out


def _bundled_scenario() -> Scenario:
    """Barsetshire County Council as described by the tables above."""
    periods = period_range(BUNDLED_PERIODS)
    rows = [dict(zip(MEASURE_COLUMNS, row)) for row in MEASURES]

    def measure(row: dict, target) -> Measure:
        directorate, director = OWNERS[row["owner"]]
        return Measure(row["id"], row["name"], row["id"][:5], directorate, director,
                       FREQUENCY_CODES[row["frequency"]], POLARITY_CODES[row["polarity"]], row["unit"], target,
                       row["tolerance"], row["cumulative"] == "Y")

    registers = {
        "2022-23": [measure(r, r["target"]) for r in rows],
        "2021-22": [measure(r, TARGETS_2021_22.get(r["id"], r["target"])) for r in rows
                    if r["id"] not in NEW_IN_2022_23],
    }
    areas_2223 = {d: [ServiceArea(*a) for a in SERVICE_AREAS[d]] for d in DIRECTORATES}
    areas_2122 = {d: [ServiceArea(a.name, round(a.budget_k * BUDGET_FACTOR_2021_22), a.weight) for a in areas]
                  for d, areas in areas_2223.items()}
    directorate_variance = {d: _per_period(*DIRECTORATE_VARIANCE[d], periods) for d in DIRECTORATES}
    central_variance = {line: _per_period(*CENTRAL_VARIANCE[line], periods) for line in CENTRAL_VARIANCE}
    dsg_in_year = {block: _per_period(*DSG_IN_YEAR[block], periods) for block in DSG_BLOCKS}
    march_2022 = periods[0]
    dsg_opening = {"2021-22": dict(DSG_OPENING_2021_22),
                   "2022-23": {b: DSG_OPENING_2021_22[b] + dsg_in_year[b][march_2022] for b in DSG_BLOCKS}}
    scripts = {mid: {p: c for p, c in zip(periods, codes) if c != "."} for mid, codes in SCRIPTS.items()}
    for mid, period, rule, _, _ in OVERRIDES:
        scripts.setdefault(mid, {})[period] = rule
    july = "2022-07"
    return Scenario(
        periods=periods,
        directorates=list(DIRECTORATES),
        prepared_by=dict(PREPARED_BY),
        registers=registers,
        service_areas={"2021-22": areas_2122, "2022-23": areas_2223},
        central_budgets={"2022-23": [(line, k) for line, k, _ in CENTRAL_BUDGETS],
                         "2021-22": [(line, k) for line, _, k in CENTRAL_BUDGETS]},
        directorate_variance_k={p: {d: directorate_variance[d][p] for d in DIRECTORATES} for p in periods},
        central_variance_k={p: {line: central_variance[line][p] for line in CENTRAL_VARIANCE} for p in periods},
        virements=[Virement(*v) for v in VIREMENTS],
        pay_award_k=dict(PAY_AWARD),
        savings={"2022-23": {d: [Saving(*s) for s in SAVINGS_2022_23[d]] for d in DIRECTORATES},
                 "2021-22": {d: [Saving(name, planned, share, SAVINGS_SLIP_2021_22,
                                        "" if share == 1 else "Shortfall at outturn.")
                                 for name, planned, share in SAVINGS_2021_22[d]] for d in DIRECTORATES}},
        reserves=[Reserve(name, {"2021-22": o21, "2022-23": o22}, {"2021-22": o22 - o21, "2022-23": move},
                          tuple(changes), note) for name, o21, o22, move, changes, note in RESERVES],
        balances_k=dict(BALANCES),
        dsg_opening_k=dsg_opening,
        dsg_in_year_k={p: {b: dsg_in_year[b][p] for b in DSG_BLOCKS} for p in periods},
        monitoring_levels=dict(MONITORING_LEVELS),
        anchors={r["id"]: (july, r["july"]) for r in rows if r["july"] in RAG_CODES},
        scripts=scripts,
        overrides={(mid, period): (reported, text) for mid, period, _, reported, text in OVERRIDES},
        not_reported={july: {r["id"] for r in rows if r["july"] == "N"}},
        derived=dict(DERIVED),
    )


def _random_walk(rng: random.Random, periods: list[str], budget_k: int, start_sd: float,
                 step_sd: float) -> dict[str, int]:
    """A forecast variance drifting through each financial year, restarting each April."""
    out, value = {}, 0.0
    for period in periods:
        if period[5:7] == "04" or not out:
            value = rng.gauss(0, start_sd * budget_k)
        else:
            value += rng.gauss(0, step_sd * budget_k)
        out[period] = round(value)
    return out


def _large_measures(spec: LargeSpec, directorates: list[str], rng: random.Random) -> tuple[list[Measure], dict]:
    """Generated measures spread over the eleven priorities and the directorates."""
    codes = list(PRIORITIES)
    counters = dict.fromkeys(codes, 0)
    measures, levels = [], {}
    for i in range(spec.measures):
        code = codes[i % len(codes)]
        counters[code] += 1
        mid = f"{code}.{counters[code]:02d}"
        d = i % len(directorates)
        frequency = _draw(rng, ((MONTHLY, 0.7), (QUARTERLY, 0.12), (TERMLY, 0.05), (SIX_MONTHLY, 0.05), (ANNUAL, 0.08)))
        kind = rng.random()
        tolerance = rng.choice([2, 3, 10, 15, 20]) if rng.random() < 0.15 else None
        cumulative = False
        if kind < 0.10:
            polarity, unit, target, tolerance = MONITORING, "number", None, None
            levels[mid] = rng.randint(50, 20_000)
        elif kind < 0.13:
            polarity, unit, target, tolerance = HIGHER, "%", rng.choice(["Top quartile", "Completion", "93-95%"]), None
        else:
            polarity = HIGHER if rng.random() < 0.6 else LOWER
            unit = rng.choice(["%", "%", "number", "number", "days", "£m"])
            if unit == "%":
                target = round(rng.uniform(50, 98), 1) if polarity == HIGHER else round(rng.uniform(2, 30), 1)
            elif unit == "number":
                target = rng.randint(50, 5000)
                cumulative = rng.random() < 0.4
            elif unit == "days":
                target = round(rng.uniform(2, 40), 1)
            else:
                target = round(rng.uniform(0.5, 20), 2)
        measures.append(Measure(mid, f"Performance measure {i + 1:04d}", code, directorates[d], _person(d),
                                frequency, polarity, unit, target, tolerance, cumulative))
    return sorted(measures, key=lambda m: m.id), levels


def _large_scenario(spec: LargeSpec, rng: random.Random) -> Scenario:
    """A synthetic council of the size in ``spec``, for benchmarks: generated names, same contract."""
    periods = period_range(spec.periods)
    years = list(dict.fromkeys(financial_year(p) for p in periods))
    directorates = [f"Directorate {i + 1:02d}" for i in range(spec.directorates)]
    measures, levels = _large_measures(spec, directorates, rng)

    areas: dict[str, list[ServiceArea]] = {}
    number = 0
    for i, d in enumerate(directorates):
        count = spec.service_areas // spec.directorates + (1 if i < spec.service_areas % spec.directorates else 0)
        areas[d] = []
        for _ in range(count):
            number += 1
            if rng.random() < 0.04:
                areas[d].append(ServiceArea(f"Service area {number:05d}", -rng.randint(50, 800), 0.0))
            else:
                areas[d].append(ServiceArea(f"Service area {number:05d}", rng.randint(20, 600), rng.random()))
    total = sum(a.budget_k for d in directorates for a in areas[d])
    scale = total / sum(a[1] for d in DIRECTORATES for a in SERVICE_AREAS[d])
    service_areas, central = {}, {}
    for j, fy in enumerate(reversed(years)):
        factor = BUDGET_FACTOR_2021_22 ** j
        service_areas[fy] = {d: [ServiceArea(a.name, round(a.budget_k * factor), a.weight) for a in areas[d]]
                             for d in directorates}
        central[fy] = [(line, round(k * scale * factor)) for line, k, _ in CENTRAL_BUDGETS]

    def budget(d: str) -> int:
        return sum(a.budget_k for a in areas[d])

    variance = {d: _random_walk(rng, periods, budget(d), 0.006, 0.004) for d in directorates}
    interest = _random_walk(rng, periods, round(13_000 * scale), 0.02, 0.02)
    virements = []
    for period in periods:
        for d in directorates:
            if rng.random() < 0.3:
                source, target = rng.sample([a.name for a in areas[d] if a.budget_k > 0], 2)
                virements.append(Virement(period, (d, source), (d, target), rng.randint(20, 200)))
    savings = {fy: {d: [Saving(f"Saving {k + 1:02d}.{s + 1}: {rng.choice(SAVING_THEMES)}", rng.randint(100, 3000),
                               1.0 if rng.random() < 0.7 else round(rng.uniform(0.4, 0.9), 2),
                               f"{fy[:4]}-{rng.randint(5, 12):02d}", "Shortfall against the plan.")
                        for s in range(rng.randint(3, 6))] for k, d in enumerate(directorates)} for fy in years}
    reserves = [Reserve(name, {fy: round(o22 * scale) for fy in years}, {fy: round(move * scale) for fy in years},
                        (), note) for name, _, o22, move, _, note in RESERVES]
    dsg_opening = {fy: {b: round(DSG_OPENING_2021_22[b] * scale) for b in DSG_BLOCKS} for fy in years}
    dsg_in_year = {p: {b: round(_k(DSG_IN_YEAR[b][1][_fy_month(p)]) * scale) for b in DSG_BLOCKS} for p in periods}
    return Scenario(
        periods=periods,
        directorates=directorates,
        prepared_by={**{d: _person(i + 3) for i, d in enumerate(directorates)}, CORPORATE: _person(1)},
        registers={fy: measures for fy in years},
        service_areas=service_areas,
        central_budgets=central,
        directorate_variance_k={p: {d: variance[d][p] for d in directorates} for p in periods},
        central_variance_k={p: {INTEREST_LINE: -abs(interest[p])} for p in periods},
        virements=virements,
        pay_award_k={p: round(0.5 * 12_318 * scale) for p in periods if p[5:7] == "11"},
        savings=savings,
        reserves=reserves,
        balances_k={fy: (round(36_700 * scale), round(28_900 * scale)) for fy in years},
        dsg_opening_k=dsg_opening,
        dsg_in_year_k=dsg_in_year,
        monitoring_levels=levels,
        variance_noise_k=0,
        detailed_commentary=False,
    )


# ---------------------------------------------------------------------------
# Finance simulation
# ---------------------------------------------------------------------------


def _saving_delivered(saving: Saving, period: str) -> int:
    """The forecast delivery of a saving in ``period``, £k."""
    if saving.slip is None or period < saving.slip:
        return saving.planned_k
    months = _month_index(period) - _month_index(saving.slip)
    fraction = 1 - (1 - saving.final_fraction) * min(1.0, (months + 1) / 3)
    return round(saving.planned_k * fraction)


def _area_commentary(area: str, variance_k: int, rng: random.Random) -> str | None:
    """What a service says about a variance of £0.1m or more; nothing for smaller ones."""
    if abs(variance_k) < 100:
        return None
    if variance_k > 0:
        return AREA_OVERSPEND.get(area) or rng.choice(OVERSPEND_TEXTS)
    return AREA_UNDERSPEND.get(area) or rng.choice(UNDERSPEND_TEXTS)


def _stated_variance(variance_k: int, rng: random.Random) -> float:
    """The variance as a finance officer types it: usually to 3 decimals, sometimes to 2."""
    if rng.random() < 0.2 and abs(variance_k) % 10 != 5:
        return round(variance_k / 1000, 2)
    return _m(variance_k)


def _simulate_finance(sc: Scenario, rng: random.Random) -> dict[str, FinanceMonth]:
    """Budgets, forecasts, savings, reserves and DSG for every period.

    Budgets reset each April to the year's base budget and then move by virements and the
    pay award, which never change the net operating budget; forecasts are budget plus the
    headline variance spread across service areas.
    """
    out: dict[str, FinanceMonth] = {}
    year = None
    budgets: dict[str, list[int]] = {}
    central: dict[str, int] = {}
    index: dict[tuple[str, str], int] = {}
    for period in sc.periods:
        fy = financial_year(period)
        areas = sc.service_areas[fy]
        if fy != year:
            year = fy
            budgets = {d: [a.budget_k for a in areas[d]] for d in sc.directorates}
            central = dict(sc.central_budgets[fy])
            index = {(d, a.name): i for d in sc.directorates for i, a in enumerate(areas[d])}
        for v in sc.virements:
            if v.period == period:
                budgets[v.source[0]][index[v.source]] -= v.amount_k
                budgets[v.target[0]][index[v.target]] += v.amount_k
        award = sc.pay_award_k.get(period, 0)
        if award:
            central[CONTINGENCY_LINE] -= award
            totals = [sum(b for b in budgets[d] if b > 0) for d in sc.directorates]
            for d, share in zip(sc.directorates, _share_out(award, totals)):
                positive = [max(b, 0) for b in budgets[d]]
                budgets[d] = [b + s for b, s in zip(budgets[d], _share_out(share, positive))]

        rows, figures = {}, {"directorates": len(sc.directorates), "directorates_within": 0, "variance_k": 0}
        for d in sc.directorates:
            noise = rng.randint(-sc.variance_noise_k, sc.variance_noise_k) if sc.variance_noise_k else 0
            total = sc.directorate_variance_k[period][d] + noise
            weights = [a.weight for a in areas[d]]
            spread = _share_out(total, weights)
            if sc.variance_noise_k:
                jitter = [rng.randint(-25, 25) if w > 0 else 0 for w in weights]
                heaviest = max(range(len(weights)), key=lambda i: weights[i])
                jitter[heaviest] -= sum(jitter)
                spread = [s + j for s, j in zip(spread, jitter)]
            sheet = []
            for area, b, v in zip(areas[d], budgets[d], spread):
                note = _area_commentary(area.name, v, rng) if sc.detailed_commentary else None
                sheet.append((area.name, _m(b), _m(b + v), _stated_variance(v, rng), note))
            rows[d] = sheet
            budget_total = sum(budgets[d])
            figures["variance_k"] += total
            if total <= abs(budget_total) * FINANCE_TOLERANCE_PCT / 100:
                figures["directorates_within"] += 1
        central_rows = []
        for line, b in central.items():
            v = sc.central_variance_k[period].get(line, 0)
            figures["variance_k"] += v
            note = CENTRAL_COMMENTARY.get(line) if v else None
            central_rows.append((line, _m(b), _m(b + v), _m(v), note))
        nob = sum(sum(budgets[d]) for d in sc.directorates) + sum(central.values())
        figures["nob_k"] = nob

        savings_rows = {}
        planned = delivered = 0
        for d in sc.directorates:
            savings_rows[d] = []
            for s in sc.savings[fy][d]:
                got = _saving_delivered(s, period)
                planned, delivered = planned + s.planned_k, delivered + got
                savings_rows[d].append((s.name, _m(s.planned_k), _m(got), s.note if got < s.planned_k else None))
        figures["savings_planned_k"], figures["savings_delivered_k"] = planned, delivered

        reserves_rows = []
        for r in sc.reserves:
            changes = [c for c in r.changes if financial_year(c[0]) == fy and c[0] <= period]
            movement = r.movement_k[fy] + sum(c[1] for c in changes)
            note = "2021-22 outturn." if fy == "2021-22" and sc.detailed_commentary else \
                " ".join([r.note, *(c[2] for c in changes)])
            reserves_rows.append((r.name, _m(r.opening_k[fy]), _m(movement), note))
        opening, risk_level = sc.balances_k[fy]
        figures["balances_k"] = opening
        figures["high_needs_k"] = sc.dsg_in_year_k[period]["High Needs"]
        out[period] = FinanceMonth(
            directorate_rows=rows,
            savings_rows=savings_rows,
            central_rows=central_rows,
            funding_rows=[(FUNDING_LINE, _m(-nob), _m(-nob), 0.0, None)],
            balances_rows=[(BALANCE_ITEMS[0], _m(opening)), (BALANCE_ITEMS[1], _m(risk_level))],
            reserves_rows=reserves_rows,
            dsg_rows=[(b, _m(sc.dsg_opening_k[fy][b]), _m(sc.dsg_in_year_k[period][b])) for b in DSG_BLOCKS],
            figures=figures,
        )
    return out


# ---------------------------------------------------------------------------
# Performance simulation
# ---------------------------------------------------------------------------


def _rating_path(periods: list[str], anchor: tuple[str, str] | None, fixed: dict[str, str],
                 rng: random.Random) -> dict[str, str]:
    """Intended ratings over a measure's due periods: a sticky walk out from the anchor,
    forwards and backwards, passing through any fixed ratings."""
    if anchor and anchor[0] in periods:
        start, code = periods.index(anchor[0]), anchor[1]
    else:
        start, code = 0, fixed.get(periods[0]) or _draw(rng, STARTING)
    path = {periods[start]: fixed.get(periods[start], code)}
    for i in range(start + 1, len(periods)):
        path[periods[i]] = fixed.get(periods[i]) or _draw(rng, TRANSITIONS[path[periods[i - 1]]])
    for i in range(start - 1, -1, -1):
        path[periods[i]] = fixed.get(periods[i]) or _draw(rng, TRANSITIONS[path[periods[i + 1]]])
    return path


def _numeric_actual(measure: Measure, code: str, period: str, rng: random.Random):
    """An actual that the rule rates ``code``, kept clear of the rating boundaries."""
    target = _effective_target(measure, period)
    tolerance = (DEFAULT_TOLERANCE_PCT if measure.tolerance is None else measure.tolerance) / 100
    sign = 1 if measure.polarity == HIGHER else -1
    value = target
    for _ in range(40):
        if code == "G":
            shortfall = -rng.uniform(0.004, 0.07)
        elif code == "A":
            shortfall = tolerance * rng.uniform(0.15, 0.85)
        else:
            shortfall = min(0.6, tolerance * rng.uniform(1.3, 3.0))
        value = target * (1 - sign * shortfall)
        if measure.unit == "%":
            value = min(max(value, 0.0), 100.0)
        value = _round_unit(value, measure.unit)
        if _rule_rating(measure, value, period) == code and _clear_of_boundaries(measure, value, period):
            break
    return value


def _judged_actual(measure: Measure, code: str, rng: random.Random):
    """A range target such as "93-95%" gets a figure to go with the director's rating; others none."""
    found = re.fullmatch(r"(\d+)-(\d+)%", measure.target)
    if not found:
        return None
    low, high = int(found.group(1)), int(found.group(2))
    if code == "G":
        return round(rng.uniform(low, high + 1.0), 1)
    return round(low - (rng.uniform(0.3, 2.0) if code == "A" else rng.uniform(3.0, 8.0)), 1)


def _choose_not_reported(sc: Scenario, due: dict[str, list[str]], eligible: set[str],
                         rng: random.Random) -> dict[str, set[str]]:
    """One to three measures missing from most months' returns, each with a reason."""
    chosen = {p: set(ids) for p, ids in sc.not_reported.items()}
    for period in sc.periods:
        if period in chosen:
            continue
        candidates = sorted(mid for mid in eligible if period in due[mid] and (mid, period) not in sc.overrides)
        count = min(len(candidates), _draw(rng, ((0, 0.12), (1, 0.4), (2, 0.33), (3, 0.15))))
        chosen[period] = set(rng.sample(candidates, count))
    return chosen


@dataclass
class _Result:
    """A measure's actual in one period and its rating (the rule's, or the director's for a text target)."""

    actual: float | int | None
    rating: str | None


def _simulate_performance(sc: Scenario, finance: dict[str, FinanceMonth],
                          rng: random.Random) -> dict[str, dict[str, list[tuple]]]:
    """Every directorate's Performance rows for every period."""
    by_year = {fy: {m.id: m for m in measures} for fy, measures in sc.registers.items()}
    ids = sorted({mid for reg in by_year.values() for mid in reg})
    due = {mid: [p for p in sc.periods if mid in by_year[financial_year(p)]
                 and by_year[financial_year(p)][mid].due(p)] for mid in ids}

    results: dict[tuple[str, str], _Result] = {}
    for mid in ids:
        periods = due[mid]
        if not periods:
            continue
        first = by_year[financial_year(periods[0])][mid]
        if first.monitoring:
            level = sc.monitoring_levels.get(mid, 100)
            for period in periods:
                level *= 1 + rng.gauss(0.004, 0.03)
                results[mid, period] = _Result(_round_unit(level, first.unit), None)
            continue
        if mid in sc.derived:
            for period in periods:
                m = by_year[financial_year(period)][mid]
                actual = sc.derived[mid](finance[period].figures)
                results[mid, period] = _Result(actual, _rule_rating(m, actual, period))
            continue
        path = _rating_path(periods, sc.anchors.get(mid), sc.scripts.get(mid, {}), rng)
        previous = None
        for period in periods:
            m = by_year[financial_year(period)][mid]
            code = path[period]
            if m.judged:
                results[mid, period] = _Result(_judged_actual(m, code, rng), code)
                continue
            actual = _numeric_actual(m, code, period, rng)
            if m.cumulative and previous is not None and previous[0] == financial_year(period) \
                    and actual < previous[1]:
                step = max(_effective_target(m, period) * 0.01, 10 ** -UNIT_DECIMALS.get(m.unit, 2))
                actual = _round_unit(previous[1] + step, m.unit)
            previous = (financial_year(period), actual)
            results[mid, period] = _Result(actual, _rule_rating(m, actual, period))

    eligible = {mid for mid in ids if due[mid] and mid not in sc.derived and mid not in sc.scripts
                and not by_year[financial_year(due[mid][0])][mid].judged}
    missing = _choose_not_reported(sc, due, eligible, rng)

    out = {p: {d: [] for d in sc.directorates} for p in sc.periods}
    for mid in ids:
        periods = due[mid]
        for i, period in enumerate(periods):
            m = by_year[financial_year(period)][mid]
            result = results[mid, period]
            if mid in missing.get(period, ()):
                reasons = NOT_REPORTED_REASONS.get(m.priority, NOT_REPORTED_REASONS.get(m.directorate, []))
                reasons = reasons + GENERAL_NOT_REPORTED_REASONS
                out[period][m.directorate].append((mid, None, None, None, None, None, None, rng.choice(reasons)))
                continue
            following = results.get((mid, periods[i + 1])) if i + 1 < len(periods) else None
            out[period][m.directorate].append(_performance_row(sc, m, period, result, following, rng))
    return out


def _performance_row(sc: Scenario, m: Measure, period: str, result: _Result, following: _Result | None,
                     rng: random.Random) -> tuple:
    """One Performance row: the actual, any Reported RAG and outlook, and the commentary a
    Red or Amber measure must carry."""
    if m.monitoring:
        note = rng.choice(MONITORING_TEXTS) if rng.random() < 0.35 else None
        return (m.id, result.actual, None, None, note, None, None, None)
    rating = result.rating
    override = sc.overrides.get((m.id, period))
    if m.judged:
        reported = rating
    elif override:
        reported = override[0]
    else:
        reported = rating if rating and rng.random() < 0.05 else None
    shown = reported or rating
    outlook = None
    if shown and rng.random() < 0.92:
        ahead = following.rating if following and following.rating else rating
        outlook = OUTLOOKS[1] if ahead == rating else OUTLOOKS[0] if RANK[ahead] < RANK[rating] else OUTLOOKS[2]
    commentary = risk = impact = None
    if shown in ("R", "A") or rating in ("R", "A"):
        target = m.target if m.judged else _effective_target(m, period)
        words = {"actual": _fmt(result.actual, m.unit) if result.actual is not None else "not measured",
                 "target": _fmt(round(target, 2) if not m.judged else target, m.unit)}
        if m.id in SPECIFIC_TEXTS:
            commentary, risk, impact = (t.format(**words) for t in SPECIFIC_TEXTS[m.id])
        elif m.judged:
            commentary = rng.choice(JUDGED_TEXTS).format(**words)
            risk, impact = rng.choice(RISK_TEXTS), rng.choice(FINANCE_IMPACT_TEXTS)
        else:
            commentary = rng.choice(OFF_TARGET_TEXTS).format(**words)
            risk, impact = rng.choice(RISK_TEXTS), rng.choice(FINANCE_IMPACT_TEXTS)
    elif shown == "G" and rng.random() < 0.5:
        commentary = rng.choice(GREEN_TEXTS)
    if override:
        commentary = override[1]
    return (m.id, result.actual, reported, outlook, commentary, risk, impact, None)


# ---------------------------------------------------------------------------
# Writing workbooks
# ---------------------------------------------------------------------------


class _StableZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed timestamp, so the same workbook gives the same bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or Path(filename).name, handle.read(), compress_type, compresslevel)


def _save(book: Workbook, path: Path) -> Path:
    """Save with fixed document properties and zip timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book.properties.creator = COUNCIL
    book.properties.lastModifiedBy = COUNCIL
    book.properties.created = FIXED_TIMESTAMP
    book.properties.modified = FIXED_TIMESTAMP
    ExcelWriter(book, _StableZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return path


def _widths(headers: Sequence[str], rows: Sequence[Sequence]) -> list[float]:
    """Column widths that fit the header and (up to a limit) the first rows' contents."""
    widths = [len(h) for h in headers]
    for row in rows[:300]:
        for i, value in enumerate(row):
            if value is not None:
                widths[i] = max(widths[i], 10 if isinstance(value, (dt.date, dt.datetime)) else len(str(value)))
    return [min(max(w, 8), 60) + 2 for w in widths]


def _write_book(path: Path, sheets: Sequence[tuple[str, Sequence[str], list[tuple]]]) -> Path:
    """Write ``(title, headers, rows)`` sheets with bold headers on row 1.

    Big workbooks are streamed in openpyxl's write-only mode; small ones are built in
    memory, which also records each sheet's dimensions for readers that rely on them.
    """
    streamed = sum(len(rows) for _, _, rows in sheets) > WRITE_ONLY_ROWS
    book = Workbook(write_only=streamed)
    if not streamed:
        book.remove(book.active)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        for i, width in enumerate(_widths(headers, rows), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if streamed:
            header_cells = []
            for text in headers:
                cell = WriteOnlyCell(sheet, value=text)
                cell.font = bold
                header_cells.append(cell)
            sheet.append(header_cells)
        else:
            sheet.append(list(headers))
            for cell in sheet[1]:
                cell.font = bold
        for row in rows:
            sheet.append(row)
    return _save(book, path)


def _write_all(jobs: list[tuple[Path, list]], parallel: bool) -> list[Path]:
    """Write every workbook, in job order. Big runs spread the writing over the processor's
    cores: openpyxl spends almost all the time of a large run serialising cells, and the
    contents do not depend on which process writes them."""
    workers = min(os.cpu_count() or 1, 8) if parallel else 1
    if workers == 1:
        return [_write_book(path, sheets) for path, sheets in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_write_book, [path for path, _ in jobs], [sheets for _, sheets in jobs], chunksize=4))


def _cover(who: str, period: str, prepared_by: str, rng: random.Random) -> tuple:
    """The Cover sheet: who, which period, who prepared it and when it was sent."""
    rows = [("Directorate", who), ("Period", period), ("Prepared by", prepared_by),
            ("Date submitted", _submitted(period, rng))]
    return ("Cover", COVER_COLUMNS, rows)


def write_templates(out_dir: Path) -> list[Path]:
    """Blank forms for councils to fill in: headers in bold, fixed labels filled in, and
    drop-down lists for every column that takes one of a few words."""
    out_dir = Path(out_dir) / "templates"

    def validation(values: Sequence[str], column: int, sheet) -> None:
        rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="Not in the list",
                              error="Choose one of: " + ", ".join(values))
        sheet.add_data_validation(rule)
        letter = get_column_letter(column)
        rule.add(f"{letter}2:{letter}2000")

    def book(specs: Sequence[tuple]) -> Workbook:
        wb = Workbook()
        wb.remove(wb.active)
        for title, headers, labels, lists in specs:
            sheet = wb.create_sheet(title)
            sheet.append(list(headers))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for label in labels:
                sheet.append([label])
            for i, width in enumerate(_widths(headers, [(label,) for label in labels]), start=1):
                sheet.column_dimensions[get_column_letter(i)].width = max(width, 16)
            sheet.freeze_panes = "A2"
            for column_name, values in lists:
                validation(values, headers.index(column_name) + 1, sheet)
        return wb

    performance_lists = [("Reported RAG", RAG_CODES), ("Outlook", OUTLOOKS)]
    forms = {
        "Measure register.xlsx": [(REGISTER_SHEET, REGISTER_COLUMNS, (),
                                   [("Frequency", FREQUENCIES), ("Polarity", POLARITIES), ("Cumulative", ("Y", "N"))])],
        "Directorate return.xlsx": [("Cover", COVER_COLUMNS, COVER_ITEMS, []),
                                    ("Performance", PERFORMANCE_COLUMNS, (), performance_lists),
                                    ("Finance", FINANCE_COLUMNS, (), []),
                                    ("Savings", SAVINGS_COLUMNS, (), [])],
        "Corporate return.xlsx": [("Cover", COVER_COLUMNS, COVER_ITEMS, []),
                                  ("Central budgets", FINANCE_COLUMNS, (), []),
                                  ("Funding", FINANCE_COLUMNS, (), []),
                                  ("Balances", BALANCES_COLUMNS, BALANCE_ITEMS, []),
                                  ("Reserves", RESERVES_COLUMNS, (), []),
                                  ("DSG", DSG_COLUMNS, DSG_BLOCKS, []),
                                  ("Recommendations", RECOMMENDATIONS_COLUMNS, (), []),
                                  ("Implications", IMPLICATIONS_COLUMNS, ("Financial", "Legal"), [])],
    }
    return [_save(book(specs), out_dir / name) for name, specs in forms.items()]


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def generate(out_dir: Path, scale: str = "bundled", seed: int = 2022, *, large: LargeSpec = LARGE) -> list[Path]:
    """Write the whole data tree (registers, returns, templates) under ``out_dir``.

    ``scale`` is ``"bundled"`` (the council shipped in ``data/``) or ``"large"`` (the
    benchmark council sized by ``large``). The same seed always gives the same cell
    contents. Existing files of the same name are overwritten; nothing else is removed.
    Returns the paths written.
    """
    out_dir = Path(out_dir)
    if scale == "bundled":
        sc = _bundled_scenario()
    elif scale == "large":
        sc = _large_scenario(large, random.Random(f"{seed}:scenario"))
    else:
        raise ValueError(f"scale must be 'bundled' or 'large', not {scale!r}")
    finance = _simulate_finance(sc, random.Random(f"{seed}:finance"))
    performance = _simulate_performance(sc, finance, random.Random(f"{seed}:performance"))
    covers = random.Random(f"{seed}:cover")

    jobs: list[tuple[Path, list]] = []
    for fy, measures in sc.registers.items():
        rows = [m.register_row(PRIORITIES) for m in measures]
        jobs.append((out_dir / "register" / f"{fy}.xlsx", [(REGISTER_SHEET, REGISTER_COLUMNS, rows)]))
    for period in sc.periods:
        folder = out_dir / "returns" / period
        month = finance[period]
        for d in sc.directorates:
            jobs.append((folder / f"{d}.xlsx", [
                _cover(d, period, sc.prepared_by[d], covers),
                ("Performance", PERFORMANCE_COLUMNS, performance[period][d]),
                ("Finance", FINANCE_COLUMNS, month.directorate_rows[d]),
                ("Savings", SAVINGS_COLUMNS, month.savings_rows[d]),
            ]))
        jobs.append((folder / f"{CORPORATE}.xlsx", [
            _cover(CORPORATE, period, sc.prepared_by[CORPORATE], covers),
            ("Central budgets", FINANCE_COLUMNS, month.central_rows),
            ("Funding", FINANCE_COLUMNS, month.funding_rows),
            ("Balances", BALANCES_COLUMNS, month.balances_rows),
            ("Reserves", RESERVES_COLUMNS, month.reserves_rows),
            ("DSG", DSG_COLUMNS, month.dsg_rows),
            ("Recommendations", RECOMMENDATIONS_COLUMNS,
             [("Note the report.",), *((text,) for text in DECISIONS.get(period, []))]),
            ("Implications", IMPLICATIONS_COLUMNS, list(IMPLICATIONS_ROWS)),
        ]))
    written = _write_all(jobs, parallel=scale == "large")
    written += write_templates(out_dir)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m briefing.sampledata [--out DIR] [--scale bundled|large] [--seed N]``."""
    parser = argparse.ArgumentParser(prog="python -m briefing.sampledata",
                                     description=f"Write the fictional {COUNCIL}'s Excel returns.")
    parser.add_argument("--out", type=Path, help=f"data folder to write (default for the bundled scale: {DEFAULT_OUT})")
    parser.add_argument("--scale", choices=("bundled", "large"), default="bundled",
                        help="bundled: the shipped council; large: the benchmark council")
    parser.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")
    args = parser.parse_args(argv)
    if args.out is None:
        if args.scale == "large":
            parser.error("--scale large needs --out: it must not mix a synthetic council into the bundled data")
        args.out = DEFAULT_OUT
    written = generate(args.out, args.scale, args.seed)
    periods = sorted(p.parent.name for p in written if p.parent.parent.name == "returns")
    print(f"Wrote {len(written)} workbooks ({args.scale}, seed {args.seed}) to {args.out}: "
          f"returns {periods[0]}..{periods[-1]}, registers and templates.")


if __name__ == "__main__":
    main()
