"""Validation: every broken return of the corpus reports its exact cell and message; clean data is clean."""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from briefing import cli, quality
from briefing.document import build_briefing, check_parameters
from briefing.readcache import ReadCache
from briefing.params import load_settings
from briefing.problems import ERROR, WARNING, Problem, ReturnError
from briefing.register import load_register
from briefing.returns import available_periods, load_period
from briefing.schemas import Rule, RuleSet, is_blank
from briefing.validation import (RETURN_INVALID, earlier_returns, fold_repeated, in_cell_order, one_per_cell,
                                 returns_with_errors, set_aside,
                                 validate_period, validated)
from briefing.archive import error_cells
from briefing.workbook import blank
from broken_returns import ADULTS, CASES, PERIOD, REGISTER, append_row, copy_data, edit_part


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory):
    """The corpus's clean copy of the bundled data (the register and five months of returns)."""
    return copy_data(tmp_path_factory.mktemp("clean") / "data")


def test_the_corpus_has_at_least_eighty_cases_with_distinct_names():
    names = [case.name for case in CASES]
    assert len(CASES) >= 80
    assert len(set(names)) == len(names)


def test_the_corpus_copy_validates_clean(clean_copy):
    assert validate_period(load_settings(data_dir=str(clean_copy)), PERIOD) == []


def _fingerprint(folder) -> dict:
    """Every file under ``folder`` and the SHA-256 of its bytes."""
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_broken_return_is_named_at_its_cell_and_the_briefing_is_still_built(case, tmp_path):
    """The four things every broken return must give: the problem at its cell, with what would be right; the
    briefing built from everything else (its tables and tables.xlsx, the problem in its Data quality sheet);
    no input byte changed; no earlier good output touched."""
    data = copy_data(tmp_path / "data")
    case.breaks(data)
    cache = ReadCache()  # each return read once for the validation and the briefing
    problems = validate_period(load_settings(data_dir=str(data)), PERIOD, cache)
    at_cell = [p for p in problems if p.location == case.location]
    assert at_cell, f"nothing reported at {case.location}; got:\n" + "\n".join(map(str, problems))
    first = at_cell[0]
    assert case.message in first.message, str(first)
    assert first.severity == case.severity
    assert first.expected, "every problem says what would be right"
    assert len(at_cell) == 1, "one problem per cell"

    out = tmp_path / "out"
    earlier = out / "2022-06"
    earlier.mkdir(parents=True)
    (earlier / "briefing.html").write_text("<p>June's good briefing</p>")
    inputs, outputs = _fingerprint(data), _fingerprint(out)
    run = check_parameters(PERIOD, None, str(data), str(out), None)
    if case.location == REGISTER:  # no register, no briefing: the run stops, naming it
        with pytest.raises(ReturnError, match=case.message):
            build_briefing(run, cache=cache)
    else:
        briefing = build_briefing(run, cache=cache)
        tables = {table.key: table for table in briefing.tables()}
        assert (tables["Data quality"].frame["Where"] == case.location).sum() == 1, "the briefing names it"
        assert len(tables["Returns"].frame) == len(briefing.directorates) + 1
        assert {p.name for p in briefing.save()} == {"briefing.html", "annex.html", "tables.xlsx", "manifest.json"}
    assert _fingerprint(data) == inputs, "no input byte changes"
    assert {p: h for p, h in _fingerprint(out).items() if p.parts[0] != PERIOD} == outputs


def test_each_break_is_found_only_where_the_case_says(tmp_path):
    """A break reports nothing in the files it did not touch: text in one cell is not also an error elsewhere."""
    case = next(c for c in CASES if c.name == "text actual")
    data = copy_data(tmp_path / "data")
    case.breaks(data)
    problems = validate_period(load_settings(data_dir=str(data)), PERIOD)
    assert [p.location for p in problems] == [case.location]


@pytest.mark.parametrize("period", available_periods(load_settings().data_dir))
def test_every_bundled_period_validates_clean(period):
    problems = validate_period(load_settings(), period)
    assert [str(p) for p in problems] == []


def test_validate_command_prints_one_line_per_problem_and_exits_1_on_errors(tmp_path, capsys):
    data = copy_data(tmp_path / "data")
    next(c for c in CASES if c.name == "text actual").breaks(data)
    next(c for c in CASES if c.name == "amber without commentary").breaks(data)
    assert cli.main(["validate", PERIOD, "--data-dir", str(data)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == [
        "Children's Services.xlsx!Performance!B2: error: Actual is text ('n/a'), not a number "
        "(expected a number, or a blank Actual and a Not reported reason)",
        "Children's Services.xlsx!Performance!E3: warning: OCC07.02 is Amber but has no commentary "
        "(expected commentary on why, and what is being done)"]
    assert lines[-1] == f"{PERIOD}: 1 error, 1 warning"


def test_warnings_alone_do_not_fail(tmp_path, capsys):
    data = copy_data(tmp_path / "data")
    next(c for c in CASES if c.name == "red without commentary").breaks(data)
    assert cli.main(["validate", PERIOD, "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{PERIOD}: 0 errors, 1 warning"


def test_validate_refuses_a_period_that_is_a_path(capsys):
    assert cli.main(["validate", "../../etc"]) == 2
    assert "is not a month written YYYY-MM" in capsys.readouterr().err


def test_strict_run_builds_nothing_when_a_return_has_an_error(tmp_path, capsys):
    data = copy_data(tmp_path / "data")
    next(c for c in CASES if c.name == "variance wrong").breaks(data)
    out = tmp_path / "out"
    assert cli.main(["run", PERIOD, "--strict", "--data-dir", str(data), "--output-dir", str(out),
                     "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "Children's Services.xlsx!Finance!D2: error: Variance £m is 0.746" in err
    assert "--strict: 1 error in the returns; nothing built" in err
    assert not out.exists()


# The policy: rows in error are set aside, the rest used --------------------------------------

def test_a_performance_row_in_error_is_shown_as_not_available_with_the_reason(tmp_path):
    data = copy_data(tmp_path / "data")
    next(c for c in CASES if c.name == "div0 actual").breaks(data)
    settings = load_settings(data_dir=str(data))
    register = load_register(data, PERIOD)
    directorates = list(dict.fromkeys(register["directorate"]))
    loaded = load_period(data, PERIOD, directorates)
    checked = validated(register, loaded, earlier_returns(data, PERIOD, directorates), settings)
    rows = checked.performance.set_index("measure_id")
    assert pd.isna(rows.loc["OCC07.02", "actual"])
    assert rows.loc["OCC07.02", "not_reported_reason"] == f"{RETURN_INVALID}: Actual is an Excel error (#DIV/0!)"
    # the rest of the same return, and the other returns, are untouched (but for the measures computed from
    # the finance returns, which take their figure from there: ``computed``)
    untouched = (checked.performance["measure_id"] != "OCC07.02") & checked.performance["computed_from"].eq("")
    assert checked.performance["computed_from"].ne("").sum() == 5
    pd.testing.assert_frame_equal(checked.performance.loc[untouched, loaded.performance.columns],
                                  loaded.performance[untouched])
    assert "Children's Services" not in checked.invalid
    assert [p.cell for p in checked.problems] == ["B3"]
    assert pd.isna(loaded.performance.set_index("measure_id").loc["OCC07.02", "not_reported_reason"])  # unchanged


def _row(**fields) -> dict:
    return {"file": "D.xlsx", "sheet": "Performance", "row": 5, "letters": {"measure_id": "A", "actual": "B",
                                                                            "outlook": "D"}, **fields}


def test_set_aside_only_for_errors_in_the_cells_a_rating_is_made_from():
    performance = pd.DataFrame([_row(measure_id="M1", actual=3.0, reported_rag=None, not_reported_reason=None),
                                _row(row=6, measure_id="M2", actual=4.0, reported_rag=None, not_reported_reason=None)])
    problems = [Problem(ERROR, "D.xlsx", "Performance", "D5", "Outlook 'x' is not Improving"),
                Problem(WARNING, "D.xlsx", "Performance", "B6", "far out of line")]
    assert set_aside(performance, problems)["actual"].tolist() == [3.0, 4.0]
    problems.append(Problem(ERROR, "D.xlsx", "Performance", "B6", "Actual is text"))
    after = set_aside(performance, problems)
    assert after["actual"].isna().tolist() == [False, True]
    assert after["not_reported_reason"].tolist() == [None, f"{RETURN_INVALID}: Actual is text"]


def test_one_problem_per_cell_keeps_the_first():
    first = Problem(ERROR, "D.xlsx", "Finance", "B3", "Latest budget £m is text ('x'), not a number")
    second = Problem(ERROR, "D.xlsx", "Finance", "B3", "Latest budget £m is blank")
    other = Problem(ERROR, "D.xlsx", "Finance", "B4", "Latest budget £m is blank")
    assert one_per_cell([first, second, other, first]) == [first, other]


def test_problems_are_put_in_reading_order():
    cells = ["AA2", "B10", "C2", "B2"]
    ordered = in_cell_order([Problem(ERROR, "D.xlsx", "Finance", c, "x") for c in cells])
    assert [p.cell for p in ordered] == ["B2", "C2", "AA2", "B10"]


# The rule machinery ---------------------------------------------------------------------------

def test_a_rule_set_turns_pandera_failures_into_problems_at_their_cells():
    rules = RuleSet("Test", [
        Rule("positive", "actual", lambda s: s > 0, "Actual {shown} is not positive", "more than 0"),
        Rule("named", "measure_id", lambda t: t["measure_id"].str.startswith("M") | t["actual"].isna(),
             "{value!r} does not start with M", "M…", whole_row=True),
    ])
    table = pd.DataFrame([_row(measure_id="M1", actual=2.5), _row(row=9, measure_id="X2", actual=-1.5),
                          _row(row=12, measure_id="M3", actual=None)])
    assert [str(p) for p in rules.problems(table)] == [  # row by row, each row's in the order of the rules
        "D.xlsx!Performance!B9: error: Actual -1.5 is not positive (expected more than 0)",
        "D.xlsx!Performance!A9: error: 'X2' does not start with M (expected M…)"]


def test_a_rule_that_cannot_run_is_a_fault_not_a_pass():
    rules = RuleSet("Test", [Rule("broken", "actual", lambda s: s["no such column"], "x", "y", whole_row=True)])
    with pytest.raises(RuntimeError, match="rules failed to run"):
        rules.problems(pd.DataFrame([_row(measure_id="M1", actual=1.0)]))


def test_excel_error_cells_are_found_in_the_sheet_xml_with_or_without_a_formula():
    xml = (b'<sheetData><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" s="3" t="e"><f>C2/D2</f>'
           b'<v>#DIV/0!</v></c></row><row r="14"><x:c t="e" r="AB14"><x:v>#REF!</x:v></x:c>'
           b'<c r="C14" t="n"><v>3</v></c></row></sheetData>')
    found = {position: error.code for position, error in error_cells(xml).items()}
    assert found == {(1, 1): "#DIV/0!", (13, 27): "#REF!"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-10**6, 10**6)), max_size=12),
       st.sampled_from(["float64", "Int64", "Float64", "object"]))
def test_blank_number_cells_are_found_a_column_at_a_time_as_cell_by_cell(values, dtype):
    if dtype == "Int64":
        values = [v if v is None or (isinstance(v, int)) else None for v in values]
    column = pd.Series(values, dtype=dtype, name="actual")
    pd.testing.assert_series_equal(is_blank(column), column.map(blank).astype(bool))


# Many problems in one column ------------------------------------------------------------------

def test_a_columns_problems_beyond_fifty_are_one_line_that_counts_them():
    bad = [Problem(ERROR, "A.xlsx", "Performance", f"A{row}", f"Measure ID 'X{row}' is not in the register",
                   "a Measure ID in the register") for row in range(121, 1, -1)]  # 120, last row first
    others = [Problem(ERROR, "A.xlsx", "Performance", f"B{row}", "Actual is blank") for row in (2, 3)] + \
        [Problem(WARNING, "A.xlsx", "Performance", f"A{row}", "odd") for row in (4, 5)] + \
        [Problem(ERROR, "A.xlsx", None, None, "no return")]
    folded = fold_repeated([*bad, *others])
    in_a = [p for p in folded if p.severity == ERROR and (p.cell or "").startswith("A")]
    assert len(in_a) == 51
    assert sorted(int(p.cell[1:]) for p in in_a if p.more == 0) == list(range(2, 52))  # the first 50, by row
    [summary] = [p for p in folded if p.more]
    assert summary.cell == "A52:A121" and summary.more == 69 and summary.count == 70
    assert summary.message == "70 more errors in column A of this sheet, the first: Measure ID 'X52' is not in " \
                              "the register"
    assert summary.expected == "a Measure ID in the register"
    assert [p for p in folded if p not in in_a] == others                             # the rest untouched
    assert sum(p.count for p in folded) == len(bad) + len(others)
    assert returns_with_errors(folded) == {"A": 120 + 2 + 1}


def test_fifty_one_problems_are_listed_not_folded_into_a_line_of_one():
    bad = [Problem(ERROR, "A.xlsx", "Finance", f"C{row}", "Forecast is blank") for row in range(2, 53)]
    assert fold_repeated(bad) == bad


def test_a_sheet_pasted_over_with_junk_ids_gives_a_short_data_quality_section(tmp_path, capsys):
    """A thousand unknown Measure IDs: every one counted, fifty listed, the rest one line; the briefing built."""
    data = copy_data(tmp_path / "data")
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>JUNK{r}</t></is></c><c r="B{r}"><v>1</v></c></row>'
                   for r in range(1000, 2000))
    edit_part(ADULTS, "Performance", append_row(rows))(data)
    assert cli.main(["validate", PERIOD, "--data-dir", str(data)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"{PERIOD}: 1,000 errors, 0 warnings"
    assert len([line for line in printed if "Performance!A" in line]) == 51
    assert printed[-2].startswith("Adult Services.xlsx!Performance!A1050:A1999: error: 950 more errors in column A")
    b = build_briefing(check_parameters(PERIOD, data_dir=str(data)))
    listed = quality.data_quality_table(b)
    assert len(listed.frame) == 51 and listed.title == "1,000 errors and 0 warnings in the returns"
    assert quality.returns_table(b).frame.set_index("Return").loc["Adult Services", "Errors"] == 1000
