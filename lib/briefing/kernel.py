"""One kept-alive kernel of this environment's ipykernel, started through jupyter_client's public API.

The batch (``batch``) gives each worker one ``Kernel`` and runs notebook after
notebook in it with papermill (``km=kernel.manager()``): process, kernel and
import start-up are paid once per worker, not once per document.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .paths import NOTEBOOKS_DIR

KERNEL_NAME = "python3"
# Public IPython options for every kernel: import the package as it starts (overlapping the period's
# preparation); no history database (the run's kernels would share one SQLite file); no output cache
# (``Out``) or output history (``load_ipython_extension``), which would keep every section ever shown.
KERNEL_ARGUMENTS = ["--IPKernelApp.exec_lines=import briefing.document", "--HistoryManager.hist_file=:memory:",
                    "--InteractiveShell.cache_size=0", "--IPKernelApp.extensions=briefing.kernel"]
MAX_SOCKET_PATH = 100  # bytes in a Unix socket's path (107 on Linux), less the socket's own name


def load_ipython_extension(shell) -> None:
    """In a batch kernel: forget each cell's outputs once it has run. IPython 9 records every output in
    ``history_manager.outputs`` whatever ``cache_size`` says, so a kernel kept for a year of a large
    council's documents grew by 20 MB a month holding sections long since converted."""
    shell.events.register("post_run_cell", lambda _: shell.history_manager.reset(new_session=False))


class Kernel:
    """One kernel of this environment's ipykernel, kept for document after document.

    Started through jupyter_client's ``AsyncKernelManager`` with a kernel spec
    manager that looks in no kernel folders, so ``python3`` is always the
    ipykernel installed beside the package (this Python), whatever other
    kernels the machine has. It talks over IPC sockets in a private folder
    (nothing on the network, no ports to race for), removed when it stops.
    """

    def __init__(self, cwd: Path = NOTEBOOKS_DIR, folder: Path | None = None):
        self.cwd = Path(cwd)
        self.parent = folder  # where its private folder goes (None: the system's temporary folder)
        self.km = None
        self.folder: str | None = None

    def start(self) -> None:
        """Launch the kernel process; nbclient waits for it to be ready when the first notebook runs."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.folder = tempfile.mkdtemp(prefix="kernel-", dir=self.parent)
        sockets = os.path.join(self.folder, "ipc")  # the kernel's sockets are ipc-1 to ipc-5
        ipc = len(sockets.encode()) < MAX_SOCKET_PATH  # else (a very long TMPDIR) local TCP ports
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]),
                                transport="ipc" if ipc else "tcp", ip=sockets if ipc else "127.0.0.1",
                                connection_file=os.path.join(self.folder, "kernel.json"))
        try:
            run_sync(km.start_kernel)(cwd=str(self.cwd), extra_arguments=KERNEL_ARGUMENTS)
        except BaseException:
            self.stop()
            raise
        self.km = km

    def start_early(self) -> None:
        """``start`` ahead of the first document, so that it overlaps other work. A kernel that cannot start
        is started again by the first document, which then fails and says why."""
        try:
            self.start()
        except Exception:  # noqa: BLE001 - reported by the first document
            self.stop()

    def manager(self):
        """The kernel manager, starting a kernel first if there is none."""
        if self.km is None:
            self.start()
        return self.km

    def stop(self) -> None:
        """Shut the kernel down at once: it holds nothing worth a graceful wait."""
        from jupyter_core.utils import run_sync

        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - stopping must not hide the run's own result
                pass
            self.km = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
