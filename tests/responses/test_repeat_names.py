"""A valid form may use one name at the top level and inside a repeat (pyxform allows it): the
name's column in the table of returns is the main form's question, and import, tabulate and
validate read it (they stopped with a Polars duplicate column)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.responses.dataset import empty_frame, load_responses
from klappt.responses.io import read_table

REPEAT_FIRST = """
| survey |
| | type | name | label |
| | begin_repeat | people | People |
| | text | name | Name of the person |
| | integer | age | Age |
| | end_repeat | people | |
| | text | name | Name of the site |
| | integer | n | Count |
| | select_one yn | open | Open? |
| choices |
| | list_name | name | label |
| | yn | ja | ja |
| | yn | nein | nein |
"""

MAIN_FIRST = """
| survey |
| | type | name | label |
| | text | name | Name of the site |
| | integer | n | Count |
| | select_one yn | open | Open? |
| | begin_repeat | people | People |
| | text | name | Name of the person |
| | select_one yn | open | Still there? |
| | end_repeat | people | |
| choices |
| | list_name | name | label |
| | yn | ja | ja |
| | yn | nein | nein |
"""


@pytest.mark.parametrize(
    "form_text", [REPEAT_FIRST, MAIN_FIRST], ids=["repeat_first", "main_first"]
)
def test_a_name_at_the_top_and_in_a_repeat_is_the_main_forms_column__ok(
    write_form, write_data, form_text: str
) -> None:
    form = read_instrument(write_form(form_text))
    assert [q.name for q in form.questions].count("name") == 2
    main = form.question("name")
    assert main is not None and not main.in_repeat and main.label() == "Name of the site"
    data = write_data(
        """
        _id,name,n,open
        1,Alpha,3,ja
        2,Beta,4,nein
        3,Gamma,,ja
        """
    )
    rs, report = load_responses(form, read_table(data))
    assert report.ok and not report.issues
    assert rs.frame["name"].to_list() == ["Alpha", "Beta", "Gamma"]
    assert rs.frame["open"].to_list() == ["ja", "nein", "ja"]
    assert rs.frame.columns.count("name") == 1
    assert empty_frame(form, 2).columns == rs.frame.columns
    tables = {t["question"]: t for t in tabulate(rs).to_dict()["tables"]}
    assert tables["n"]["stats"]["sum"] == 7
    assert [r["count"] for r in tables["open"]["rows"]] == [2, 1]
    assert tables["name"]["base"] == 3


def _klappt(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args], cwd=cwd, capture_output=True, text=True
    )


def test_validate_tabulate_and_import_of_such_a_form__ok(
    write_form, write_data, tmp_path: Path
) -> None:
    form = write_form(MAIN_FIRST)
    data = write_data("_id,name,n,open\n1,Alpha,3,ja\n2,Beta,4,nein\n")
    checked = _klappt(tmp_path, "validate", str(form), str(data))
    assert checked.returncode == 0, checked.stderr
    counted = _klappt(tmp_path, "tabulate", str(form), str(data), "--json", "-")
    assert counted.returncode == 0, counted.stderr
    assert '"responses": 2' in counted.stdout
    assert _klappt(tmp_path, "init", "project").returncode == 0
    stored = _klappt(tmp_path / "project", "import", "2024", str(form), str(data))
    assert stored.returncode == 0, stored.stderr
    again = _klappt(tmp_path / "project", "tabulate", "--wave", "2024", "--json", "-")
    assert again.returncode == 0 and '"responses": 2' in again.stdout
