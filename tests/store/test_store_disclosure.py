"""Disclosure control for a stored wave, on SQLite and PostgreSQL (see conftest.py): the register's
contact persons count as personal data in ``klappt disclosure --wave`` and ``klappt report
--wave``, and the project's ``[disclosure] min_cell`` is the report's minimum."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FORM_MD = """\
| survey   |               |            |                 |
|          | type          | name       | label           |
|          | text          | kommune    | Kommune         |
|          | select_one gt | gebietstyp | Gebietstyp      |
|          | text          | notiz      | Was hat geholfen? |
| choices  |               |            |                 |
|          | list_name     | name       | label           |
|          | gt            | stadt      | Stadt           |
|          | gt            | land       | Land            |
"""

#: the contact person is named only in the register: no title, no common first name
REGISTER = """\
site_id,name,typ,Ansprechpartnerin
K01,Kreis Eins,land,Jolanta Kowalczyk
K02,Stadt Zwei,stadt,
K03,Kreis Drei,land,
K04,Stadt Vier,stadt,
"""

DATA = """\
_uuid,kommune,gebietstyp,notiz
r1,K01,land,Absprache mit Kowalczyk; Sprachcafé
r2,K02,stadt,Absprache mit Kowalczyk; Sprachcafé
r3,K03,land,Absprache mit Kowalczyk; Sprachcafé
r4,K04,stadt,Sprachcafé
"""


def _klappt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT",)}
    env["KLAPPT_LANG"] = "de"
    env["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=300,
    )


#: the derived deck quotes no free text: a recipe asks for the mentions
RECIPE = """\
title: Bericht
slides:
  - result:
      title: Was hat geholfen?
      chart: {question: notiz, kind: cloud}
"""


def _stored(store: Any, project: Path, tmp_path: Path) -> None:
    (tmp_path / "bericht.yaml").write_text(RECIPE, encoding="utf-8")
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    store.import_register(project, register)
    form = tmp_path / "form.md"
    form.write_text(FORM_MD, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    store.import_wave(project, "2022", form, data)


def test_register_contact_is_personal_data_for_a_stored_wave__ok(
    store: Any, project: Path, tmp_path: Path
) -> None:
    _stored(store, project, tmp_path)
    listing = _klappt(project, "disclosure", "--wave", "2022", "--json", "-")
    assert listing.returncode == 1, listing.stderr
    held = [h for h in json.loads(listing.stdout)["mentions"] if h["question"] == "notiz"]
    assert held == [
        {"question": "notiz", "text": "Absprache mit [Name]", "count": 3, "reason": "personal"}
    ]
    out = tmp_path / "bericht.html"
    done = _klappt(
        project, "report", "--wave", "2022", "-r", str(tmp_path / "bericht.yaml"), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "Kowalczyk" not in page and "Sprachcafé" in page
    assert "1 Nennung mit personenbezogenen Angaben nicht ausgewiesen" in page


def test_project_minimum_is_the_reports_minimum__ok(
    store: Any, project: Path, tmp_path: Path
) -> None:
    _stored(store, project, tmp_path)
    marker = project / "klappt-project.toml"
    marker.write_text(
        marker.read_text(encoding="utf-8").replace("min_cell = 3", "min_cell = 5"),
        encoding="utf-8",
    )
    out = tmp_path / "bericht.html"
    done = _klappt(
        project, "report", "--wave", "2022", "-r", str(tmp_path / "bericht.yaml"), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "Sprachcafé" not in page  # four sites, fewer than the project's five
    # four returns in all, fewer than the project's five: the report shows no figure at all
    assert "Ergebnisse nicht ausgewiesen" in page
    assert "weniger als die Mindestfallzahl von 5" in page
    again = _klappt(
        project,
        "report",
        "--wave",
        "2022",
        "-r",
        str(tmp_path / "bericht.yaml"),
        "-o",
        str(out),
        "--min-cell",
        "4",
    )
    assert again.returncode == 0, again.stderr
    assert "Sprachcafé" in out.read_text(encoding="utf-8")
