"""The in-process memory of what was read: copies for every caller, and a changed file read afresh."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from briefing import cache, returns
from briefing.document import build_briefing, check_parameters
from briefing.register import load_register
from briefing.returns import load_period


@pytest.fixture
def counted(tmp_path):
    """A remembered reader of one text file that counts how often it really reads."""
    path = tmp_path / "figures.txt"
    path.write_text("1,2,3")
    reads = []

    @cache.remembered(lambda p: [p], size=2)
    def read(p):
        reads.append(p)
        return {"values": pd.DataFrame({"v": [int(x) for x in p.read_text().split(",")]}), "notes": ["read"]}

    return read, path, reads


def test_a_second_call_is_a_copy_of_the_first_read(counted):
    read, path, reads = counted
    first = read(path)
    first["values"].loc[0, "v"] = 99
    first["notes"].append("changed by the first caller")
    second = read(path)
    assert len(reads) == 1
    assert second["values"]["v"].tolist() == [1, 2, 3]
    assert second["notes"] == ["read"]


def test_a_changed_added_or_removed_file_is_read_afresh(counted, tmp_path):
    read, path, reads = counted
    read(path)
    path.write_text("4,5,6,7")
    assert read(path)["values"]["v"].tolist() == [4, 5, 6, 7]
    replacement = tmp_path / "new.txt"
    replacement.write_text("8,9,1,2")  # same size, and possibly the same time: a new inode tells it apart
    os.replace(replacement, path)
    assert read(path)["values"]["v"].tolist() == [8, 9, 1, 2]
    assert len(reads) == 3
    state = cache.path_state(tmp_path)
    (tmp_path / "extra.txt").write_text("x")
    assert cache.path_state(tmp_path) != state


def test_the_memory_forgets_the_least_recently_used(counted, tmp_path):
    read, path, reads = counted
    others = [tmp_path / f"{n}.txt" for n in range(2)]
    for other in others:
        other.write_text("1")
    read(path), read(others[0]), read(path), read(others[1])  # size 2: others[0] goes
    read(path)
    read(others[0])
    assert reads == [path, others[0], others[1], others[0]]


def test_errors_are_not_remembered_and_the_memory_can_be_turned_off(counted, monkeypatch):
    read, path, reads = counted
    path.write_text("not,numbers")
    with pytest.raises(ValueError):
        read(path)
    path.write_text("1,2")
    assert read(path)["values"]["v"].tolist() == [1, 2]
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1")
    read(path), read(path)
    assert len(reads) == 4


def test_a_changed_return_changes_the_briefing_built_in_the_same_process(data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    period = "2022-07"
    directorates = list(dict.fromkeys(load_register(data, period)["directorate"]))
    before = build_briefing(check_parameters(period, data_dir=str(data)))
    assert load_period(data, period, directorates).finance.equals(before.current.finance)
    (data / "returns" / period / "Public Health.xlsx").unlink()
    after = build_briefing(check_parameters(period, data_dir=str(data)))
    assert "Public Health" not in before.current.invalid
    assert after.current.invalid["Public Health"] == "missing"
    assert (after.current.finance["directorate"] != "Public Health").all()


def test_documents_of_a_period_share_one_load_but_not_their_objects(data_dir, tmp_path):
    cache.forget_all()
    corporate = build_briefing(check_parameters("2022-07", data_dir=str(data_dir), output_dir=str(tmp_path)))
    loads = load_period.memory.misses
    directorate = build_briefing(check_parameters("2022-07", data_dir=str(data_dir), output_dir=str(tmp_path),
                                                  directorate="Public Health"))
    assert load_period.memory.misses == loads, "the second document read no return"
    assert directorate.run.directorate == "Public Health" and corporate.run.directorate is None
    corporate.current.finance.loc[0, "forecast_outturn"] = -1
    corporate.rated_history.loc[0, "rag"] = "Purple"
    assert directorate.current.finance.loc[0, "forecast_outturn"] != -1
    assert directorate.rated_history.loc[0, "rag"] != "Purple"
    pd.testing.assert_frame_equal(directorate.ratings, build_briefing(
        check_parameters("2022-07", data_dir=str(data_dir))).ratings)


def test_what_one_process_read_another_takes_as_read_unless_the_file_changed(data_dir, tmp_path):
    cache.forget_all()
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    returns.read_ahead({"period": "2022-07", "data_dir": str(data), "compare_to": None}, tmp_path / "read.pickle")
    assert not load_period.memory.entries, "the reading process forgets what it handed over"
    assert cache.adopt(tmp_path / "read.pickle") >= 5 + 1  # five months of returns, the register
    loaded = load_period.memory.misses
    directorates = list(dict.fromkeys(load_register(data, "2022-07")["directorate"]))
    july = load_period(data, "2022-07", directorates)
    assert load_period.memory.misses == loaded, "taken as read"
    changed = data / "returns" / "2022-07" / "Adult Services.xlsx"
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10 ** 9))
    again = load_period(data, "2022-07", directorates)
    assert load_period.memory.misses == loaded + 1, "a return changed since is read afresh"
    pd.testing.assert_frame_equal(again.finance, july.finance)
    cache.forget_all()


def test_a_month_one_kernel_read_another_loads_from_the_shared_folder_unless_it_changed(data_dir, tmp_path,
                                                                                      monkeypatch):
    """What ``briefing run``'s workers do: the second kernel to need a month loads what the first read."""
    data, shared = tmp_path / "data", tmp_path / "shared"
    shutil.copytree(data_dir, data)
    shared.mkdir()
    monkeypatch.setenv(cache.SHARED_VARIABLE, str(shared))
    directorates = list(dict.fromkeys(load_register(data, "2022-07")["directorate"]))
    reads = []
    original = returns._read_workbook
    monkeypatch.setattr(returns, "_read_workbook", lambda *a: reads.append(a[1]) or original(*a))
    cache.forget_all()
    first = load_period(data, "2022-07", directorates)
    read_by_first = len(reads)
    assert read_by_first == len(directorates) + 1 and len(list(shared.glob("*.pickle"))) == 1
    cache.forget_all()  # as another kernel: nothing in its own memory
    second = load_period(data, "2022-07", directorates)
    assert len(reads) == read_by_first, "loaded from the shared folder, not read again"
    for name in ("finance", "performance", "savings"):
        pd.testing.assert_frame_equal(getattr(second, name), getattr(first, name))
    assert second.problems == first.problems and second.invalid == first.invalid
    changed = data / "returns" / "2022-07" / "Adult Services.xlsx"
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10 ** 9))
    cache.forget_all()
    load_period(data, "2022-07", directorates)
    assert len(reads) == 2 * read_by_first, "a return changed since is read afresh"
    for kept in shared.glob("*.pickle"):
        kept.write_bytes(b"not a pickle")
    cache.forget_all()
    again = load_period(data, "2022-07", directorates)
    assert len(reads) == 3 * read_by_first, "an unreadable file is read afresh"
    pd.testing.assert_frame_equal(again.finance, first.finance)
    monkeypatch.delenv(cache.SHARED_VARIABLE)
    cache.forget_all()
    load_period(data, "2022-07", directorates)
    assert len(reads) == 4 * read_by_first, "not shared unless the run names a folder"
    cache.forget_all()


def test_a_briefing_reads_its_history_newest_first(data_dir, monkeypatch):
    read, whole = [], {}

    def load(data, period, directorates, lines):
        read.append(period)
        whole[period] = lines
        return period
    monkeypatch.setattr(returns, "load_period", load)
    _, _, months = returns.read_history(data_dir, "2022-07", "2022-05")
    assert read == sorted(read, reverse=True) and read[0] == "2022-07"
    assert list(months) == sorted(read), "and hands them on oldest first"
    assert {p for p, lines in whole.items() if lines} == {"2022-04", "2022-05", "2022-06", "2022-07"}, \
        "the money lines of the financial year so far only: the months before are history"
    assert returns.money_periods("2022-04", "2022-03") == {"2022-03", "2022-04"}, "and of the month compared with"


def lines() -> pd.DataFrame:
    return pd.DataFrame({"directorate": pd.array(["A", "B", None], dtype="str"), "service": ["x", "y", "z"],
                         "budget": pd.array([1, None, 3], dtype="Int64"), "share": [0.5, 0.25, 0.25]})


CHANGES = {
    "a cell through loc": lambda f: f.loc.__setitem__((0, "budget"), 2),
    "a cell through iloc": lambda f: f.iloc.__setitem__((1, 3), 0.3),
    "a text cell": lambda f: f.loc.__setitem__((2, "directorate"), "C"),
    "an object cell": lambda f: f.loc.__setitem__((1, "service"), "w"),
    "a column updated in place": lambda f: f.update(pd.DataFrame({"share": [0.1, 0.2, 0.7]})),
    "a column replaced": lambda f: f.__setitem__("share", f["share"] * 2),
    "a column added": lambda f: f.__setitem__("extra", 1),
    "a column dropped": lambda f: f.pop("service"),
    "columns renamed": lambda f: setattr(f, "columns", ["d", "s", "b", "p"]),
    "the index changed": lambda f: setattr(f, "index", [7, 8, 9]),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_copies_of_the_same_lines_match_and_a_changed_copy_does_not(change):
    original = lines()
    kept = original.copy(deep=False)  # as worked_out_once keeps one
    token = cache.content_token(original)
    copied, other = cache.fresh_copy(original), cache.fresh_copy(cache.fresh_copy(original))
    assert cache.content_token(copied) == cache.content_token(other) == token
    assert cache.content_token(original.copy()) != token, "a deep copy is other memory: worked out afresh"
    assert cache.content_token(lines()) != token
    del original
    CHANGES[change](copied)
    assert cache.content_token(copied) != token
    assert cache.content_token(other) == token and kept.equals(lines())


def test_what_the_corporate_briefing_worked_out_serves_the_directorate_briefings(data_dir, tmp_path, monkeypatch):
    from briefing import finance
    summed = []
    real_sum = finance._sum_by
    monkeypatch.setattr(finance, "_sum_by", lambda *a: summed.append(a) or real_sum(*a))
    cache.forget_all()
    run = check_parameters("2023-03", None, str(data_dir), str(tmp_path / "2023-03"), None)
    corporate = build_briefing(run)
    corporate.header()
    by_corporate = len(summed)  # each month's lines summed by directorate once (the trend shows thirteen)
    assert by_corporate >= 2
    for name in corporate.directorates:
        build_briefing(check_parameters("2023-03", None, str(data_dir), str(tmp_path), None, name)) \
            .for_directorate(name).header()
    assert len(summed) == by_corporate, "every directorate's briefing used the sums the corporate one worked out"
    changed = build_briefing(run)
    changed.current.finance.loc[0, "forecast_outturn"] += 100
    position = finance.directorate_position(changed.current, changed.comparison, changed.directorates)
    assert len(summed) == by_corporate + 1, "a document that changed a line sums its own"
    before = finance.directorate_position(corporate.current, corporate.comparison, corporate.directorates)
    assert position["forecast_outturn"].iloc[-1] == before["forecast_outturn"].iloc[-1] + 100


def test_references_to_copies_documents_dropped_are_cleared_between_documents(counted):
    read, path, _ = counted
    remembered = read(path)["values"]
    original = read.memory.entries[next(iter(read.memory.entries))]["values"]
    kept = read(path)["values"]
    for _ in range(300):  # three hundred documents, each given a copy and done with it
        read(path)
    references = original._mgr.blocks[0].refs.referenced_blocks
    assert len(references) > 300, "pandas keeps a reference to every copy until it clears them, now and then"
    cache.drop_dead_references()
    references = original._mgr.blocks[0].refs.referenced_blocks
    assert len([r for r in references if r() is not None]) == len(references) == 3  # itself, two live copies
    assert id(original._mgr.blocks[0].refs) in cache._HANDED_OUT
    del remembered, kept
    cache.drop_dead_references()
    assert len(original._mgr.blocks[0].refs.referenced_blocks) == 1
    assert id(original._mgr.blocks[0].refs) not in cache._HANDED_OUT, "no copy left: nothing more to clear"


def test_a_copy_of_the_returns_copies_each_month_once_and_only_when_used(monkeypatch):
    months = {"2022-06": {"lines": lines()}, "2022-07": {"lines": lines()}}
    held = cache.CopiedOnUse(months)
    copied = []
    real_copy = cache.fresh_copy
    monkeypatch.setattr(cache, "fresh_copy",  # counts the months copied (not the frames within them)
                        lambda value: (any(value is m for m in months.values()) and copied.append(value)) or real_copy(value))
    first, second = real_copy(held), real_copy(held)
    assert copied == [] and list(first) == ["2022-06", "2022-07"] and len(first) == 2
    july = first["2022-07"]
    assert first["2022-07"] is july and len(copied) == 1, "one copy, made when first looked up"
    july["lines"].loc[0, "share"] = -1
    july["lines"]["extra"] = 1
    assert months["2022-07"]["lines"].equals(lines()) and second["2022-07"]["lines"].equals(lines())
    assert "2022-05" not in first and first.get("2022-05") is None
    assert dict(second.items()).keys() == months.keys() and len(copied) == 3
    with pytest.raises(TypeError):
        first["2022-08"] = {}  # read-only: a document cannot swap a month for every other document


def test_a_directorate_briefing_copies_only_the_months_it_looks_at(data_dir, tmp_path):
    cache.forget_all()
    run = check_parameters("2023-03", None, str(data_dir), str(tmp_path), None, "Public Health")
    build_briefing(run).for_directorate("Public Health").header()  # loads and rates every month once
    briefing = build_briefing(run)
    briefing.for_directorate("Public Health").header()
    assert set(briefing.returns._copies) == {"2023-02", "2023-03"}, "this month and the one it is compared with"
    assert len(briefing.returns) == 13
