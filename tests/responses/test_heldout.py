"""The held-out case: a second Arbeitshilfe whose tables were counted by hand.

``tests/data/heldout`` holds an XLSForm ("Arbeitshilfe Jugendberufshilfe 2023") and the same
25 returns in five file shapes (plain CSV, German Excel CSV in Windows-1252 and in UTF-8 with
BOM, a KoboToolbox XLSX export, an ODK Central CSV with TRUE/FALSE split columns). Every shape
must give exactly the tables in ``expected.json`` (and ``expected_by_gebietstyp.json`` with
``--by gebietstyp``), which were counted by hand, not by code. ``returns_problems.csv`` has one
deliberate mistake per return; the validation report must name exactly those.

Regenerate the data with ``python tests/data/heldout/make_heldout.py``.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"
FORM = HELDOUT / "form.xlsx"
SHAPES = [
    "returns_plain.csv",
    "returns_excel_cp1252.csv",
    "returns_excel_bom.csv",
    "returns_kobo.xlsx",
    "returns_split_truefalse.csv",
]
PROBLEMS_FILE = HELDOUT / "returns_problems.csv"

#: stats.mean / scale mean may be reported exactly or rounded to 2 decimals
MEAN_TOL = 0.005 + 1e-9
#: percentages are one decimal, computed from exact counts: they must be equal
PCT_TOL = 1e-9

TABULATED = [
    "gebietstyp",
    "traeger",
    "angebot",
    "zielgruppen",
    "zielgruppen_other",
    "plaetze",
    "fachkraefte",
    "zufriedenheit",
    "wartezeit",
    "wartezeit_massnahmen",
    "planung",
    "anmerkungen",
]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _load_json(name: str) -> dict[str, Any]:
    return json.loads((HELDOUT / name).read_text(encoding="utf-8"))


def _strip_comments(obj: Any) -> Any:
    """Drop the ``_comment``/``_note`` keys of the expected files."""
    if isinstance(obj, dict):
        return {k: _strip_comments(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_strip_comments(v) for v in obj]
    return obj


EXPECTED = _strip_comments(_load_json("expected.json"))
EXPECTED_BY = _strip_comments(_load_json("expected_by_gebietstyp.json"))
EXPECTED_PROBLEMS = _strip_comments(_load_json("expected_problems.json"))["problems"]


@pytest.fixture(scope="module")
def form():
    return read_instrument(FORM)


def _load(form, name: str):
    raw = read_table(HELDOUT / name)
    return load_responses(form, raw)


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _num_eq(exp: Any, act: Any, tol: float) -> bool:
    if exp is None:
        return act is None
    return _is_num(act) and math.isclose(float(exp), float(act), rel_tol=0.0, abs_tol=tol)


def _compare_stats(exp: dict, act: Any, where: str, diffs: list[str]) -> None:
    if not isinstance(act, dict):
        diffs.append(f"{where}: stats missing (got {act!r}), expected {exp}")
        return
    for key, value in exp.items():
        got = act.get(key, "<missing>")
        if key == "n":
            ok = got == value and not isinstance(got, bool)
        elif key in ("mean", "median"):
            ok = _num_eq(value, got, MEAN_TOL)
        else:  # min, max, sum: exact values (decimals within float noise)
            ok = _num_eq(value, got, 1e-6)
        if not ok:
            diffs.append(f"{where}: stats.{key} = {got!r}, expected {value!r}")


def _compare_rows(exp_rows: list[dict], act_rows: Any, where: str, diffs: list[str]) -> None:
    if not isinstance(act_rows, list):
        diffs.append(f"{where}: rows is {act_rows!r}, expected a list of {len(exp_rows)}")
        return
    exp_choices = [r["choice"] for r in exp_rows]
    act_choices = [r.get("choice") for r in act_rows]
    if exp_choices != act_choices:
        diffs.append(f"{where}: choices {act_choices}, expected (form order) {exp_choices}")
        act_by_choice = {r.get("choice"): r for r in act_rows}
    else:
        act_by_choice = dict(zip(act_choices, act_rows, strict=True))
    for er in exp_rows:
        ar = act_by_choice.get(er["choice"])
        rw = f"{where} row {er['choice']!r}"
        if ar is None:
            diffs.append(f"{rw}: missing")
            continue
        if ar.get("label") != er["label"]:
            diffs.append(f"{rw}: label {ar.get('label')!r}, expected {er['label']!r}")
        if ar.get("count") != er["count"]:
            diffs.append(f"{rw}: count {ar.get('count')!r}, expected {er['count']}")
        if not _num_eq(er["percent"], ar.get("percent"), PCT_TOL):
            diffs.append(f"{rw}: percent {ar.get('percent')!r}, expected {er['percent']}")
        if "percent_of_mentions" in er and not _num_eq(
            er["percent_of_mentions"], ar.get("percent_of_mentions"), PCT_TOL
        ):
            diffs.append(
                f"{rw}: percent_of_mentions {ar.get('percent_of_mentions')!r}, expected {er['percent_of_mentions']}"
            )


def _compare_cell(
    exp: dict, act: dict, where: str, diffs: list[str], *, optional_extras: bool = False
) -> None:
    """base/rows/mentions/mean/top2/stats of a table or of a by-group.

    With ``optional_extras`` (by-groups, where the contract names only choice/label/base/rows),
    mentions/mean/top2/stats are checked only when the implementation reports them.
    """
    if act.get("base") != exp["base"]:
        diffs.append(f"{where}: base {act.get('base')!r}, expected {exp['base']}")
    _compare_rows(exp["rows"], act.get("rows"), where, diffs)
    check = {
        key: key in exp and (not optional_extras or act.get(key) is not None)
        for key in ("mentions", "mean", "top2", "stats")
    }
    if check["mentions"] and act.get("mentions") != exp["mentions"]:
        diffs.append(f"{where}: mentions {act.get('mentions')!r}, expected {exp['mentions']}")
    if check["mean"] and not _num_eq(exp["mean"], act.get("mean"), MEAN_TOL):
        diffs.append(f"{where}: mean {act.get('mean')!r}, expected {exp['mean']} (+-0.005)")
    if check["top2"] and not _num_eq(exp["top2"], act.get("top2"), PCT_TOL):
        diffs.append(f"{where}: top2 {act.get('top2')!r}, expected {exp['top2']}")
    if check["stats"]:
        _compare_stats(exp["stats"], act.get("stats"), where, diffs)


def table_diffs(expected: dict, actual: dict, label: str) -> list[str]:
    """Every difference between an expected and an actual ``tabulate().to_dict()``."""
    diffs: list[str] = []
    if actual.get("responses") != expected["responses"]:
        diffs.append(
            f"[{label}] responses {actual.get('responses')!r}, expected {expected['responses']}"
        )
    act_tables = actual.get("tables") or []
    act_names = [t.get("question") for t in act_tables]
    exp_names = [t["question"] for t in expected["tables"]]
    if act_names != exp_names:
        diffs.append(f"[{label}] tables {act_names}, expected {exp_names}")
    by_name = {t.get("question"): t for t in act_tables}
    for et in expected["tables"]:
        where = f"[{label}] {et['question']}"
        at = by_name.get(et["question"])
        if at is None:
            diffs.append(f"{where}: table missing")
            continue
        for key in ("type", "label"):
            if at.get(key) != et[key]:
                diffs.append(f"{where}: {key} {at.get(key)!r}, expected {et[key]!r}")
        if et.get("scale"):
            if at.get("scale") is not True:
                diffs.append(f"{where}: scale {at.get('scale')!r}, expected true")
        elif at.get("scale"):
            diffs.append(f"{where}: scale {at.get('scale')!r}, expected no scale")
        _compare_cell(et, at, where, diffs)
    return diffs


def by_diffs(expected_by: dict, actual: dict, label: str) -> list[str]:
    """Differences in the ``by`` part of every table."""
    diffs: list[str] = []
    by_name = {t.get("question"): t for t in actual.get("tables") or []}
    for et in expected_by["tables"]:
        where = f"[{label} by {expected_by['by_question']}] {et['question']}"
        at = by_name.get(et["question"])
        if at is None:
            diffs.append(f"{where}: table missing")
            continue
        by = at.get("by")
        if not isinstance(by, dict):
            diffs.append(f"{where}: no 'by' block (got {by!r})")
            continue
        if by.get("question") != expected_by["by_question"]:
            diffs.append(f"{where}: by.question {by.get('question')!r}")
        groups = by.get("groups") or []
        exp_keys = [g["choice"] for g in et["groups"]]
        act_keys = [g.get("choice") for g in groups]
        if act_keys != exp_keys:
            diffs.append(f"{where}: groups {act_keys}, expected {exp_keys}")
        act_groups = {g.get("choice"): g for g in groups}
        for eg in et["groups"]:
            gw = f"{where} / {eg['choice']}"
            ag = act_groups.get(eg["choice"])
            if ag is None:
                diffs.append(f"{gw}: group missing")
                continue
            if ag.get("label") != eg["label"]:
                diffs.append(f"{gw}: label {ag.get('label')!r}, expected {eg['label']!r}")
            _compare_cell(eg, ag, gw, diffs, optional_extras=True)
    return diffs


def _fail(diffs: list[str]) -> None:
    if diffs:
        pytest.fail(f"{len(diffs)} difference(s):\n  " + "\n  ".join(diffs), pytrace=False)


def _issue_str(i: Any) -> str:
    return f"row={i.row} column={i.column!r} value={i.value!r} code={i.code}"


def _problems(report: Any) -> list[Any]:
    """The problems of a report (notes about the form itself, if the report has any, left out)."""
    return list(getattr(report, "problems", report.issues))


# --------------------------------------------------------------------------------------------
# the form
# --------------------------------------------------------------------------------------------
def test_form_reads_as_designed(form):
    assert form.title == "Arbeitshilfe Jugendberufshilfe 2023"
    assert form.default_language == "Deutsch (de)"
    assert [q.name for q in form.tabulated] == TABULATED
    zg = form.question("zielgruppen")
    assert zg.type == "select_multiple" and len(zg.choices) == 6 and zg.or_other
    assert form.question("zufriedenheit").ordered
    assert form.question("standort_name").in_repeat
    assert {q.type for q in form.questions} >= {"note", "calculate", "integer", "decimal", "text"}
    assert form.question("plaetze").constraint
    assert form.question("angebot").is_required_always


def test_expected_files_are_consistent():
    """Guards against typos in the hand-written expectations (bases/sums, not the counting itself)."""
    for t in EXPECTED["tables"]:
        if t["type"] == "select_one":
            assert sum(r["count"] for r in t["rows"]) == t["base"], t["question"]
        if t["type"] == "select_multiple":
            assert sum(r["count"] for r in t["rows"]) == t["mentions"], t["question"]
    overall = {t["question"]: t for t in EXPECTED["tables"]}
    for t in EXPECTED_BY["tables"]:
        groups = t["groups"]
        assert sum(g["base"] for g in groups) == overall[t["question"]]["base"], t["question"]
        for i, row in enumerate(overall[t["question"]]["rows"]):
            assert sum(g["rows"][i]["count"] for g in groups) == row["count"], (
                t["question"],
                row["choice"],
            )


# --------------------------------------------------------------------------------------------
# every shape gives the hand-counted tables
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_shape_tabulates_to_expected(form, shape):
    rs, _report = _load(form, shape)
    _fail(table_diffs(EXPECTED, tabulate(rs).to_dict(), shape))


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_read_as_categories_gives_the_same_tables_and_report(form, shape):
    from klappt.responses.columns import category_headers

    raw = read_table(HELDOUT / shape, categories=lambda headers: category_headers(form, headers))
    rs, report = load_responses(form, raw)
    _fail(table_diffs(EXPECTED, tabulate(rs).to_dict(), shape))
    assert report.to_dict() == _load(form, shape)[1].to_dict()


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_is_valid(form, shape):
    _rs, report = _load(form, shape)
    problems = _problems(report)
    assert report.ok and not problems, f"{shape}: unexpected problems:\n  " + "\n  ".join(
        _issue_str(i) for i in problems
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_conditions_are_evaluated(form, shape):
    """No tabulated question's relevance or constraint may be skipped as 'not evaluable'."""
    _rs, report = _load(form, shape)
    skipped = [
        i
        for i in report.issues
        if getattr(i, "question", None) in TABULATED and i not in _problems(report)
    ]
    assert not skipped, "\n".join(_issue_str(i) for i in skipped)


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_by_gebietstyp(form, shape):
    rs, _report = _load(form, shape)
    actual = tabulate(rs, by="gebietstyp").to_dict()
    # crossing must not change the overall figures
    _fail(table_diffs(EXPECTED, actual, f"{shape} --by") + by_diffs(EXPECTED_BY, actual, shape))


def test_all_shapes_give_identical_tables(form):
    results = {}
    for shape in SHAPES:
        rs, _ = _load(form, shape)
        results[shape] = tabulate(rs, by="gebietstyp").to_dict()
    first = SHAPES[0]
    for shape in SHAPES[1:]:
        assert results[shape] == results[first], f"{shape} differs from {first}"


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_meta_and_types(form, shape):
    rs, _report = _load(form, shape)
    assert rs.frame.height == 25
    assert rs.meta.height == 25
    assert "return_id" in rs.meta.columns and "row" in rs.meta.columns
    assert rs.meta["row"].to_list() == list(range(2, 27))
    assert rs.meta["return_id"].n_unique() == 25
    # meta columns are metadata, never questions
    for col in (
        "_id",
        "_uuid",
        "_submission_time",
        "KEY",
        "SubmissionDate",
        "start",
        "end",
        "__version__",
    ):
        assert col not in rs.frame.columns, f"{shape}: meta column {col} in the answers"
    # typed answers (decimal comma, 1/0, TRUE/FALSE all arrive as the same values)
    assert rs.frame["plaetze"].sum() == 1115
    assert math.isclose(rs.frame["fachkraefte"].sum(), 79.75)
    assert rs.frame["zielgruppen/other"].sum() == 2
    assert rs.frame["zielgruppen/schulabgaenger"].sum() == 10
    texts = [t for t in rs.frame["anmerkungen"].to_list() if t]
    assert "„Jugendberufsagentur“ im Aufbau" in texts
    assert "Mehr Räume nötig; Träger überlastet" in texts
    assert "Bedarf ca. 3,5 Stellen" in texts  # a decimal comma inside text stays text
    assert "Straffällig gewordene Jugendliche" in rs.frame["zielgruppen_other"].to_list()


def test_kobo_meta_is_kept(form):
    rs, _ = _load(form, "returns_kobo.xlsx")
    for col in ("_uuid", "_submission_time"):
        assert col in rs.meta.columns, (
            f"Kobo meta column {col} not kept in rs.meta: {rs.meta.columns}"
        )


def test_odk_central_meta_is_kept(form):
    rs, _ = _load(form, "returns_split_truefalse.csv")
    assert any(c in rs.meta.columns for c in ("KEY", "meta-instanceID", "SubmissionDate")), (
        rs.meta.columns
    )


# --------------------------------------------------------------------------------------------
# the problems file
# --------------------------------------------------------------------------------------------
HEADER_LEVEL = {"unknown_column"}  # reported for the whole column: row 1 (the header) or None


def _match(expected: list[dict], issues: list[dict]) -> list[str]:
    """Compare on row, column, code (and value where the expectation has one)."""

    def norm_row(code: str, row: Any) -> Any:
        return 1 if code in HEADER_LEVEL and row is None else row

    diffs = []
    remaining = list(issues)
    for e in expected:
        hit = None
        for i in remaining:
            if (
                i["code"] == e["code"]
                and i["column"] == e["column"]
                and norm_row(i["code"], i["row"]) == e["row"]
                and (e["value"] is None or i["value"] == e["value"])
            ):
                hit = i
                break
        if hit is None:
            near = [
                i
                for i in remaining
                if i["column"] == e["column"] or norm_row(i["code"], i["row"]) == e["row"]
            ]
            diffs.append(f"missing: {e}  (reported near it: {near})")
        else:
            remaining.remove(hit)
    for i in remaining:
        diffs.append(f"unexpected: {i}")
    return diffs


@pytest.mark.parametrize("as_categories", [False, True], ids=["text", "categories"])
def test_problems_file_reports_exactly_the_planted_problems(form, as_categories):
    """Also with the choice columns read as categories (what ``klappt tabulate`` does): the
    same problems, values as written."""
    from klappt.responses.columns import category_headers

    categories = (lambda headers: category_headers(form, headers)) if as_categories else None
    raw = read_table(PROBLEMS_FILE, categories=categories)
    _rs, report = load_responses(form, raw)
    issues = [
        {"row": i.row, "column": i.column, "value": i.value, "code": i.code}
        for i in _problems(report)
    ]
    assert not report.ok
    _fail(_match(EXPECTED_PROBLEMS, issues))


def test_problem_values_are_not_counted(form):
    raw = read_table(PROBLEMS_FILE)
    rs, _report = load_responses(form, raw)
    tab = tabulate(rs).to_dict()
    tables = {t["question"]: t for t in tab["tables"]}
    assert tab["responses"] in (7, 8)  # whether the duplicate return is dropped is not fixed here
    assert "verein" not in [r["choice"] for r in tables["traeger"]["rows"]]
    assert "zzz" not in [r["choice"] for r in tables["zielgruppen"]["rows"]]
    stats = tables["plaetze"]["stats"]
    # 20, 16, 140 (+75 from the duplicate return); never "abc", 650 (constraint) or 30 (not relevant)
    assert stats["max"] == 140
    assert stats["sum"] in (176, 251)
    # one return lacks the required answer
    assert tables["angebot"]["base"] == tab["responses"] - 1


# --------------------------------------------------------------------------------------------
# the CLI: klappt tabulate / klappt validate
# --------------------------------------------------------------------------------------------
def klappt_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("klappt")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "klappt"]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", "KLAPPT_LANG": "de"}
    return subprocess.run(
        [*klappt_cmd(), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=180,
        check=False,
    )


def _json_out(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"stdout is not JSON (exit {proc.returncode}):\n{proc.stdout[:2000]}\nstderr:\n{proc.stderr[:2000]}",
            pytrace=False,
        )


@pytest.mark.parametrize("shape", SHAPES)
def test_cli_tabulate_json(shape):
    proc = run_cli("tabulate", FORM, HELDOUT / shape, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    _fail(table_diffs(EXPECTED, _json_out(proc), f"cli {shape}"))


@pytest.mark.parametrize("shape", ["returns_excel_cp1252.csv", "returns_kobo.xlsx"])
def test_cli_tabulate_json_by(shape):
    # every group's counts against the independent count: the analyst's view, nothing withheld
    # (what publication withholds is tested in tests/analysis/test_disclosure.py)
    proc = run_cli(
        "tabulate", FORM, HELDOUT / shape, "--by", "gebietstyp", "--json", "-", "--no-suppress"
    )
    assert proc.returncode == 0, proc.stderr
    actual = _json_out(proc)
    _fail(
        table_diffs(EXPECTED, actual, f"cli {shape} --by")
        + by_diffs(EXPECTED_BY, actual, f"cli {shape}")
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_cli_validate_clean_exits_0(shape):
    proc = run_cli("validate", FORM, HELDOUT / shape)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr


def test_cli_validate_problems_exits_1():
    proc = run_cli("validate", FORM, PROBLEMS_FILE)
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    out = proc.stdout + proc.stderr
    assert "verein" in out and "plaetze" in out  # the human report names the values and columns


def test_cli_validate_json():
    proc = run_cli("validate", FORM, PROBLEMS_FILE, "--json", "-")
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stderr}"
    data = _json_out(proc)
    listed = data.get("problems", data.get("issues"))
    assert isinstance(listed, list), f"no problems list in {list(data)}"
    issues = [{k: p.get(k) for k in ("row", "column", "value", "code")} for p in listed]
    _fail(_match(EXPECTED_PROBLEMS, issues))


def test_cli_validate_json_clean():
    proc = run_cli("validate", FORM, HELDOUT / "returns_kobo.xlsx", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    data = _json_out(proc)
    assert data.get("problems", data.get("issues")) == []


def test_cli_tabulate_json_is_utf8_with_umlauts():
    proc = run_cli("tabulate", FORM, HELDOUT / "returns_excel_cp1252.csv", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    data = _json_out(proc)
    labels = [t["label"] for t in data["tables"]]
    assert "Fachkräfte in Vollzeitäquivalenten" in labels
    assert re.search(r"Wei(ß|\\u00df) nicht", proc.stdout)
