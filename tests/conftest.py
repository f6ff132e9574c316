"""Shared fixtures: forms written inline as markdown tables, data as real files in tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write_form(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write an XLSForm given as a markdown table (pyxform reads ``.md``) and return its path."""

    def write(md: str, name: str = "form.md") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(md).strip() + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_data(tmp_path: Path) -> Callable[..., Path]:
    """Write a data file from text with a chosen encoding and line ending."""

    def write(
        text: str, name: str = "data.csv", encoding: str = "utf-8", newline: str = "\n"
    ) -> Path:
        path = tmp_path / name
        body = textwrap.dedent(text).strip("\n") + "\n"
        path.write_bytes(body.replace("\n", newline).encode(encoding))
        return path

    return write


def pytest_configure(config: pytest.Config) -> None:
    """Keep the form cache of the tests away from the user's own (~/.cache/klappt)."""
    import os
    import tempfile

    os.environ.setdefault("KLAPPT_CACHE_DIR", tempfile.mkdtemp(prefix="klappt-test-cache-"))
