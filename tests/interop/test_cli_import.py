"""`klappt import` recognises other tools' files by content and stores them as a wave."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _klappt(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args], cwd=cwd, capture_output=True, text=True
    )


def test_import_limesurvey_archive_twice_changes_nothing__ok(corpora, tmp_path):
    archive = corpora / "limesurvey" / "tests" / "survey_statistics_two.lsa"
    renamed = tmp_path / "umfrage.bin"  # the content decides, not the extension
    renamed.write_bytes(archive.read_bytes())
    assert _klappt(tmp_path, "init", ".").returncode == 0
    first = _klappt(tmp_path, "import", "2023", str(renamed))
    assert first.returncode == 0, first.stderr
    assert "Erkannt: LimeSurvey-Umfragearchiv (.lsa)" in first.stderr
    assert "angelegt, 10 Rückläufe" in first.stderr
    again = _klappt(tmp_path, "import", "2023", str(renamed))
    assert "unverändert, 10 Rückläufe" in again.stderr
    tab = _klappt(tmp_path, "tabulate", "--wave", "2023", "--json", "-")
    assert '"responses": 10' in tab.stdout


def test_import_structure_without_returns__error(corpora, tmp_path):
    lss = corpora / "limesurvey" / "demosurveys" / "limesurvey2_sample_survey_english.lss"
    assert _klappt(tmp_path, "init", ".").returncode == 0
    proc = _klappt(tmp_path, "import", "2024", str(lss))
    assert proc.returncode == 2
    assert "nur den Fragebogen" in proc.stderr
    assert "Traceback" not in proc.stderr
