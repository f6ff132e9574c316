"""Property-based checks of the readers (hypothesis, fixed seed): whatever the bytes, a table
or a clear error; whatever the number text, a number or a problem of that row."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from klappt.errors import KlapptError
from klappt.instrument import read_instrument
from klappt.reference import reference_path
from klappt.responses.dataset import read_responses
from klappt.responses.io import read_table

FORM = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
ROWS = list(csv.reader(io.StringIO(reference_path("returns_2022.csv").read_text(encoding="utf-8"))))
COLUMN = ROWS[0].index("thm_anzahl")
SEPARATORS = b',;\t|"\r\n'

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["NaN", "-inf", "Infinity", "1e309", "-0", "1,5e+40", "0x10", "1_000", "٣"]),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.binary(max_size=400)
    | st.lists(st.sampled_from([*list(SEPARATORS), 65, 195, 0]), max_size=200).map(bytes)
)
def test_any_bytes_as_csv_give_a_table_or_a_clear_error__ok(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "returns.csv"
        path.write_bytes(data)
        try:
            table = read_table(path)
        except KlapptError:
            return
        assert table.height >= 1


@settings(max_examples=20, deadline=None, derandomize=True)
@given(numbers)
def test_any_number_text_is_a_number_or_a_problem_of_its_row__ok(text):
    rows = [list(r) for r in ROWS]
    rows[1][COLUMN] = text
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "returns.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        responses, report = read_responses(FORM, path)
    value = responses.frame["thm_anzahl"][0]
    codes = {p.code for p in report.problems if p.column == "thm_anzahl" and p.row == 2}
    if value is None and text.strip() not in ("", "\u00a0"):
        # no number, or one its constraint refuses: either way the row's problem says so
        assert codes & {"not_a_number", "not_an_integer", "constraint"}, (text, codes)
    else:
        assert not codes & {"not_a_number"}, (text, value, codes)
