"""What a batch run has already read from the returns, keyed on each file's identity and content.

A year of briefings reads thirteen months of returns for every period, and consecutive periods share
twelve: without a memory a year's run parses every workbook about thirteen times. Only the batch makes
a ``ReadCache`` (one a run), so an interactive session reads afresh unless it asks for one. An entry is
keyed on what was read (``kind``), the file's resolved path and inode and the SHA-256 of its bytes (an
edited, replaced or renamed return is read again), and held as pickled bytes: every caller gets its own
copy, which nothing another caller does can reach.
"""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Callable, Hashable


def file_identity(path: Path) -> tuple:
    """The file's resolved path, inode and SHA-256 of its content (raises OSError when it cannot be read)."""
    path = Path(path).resolve()
    data = path.read_bytes()
    return str(path), path.stat().st_ino, hashlib.sha256(data).hexdigest()


class ReadCache:
    """Values read from files, each handed out as a new copy; see the module docstring."""

    def __init__(self):
        self._held: dict[tuple, bytes] = {}
        self._used: set[tuple] = set()
        self.hits = self.misses = 0

    def forget_unused(self) -> None:
        """Forget every entry not read since the last call. The batch calls it after each period, so the
        run holds one period's thirteen months, not every month it has read."""
        self._held = {key: value for key, value in self._held.items() if key in self._used}
        self._used = set()

    def read(self, path: Path, kind: Hashable, compute: Callable[[], object]):
        """``compute()`` (which reads ``path``), or a copy of what it gave for the same file content before.

        A computation that raises is not remembered: the next call tries again.
        """
        try:
            key = (kind, *file_identity(path))
        except OSError:
            return compute()  # the reader says what is wrong with the file
        self._used.add(key)
        if key in self._held:
            self.hits += 1
            return pickle.loads(self._held[key])
        self.misses += 1
        value = compute()
        self._held[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return value


def read_through(cache: ReadCache | None, path: Path, kind: Hashable, compute: Callable[[], object]):
    """``cache.read(path, kind, compute)``, or ``compute()`` when there is no cache."""
    return compute() if cache is None else cache.read(path, kind, compute)
