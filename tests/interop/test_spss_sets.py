"""SPSS multiple-response sets are added beside their variables, never in their place, and the
labels of string values are the user's words (issue 20). The files are written by the tests:
pyreadstat writes the data, klappt's own writer's record layout adds the sets."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pyreadstat

from klappt.analysis.tabulate import tabulate
from klappt.interop import read_any
from klappt.interop.spss.write import _dictionary_end


def _with_sets(path: Path, lines: list[str]) -> Path:
    """Add a multiple-response-set record (subtype 7) holding ``lines`` to the .sav at ``path``."""
    data = path.read_bytes()
    end, _, _, order = _dictionary_end(data)
    body = "".join(f"{line}\n" for line in lines).encode("utf-8")
    record = struct.pack(order + "iiii", 7, 7, 1, len(body)) + body
    path.write_bytes(data[:end] + record + data[end:])
    return path


def _sav(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0, 4.0],
            "rent": [450.0, 0.0, 612.5, None],
            "food": [200.0, 180.0, 0.0, 95.0],
            "bus": [1.0, 0.0, 1.0, 0.0],
            "bike": [0.0, 0.0, 1.0, 1.0],
            "mood": ["very good", "bad", "very good", "so so"],
        }
    )
    path = tmp_path / "sets.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={"rent": "Rent", "food": "Food", "bus": "Bus", "bike": "Bike"},
        variable_value_labels={
            "bus": {1.0: "yes", 0.0: "no"},
            "bike": {1.0: "yes", 0.0: "no"},
            "mood": {"very good": "Very good (top)", "bad": "Bad", "so so": "So-so"},
        },
    )
    # a category set over two amounts, a dichotomy set over two yes/no variables
    return _with_sets(path, ["$spend=C 8 Spending rent food", "$travel=D1 1 6 Travel bus bike"])


def test_set_members_stay_questions_of_their_own__ok(tmp_path: Path) -> None:
    result = read_any(_sav(tmp_path))
    form, rs = result.instrument, result.responses
    assert form.question("rent").type == "decimal"  # an amount stays a number
    assert rs.frame["rent"].to_list() == [450.0, 0.0, 612.5, None]
    assert form.question("food").type == "decimal"  # SPSS's F8.2, as pyreadstat writes it
    assert form.question("bus").type == "select_one"
    travel = form.question("travel")
    assert travel.type == "select_multiple" and travel.label() == "Travel"
    counts = {r.choice: r.count for r in tabulate(rs).table("travel").rows}
    assert counts == {"bus": 2, "bike": 2}
    assert form.question("spend").type == "select_multiple"
    assert tabulate(rs).table("rent").cell.stats["sum"] == 1062.5
    # the summary says what each variable was read as (issue 20: nothing wrong without a word)
    assert "note: read as: 3 decimal numbers, 3 single choices, 2 multiple choices" in (
        result.summary.lines("en")
    )
    assert any(
        "set travel (dichotomies) -> select_multiple travel; its variables kept" in n
        for n in result.summary.to_dict()["notes"]
    )


def test_a_set_named_like_a_variable_gives_way__ok(tmp_path: Path) -> None:
    path = _sav(tmp_path)
    _with_sets(path, ["$bus=D1 1 3 Bus bus bike"])
    form = read_any(path).instrument
    assert form.question("bus").type == "select_one"
    assert form.question("bus_set").type == "select_multiple"


def test_labelled_string_values_keep_their_labels__ok(tmp_path: Path) -> None:
    result = read_any(_sav(tmp_path))
    mood = result.instrument.question("mood")
    assert [(c.name, c.label()) for c in mood.choices] == [
        ("very_good", "Very good (top)"),
        ("bad", "Bad"),
        ("so_so", "So-so"),
    ]
    rows = tabulate(result.responses).table("mood").rows
    assert [(r.label, r.count) for r in rows] == [("Very good (top)", 2), ("Bad", 1), ("So-so", 1)]
