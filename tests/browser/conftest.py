"""Headless Chromium for the browser tests: Debian's package driven by Playwright, offline.

Playwright cannot download a browser here, so it drives /usr/bin/chromium with
the flags that keep Chromium from reaching the network, and every request that
is not file: or data: is refused and recorded so a test can fail on it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from briefing.paths import PROJ_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = PROJ_ROOT / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (make test installs Debian's chromium)"
    if not AXE.exists():
        return f"{AXE} is missing (make test runs npm ci)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="session")
def browser_context():
    """One Chromium for the session, with an empty profile and the network shut out."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="briefing-chromium-")
    blocked: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                       args=FLAGS, viewport={"width": 1280, "height": 900})

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        context.blocked = blocked
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
