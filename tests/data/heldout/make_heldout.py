"""Write the held-out test case: an XLSForm and the same 25 returns in five file shapes.

Run with ``python tests/data/heldout/make_heldout.py`` (from the repository root or anywhere);
it rewrites every file next to this script and is deterministic (fixed seed, fixed timestamps).

The case mimics the hidden acceptance case of the foundation issue: a fictional
"Arbeitshilfe Jugendberufshilfe 2023" with German and English labels and returns as they
come from ODK Central, KoboToolbox and from people typing them into Excel.

The expected tables (``expected.json``, ``expected_by_gebietstyp.json``) were counted BY HAND
from the table ``RETURNS`` below and written out literally; they are NOT produced here.
If you change ``RETURNS``, recount them by hand.

Files written
-------------
form.xlsx                    the XLSForm (settings: default_language "Deutsch (de)")
returns_plain.csv            UTF-8, comma, LF, plain names, select_multiple space-separated
returns_excel_cp1252.csv     Windows-1252, semicolon, CRLF, decimal comma, headers "gruppe/frage", _id column
returns_excel_bom.csv        UTF-8 with BOM, semicolon, CRLF, decimal comma, headers "gruppe-frage", _uuid/_submission_time
returns_kobo.xlsx            KoboToolbox XLSX export: "gruppe/frage", summary AND split 1/0 columns, Kobo meta
returns_split_truefalse.csv  ODK Central style ("gruppe-frage", split "gruppe-frage/choice" TRUE/FALSE only, Central meta)
returns_problems.csv         8 returns with one deliberate problem each (see expected_problems.json)
"""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
SEED = 20230815

DE = "Deutsch (de)"
EN = "English (en)"

# --------------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------------
SURVEY_HEADER = [
    "type",
    "name",
    f"label::{DE}",
    f"label::{EN}",
    f"hint::{DE}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{DE}",
    f"constraint_message::{EN}",
    "appearance",
    "calculation",
]


def _q(type_, name, de="", en="", **kw):
    row = {"type": type_, "name": name, f"label::{DE}": de, f"label::{EN}": en}
    for key, value in kw.items():
        row[
            {
                "hint_de": f"hint::{DE}",
                "hint_en": f"hint::{EN}",
                "cmsg_de": f"constraint_message::{DE}",
                "cmsg_en": f"constraint_message::{EN}",
            }.get(key, key)
        ] = value
    return row


SURVEY = [
    _q("begin_group", "allgemein", "Allgemeine Angaben", "General information"),
    _q(
        "select_one gebietstyp",
        "gebietstyp",
        "Gebietstyp Ihrer Kommune",
        "Type of municipality",
        required="yes",
    ),
    _q(
        "select_one traeger",
        "traeger",
        "Wer ist Träger der Jugendberufshilfe?",
        "Who runs youth vocational support?",
    ),
    _q(
        "note",
        "hinweis",
        "Bitte beziehen Sie alle Angaben auf das Jahr 2023.",
        "Please refer all answers to the year 2023.",
    ),
    _q("end_group", ""),
    _q(
        "begin_group",
        "angebote",
        "Angebote der Jugendberufshilfe",
        "Youth vocational support services",
    ),
    _q(
        "select_one ja_nein",
        "angebot",
        "Gibt es in Ihrer Kommune ein Angebot der Jugendberufshilfe?",
        "Is there a youth vocational support service in your municipality?",
        required="yes",
    ),
    _q(
        "select_multiple zielgruppen or_other",
        "zielgruppen",
        "Welche Zielgruppen erreicht das Angebot?",
        "Which target groups does the service reach?",
        relevant="${angebot} = 'ja'",
        hint_de="Mehrfachnennungen möglich",
        hint_en="Select all that apply",
    ),
    _q(
        "integer",
        "plaetze",
        "Wie viele Plätze stehen zur Verfügung?",
        "How many places are available?",
        relevant="${angebot} = 'ja'",
        constraint=". >= 0 and . <= 500",
        cmsg_de="Bitte eine Zahl zwischen 0 und 500 eingeben.",
        cmsg_en="Please enter a number between 0 and 500.",
    ),
    _q(
        "decimal",
        "fachkraefte",
        "Fachkräfte in Vollzeitäquivalenten",
        "Staff in full-time equivalents",
        constraint=". >= 0",
        cmsg_de="Bitte keine negative Zahl eingeben.",
        cmsg_en="Please do not enter a negative number.",
    ),
    _q(
        "select_one zufriedenheit",
        "zufriedenheit",
        "Wie zufrieden sind Sie mit der Zusammenarbeit der Akteure?",
        "How satisfied are you with the cooperation of the actors?",
        relevant="${angebot} = 'ja'",
        appearance="likert",
    ),
    _q(
        "select_one wartezeit",
        "wartezeit",
        "Wie lange warten junge Menschen auf einen Platz?",
        "How long do young people wait for a place?",
        relevant="${angebot} = 'ja'",
    ),
    _q(
        "text",
        "wartezeit_massnahmen",
        "Was unternehmen Sie gegen lange Wartezeiten?",
        "What do you do about long waiting times?",
        relevant="${wartezeit} = 'ueber_3'",
    ),
    _q("end_group", ""),
    _q("begin_group", "ausblick", "Ausblick", "Outlook"),
    _q(
        "calculate",
        "plaetze_je_fk",
        calculation="if(${fachkraefte} > 0, ${plaetze} div ${fachkraefte}, '')",
    ),
    _q("begin_repeat", "standorte", "Standorte", "Locations"),
    _q("text", "standort_name", "Name des Standorts", "Name of the location"),
    _q("end_repeat", ""),
    _q(
        "select_one ja_nein_wn",
        "planung",
        "Ist ein Ausbau des Angebots geplant?",
        "Is an expansion of the service planned?",
    ),
    _q("text", "anmerkungen", "Anmerkungen", "Comments"),
    _q("end_group", ""),
]

CHOICES_HEADER = ["list_name", "name", f"label::{DE}", f"label::{EN}"]
CHOICES = [
    ("gebietstyp", "kreis", "Landkreis", "District"),
    ("gebietstyp", "kreisfreie_stadt", "Kreisfreie Stadt", "Independent city"),
    ("traeger", "kommune", "Kommune selbst", "The municipality itself"),
    ("traeger", "freier_traeger", "Freier Träger", "Independent provider"),
    ("traeger", "jobcenter", "Jobcenter", "Job centre"),
    ("traeger", "mischform", "Mischform", "Mixed"),
    ("ja_nein", "ja", "Ja", "Yes"),
    ("ja_nein", "nein", "Nein", "No"),
    (
        "zielgruppen",
        "schulabgaenger",
        "Schulabgänger*innen ohne Abschluss",
        "School leavers without qualification",
    ),
    (
        "zielgruppen",
        "ausbildungsabbrecher",
        "Ausbildungsabbrecher*innen",
        "Apprenticeship drop-outs",
    ),
    ("zielgruppen", "gefluechtete", "Junge Geflüchtete", "Young refugees"),
    ("zielgruppen", "neet", "Junge Menschen ohne Beschäftigung", "Young people not in employment"),
    ("zielgruppen", "alleinerziehende", "Junge Alleinerziehende", "Young single parents"),
    # "other" is added by pyxform because of "or_other" -> 6 choices
    ("zufriedenheit", "sehr_zufrieden", "Sehr zufrieden", "Very satisfied"),
    ("zufriedenheit", "eher_zufrieden", "Eher zufrieden", "Rather satisfied"),
    ("zufriedenheit", "teils_teils", "Teils, teils", "Partly"),
    ("zufriedenheit", "eher_unzufrieden", "Eher unzufrieden", "Rather dissatisfied"),
    ("zufriedenheit", "sehr_unzufrieden", "Sehr unzufrieden", "Very dissatisfied"),
    ("wartezeit", "keine", "Keine Wartezeit", "No waiting time"),
    ("wartezeit", "bis_3", "Bis zu drei Monate", "Up to three months"),
    ("wartezeit", "ueber_3", "Mehr als drei Monate", "More than three months"),
    ("ja_nein_wn", "ja", "Ja", "Yes"),
    ("ja_nein_wn", "nein", "Nein", "No"),
    ("ja_nein_wn", "weiss_nicht", "Weiß nicht", "Don't know"),
]

SETTINGS = {
    "form_title": "Arbeitshilfe Jugendberufshilfe 2023",
    "form_id": "jbh_2023",
    "version": "2023-01",
    "default_language": DE,
}

ZIELGRUPPEN = [
    "schulabgaenger",
    "ausbildungsabbrecher",
    "gefluechtete",
    "neet",
    "alleinerziehende",
    "other",
]

# --------------------------------------------------------------------------------------------
# The data columns: (group, name, kind) in form order. Notes, the repeat and the calculate
# are not typed by people; the export shapes add what ODK Central / Kobo add.
# --------------------------------------------------------------------------------------------
COLUMNS = [
    ("allgemein", "gebietstyp", "one"),
    ("allgemein", "traeger", "one"),
    ("angebote", "angebot", "one"),
    ("angebote", "zielgruppen", "multi"),
    ("angebote", "zielgruppen_other", "text"),
    ("angebote", "plaetze", "int"),
    ("angebote", "fachkraefte", "dec"),
    ("angebote", "zufriedenheit", "one"),
    ("angebote", "wartezeit", "one"),
    ("angebote", "wartezeit_massnahmen", "text"),
    ("ausblick", "planung", "one"),
    ("ausblick", "anmerkungen", "text"),
]

# --------------------------------------------------------------------------------------------
# The 25 returns, written out literally (None = empty cell = not answered).
# Abbreviations for zielgruppen: sa ab gf ne ae ot (see _ZG).
# All returns are VALID: follow-ups are empty where they are not relevant.
# --------------------------------------------------------------------------------------------
K, S = "kreis", "kreisfreie_stadt"
_ZG = {
    "sa": "schulabgaenger",
    "ab": "ausbildungsabbrecher",
    "gf": "gefluechtete",
    "ne": "neet",
    "ae": "alleinerziehende",
    "ot": "other",
}
_ZU = {
    1: "sehr_zufrieden",
    2: "eher_zufrieden",
    3: "teils_teils",
    4: "eher_unzufrieden",
    5: "sehr_unzufrieden",
}

# fmt: off
#  nr geb traeger           angebot zielgruppen        zg_other                               plaetze fachkr zufr wartezeit  wz_massnahmen                                 planung        anmerkungen
_RAW = [
    (1,  K, "kommune",        "ja",   "sa ab",           None,                                  40,   2.5,   2,   "keine",   None,                                         "ja",          "Gute Zusammenarbeit mit den Schulen"),
    (2,  K, "freier_traeger", "ja",   "sa gf ne",        None,                                  25,   1.5,   1,   "bis_3",   None,                                         "ja",          None),
    (3,  S, "kommune",        "ja",   "ab gf ot",        "Straffällig gewordene Jugendliche",   120,  6.75,  3,   "ueber_3", "Wartelisten, zusätzliche Gruppen",           "ja",          "Mehr Räume nötig; Träger überlastet"),
    (4,  K, "jobcenter",      "nein", None,              None,                                  None, 0,     None, None,     None,                                         "nein",        "Kein Bedarf gemeldet"),
    (5,  K, "kommune",        "ja",   "sa",              None,                                  15,   1,     2,   "keine",   None,                                         "weiss_nicht", None),
    (6,  S, "freier_traeger", "ja",   "sa ab gf ne ae",  None,                                  200,  12.5,  4,   "ueber_3", "Kooperation mit dem Jobcenter ausgebaut",    "ja",          "„Jugendberufsagentur“ im Aufbau"),
    (7,  K, None,             "ja",   None,              None,                                  30,   2,     3,   "bis_3",   None,                                         "nein",        None),
    (8,  K, "mischform",      "ja",   "ne",              None,                                  12,   0.5,   1,   "keine",   None,                                         "ja",          None),
    (9,  S, "kommune",        "ja",   "gf ae",           None,                                  80,   4.25,  2,   "bis_3",   None,                                         "ja",          "Übergangsmanagement läuft gut"),
    (10, K, "freier_traeger", "ja",   "sa",              None,                                  18,   1.25,  None, "keine",  None,                                         None,          None),
    (11, K, "kommune",        "nein", None,              None,                                  None, None,  None, None,     None,                                         "weiss_nicht", None),
    (12, S, "jobcenter",      "ja",   "sa ab gf",        None,                                  150,  8,     5,   "ueber_3", "Größere Teams, Außensprechstunden",          "nein",        "Personal fehlt, Stellen unbesetzt"),
    (13, K, "kommune",        "ja",   None,              None,                                  22,   1.5,   2,   "keine",   None,                                         "ja",          None),
    (14, S, "freier_traeger", "ja",   "ab ne ot",        "Junge Mütter in Teilzeitausbildung",  95,   5.5,   3,   "bis_3",   None,                                         "ja",          "Bedarf ca. 3,5 Stellen"),
    (15, K, "kommune",        "ja",   "sa",              None,                                  10,   0.75,  2,   "keine",   None,                                         "weiss_nicht", None),
    (16, K, None,             "ja",   "sa gf ae",        None,                                  35,   2,     1,   None,      None,                                         "ja",          None),
    (17, S, "kommune",        "nein", None,              None,                                  None, 3,     None, None,     None,                                         "nein",        "Angebot 2022 eingestellt"),
    (18, K, "jobcenter",      "ja",   "ab gf",           None,                                  28,   2.25,  3,   "ueber_3", None,                                         "ja",          None),
    (19, S, "mischform",      "ja",   None,              None,                                  60,   3.5,   2,   "bis_3",   None,                                         "ja",          None),
    (20, K, "freier_traeger", "ja",   "sa ab ne",        None,                                  45,   3,     4,   "bis_3",   None,                                         "nein",        "Fahrtkosten für ländliche Gebiete übernehmen"),
    (21, S, "kommune",        "ja",   "gf ne ae",        None,                                  110,  7,     2,   "keine",   None,                                         "ja",          None),
    (22, K, "kommune",        "nein", None,              None,                                  None, 0,     None, None,     None,                                         "nein",        None),
    (23, S, "freier_traeger", "ja",   "sa ab gf ne ae",  None,                                  None, 9.5,   3,   "ueber_3", "Öffnungszeiten erweitert",                   "weiss_nicht", None),
    (24, K, "kommune",        "ja",   None,              None,                                  20,   None,  1,   "keine",   None,                                         "ja",          None),
    (25, S, "jobcenter",      "nein", None,              None,                                  None, 1.5,   None, None,     None,                                         "nein",        None),
]
# fmt: on


def _returns() -> list[dict]:
    out = []
    for nr, geb, tr, ang, zg, zgo, pl, fk, zu, wz, wzm, plan, anm in _RAW:
        out.append(
            {
                "nr": nr,
                "gebietstyp": geb,
                "traeger": tr,
                "angebot": ang,
                "zielgruppen": [_ZG[c] for c in zg.split()] if zg else None,
                "zielgruppen_other": zgo,
                "plaetze": pl,
                "fachkraefte": fk,
                "zufriedenheit": _ZU[zu] if zu else None,
                "wartezeit": wz,
                "wartezeit_massnahmen": wzm,
                "planung": plan,
                "anmerkungen": anm,
            }
        )
    return out


RETURNS = _returns()

# Returns 7, 13, 19, 24: zielgruppen relevant (angebot = ja) but left empty.
# In the ODK Central file these come as all-FALSE split columns (nothing ticked);
# returns with angebot = nein have the split columns empty (not relevant, not asked).
ZG_RELEVANT_BUT_EMPTY = {7, 13, 19, 24}


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------
def fmt_number(value, decimal_comma: bool) -> str:
    if value is None:
        return ""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text.replace(".", ",") if decimal_comma else text


def cell_text(ret: dict, name: str, kind: str, decimal_comma: bool) -> str:
    value = ret[name]
    if value is None:
        return ""
    if kind == "multi":
        return " ".join(value)
    if kind in ("int", "dec"):
        return fmt_number(value, decimal_comma)
    return str(value)


def calc_value(ret: dict) -> str:
    """What ODK/Kobo would store for the calculate ``plaetze_je_fk`` (not tabulated)."""
    p, f = ret["plaetze"], ret["fachkraefte"]
    if p is None or not f:
        return ""
    return fmt_number(round(p / f, 2), decimal_comma=False)


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str,
    encoding: str,
    newline: str,
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


class Meta:
    """Deterministic ids and timestamps."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        base = datetime(2023, 3, 1, 8, 0, 0)
        self.rows = []
        for i in range(len(RETURNS)):
            start = base + timedelta(days=i, minutes=self.rng.randint(0, 600))
            end = start + timedelta(
                minutes=self.rng.randint(8, 45), seconds=self.rng.randint(0, 59)
            )
            submitted = end + timedelta(minutes=self.rng.randint(1, 90))
            uid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            self.rows.append(
                {
                    "start": start.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
                    "end": end.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
                    "submission": submitted.strftime("%Y-%m-%dT%H:%M:%S"),
                    "submission_z": (submitted - timedelta(hours=1)).strftime(
                        "%Y-%m-%dT%H:%M:%S.000Z"
                    ),
                    "uuid": uid,
                    "id": 48_000_100 + i * 7,
                }
            )


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
FIXED_TIME = datetime(2023, 1, 15, 12, 0, 0)


def _fixed_workbook() -> Workbook:
    """A workbook whose document properties do not change between runs."""
    wb = Workbook()
    wb.properties.creator = "klappt make_heldout.py"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def _save(wb: Workbook, path: Path) -> None:
    """Save with fixed zip entry times, so that a rerun gives byte-identical files."""
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-01-15T12:00:00Z", data
                )
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def write_form(path: Path) -> None:
    wb = _fixed_workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_HEADER)
    for row in SURVEY:
        ws.append([row.get(col, "") or None for col in SURVEY_HEADER])
    ch = wb.create_sheet("choices")
    ch.append(CHOICES_HEADER)
    for row in CHOICES:
        ch.append(list(row))
    st = wb.create_sheet("settings")
    st.append(list(SETTINGS))
    st.append(list(SETTINGS.values()))
    _save(wb, path)


def write_plain(path: Path) -> None:
    header = [name for _, name, _ in COLUMNS]
    rows = [[cell_text(r, name, kind, False) for _, name, kind in COLUMNS] for r in RETURNS]
    write_csv(path, header, rows, delimiter=",", encoding="utf-8", newline="\n")


def write_excel_cp1252(path: Path, meta: Meta) -> None:
    header = [f"{g}/{name}" for g, name, _ in COLUMNS] + ["_id"]
    rows = [
        [cell_text(r, name, kind, True) for _, name, kind in COLUMNS] + [str(m["id"])]
        for r, m in zip(RETURNS, meta.rows, strict=True)
    ]
    write_csv(path, header, rows, delimiter=";", encoding="cp1252", newline="\r\n")


def write_excel_bom(path: Path, meta: Meta) -> None:
    header = ["_uuid", "_submission_time"] + [f"{g}-{name}" for g, name, _ in COLUMNS]
    rows = [
        [m["uuid"], m["submission"]] + [cell_text(r, name, kind, True) for _, name, kind in COLUMNS]
        for r, m in zip(RETURNS, meta.rows, strict=True)
    ]
    write_csv(path, header, rows, delimiter=";", encoding="utf-8-sig", newline="\r\n")


def write_kobo(path: Path, meta: Meta) -> None:
    header: list[str] = ["start", "end"]
    for g, name, kind in COLUMNS:
        header.append(f"{g}/{name}")
        if kind == "multi":
            header += [f"{g}/{name}/{c}" for c in ZIELGRUPPEN]
    # Kobo exports the calculate too (it is part of the submission), after the questions of its group
    header.insert(header.index("ausblick/planung"), "ausblick/plaetze_je_fk")
    header += [
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
    ]
    wb = _fixed_workbook()
    ws = wb.active
    ws.title = "Arbeitshilfe Jugendberufshilf"  # Kobo truncates the form title to 31 characters
    ws.append(header)
    for i, (r, m) in enumerate(zip(RETURNS, meta.rows, strict=True), start=1):
        values: list[object] = [m["start"], m["end"]]
        for _, name, kind in COLUMNS:
            v = r[name]
            if kind == "multi":
                values.append(" ".join(v) if v else None)
                values += [(1 if c in v else 0) if v else None for c in ZIELGRUPPEN]
            elif kind == "int":
                values.append(v)
            elif kind == "dec":
                values.append(float(v) if v is not None else None)
            else:
                values.append(v)
        calc = calc_value(r)
        values.insert(header.index("ausblick/plaetze_je_fk"), calc or None)
        values += [
            f"uuid:{m['uuid']}",
            m["id"],
            m["uuid"],
            m["submission"],
            None,
            None,
            "submitted_via_web",
            None,
            "vTbM2dJpRk8aXy4cQw9nHs",
            None,
            i,
        ]
        ws.append(values)
    _save(wb, path)


def write_split_truefalse(path: Path, meta: Meta) -> None:
    """ODK Central export ("groupPaths": "gruppe-frage"), select_multiple only as split TRUE/FALSE columns."""
    header: list[str] = ["SubmissionDate"]
    for g, name, kind in COLUMNS:
        if name == "traeger":
            header += [f"{g}-{name}", f"{g}-hinweis"]  # Central exports the note's (empty) field
            continue
        if kind == "multi":
            header += [f"{g}-{name}/{c}" for c in ZIELGRUPPEN]
        else:
            header.append(f"{g}-{name}")
    header.insert(header.index("ausblick-planung"), "ausblick-plaetze_je_fk")
    header += [
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ]
    rows = []
    for r, m in zip(RETURNS, meta.rows, strict=True):
        values: list[str] = [m["submission_z"]]
        for _, name, kind in COLUMNS:
            if kind == "multi":
                v = r[name]
                if v:
                    values += ["TRUE" if c in v else "FALSE" for c in ZIELGRUPPEN]
                elif r["nr"] in ZG_RELEVANT_BUT_EMPTY:
                    values += ["FALSE"] * len(ZIELGRUPPEN)
                else:
                    values += [""] * len(ZIELGRUPPEN)
            else:
                values.append(cell_text(r, name, kind, False))
            if name == "traeger":
                values.append("")
        values.insert(header.index("ausblick-plaetze_je_fk"), calc_value(r))
        values += [
            f"uuid:{m['uuid']}",
            f"uuid:{m['uuid']}",
            "12",
            "Kreisverwaltung" if r["gebietstyp"] == K else "Stadtverwaltung",
            "0",
            "0",
            "",
            "approved" if r["nr"] % 5 else "",
            f"collect:{m['uuid'][:16].replace('-', '')}",
            "0",
            "2023-01",
        ]
        rows.append(values)
    write_csv(path, header, rows, delimiter=",", encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------------------------
# The problems file: 8 returns, one deliberate problem each (file rows 2..9).
# Select_multiple as split columns 1/0 (plus an unknown choice column "zielgruppen/zzz").
# --------------------------------------------------------------------------------------------
PROBLEM_HEADER = [
    "_id",
    "gebietstyp",
    "traeger",
    "angebot",
    *[f"zielgruppen/{c}" for c in ZIELGRUPPEN],
    "zielgruppen/zzz",
    "zielgruppen_other",
    "plaetze",
    "fachkraefte",
    "zufriedenheit",
    "wartezeit",
    "wartezeit_massnahmen",
    "planung",
    "anmerkungen",
    "bemerkung_intern",
]


def _problem_row(
    _id,
    geb,
    tr,
    ang,
    zg,
    plaetze,
    fk,
    zu,
    wz,
    plan,
    anm=None,
    zzz=None,
    intern=None,
    zgo=None,
    wzm=None,
):
    if zg is None:
        split = [""] * len(ZIELGRUPPEN)
        zzz_cell = "" if zzz is None else zzz
    else:
        split = ["1" if c in zg.split() else "0" for c in ZIELGRUPPEN]
        zzz_cell = "0" if zzz is None else zzz
    return [
        _id, geb, tr or "", ang or "", *split, zzz_cell, zgo or "", plaetze or "", fk or "",
        zu or "", wz or "", wzm or "", plan or "", anm or "", intern or "",
    ]  # fmt: skip


PROBLEM_ROWS = [
    # row 2: unknown choice code in a select_one
    _problem_row(
        "2001", K, "verein", "ja", "schulabgaenger", "20", "1.5", "eher_zufrieden", "keine", "ja"
    ),
    # row 3: not a number in an integer question
    _problem_row("2002", S, "kommune", "ja", "neet", "abc", "2", "teils_teils", "bis_3", "nein"),
    # row 4: constraint violation (plaetze <= 500)
    _problem_row(
        "2003",
        S,
        "jobcenter",
        "ja",
        "gefluechtete alleinerziehende",
        "650",
        "9",
        "sehr_zufrieden",
        "keine",
        "ja",
    ),
    # row 5: required answer missing (angebot); its follow-ups are therefore left empty
    _problem_row("2004", K, "kommune", None, None, None, "1", None, None, "weiss_nicht"),
    # row 6: answer to a question that is not relevant (plaetze although angebot = nein)
    _problem_row("2005", K, "freier_traeger", "nein", None, "30", "0", None, None, "nein"),
    # row 7: duplicate return id (2001 again)
    _problem_row(
        "2001",
        S,
        "mischform",
        "ja",
        "ausbildungsabbrecher",
        "75",
        "4.5",
        "eher_unzufrieden",
        "bis_3",
        "ja",
    ),
    # row 8: a value in the column "bemerkung_intern", which matches no question (reported once, at the header)
    _problem_row(
        "2007",
        K,
        "kommune",
        "ja",
        "schulabgaenger neet",
        "16",
        "1",
        "eher_zufrieden",
        "keine",
        "ja",
        intern="intern: Rückfrage beim Kreis",
    ),
    # row 9: unknown choice in a split column ("zielgruppen/zzz" ticked)
    _problem_row(
        "2008",
        S,
        "kommune",
        "ja",
        "gefluechtete",
        "140",
        "6",
        "teils_teils",
        "bis_3",
        "ja",
        zzz="1",
    ),
]


def write_problems(path: Path) -> None:
    write_csv(path, PROBLEM_HEADER, PROBLEM_ROWS, delimiter=",", encoding="utf-8", newline="\n")


def main(out: Path = HERE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    meta = Meta()
    write_form(out / "form.xlsx")
    write_plain(out / "returns_plain.csv")
    write_excel_cp1252(out / "returns_excel_cp1252.csv", meta)
    write_excel_bom(out / "returns_excel_bom.csv", meta)
    write_kobo(out / "returns_kobo.xlsx", meta)
    write_split_truefalse(out / "returns_split_truefalse.csv", meta)
    write_problems(out / "returns_problems.csv")


if __name__ == "__main__":
    main()
