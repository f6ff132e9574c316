"""`klappt report` wiring: options to files, errors to one message and a non-zero exit."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

cli = pytest.importorskip("klappt.cli")
runner = CliRunner()


def test_report_writes_every_format_asked_for__ok(here, tmp_path):
    outs = [tmp_path / "b.pptx", tmp_path / "b.html", tmp_path / "b.xlsx"]
    args = ["report", str(here / "form.md"), str(here / "returns_2022.csv")]
    for o in outs:
        args += ["--out", str(o)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert all(o.stat().st_size > 0 for o in outs)


def test_report_with_a_recipe_and_its_waves__ok(here, tmp_path):
    result = runner.invoke(
        cli.app,
        ["report", "--recipe", str(here / "recipe.yaml"), "--out", str(tmp_path / "r.html")],
    )
    assert result.exit_code == 0, result.output
    assert "2020: 37,5\u202f% → 2022: 70,0\u202f%" in (tmp_path / "r.html").read_text(
        encoding="utf-8"
    )


def test_init_recipe_writes_the_default_storyline__ok(here, tmp_path):
    target = tmp_path / "rezept.yaml"
    result = runner.invoke(cli.app, ["report", str(here / "form.md"), "--init-recipe", str(target)])
    assert result.exit_code == 0, result.output
    from klappt.report.recipe import load_recipe

    assert len(load_recipe(target).slides) > 5


def test_unknown_format_exits_non_zero__error(here, tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(
            [
                "report",
                str(here / "form.md"),
                str(here / "returns_2022.csv"),
                "--out",
                str(tmp_path / "b.docx"),
            ]
        )
    assert info.value.code != 0
    assert not list(tmp_path.iterdir())


def test_bad_recipe_line_exits_non_zero__error(here, tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "slides:\n  - result:\n      chart: {question: lebenswelt, kind: torte}\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit) as info:
        cli.main(
            [
                "report",
                str(here / "form.md"),
                str(here / "returns_2022.csv"),
                "--recipe",
                str(recipe),
                "--out",
                str(tmp_path / "b.pptx"),
            ]
        )
    assert info.value.code != 0
    assert "Zeile 3" in capsys.readouterr().err
    assert not (tmp_path / "b.pptx").exists()
