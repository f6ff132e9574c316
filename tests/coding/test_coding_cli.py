"""The ``klappt code`` commands: wiring only (the logic is tested in the core tests)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from klappt.cli import app
from klappt.coding import codebook_to_yaml, read_codings
from klappt.errors import ErrorCode, KlapptError

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_agreement_json__ok(tmp_path: Path) -> None:
    p = tmp_path / "codings.csv"
    p.write_text(
        "answer,coder,code\n"
        "a1,anna,sport\na1,ben,sport\n"
        "a2,anna,sport\na2,anna,kultur\na2,ben,kultur\n"
        "a3,anna,\na3,ben,\n"
        "a4,anna,kultur\na4,ben,sport\n",
        encoding="utf-8",
    )
    result = _run("code", "agreement", p, "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["code"] for c in data["codes"]] == ["kultur", "sport"]
    sport = data["codes"][1]
    assert set(sport) >= {"code", "n", "kappa", "alpha"}
    assert sport["n"] == 4
    # sport presence: anna 1 1 0 0, ben 1 0 0 1 -> p_o 0.5, p_e 0.5, kappa 0
    assert sport["kappa"] == 0.0
    # pooled (answer, code) units: kultur 00 11 00 10, sport 11 10 00 01 -> 16 values, 7 ones;
    # 3 units disagree, each 2/(2-1) = 2 -> D = 6; alpha = 1 - 15 * 6 / (16² - 9² - 7²) = 1 - 90/126
    assert data["alpha"] == 0.2857
    assert [d["answer"] for d in data["disagreements"]] == ["a2", "a4"]


def test_agreement_three_coders_kappa_null__ok(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(
        "answer,coder,code\na1,x,k\na1,y,k\na1,z,\na2,x,k\na2,y,\na2,z,\n", encoding="utf-8"
    )
    data = json.loads(_run("code", "agreement", p, "--json", "-").stdout)
    # units 110 and 100: 6 values, 3 ones; D = 2 + 2; alpha = 1 - 5 * 4 / (36 - 9 - 9) = -0.1111
    assert data["codes"] == [
        {"code": "k", "n": 2, "kappa": None, "alpha": -0.1111, "agreement": 0.3333}
    ]


def test_export_import_round_trip__ok(tmp_path: Path, form_path, data_path, codebook) -> None:
    cb = tmp_path / "cb.yaml"
    cb.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    xlsx = tmp_path / "coding.xlsx"
    result = _run(
        "code", "export", form_path, data_path, "angebote", "--out", xlsx, "--codebook", cb
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Codierung"]
    ws["H2"] = "sport"
    ws["H3"] = "sprache"
    wb.save(xlsx)
    out = tmp_path / "codings.csv"
    result = _run("code", "import", xlsx, "--coder", "anna", "--out", out)
    assert result.exit_code == 0, result.output
    assert [(c.answer, c.coder, c.code) for c in read_codings(out)] == [
        ("R01#1", "anna", "sport"),
        ("R01#2", "anna", "sprache"),
    ]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it with umlauts intact


def test_import_unknown_code__error(tmp_path: Path, form_path, data_path, codebook) -> None:
    cb = tmp_path / "cb.yaml"
    cb.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    xlsx = tmp_path / "coding.xlsx"
    _run("code", "export", form_path, data_path, "angebote", "--out", xlsx, "--codebook", cb)
    wb = openpyxl.load_workbook(xlsx)
    wb["Codierung"]["H4"] = "tanzen"
    wb.save(xlsx)
    result = _run("code", "import", xlsx, "--coder", "anna", "--out", tmp_path / "c.csv")
    assert isinstance(result.exception, KlapptError)
    assert result.exception.code is ErrorCode.CODING_006
    assert result.exception.params["row"] == 4
    assert not (tmp_path / "c.csv").exists()  # nothing written


def test_codebook_convert__ok(tmp_path: Path, codebook) -> None:
    cb = tmp_path / "cb.yaml"
    cb.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    result = _run("code", "codebook", cb, "--out", tmp_path / "cb.xlsx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cb.xlsx").exists()


def test_privacy_exit_code__ok(form_path, data_path) -> None:
    result = _run("code", "privacy", form_path, data_path, "--json", "-")
    assert result.exit_code == 1
    assert [f["kind"] for f in json.loads(result.stdout)] == ["name", "email", "phone"]


def test_mentions_and_suggest__ok(
    tmp_path: Path, form_path, data_path, codebook, codings_path
) -> None:
    result = _run("code", "mentions", form_path, data_path, "angebote", "--top", "3", "--json", "-")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 3
    cb = tmp_path / "cb.yaml"
    cb.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    result = _run(
        "code",
        "suggest",
        form_path,
        data_path,
        "--codebook",
        cb,
        "--codings",
        codings_path,
        "--json",
        "-",
    )
    assert result.exit_code == 0, result.output
    assert [s["answer"] for s in json.loads(result.stdout)] == ["R08#2", "R10#2"]


def test_tabulate_with_codes_shows_coded_categories__ok(
    tmp_path: Path, form_path, data_path, codebook, codings_path
) -> None:
    import json

    from klappt.coding import codebook_to_yaml

    cb = tmp_path / "codebuch.yaml"
    cb.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "tabulate",
            str(form_path),
            str(data_path),
            "--codebook",
            str(cb),
            "--codes",
            str(codings_path),
            "--by",
            "gebietstyp",
            "--json",
            "-",
        ],
    )
    assert result.exit_code == 0, result.output
    tables = {t["question"]: t for t in json.loads(result.stdout)["tables"]}
    coded = tables["angebote__codes"]
    assert (coded["type"], coded["base"], coded["mentions"]) == ("select_multiple", 9, 17)
    assert sum(g["base"] for g in coded["by"]["groups"]) == 9
