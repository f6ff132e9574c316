"""The counting fast path (:mod:`klappt.analysis.counting`) against a plain Polars count.

Hypothesis draws a form (a banner, select_one with and without scale, select_multiple with up
to 14 choices — past one byte of bits and past the old 12-bit limit —, integers of a short and
of a wide range, decimals, texts, dates, follow-ups with relevance) and a wave of returns
written as a CSV: empty groups (banner choices nobody gave), all-missing columns, choices never
chosen, returns without a banner answer. The wave goes through ``read_responses`` and
``tabulate``; every base and count is compared with ``filter(...).sum()`` per group on the typed
frame, the statistics with Polars' own aggregations, and the whole output (disclosure control
applied) with the Polars plan the fast path replaced.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klappt.analysis import tabulate as tab_mod
from klappt.analysis.disclosure import protect
from klappt.instrument.model import Choice, Instrument, Question
from klappt.responses.dataset import read_responses

NUMBER_STATS = ("mean", "median", "min", "max", "sum")


@st.composite
def waves(draw: Any) -> tuple[Instrument, list[list[str]], str | None]:
    banner_k = draw(st.integers(1, 5))
    qs: list[Question] = [
        Question(
            "site",
            "select_one",
            {"default": "Site"},
            choices=tuple(Choice(f"b{i}", {"default": f"B{i}"}) for i in range(banner_k)),
            list_name="sites",
        )
    ]
    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "one",
                    "scale",
                    "multi",
                    "int",
                    "wide_int",
                    "decimal",
                    "odd_decimal",
                    "text",
                    "date",
                ]
            ),
            min_size=1,
            max_size=7,
        )
    )
    for i, kind in enumerate(kinds):
        name = f"q{i}"
        relevant = None
        ones = [q for q in qs if q.type == "select_one"]
        if draw(st.booleans()):  # a follow-up of an earlier select_one
            src = draw(st.sampled_from(ones))
            relevant = f"${{{src.name}}} = '{draw(st.sampled_from(src.choices)).name}'"
        if kind in ("one", "scale", "multi"):
            k = draw(st.integers(1, 14 if kind == "multi" else 7))
            choices = tuple(Choice(f"c{j}", {"default": f"C{j}"}) for j in range(k))
            qtype = "select_multiple" if kind == "multi" else "select_one"
            qs.append(
                Question(
                    name,
                    qtype,
                    {"default": name},
                    choices=choices,
                    list_name=f"l{i}",
                    relevant=relevant,
                    ordered=kind == "scale",
                )
            )
        else:
            qtype = {"int": "integer", "wide_int": "integer", "odd_decimal": "decimal"}.get(
                kind, kind
            )
            qs.append(Question(name, qtype, {"default": name}, relevant=relevant))
    form = Instrument("Form", "form", tuple(qs), source="form.xlsx")
    n = draw(st.integers(1, 40))
    missing = {q.name: draw(st.booleans()) and draw(st.booleans()) for q in qs}  # all missing
    rows = []
    for r in range(n):
        row = [str(r + 1)]
        for q, kind in zip(qs, ["banner", *kinds], strict=True):
            if missing[q.name] or draw(st.integers(0, 4)) == 0:
                row.append("")
                continue
            if q.type == "select_one":
                # the first choice is never given in about a third of the waves
                start = 1 if len(q.choices) > 1 and n % 3 == 0 else 0
                row.append(draw(st.sampled_from(q.choices[start:])).name)
            elif q.type == "select_multiple":
                chosen = draw(st.sets(st.sampled_from([c.name for c in q.choices]), max_size=4))
                row.append(" ".join(sorted(chosen)))
            elif kind == "int":
                row.append(str(draw(st.integers(-3, 12))))
            elif kind == "wide_int":
                row.append(str(draw(st.integers(-(10**12), 10**12))))
            elif kind == "odd_decimal":
                # three places, whole numbers, values off any decimal grid, wide ones
                row.append(
                    draw(
                        st.sampled_from(
                            ["0.125", "-2.375", "7", "1.3333333333", "1e-7", "123456.789", "0.1"]
                        )
                    )
                )
            elif q.type == "decimal":
                row.append(f"{draw(st.integers(-5000, 5000)) / 100:.2f}")
            elif q.type == "date":
                row.append(f"2026-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}")
            else:
                row.append(draw(st.sampled_from(["ja", "nein", "vielleicht", " x "])))
        rows.append(row)
    by = draw(st.sampled_from([None, "site"]))
    return form, rows, by


def _load(form: Instrument, rows: list[list[str]]) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["_id", *(q.name for q in form.questions)])
            w.writerows(rows)
        rs, _ = read_responses(form, path)
    return rs


def _plain(frame: pl.DataFrame, q: Question, mask: pl.Expr) -> dict[str, Any]:
    """One question's figures within the returns of ``mask``, counted plainly by Polars."""
    part = frame.filter(mask)
    if q.type == "select_one":
        col = pl.col(q.name).cast(pl.String)
        counts = part.select((col == c.name).sum().alias(c.name) for c in q.choices)
        return {"base": part[q.name].is_not_null().sum(), **counts.row(0, named=True)}
    if q.type == "select_multiple":
        cols = [f"{q.name}/{c.name}" for c in q.choices]
        counts = part.select(pl.col(c).fill_null(False).sum().alias(c) for c in cols)
        base = part.select(pl.any_horizontal(pl.col(c).fill_null(False) for c in cols).sum())
        return {
            "base": base.item(),
            **{c.split("/")[1]: v for c, v in counts.row(0, named=True).items()},
        }
    col = part[q.name]
    out: dict[str, Any] = {"base": col.is_not_null().sum()}
    if q.type in ("integer", "decimal"):
        out.update(
            mean=col.mean(), median=col.median(), min=col.min(), max=col.max(), sum=col.sum()
        )
    elif q.type == "date":
        out.update(min=col.min(), max=col.max())
    return out


def _check_cell(q: Question, cell: dict[str, Any], plain: dict[str, Any]) -> None:
    assert cell["base"] == plain["base"], q.name
    if q.type in ("select_one", "select_multiple"):
        assert {r["choice"]: r["count"] for r in cell["rows"]} == {
            c.name: plain[c.name] for c in q.choices
        }, q.name
    elif q.type in ("integer", "decimal"):
        for stat in NUMBER_STATS:
            got, want = cell["stats"][stat], plain[stat]
            if stat == "sum" and not plain["base"]:
                assert got is None
            elif want is None:
                assert got is None, (q.name, stat)
            else:
                assert got == pytest.approx(float(want), abs=0.0051, rel=1e-12), (q.name, stat)
    elif q.type == "date":
        for stat in ("min", "max"):
            want = plain[stat]
            assert cell["stats"][stat] == (want.isoformat() if want else None)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(waves())
def test_fast_path_equals_a_plain_polars_count(wave: Any) -> None:
    form, rows, by = wave
    rs = _load(form, rows)
    questions = list(form.tabulated)
    # the typed frame takes the fast path (else this test would compare the old path with itself)
    banner = form.question(by) if by else None
    assert tab_mod.counting.count(rs.frame, questions, banner) is not None
    tab = tab_mod.tabulate(rs, by=by).to_dict()
    frame = rs.frame
    assert tab["responses"] == frame.height
    for q, table in zip(questions, tab["tables"], strict=True):
        _check_cell(q, table, _plain(frame, q, pl.lit(True)))
        if by is None:
            continue
        site = form.question(by)
        assert site is not None
        groups = table["by"]["groups"]
        shown = [g["choice"] for g in groups]
        no_answer = frame[by].null_count() > 0
        assert shown == [c.name for c in site.choices] + ([None] if no_answer else [])
        for g in groups:
            mask = pl.col(by).is_null() if g["choice"] is None else pl.col(by) == g["choice"]
            _check_cell(q, g, _plain(frame, q, mask))


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(waves(), st.integers(1, 5))
def test_fast_path_output_equals_the_polars_plan(wave: Any, min_cell: int) -> None:
    """The whole output, withheld groups included, equals that of the plan it replaced."""
    form, rows, by = wave
    rs = _load(form, rows)
    fast = tab_mod.tabulate(rs, by=by)
    try:
        tab_mod._FAST = False
        plan = tab_mod.tabulate(rs, by=by)
    finally:
        tab_mod._FAST = True
    if by is not None:
        fast, plan = protect(fast, min_cell), protect(plan, min_cell)
    a, b = fast.to_dict(), plan.to_dict()
    # decimals' means may differ in the last bit between two summation orders; compared above
    for t in (*a["tables"], *b["tables"]):
        if t["type"] == "decimal":
            for cell in [t, *(t.get("by") or {}).get("groups", [])]:
                if cell.get("stats"):
                    cell["stats"]["mean"] = round(cell["stats"]["mean"] or 0, 1)
    assert a == b


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(waves())
def test_parts_on_threads_equal_the_parts_in_turn(wave: Any) -> None:
    """The three parts of a count (select_one, bit sets, numbers) on threads of their own give
    the very dicts they give one after the other (small waves run them in turn otherwise)."""
    form, rows, by = wave
    rs = _load(form, rows)
    banner = form.question(by) if by else None
    counting = tab_mod.counting
    saved = counting.WORKERS, counting.PARALLEL_FROM
    try:
        counting.WORKERS, counting.PARALLEL_FROM = 1, 1
        serial = counting.count(rs.frame, list(form.tabulated), banner)
        counting.WORKERS = 2
        threaded = counting.count(rs.frame, list(form.tabulated), banner)
    finally:
        counting.WORKERS, counting.PARALLEL_FROM = saved
    assert serial is not None
    assert threaded == serial
