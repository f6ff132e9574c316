"""CLI wiring: help texts, exit codes, outputs. The logic itself is tested in the core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from klappt.cli import app
from klappt.reference import reference_path

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
DATA = str(reference_path("returns_2022.csv"))
runner = CliRunner()


def _commands() -> list[str]:
    return sorted(get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _commands())
def test_every_command_explains_itself_with_an_example__ok(name):
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Beispiel" in result.output, f"klappt {name} --help has no example"


def test_top_level_help__ok():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("validate", "tabulate", "import", "waves", "init"):
        assert name in result.output


def test_tabulate_json_to_stdout__ok():
    result = runner.invoke(app, ["tabulate", FORM, DATA, "--json", "-"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["responses"] == 40
    lebenswelt = next(t for t in data["tables"] if t["question"] == "lebenswelt")
    assert lebenswelt["base"] == 40


def test_tabulate_english_labels__ok():
    result = runner.invoke(app, ["tabulate", FORM, DATA, "--json", "-", "--lang", "en"])
    data = json.loads(result.stdout)
    lebenswelt = next(t for t in data["tables"] if t["question"] == "lebenswelt")
    assert lebenswelt["rows"][0]["label"] == "yes"


def test_tabulate_xlsx_written__ok(tmp_path):
    import openpyxl

    target = tmp_path / "t.xlsx"
    result = runner.invoke(
        app, ["tabulate", FORM, DATA, "--by", "gebietstyp", "--xlsx", str(target)]
    )
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(target).active
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Basis (n)") for t in texts)
    assert any("Mehrfachnennungen" in t for t in texts)


def test_validate_exit_codes__ok(tmp_path):
    assert runner.invoke(app, ["validate", FORM, DATA]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        Path(DATA).read_text(encoding="utf-8").replace(",ja,", ",jein,", 1), encoding="utf-8"
    )
    result = runner.invoke(app, ["validate", FORM, str(bad), "--json", "-"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"] == {"unknown_choice": 1}


def test_user_mistake_is_one_message_without_traceback__error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "klappt", "tabulate", str(tmp_path / "fehlt.xlsx"), DATA],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "fehlt.xlsx" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_messages_in_english__error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "klappt",
            "validate",
            str(tmp_path / "missing.xlsx"),
            DATA,
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "File not found" in proc.stderr


def test_commands_run_with_their_module_alone_are_the_modules_own__ok():
    # `klappt tabulate …` registers only klappt.cli.tables (start-up); the map must name the
    # module that really holds each command, or the command would be missing
    import klappt.cli as cli

    owners = {c.name or c.callback.__name__: c.callback.__module__ for c in app.registered_commands}
    assert cli.ONE_MODULE, "no command takes the short way"
    for name, module in cli.ONE_MODULE.items():
        assert owners[name] == f"klappt.cli.{module}", name
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from klappt.cli import main; main(sys.argv[1:])",
            "tabulate",
            "--help",
        ],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
        timeout=120,
    )
    assert done.returncode == 0 and "--wave" in done.stdout, done.stderr
