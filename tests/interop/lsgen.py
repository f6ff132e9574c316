"""Make LimeSurvey-style response exports from a structure file, for tests and the benchmark.

The rows are random but seeded. Headings are LimeSurvey's "question code" headings
(``Q1``, ``Q1[SQ001]``, ``Q1[SQ001][1]``) or SGQA names; cells hold answer codes (``A1``,
``Y`` for a ticked box) or, with ``full_text=True``, the answer texts of the base language.
"""

from __future__ import annotations

import csv
import io
import random

from klappt.interop.limesurvey.form import LsForm

META = ["id", "submitdate", "lastpage", "startlanguage", "seed"]


def _value(
    rng: random.Random,
    f,
    full_text: bool,
    labels_by_code: dict[str, str],
    required: set[str],
    first_choice: dict[str, str],
) -> str:
    if f.target not in required and rng.random() < 0.1:
        return ""
    if f.role == "flag":
        # a mandatory multiple choice has at least one ticked box (LimeSurvey enforces it)
        if rng.random() < 0.4 or (f.target in required and f.choice == first_choice.get(f.target)):
            return "Yes" if full_text else "Y"
        return ""
    if f.role == "flag_text":
        return "something else" if rng.random() < 0.2 else ""
    if f.kind == "select_one":
        code = rng.choice(list(f.codes)) if f.codes else ""
        return labels_by_code.get(code, code) if full_text else code
    if f.kind == "number":
        return f"{rng.randint(0, 99)}.0000000000"
    if f.kind == "date":
        return f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 00:00:00"
    return rng.choice(["ja", "nein", "=SUM(A1)", "Text mit, Komma", "zwei\nZeilen", "-5"])


def response_rows(
    form: LsForm, n: int, seed: int = 7, headings: str = "code", full_text: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of ``n`` random returns for ``form``."""
    rng = random.Random(seed)
    fields = []
    seen = set()
    for f in form.fields:
        if f.role == "skip":
            continue
        key = {"sgqa": f.sgqa, "expression": f.em, "text": f.heading}.get(headings, f.code)
        if not key:
            continue  # no full-text heading for this field
        if key in seen:
            continue
        seen.add(key)
        fields.append((key, f))
    labels: dict[int, dict[str, str]] = {}
    for _, f in fields:
        if f.kind == "select_one":
            # full text: the base-language label of each code, as LimeSurvey writes it
            inverse = {name: text for text, name in f.labels.items()}
            labels[id(f)] = {code: inverse.get(name, code) for code, name in f.codes.items()}
    header = META + [key for key, _ in fields]
    required = {r["name"] for r in form.spec.survey if r.get("required") == "yes"}
    first: dict[str, str] = {}
    for _, f in fields:
        if f.role == "flag":
            first.setdefault(f.target, f.choice)
    rows = []
    for i in range(n):
        row = [
            str(i + 1),
            "2024-05-01 10:00:00",
            "3",
            form.survey.base_language,
            str(rng.randint(1, 10**9)),
        ]
        row += [
            _value(rng, f, full_text, labels.get(id(f), {}), required, first) for _, f in fields
        ]
        rows.append(row)
    return header, rows


def response_csv(
    form: LsForm, n: int, seed: int = 7, headings: str = "code", full_text: bool = False
) -> bytes:
    """A LimeSurvey CSV export (UTF-8 with BOM, comma, every cell quoted) of ``n`` random returns."""
    header, rows = response_rows(form, n, seed, headings, full_text)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
