"""Seeds for the fuzz harness: which real files are mutated, and which commands read them.

A seed is a small file that klappt reads correctly, with the ``klappt`` command lines that read
it. ``{input}`` in a command is the mutated copy, ``{out}`` a fresh output folder and
``{project}`` a fresh copy of an initialised project. The seeds come from the reference pack,
``tests/data``, files written here the way the tests write them (XLSX, Parquet, SPSS, Stata,
LimeSurvey, REDCap, code books as workbooks) and, when present, the third-party corpus
(``KLAPPT_CORPORA`` or ``../shared/corpora``), which is never copied into the repository.

``python bench/fuzz_seeds.py FOLDER`` writes the generated seeds; the harness runs it in a
process of its own, so that the fuzzing process never starts Polars' thread pool before it forks.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "src" / "klappt" / "reference"
DATA = ROOT / "tests" / "data"
MAX_SEED_BYTES = 200_000  # larger corpus files make slow runs without finding more


@dataclass(frozen=True)
class Seed:
    path: Path
    commands: tuple[tuple[str, ...], ...]
    group: str  # which reader it feeds, for the figures
    siblings: Path | None = None  # a folder whose files sit next to the input (recipes)
    extra: dict[str, str] = field(default_factory=dict)


def corpora_path() -> Path:
    return Path(os.environ.get("KLAPPT_CORPORA") or (ROOT.parent / "shared" / "corpora")).resolve()


def _pair(form: Path, data: Path, by: str | None = None) -> list[Seed]:
    f, d = str(form), str(data)
    tab = ("tabulate", f, "{input}", "--json", "{out}/t.json")
    if by:
        tab = (*tab, "--by", by)
    return [
        Seed(
            form,
            (
                ("validate", "{input}", d),
                ("tabulate", "{input}", d, "--xlsx", "{out}/t.xlsx"),
                ("import", "w1", "{input}", d, "--project", "{project}"),
            ),
            "xlsform",
        ),
        Seed(
            data,
            (
                ("validate", f, "{input}"),
                tab,
                ("import", "w1", f, "{input}", "--project", "{project}"),
            ),
            "returns",
        ),
    ]


def _convert(path: Path, group: str, companion: Path | None = None) -> Seed:
    convert = ["convert", "{input}", "{out}/form.xlsx", "--data", "{out}/data.csv"]
    imp = ["import", "w1", "{input}"]
    if companion is not None:
        convert += ["--with", str(companion)]
        imp += [str(companion)]
    return Seed(path, (tuple(convert), (*imp, "--project", "{project}")), group)


def seeds(generated: Path, corpora: bool = True) -> list[Seed]:
    """Every seed, generated ones from ``generated`` (see :func:`write_generated`)."""
    g = generated
    out: list[Seed] = []
    out += _pair(REF / "arbeitshilfe_2022.xlsx", REF / "returns_2022.csv", by="gebietstyp")
    out += _pair(REF / "checkliste_2020.xlsx", REF / "returns_2020.csv")
    heldout = DATA / "heldout"
    out += _pair(heldout / "form.xlsx", heldout / "returns_excel_cp1252.csv")
    for name in ("returns_excel_bom.csv", "returns_kobo.xlsx", "returns_problems.csv"):
        out += _pair(heldout / "form.xlsx", heldout / name)[1:]
    out += _pair(DATA / "xls" / "mini_form.xls", DATA / "xls" / "mini_data.xls")
    out += _pair(
        ROOT / "tests" / "report" / "form.md", ROOT / "tests" / "report" / "returns_2022.csv"
    )
    for name in ("returns_2022.xlsx", "returns_2022.parquet", "returns_extremes.parquet"):
        out += _pair(REF / "arbeitshilfe_2022.xlsx", g / name)[1:]
    out.append(
        Seed(REF / "register.csv", (("register", "{input}", "--project", "{project}"),), "register")
    )
    out.append(
        Seed(g / "register.xlsx", (("register", "{input}", "--project", "{project}"),), "register")
    )
    form, data = str(REF / "arbeitshilfe_2022.xlsx"), str(REF / "returns_2022.csv")
    books = [
        str(REF / "codebook_notwendigkeit_text.yaml"),
        str(REF / "codebook_mehrwert_nennungen.yaml"),
    ]
    codings = str(REF / "codings_2022.csv")
    for book in (*books, str(g / "codebook_mehrwert.xlsx")):
        out.append(
            Seed(
                Path(book),
                (
                    (
                        "tabulate",
                        form,
                        data,
                        "--codebook",
                        "{input}",
                        "--codes",
                        codings,
                        "--json",
                        "{out}/t.json",
                    ),
                ),
                "codebook",
            )
        )
    out.append(
        Seed(
            Path(codings),
            (
                (
                    "tabulate",
                    form,
                    data,
                    "--codebook",
                    books[0],
                    "--codebook",
                    books[1],
                    "--codes",
                    "{input}",
                ),
            ),
            "codings",
        )
    )
    out.append(
        Seed(
            REF / "recipe_2022.yaml",
            (("report", "--recipe", "{input}", "--out", "{out}/deck.html"),),
            "recipe",
            siblings=REF,
        )
    )
    out.append(_convert(g / "survey.lss", "limesurvey"))
    out.append(_convert(g / "survey.lsa", "limesurvey"))
    out.append(_convert(g / "survey.sav", "spss"))
    out.append(_convert(g / "survey.dta", "stata"))
    out.append(_convert(g / "dictionary.csv", "redcap", companion=g / "records.csv"))
    out.append(_convert(g / "records.csv", "redcap", companion=g / "dictionary.csv"))
    if corpora:
        out += corpus_seeds(corpora_path())
    return [s for s in out if s.path.is_file()]


def corpus_seeds(base: Path) -> list[Seed]:
    """The third-party files that klappt imports, small ones only."""
    if not base.is_dir():
        return []
    out: list[Seed] = []
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.stat().st_size > MAX_SEED_BYTES:
            continue
        suffix = path.suffix.lower()
        rel = path.relative_to(base).as_posix()
        if suffix in (".lss", ".lsa"):
            out.append(_convert(path, "limesurvey"))
        elif suffix in (".sav", ".zsav"):
            out.append(_convert(path, "spss"))
        elif suffix in (".xls", ".xlsx", ".md") and rel.startswith("xlsform/"):
            out.append(Seed(path, (("convert", "{input}", "{out}/form.xlsx"),), "xlsform"))
        elif path.name == "dictionary.csv":
            out.append(_convert(path, "redcap", companion=path.with_name("data.csv")))
        elif path.name == "data.csv" and "redcap" in rel:
            out.append(_convert(path, "redcap", companion=path.with_name("dictionary.csv")))
        elif suffix == ".csv" and "limesurvey/responses" in rel:
            lss = sorted((base / "limesurvey").rglob("*.lss"))
            sid = path.name.split("_")[1] if path.name.count("_") > 1 else ""
            match = [p for p in lss if sid and sid in p.name]
            if match:
                out.append(_convert(path, "limesurvey", companion=match[0]))
    return out


# -- generated seeds ------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_generated(folder: Path) -> None:
    """Write the seeds that are made, not found: the same returns as XLSX and Parquet, ..."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rows = _csv_rows(REF / "returns_2022.csv")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "returns"
    for r in rows:
        ws.append(r)
    wb.save(folder / "returns_2022.xlsx")
    header, body = rows[0], rows[1:]
    columns = {h: [r[i] if i < len(r) else "" for r in body] for i, h in enumerate(header)}
    pq.write_table(pa.table(columns), folder / "returns_2022.parquet")
    # numbers as numbers: NaN, infinities and 1e30 where the form wants an integer
    typed = dict(columns)
    extremes = [float("nan"), float("inf"), 1e30, -0.0, float("-inf")]
    if "thm_anzahl" in typed:
        typed["thm_anzahl"] = [extremes[i % len(extremes)] for i in range(len(body))]
    pq.write_table(pa.table(typed), folder / "returns_extremes.parquet")

    reg = _csv_rows(REF / "register.csv")
    wb = openpyxl.Workbook()
    for r in reg:
        wb.active.append(r)
    wb.save(folder / "register.xlsx")

    from klappt.coding.codebook import codebook_to_xlsx, read_codebook

    book = read_codebook(REF / "codebook_mehrwert_nennungen.yaml")
    (folder / "codebook_mehrwert.xlsx").write_bytes(codebook_to_xlsx(book))

    sys.path.insert(0, str(ROOT / "tests" / "interop"))
    from lsbuild import make_lss

    from conftest import SURVEY  # the small municipal survey the interop tests use

    lss = make_lss(SURVEY)
    (folder / "survey.lss").write_bytes(lss)
    with zipfile.ZipFile(folder / "survey.lsa", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("survey_424242.lss", lss)

    import pyreadstat

    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with the test extras
        pd = None
    if pd is not None:
        frame = pd.DataFrame(
            {
                "q1": [1.0, 2.0, 1.0, float("nan")],
                "q2": [3.5, -0.0, 1e30, 7.0],
                "name": ["a", "b", "ä", ""],
            }
        )
        labels = {"q1": "Zufrieden?", "q2": "Anzahl", "name": "Name"}
        values = {"q1": {1.0: "ja", 2.0: "nein"}}
        pyreadstat.write_sav(
            frame, str(folder / "survey.sav"), column_labels=labels, variable_value_labels=values
        )
        pyreadstat.write_dta(
            frame, str(folder / "survey.dta"), column_labels=labels, variable_value_labels=values
        )
    (folder / "dictionary.csv").write_text(
        '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
        '"Choices, Calculations, OR Slider Labels","Field Note",'
        '"Text Validation Type OR Show Slider Number","Text Validation Min",'
        '"Text Validation Max",Identifier?,"Branching Logic (Show field only if...)",'
        '"Required Field?"\n'
        "record_id,f,,text,Record ID,,,,,,,,\n"
        'zufr,f,,radio,Zufrieden?,"1, ja | 2, nein",,,,,,,y\n'
        "angebote,f,,checkbox,Angebote,\"1, Beratung | 2, Kurse\",,,,,,[zufr] = '1',\n"
        "anzahl,f,,text,Anzahl,,,integer,0,100,,,\n",
        encoding="utf-8",
    )
    (folder / "records.csv").write_text(
        "record_id,zufr,angebote___1,angebote___2,anzahl,f_complete\n"
        "1,1,1,0,12,2\n2,2,0,0,3,2\n3,1,1,1,,2\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_generated(Path(sys.argv[1]))
