"""Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright (sync API)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("KLAPPT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=de-DE",
]


def launch() -> tuple[Any, Any]:
    """(playwright, browser), or a pytest skip when Chromium or Playwright is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    except Exception:
        pw.stop()
        raise
    return pw, browser


def screenshot_dir() -> Path:
    """Where the browser tests save the main screens: ``KLAPPT_SCREENSHOTS`` (to refresh the
    README's pictures: ``KLAPPT_SCREENSHOTS=docs/screenshots``), else a folder in the temp dir,
    so a test run never changes the checkout."""
    import os
    import tempfile

    chosen = os.environ.get("KLAPPT_SCREENSHOTS")
    return Path(chosen).resolve() if chosen else Path(tempfile.gettempdir()) / "klappt-screenshots"
