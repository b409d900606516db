"""Remembering, within one process, what was read from the returns and built from it.

A batch run keeps one kernel alive for document after document: the seven
documents of a period load the same returns and rate the same measures, and
each month's briefing reads the eleven months before it as history, so without
a memory a year of briefings reads every return about ninety times. The
kernel's modules outlive the reset of its namespace between documents, so a
memory held here lasts for the whole run.

Each entry is keyed by the call's arguments and by the state (path, size,
modification time, inode) of every file and folder it was read from: a return
that is changed, added, renamed or removed is read afresh. Every caller gets
its own copy of the remembered value (with pandas copy-on-write a shallow
DataFrame copy is as safe as a deep one and costs next to nothing), so a
document that changes what it was given cannot change what the next one gets.
Nothing is kept on disk between runs: a new process starts with an empty
memory (the only file written, by ``export``, hands what a command read to its
own kernel, in that kernel's private folder, removed when the run ends), and
``BRIEFING_NO_CACHE=1`` turns the memory off.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import importlib
import inspect
import os
import pickle
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .params import SHARED_VARIABLE

DISABLE_VARIABLE = "BRIEFING_NO_CACHE"


def enabled() -> bool:
    """Whether the memory is on (``BRIEFING_NO_CACHE`` unset, empty or ``0``)."""
    return os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


def _stat_key(stat: os.stat_result) -> tuple:
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def path_state(path: Path) -> tuple:
    """What identifies the content of ``path`` without reading it.

    A file: its size, modification time and inode (a file replaced by a copy
    of the same size and date is still a new inode). A folder: the same for
    every entry in it, so an added or removed return counts as a change.
    A missing path is a state too, so creating it later is seen.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None)
    if not path.is_dir():
        return (str(path), _stat_key(stat))
    entries = []
    with os.scandir(path) as listing:
        for entry in listing:
            try:
                entries.append((entry.name, _stat_key(entry.stat())))
            except OSError:
                entries.append((entry.name, None))
    return (str(path), tuple(sorted(entries)))


def fresh_copy(value):
    """A copy of ``value`` that shares nothing its receiver could change in the original.

    DataFrames and Series are copied shallowly (copy-on-write keeps the data
    safe); lists, tuples, sets and dicts are copied with their items; an object
    with attributes (a dataclass such as ``PeriodReturns``, including its
    cached properties) is copied attribute by attribute, and shares the
    original's memory of what was worked out from it (``worked_out_once``).
    A ``CopiedOnUse`` mapping copies each of its values when it is first used.
    Frozen dataclasses, strings, numbers, paths and None are immutable and
    returned as they are.
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        for references in [*(block.refs for block in value._mgr.blocks),
                           *(getattr(axis, "_references", None) for axis in value._mgr.axes)]:
            if references is not None:
                _HANDED_OUT[id(references)] = references  # see ``drop_dead_references``
        return value.copy(deep=False)
    if isinstance(value, CopiedOnUse):
        return CopiedOnUse(value.originals)
    if isinstance(value, (list, tuple, set)):
        return type(value)(fresh_copy(item) for item in value)
    if isinstance(value, dict):
        return {key: fresh_copy(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if value.__dataclass_params__.frozen:
            return value
        duplicate = copy.copy(value)
        for name, item in vars(value).items():
            if name != OWN_MEMORY:
                setattr(duplicate, name, fresh_copy(item))
        vars(duplicate)[OWN_MEMORY] = vars(value).setdefault(OWN_MEMORY, {})
        return duplicate
    return value


OWN_MEMORY = "_worked_out"


class CopiedOnUse(Mapping):
    """A read-only mapping that hands out a ``fresh_copy`` of each of ``originals``' values, made the first
    time that key is looked up and the same copy after; ``fresh_copy`` of it starts again from the originals.

    A briefing holds thirteen months of returns, and every document of a
    period gets a copy of the briefing; a directorate's briefing looks at two
    of those months. Copying each month only when it is used saves the
    copying of a hundred frames a document (a tenth of a large council's
    directorate briefing), and still no document can change what another gets.
    """

    def __init__(self, originals: dict):
        self.originals = originals
        self._copies: dict = {}

    def __getitem__(self, key):
        if key not in self._copies:
            self._copies[key] = fresh_copy(self.originals[key])
        return self._copies[key]

    def __iter__(self):
        return iter(self.originals)

    def __len__(self) -> int:
        return len(self.originals)

    def __repr__(self) -> str:
        return f"CopiedOnUse({list(self.originals)})"


def worked_out_once(owner, name: str, key: tuple, inputs: tuple, compute: Callable):
    """A copy of ``compute()``, worked out once for ``owner`` and its copies while ``inputs`` hold the same data.

    The memory is an attribute of ``owner``, shared with every copy of it
    (``fresh_copy``): each document of a period gets its own copy of the
    period's briefing and returns, and what the corporate briefing worked out
    (the position, the service areas, the checks) serves each directorate's
    briefing too. ``inputs``, the DataFrames the result is computed from, are
    compared by what they hold (``content_token``): copies of the same data
    match; a frame changed in any way since (a cell, a column, its index) or
    another object does not, and the result is worked out afresh. ``key``
    holds the plain values the result depends on. Each caller gets its own
    copy. Nothing is remembered when the memory is off.
    """
    if not enabled():
        return compute()
    memory = vars(owner).setdefault(OWN_MEMORY, {})
    tokens = tuple(content_token(item) for item in inputs)
    held = memory.get((name, key))
    if held is None or held[0] != tokens:
        kept = tuple(item.copy(deep=False) if isinstance(item, (pd.DataFrame, pd.Series)) else item for item in inputs)
        held = memory[(name, key)] = (tokens, kept, compute())
    return fresh_copy(held[2])


def content_token(value) -> tuple:
    """What a DataFrame or Series holds, told without reading it: where each of its arrays' data lies in
    memory, with its shape, layout and type, and the same of its index and column labels.

    Under copy-on-write a shallow copy views the same memory, and any change
    to a frame, to one cell or to its labels, gives the changed part new
    memory: two frames with equal tokens hold the same data. Memory is only
    ever compared while a copy of the frame it was read from is kept (as
    ``worked_out_once`` keeps one), so that the copy-on-write bookkeeping
    sees it shared and it cannot be written over or given to other data.
    Anything else is its own token: compared by identity.
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        manager = value._mgr
        return (type(value).__name__, tuple(_index_token(axis) for axis in manager.axes),
                tuple((block.mgr_locs.as_array.tobytes(), _array_token(block.values)) for block in manager.blocks))
    return ("object", id(value))


def _index_token(index: pd.Index) -> tuple:
    if isinstance(index, pd.RangeIndex):
        return ("range", index.start, index.stop, index.step, tuple(map(repr, index.names)))
    if isinstance(index, pd.MultiIndex):
        return ("object", id(index))
    return ("index", tuple(map(repr, index.names)), _array_token(index._values))


def _array_token(array) -> tuple:
    """Where an array's data lies and how it is laid out; an array of an unknown kind is compared by identity."""
    if isinstance(array, np.ndarray):
        return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)
    parts = [getattr(array, name, None) for name in ("_ndarray", "_data", "_mask")]
    parts = [part for part in parts if isinstance(part, np.ndarray)]
    if not parts or isinstance(array, pd.Categorical):
        return ("object", id(array))
    return (type(array).__name__, str(array.dtype), *(_array_token(part) for part in parts))


def _hashable(value):
    """Arguments as a dictionary key: lists and dicts become tuples, paths their text."""
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(key), _hashable(item)) for key, item in value.items()))
    if isinstance(value, Path):
        return str(value)
    return value


class Memory:
    """A bounded memory (least recently used goes first) of computed values and the file states they came from.

    A ``shared`` memory also looks, before computing, in the folder that
    ``SHARED_VARIABLE`` names, if set, and leaves what it computed there:
    see ``shared_value``.
    """

    def __init__(self, name: str, size: int, module: str | None = None, shared: bool = False):
        self.name = name
        self.size = size
        self.module = module  # the module that defines the reader, so another process can load it
        self.shared = shared
        self.entries: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def recall(self, key: tuple, compute: Callable, copier: Callable = fresh_copy):
        """A copy of the value remembered for ``key``, computing and remembering it first if need be.

        A computation that raises is not remembered: the next call tries again.
        """
        if key in self.entries:
            self.entries.move_to_end(key)
            self.hits += 1
            return copier(self.entries[key])
        self.misses += 1
        value = shared_value(self.name, key, compute) if self.shared else compute()
        self.entries[key] = value
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return copier(value)

    def clear(self) -> None:
        self.entries.clear()
        self.hits = self.misses = 0


def shared_value(name: str, key: tuple, compute: Callable):
    """``compute()``, or what another process of the same run left for ``key`` in the shared folder.

    ``briefing run`` with several workers gives their kernels one private
    folder (``SHARED_VARIABLE``; see ``batch``). Each month's returns a
    kernel reads are left there, pickled, and another kernel that needs the
    same month loads them (0.013 s, against 0.34 s to read a large
    council's month): the workers' periods overlap by up to eleven months of
    history. The key holds the state of
    every file read (``path_state``), so a return changed since is read
    afresh. A file that cannot be loaded is read afresh too; one that
    cannot be written is not shared. Unset, nothing is looked for or left.
    """
    folder = os.environ.get(SHARED_VARIABLE)
    if not folder:
        return compute()
    path = Path(folder) / f"{name}-{hashlib.sha256(repr(key).encode()).hexdigest()[:40]}.pickle"
    try:
        with open(path, "rb") as source:
            return pickle.load(source)
    except Exception:  # noqa: BLE001 - none there yet (or unreadable): read it here
        pass
    value = compute()
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(partial, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # whole or not at all: another kernel never loads half a file
    except Exception:  # noqa: BLE001 - the folder is gone or full: this kernel has its value all the same
        with contextlib.suppress(OSError):
            os.remove(partial)
    return value


MEMORIES: list[Memory] = []


def remembered(inputs: Callable[..., Iterable[Path]], size: int = 32,
               copier: Callable = fresh_copy, shared: bool = False) -> Callable:
    """Decorate a reader so that a repeated call, with its input files unchanged, returns a copy of the first result.

    ``inputs`` takes the reader's arguments and names the files and folders
    the result depends on; their states are part of the key (see ``path_state``).
    ``shared``: see ``shared_value``.
    """
    def decorate(function: Callable) -> Callable:
        memory = Memory(f"{function.__module__}.{function.__qualname__}", size, function.__module__, shared)
        MEMORIES.append(memory)
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if not enabled():
                return function(*args, **kwargs)
            states = tuple(path_state(path) for path in inputs(*args, **kwargs))
            arguments = signature.bind(*args, **kwargs)
            arguments.apply_defaults()  # one key for a call however its arguments are given
            key = (_hashable(arguments.args), _hashable(arguments.kwargs), states)
            return memory.recall(key, lambda: function(*args, **kwargs), copier)

        wrapper.memory = memory
        return wrapper
    return decorate


def export(path: Path) -> None:
    """Write what every memory holds to ``path``, for another process of the same run to ``adopt``.

    ``briefing run`` building one document at a time has a core to spare
    while its kernel starts: it reads the first document's returns itself in
    that time and hands them over this way (see ``batch``), rather than leave
    the kernel to read them after it has started.
    """
    held = {memory.name: (memory.module, list(memory.entries.items())) for memory in MEMORIES if memory.entries}
    with open(path, "wb") as out:
        pickle.dump(held, out, protocol=pickle.HIGHEST_PROTOCOL)


def adopt(path: Path) -> int:
    """Take into this process's memories what ``export`` wrote to ``path``; returns how many entries.

    Each entry keeps the file states it was read from, so a return changed
    since is read afresh here as it would be anyway. Only ever given a file
    this run wrote in its own private folder.
    """
    with open(path, "rb") as source:
        held = pickle.load(source)
    adopted = 0
    for name, (module, entries) in held.items():
        if module:
            importlib.import_module(module)  # defines the reader, and so its memory
        memory = next((m for m in MEMORIES if m.name == name), None)
        if memory is None or not enabled():
            continue
        for key, value in entries:
            memory.entries[key] = value
            adopted += 1
        while len(memory.entries) > memory.size:
            memory.entries.popitem(last=False)
    return adopted


def drop_dead_references() -> int:
    """Clear pandas' references to copies of remembered frames that are gone; returns how many arrays
    still have copies alive. Run between documents.

    Copy-on-write keeps, for each array a frame shares, a weak reference to
    every frame sharing it, and clears those whose frame is gone only now and
    then (once there are hundreds). Every document gets a copy of its thirteen
    months of returns, so over a year of documents a kernel piled up hundreds
    of thousands of dead references, each an object the garbage collection
    between documents walks: it took 0.02 s after the first month and 0.2 s
    after the sixth, on the large council more than a directorate briefing's
    own work. ``fresh_copy`` notes each array it hands out a copy of.
    """
    for key, references in list(_HANDED_OUT.items()):
        if not references.has_reference():  # clears the dead ones first; False once no copy is left
            del _HANDED_OUT[key]
    return len(_HANDED_OUT)


_HANDED_OUT: dict[int, object] = {}  # pandas' references of each array fresh_copy shared with a copy


def forget_all() -> None:
    """Empty every memory (tests use it to start from a cold process's state)."""
    for memory in MEMORIES:
        memory.clear()


def statistics() -> dict[str, tuple[int, int]]:
    """Hits and misses of each memory, for benchmarks."""
    return {memory.name: (memory.hits, memory.misses) for memory in MEMORIES}
