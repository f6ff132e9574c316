"""The import summary speaks the user's language (issue 20): what `klappt import` and `klappt
convert` print about another tool's file -- the format's name, the counts, every note, what was
translated, kept verbatim or skipped -- is German by default and English with ``--lang en``.

The real CLI reads a file of each importer kind: SPSS, Stata, LimeSurvey (archive and a
structure with conditions it cannot translate), REDCap (dictionary with its records), an ODK
export of the Briefcase dialect and a KoboToolbox export, and a CSV as German Excel writes it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_odk_dialects import BRIEFCASE
from test_odk_dialects import _data as briefcase_data
from test_odk_dialects import _form as briefcase_form

#: words of the summary in English, and in German: none may show in the other language's run
ENGLISH = re.compile(
    r"\b(Detected|note|notes|returns?|questions?|read as|validation|translated|skipped|"
    r"kept verbatim|renamed|problems?|languages|columns?|imported|without|shown only if|"
    r"refers to|participants?|values? set to missing|dates in|export dialect|not checked|"
    r"single choices?|whole numbers?|decimal numbers?|texts?)\b"
)
GERMAN = re.compile(
    r"(Erkannt|Hinweise?|Rückläufe|Rücklauf|\bFragen?\b|gelesen als|Prüfung|übersetzt|"
    r"ausgelassen|wörtlich|umbenannt|Probleme?\b|Sprachen|Spalten?\b|importiert|\bohne\b|"
    r"gezeigt, wenn|verweist|Teilnehmende|fehlend|Datumsangaben|Dialekt|nicht geprüft|"
    r"Einfachauswahl|Ganzzahl|Dezimalzahl|Texte\b)"
)


def _klappt(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "KLAPPT_LANG"}
    env["COLUMNS"] = "400"  # one summary line per line: rich wraps at the terminal's width
    done = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def _summary(text: str, *own: str) -> str:
    """The printed summary without the file's own words: paths, and the user data ``own``
    (question names and conditions of the file itself)."""
    lines = [ln for ln in text.splitlines() if not ln.startswith(("/", "✓"))]
    shown = "\n".join(lines)
    for word in own:
        shown = shown.replace(word, "")
    return shown


def _stata(tmp_path: Path, corpora: Path) -> Path:
    """A Stata file of the corpus's SPSS sample (the corpus holds no .dta): integers stored as
    Stata integers, so that the summary has its Stata note."""
    pyreadstat = pytest.importorskip("pyreadstat")
    df, meta = pyreadstat.read_sav(
        str(corpora / "data" / "spss" / "pyreadstat" / "basic__sample.sav")
    )
    target = tmp_path / "sample.dta"
    pyreadstat.write_dta(df, str(target), column_labels=meta.column_labels)
    return target


def _kobo(tmp_path: Path) -> Path:
    target = tmp_path / "kobo.csv"
    target.write_text(
        "your_name,your_age,_uuid,_submission_time\n"
        "Ada,36,u1,2024-05-01T10:00:00\nBob,n/a,u2,2024-05-02T11:00:00\n",
        encoding="utf-8",
    )
    return target


def _excel_csv(tmp_path: Path) -> Path:
    target = tmp_path / "excel.csv"
    target.write_bytes("your_name;your_age\r\nJürgen;41\r\nÄnne;7\r\n".encode("cp1252"))
    return target


#: (name, the command's arguments from the corpus and tmp_path, words of the file itself)
CASES = [
    (
        "spss",
        lambda c, t: [
            "import",
            "W1",
            str(c / "data/spss/pyreadstat/missing_data__missing_char.sav"),
        ],
        (),
    ),
    ("stata", lambda c, t: ["convert", str(_stata(t, c)), str(t / "o.xlsx")], ()),
    (
        "limesurvey-archive",
        lambda c, t: ["import", "W2", str(c / "limesurvey/tests/survey_statistics_two.lsa")],
        (),
    ),
    (
        "limesurvey-conditions",
        lambda c, t: [
            "convert",
            str(c / "limesurvey/demosurveys/ls206_em_subquestion_relevance.lss"),
            str(t / "o.xlsx"),
        ],
        ("self.sq_", "_lm", "_shop"),
    ),
    (
        "redcap",
        lambda c, t: [
            "convert",
            str(c / "data/redcap/REDCapR/repeating-instruments/dictionary.csv"),
            str(t / "o.xlsx"),
            "--with",
            str(c / "data/redcap/REDCapR/repeating-instruments/data.csv"),
        ],
        (),
    ),
    (
        "odk-briefcase",
        lambda c, t: [
            "convert",
            str(briefcase_form(t)),
            str(t / "o.xlsx"),
            "--with",
            str(briefcase_data(t, BRIEFCASE)),
        ],
        ("where-loc", "loc-", "people", "pname"),
    ),
    (
        "kobo",
        lambda c, t: [
            "convert",
            str(c / "xlsform/pyxform/example_xls/text_and_integer.xlsx"),
            str(t / "o.xlsx"),
            "--with",
            str(_kobo(t)),
        ],
        (),
    ),
    (
        "excel-csv",
        lambda c, t: [
            "convert",
            str(c / "xlsform/pyxform/example_xls/text_and_integer.xlsx"),
            str(t / "o.xlsx"),
            "--with",
            str(_excel_csv(t)),
        ],
        (),
    ),
]


@pytest.mark.parametrize(("name", "args", "own"), CASES, ids=[c[0] for c in CASES])
def test_the_import_summary_speaks_one_language__ok(
    name: str, args, own: tuple[str, ...], corpora: Path, tmp_path: Path
) -> None:
    runs = {}
    for lang in ("de", "en"):
        where = tmp_path / lang
        where.mkdir()
        _klappt(where, "init", ".")
        extra = ["--lang", "en"] if lang == "en" else []
        runs[lang] = _summary(_klappt(where, *args(corpora, where), *extra), *own)
    de, en = runs["de"], runs["en"]
    # the summary is there in both runs: the same number of lines, in its own language
    assert de.startswith("Erkannt: ") and en.startswith("Detected: "), (de, en)
    assert len(de.splitlines()) == len(en.splitlines()) >= 3, (de, en)
    assert not ENGLISH.findall(de), (name, ENGLISH.findall(de), de)
    assert not GERMAN.findall(en), (name, GERMAN.findall(en), en)
    assert re.search(r"\d+ Fragen?\b", de) and re.search(r"\d+ questions?\b", en)
