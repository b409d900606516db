"""The kept-alive kernel: this environment's ipykernel, on private sockets, gone with its folder when stopped."""
from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
from jupyter_core.utils import run_sync

from briefing import kernel
from briefing.batch import run_jobs
from briefing.kernel import Kernel
from test_batch import RECORD, job, notebook


@pytest.fixture
def record_nb(tmp_path):
    return notebook(tmp_path / "record.ipynb", RECORD)


def test_the_kernel_is_this_python_on_ipc_sockets_in_its_own_folder_removed_when_it_stops(tmp_path):
    k = Kernel(folder=tmp_path)
    k.start()
    try:
        folder = Path(k.folder)
        assert folder.parent == tmp_path and (folder / "kernel.json").is_file()
        assert run_sync(k.km.is_alive)()
        process = psutil.Process(k.km.provisioner.pid)
        assert process.cmdline()[0] == sys.executable, "the Python the package is installed in"
        assert k.km.transport == "ipc" and k.km.ip.startswith(str(folder))
    finally:
        k.stop()
    assert not folder.exists() and k.km is None
    psutil.wait_procs([process], timeout=600)  # a bound for a hang only: the stop itself is what is tested
    assert not process.is_running()


def test_a_kernel_in_a_folder_too_deep_for_a_socket_path_uses_local_tcp(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    k = Kernel(folder=deep)
    k.start()
    try:
        assert k.km.transport == "tcp" and k.km.ip == "127.0.0.1"
    finally:
        k.stop()


def test_a_kernel_that_cannot_start_fails_each_document_with_the_reason(record_nb, tmp_path, monkeypatch):
    monkeypatch.setattr(kernel, "KERNEL_NAME", "no-such-kernel")
    out = tmp_path / "out"
    results = run_jobs([job(record_nb, out, "a"), job(record_nb, out, "b")], workers=1, progress=False)
    assert [r.ok for r in results] == [False, False]
    assert all("NoSuchKernel" in r.error for r in results), [r.error for r in results]
    assert not list(out.rglob("*.html"))


def test_a_batch_kernel_forgets_each_cells_output_once_it_has_run():
    """IPython records every output (``history_manager.outputs``); a kernel kept for a year must not."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.cache_size = 0
    plain = InteractiveShell(config=config)
    plain.run_cell("'section ' * 1000")
    assert plain.history_manager.outputs, "without the extension IPython keeps the output"
    batch_shell = InteractiveShell(config=config)
    kernel.load_ipython_extension(batch_shell)
    batch_shell.run_cell("'section ' * 1000")
    assert not batch_shell.history_manager.outputs
    assert batch_shell.run_cell("21 * 2").result == 42, "cells still run and return their result"
