"""Fuzzing: a real return, its sheet XML or its cell values mutated at random, never stops the briefing.

Each example breaks a copy of the bundled July 2022 data in one of two ways
(random bytes into, over or off the Performance or Finance sheet's XML; or a
random value, text with any characters, or a number of any size, into a cell
of those sheets) and asserts what every broken return must give: validation and
the briefing finish (its tables and tables.xlsx built), every problem is pinned
to the mutated return (or the corporate funding check, or a council-wide computed
measure, it unbalances), no input byte changes, no earlier output is touched.
The examples are derandomised: the same ones every run.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings, strategies as st

from briefing.document import build_briefing, check_parameters
from briefing.params import load_settings
from briefing.validation import validate_period
from broken_returns import CHILDREN, CORPORATE, PERIOD, copy_data, edit_part, in_cell


def _fingerprint(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _splice(start: float, length: int, junk: bytes):
    """Put ``junk`` in place of ``length`` bytes at ``start`` (a fraction of the way through) of the XML."""
    def change(old: bytes) -> bytes:
        at = int(start * len(old))
        return old[:at] + junk + old[at + length:]
    return change


def _as_inline_text(text: str) -> bytes:
    """``text`` as an inline-string cell's XML, control characters written the way Excel writes them."""
    escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 and c not in "\t\n\r" else c for c in escape(text))
    return f"<is><t>{escaped}</t></is>".encode("utf-8", "surrogatepass")


values = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60).map(_as_inline_text),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: f"<v>{f!r}</v>".encode()),
    st.integers(min_value=-10**30, max_value=10**30).map(lambda i: f"<v>{i}</v>".encode()),
)
mutations = st.one_of(
    st.tuples(st.sampled_from(["Performance", "Finance"]), st.floats(0, 1), st.integers(0, 40),
              st.binary(max_size=40)).map(lambda t: (t[0], _splice(*t[1:]))),
    st.tuples(st.sampled_from(["Performance", "Finance"]), st.sampled_from("ABCDE"), st.integers(2, 8),
              values).map(lambda t: (t[0], in_cell(f"{t[1]}{t[2]}", t[3]))),
)


@settings(max_examples=20, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                   HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_a_mutated_return_never_stops_the_briefing(mutation, tmp_path_factory):
    sheet, change = mutation
    root = tmp_path_factory.mktemp("fuzz")
    data = copy_data(root / "data")
    edit_part(CHILDREN, sheet, change)(data)
    out = root / "out"
    (out / "2022-06").mkdir(parents=True)
    (out / "2022-06" / "briefing.html").write_text("<p>June's good briefing</p>")
    inputs, earlier = _fingerprint(data), _fingerprint(out)

    problems = validate_period(load_settings(data_dir=str(data)), PERIOD)
    briefing = build_briefing(check_parameters(PERIOD, None, str(data), str(out), None))
    tables = {table.key: table for table in briefing.tables()}
    briefing.save()

    # pinned to the mutated return, or to the corporate one whose funding check a changed budget unbalances,
    # or to a council-wide measure worked out from every return (a changed budget moves the council's variance)
    council_wide = [p for p in problems if "is computed from the returns" in p.message]
    assert {p.file for p in problems if p not in council_wide} <= {CHILDREN, CORPORATE}
    assert not problems or any(p.file == CHILDREN for p in problems), "the mutated return is named"
    assert {p.location for p in briefing.problems} == {p.location for p in problems}
    assert len(tables["Data quality"].frame) == len(problems)
    assert (out / PERIOD / "tables.xlsx").stat().st_size > 0
    assert _fingerprint(data) == inputs, "no input byte changes"
    assert {p: h for p, h in _fingerprint(out).items() if p.parts[0] != PERIOD} == earlier
