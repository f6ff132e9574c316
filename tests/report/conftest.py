"""Shared fixtures for report tests: a small two-wave program written next to the tests.

``form.md`` is an XLSForm as a markdown table; ``returns_2022.csv`` (10 returns) and
``returns_2020.csv`` (8 returns) are its data. The 2022 returns carry hostile free text
(``<script>``, ``=HYPERLINK(...)``, ``+49``, ``@home``) on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.report.data import ReportData, WaveData
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def form():
    return read_instrument(HERE / "form.md")


@pytest.fixture(scope="session")
def rs2022(form):
    rs, _ = load_responses(form, read_table(HERE / "returns_2022.csv"))
    return rs


@pytest.fixture(scope="session")
def rs2020(form):
    rs, _ = load_responses(form, read_table(HERE / "returns_2020.csv"))
    return rs


@pytest.fixture()
def data(form, rs2022, rs2020):
    return ReportData(
        {"2020": WaveData("2020", form, rs2020), "2022": WaveData("2022", form, rs2022)}
    )


@pytest.fixture(scope="session")
def tab2022(rs2022):
    return tabulate(rs2022, lang="de").to_dict()


@pytest.fixture(scope="session")
def tab2020(rs2020):
    return tabulate(rs2020, lang="de").to_dict()


def _table_of(tab: dict, question: str) -> dict:
    return next(t for t in tab["tables"] if t["question"] == question)


@pytest.fixture(scope="session")
def table_of():
    """``table_of(tabulation_dict, question)``: one table of the JSON contract."""
    return _table_of


@pytest.fixture(scope="session")
def here() -> Path:
    return HERE
