"""The bundled "Gemeinsam klappt's" reference pack reproduces the IAQ deck, figure by figure.

- REF-1: both forms pass pyxform (and ODK Validate) and klappt's reader.
- REF-2: the register holds 54 sites with unique ids; the forms' site lists are the register.
- REF-3: the synthetic returns validate without a single issue.
- REF-4: tabulating the returns gives every figure of ``expected_figures.yaml``.
- REF-5: exactly 14 returns carry the deck's most frequent Mehrwert mention.
- REF-6: the pack is exactly what ``tools/build_reference.py`` writes.
- REF-7: the coded "Nennungen" (code books + codings) give the deck's counts through apply_codes.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from klappt.instrument import Instrument, read_instrument
from klappt.reference import REFERENCE_WAVES, reference_path

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "tools" / "build_reference.py"
SENTENCE_14 = "Die Versorgung der Zielgruppe wäre ohne „Gemeinsam klappt’s“ nicht möglich gewesen"
TYPES = {"kreis", "kreisfreie_stadt", "kreisangehoerige_stadt"}
REGIERUNGSBEZIRKE = {"Düsseldorf", "Köln", "Münster", "Detmold", "Arnsberg"}
PACK_FILES = (
    "arbeitshilfe_2022.xlsx",
    "checkliste_2020.xlsx",
    "register.csv",
    "returns_2022.csv",
    "returns_2020.csv",
    "entwicklungsstand_2021.xlsx",
    "returns_2021.csv",
    "mapping_2020_2022.yaml",
    "mapping_2021_2022.yaml",
    "codebook_notwendigkeit_text.yaml",
    "codebook_mehrwert_nennungen.yaml",
    "codings_2022.csv",
    "expected_figures.yaml",
    "README.md",
)

FIGURES: list[dict[str, Any]] = yaml.safe_load(
    reference_path("expected_figures.yaml").read_text(encoding="utf-8")
)


def _figure_id(fig: dict[str, Any]) -> str:
    parts = [str(fig["wave"]), fig["question"] or "responses"]
    if fig["choice"]:
        parts.append(fig["choice"])
    if fig.get("mention"):
        parts.append("mention")
    return "-".join(parts)


@cache
def _form(wave: str) -> Instrument:
    return read_instrument(reference_path(REFERENCE_WAVES[wave][0]))


@cache
def _loaded(wave: str) -> tuple[Any, Any]:
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    return load_responses(_form(wave), read_table(reference_path(REFERENCE_WAVES[wave][1])))


@cache
def _tabulation(wave: str) -> dict[str, Any]:
    from klappt.analysis.tabulate import tabulate

    rs, _report = _loaded(wave)
    return tabulate(rs).to_dict()


@cache
def _coded_tabulation(wave: str, codebook: str, codings: str) -> dict[str, Any]:
    """Tabulation after applying the code book's codes: has ``<question>__codes``."""
    from klappt.analysis.tabulate import tabulate
    from klappt.coding import apply_codes, read_codebook, read_codings

    rs, _report = _loaded(wave)
    book = read_codebook(reference_path(codebook))
    coded = apply_codes(rs, book, read_codings(reference_path(codings)))
    assert coded.notes == rs.notes  # every answer is coded, none left out
    return tabulate(coded).to_dict()


def _table(wave: str, question: str, fig: dict[str, Any] | None = None) -> dict[str, Any]:
    tab = (
        _coded_tabulation(wave, fig["codebook"], fig["codings"])
        if fig and fig.get("codebook")
        else _tabulation(wave)
    )
    tables = {t["question"]: t for t in tab["tables"]}
    assert question in tables, f"no table for {question!r} in wave {wave}"
    return tables[question]


def _register() -> list[dict[str, str]]:
    with reference_path("register.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _mention_count(texts: list[str | None]) -> int:
    """Returns whose free text is the sentence, or has it as one of its lines."""
    return sum(1 for t in texts if t and SENTENCE_14 in (line.strip() for line in t.splitlines()))


# REF-1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("wave", sorted(REFERENCE_WAVES))
def test_form_reads_with_klappt__ok(wave: str) -> None:
    form = _form(wave)
    assert form.form_id == REFERENCE_WAVES[wave][0].removesuffix(".xlsx")
    assert form.default_language == "Deutsch (de)"
    assert set(form.language_codes) == {"de", "en"}
    assert form.question("kommune").type == "select_one"
    assert form.question("gebietstyp").type == "select_one"
    names = [q.name for q in form.questions]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("wave", sorted(REFERENCE_WAVES))
def test_form_passes_odk_validate__ok(wave: str) -> None:
    from pyxform.xls2xform import convert

    if shutil.which("java") is None:
        pytest.skip("ODK Validate needs Java, which is not installed")
    warnings: list[str] = []
    result = convert(
        xlsform=str(reference_path(REFERENCE_WAVES[wave][0])), validate=True, warnings=warnings
    )
    assert "<h:html" in result.xform
    assert warnings == []


def test_arbeitshilfe_2022_shape__ok() -> None:
    form = _form("2022")
    sections = [g.name for g in form.groups if len(g.path) == 1]
    assert sections == ["s1_strukturen", "s2_begleitung", "s3_besondere", "s4_bewertung"]
    assert form.question("lebenswelt").type == "select_one"
    assert form.question("abh_ueber").relevant == "${abh_fortfuehrung} = 'ja'"
    assert [q.name for q in form.questions if q.ordered] == ["bewertung", "bewertung_zg"]
    assert {q.type for q in form.questions} >= {
        "note",
        "select_one",
        "select_multiple",
        "text",
        "integer",
        "decimal",
        "date",
    }
    assert any(q.constraint and q.constraint_message("de") for q in form.questions)


# REF-2 ---------------------------------------------------------------------------------


def test_register_has_54_sites__ok() -> None:
    rows = _register()
    assert list(rows[0]) == ["site_id", "name", "typ", "regierungsbezirk"]
    ids = [r["site_id"] for r in rows]
    assert len(ids) == 54 == len(set(ids))
    assert len({r["name"] for r in rows}) == 54
    counts = {t: sum(r["typ"] == t for r in rows) for t in TYPES}
    assert counts == {"kreis": 31, "kreisfreie_stadt": 22, "kreisangehoerige_stadt": 1}
    assert {r["regierungsbezirk"] for r in rows} == REGIERUNGSBEZIRKE


@pytest.mark.parametrize("wave", sorted(REFERENCE_WAVES))
def test_form_site_lists_match_register__ok(wave: str) -> None:
    rows = _register()
    form = _form(wave)
    assert [c.name for c in form.question("kommune").choices] == [r["site_id"] for r in rows]
    assert {c.name for c in form.question("gebietstyp").choices} >= {r["typ"] for r in rows}


# REF-3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("wave", "n"), [("2022", 40), ("2020", 46), ("2021", 44)])
def test_returns_validate_without_issues__ok(wave: str, n: int) -> None:
    rs, report = _loaded(wave)
    assert not report.issues, [i.to_dict() for i in report.issues]
    assert report.ok
    assert rs.frame.height == n


@pytest.mark.parametrize("wave", sorted(REFERENCE_WAVES))
def test_returns_one_per_site_with_its_area_type__ok(wave: str) -> None:
    typ = {r["site_id"]: r["typ"] for r in _register()}
    with reference_path(REFERENCE_WAVES[wave][1]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["kommune"] for r in rows}) == len(rows)
    assert len({r["_id"] for r in rows}) == len(rows)
    assert all(typ[r["kommune"]] == r["gebietstyp"] for r in rows)
    assert all(r["_submission_time"][:4] == wave for r in rows)


# REF-4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fig", FIGURES, ids=[_figure_id(f) for f in FIGURES])
def test_tabulation_gives_deck_figure__ok(fig: dict[str, Any]) -> None:
    wave = str(fig["wave"])
    if fig["question"] is None:
        assert _tabulation(wave)["responses"] == fig["count"], fig["text"]
        return
    if fig.get("mention"):
        # a free-text mention is counted on the answers, not in a table
        rs, _report = _loaded(wave)
        assert _mention_count(rs.frame[fig["question"]].to_list()) == fig["count"], fig["text"]
        return
    table = _table(wave, fig["question"], fig)
    if fig["base"] is not None:
        assert table["base"] == fig["base"], fig["text"]
    if fig["choice"] is not None:
        row = next(r for r in table["rows"] if r["choice"] == fig["choice"])
        assert (row["count"], row["percent"]) == (fig["count"], fig["percent"]), fig["text"]
    if "top2" in fig:
        assert table["top2"] == fig["top2"], fig["text"]
    if "mean" in fig:
        # the contract fixes percents, not the rounding of means: allow for two decimals
        assert table["mean"] == pytest.approx(fig["mean"], abs=0.005), fig["text"]


def test_every_printed_number_has_an_entry__ok() -> None:
    # the coded "Nennungen" repeat printed numbers from the coded free text (REF-7)
    printed = [f for f in FIGURES if f["printed"] and not f.get("codebook")]
    counts = sorted(f["count"] for f in printed if f["count"] is not None and f["wave"] == 2022)
    # the 40 returns and the deck's n= figures of the 2022 wave, slide by slide
    deck = [40, 3, 6, 12, 10, 19, 24, 14, 17, 34, 21, 25, 23, 33, 30, 21, 33, 18, 11]
    deck += [33, 32, 4, 36, 18, 12, 7, 6, 14]
    assert counts == sorted(deck)
    assert any(f["wave"] == 2020 and f["count"] == 18 and f["percent"] == 39.1 for f in printed)


# REF-5 ---------------------------------------------------------------------------------


def test_mehrwert_sentence_in_exactly_14_returns__ok() -> None:
    from klappt.responses.io import read_table

    raw = read_table(reference_path("returns_2022.csv"))
    texts = raw.frame["mehrwert_text"].to_list()
    assert _mention_count(texts) == 14
    assert sum(1 for t in texts if t and "nicht möglich gewesen" in t) == 14


# REF-6 ---------------------------------------------------------------------------------


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def test_pack_equals_generator_output__ok(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(BUILDER), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PACK_FILES)
    for name in PACK_FILES:
        bundled, built = reference_path(name), tmp_path / name
        if name.endswith(".xlsx"):
            assert _cells(bundled) == _cells(built), name
        else:
            assert bundled.read_text(encoding="utf-8") == built.read_text(encoding="utf-8"), name


# REF-7 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_q", "multi_q", "base", "counts"),
    [
        (
            "notwendigkeit_text",
            "notwendigkeit_bereiche",
            31,
            {"beratung": 18, "angebote": 12, "zugaenge": 9, "kooperation": 7, "flankierend": 6},
        ),
        (
            "mehrwert_nennungen",
            "mehrwert",
            40,
            {
                "struktur": 24,
                "zugang": 21,
                "kooperation": 19,
                "fokus": 13,
                "finanzierung": 9,
                "sprachkurse": 5,
            },
        ),
    ],
)
def test_coded_nennungen_give_the_deck_counts__ok(
    text_q: str, multi_q: str, base: int, counts: dict[str, int]
) -> None:
    from klappt.coding import read_codebook

    book = read_codebook(reference_path(f"codebook_{text_q}.yaml"))
    assert book.question == text_q and book.wave == "2022"
    assert list(book.names) == list(counts)
    labels = {c.name: c.label("de") for c in _form("2022").question(multi_q).choices}
    assert {c.code: c.label("de") for c in book.codes} == labels
    assert all(c.description and c.examples for c in book.codes)

    coded = _table(
        "2022",
        f"{text_q}__codes",
        {"codebook": f"codebook_{text_q}.yaml", "codings": "codings_2022.csv"},
    )
    assert coded["base"] == base
    assert {r["choice"]: r["count"] for r in coded["rows"]} == counts
    # the coded free text and the select_multiple of the same returns agree
    plain = _table("2022", multi_q)
    assert [(r["choice"], r["count"]) for r in coded["rows"]] == [
        (r["choice"], r["count"]) for r in plain["rows"]
    ]
    entries = [f for f in FIGURES if f["question"] == f"{text_q}__codes"]
    assert {f["choice"]: f["count"] for f in entries} == counts


def test_codings_are_one_final_coder__ok() -> None:
    from klappt.coding import read_codings

    cs = read_codings(reference_path("codings_2022.csv"))
    assert {c.coder for c in cs.codings} == {"iaq"}
    assert all(c.final and c.code and c.segment >= 1 and c.text for c in cs.codings)
    assert {c.question for c in cs.codings} == {"notwendigkeit_text", "mehrwert_nennungen"}
