"""Build the bundled "Gemeinsam klappt's" reference pack (``src/klappt/reference``).

The pack is the project's worked example: the Arbeitshilfe Nachhaltigkeit 2022 and the
Checkliste 2020 as XLSForms, the register of sites, SYNTHETIC returns whose marginals equal
every figure the IAQ deck "Was klappt gemeinsam?" (15.06.2022) prints, the list of those
figures as data, and a README. Nothing here is real data: the returns are reconstructed
from published counts.

We generate every file from this one script, seeded, so that the pack is reproducible and a
reviewer can read the decisions in one place instead of diffing spreadsheets. A test
(``tests/reference/test_reference_pack.py``) runs this script into a temporary folder and
compares the result with the bundled files, so the pack cannot drift from its generator.

Usage::

    python tools/build_reference.py              # writes src/klappt/reference/
    python tools/build_reference.py --out DIR    # writes somewhere else (the test does this)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import yaml

from klappt.files import stable_xlsx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "klappt" / "reference"

# One seed per wave: changing the 2020 data must not reshuffle the 2022 returns.
SEED_2022 = 20220615
SEED_2020 = 20200701
SEED_2021 = 20210415  # the synthetic 2021 wave (trend example)

DE = "Deutsch (de)"
EN = "English (en)"
SENTENCE_14 = "Die Versorgung der Zielgruppe wäre ohne „Gemeinsam klappt’s“ nicht möglich gewesen"

# openpyxl stamps the current time into docProps; a fixed stamp keeps rebuilds identical.
FIXED_TIMESTAMP = dt.datetime(2022, 6, 15, 12, 0, 0)

# --------------------------------------------------------------------------------------
# The register: NRW's 22 kreisfreie Städte and 31 Kreise (StädteRegion Aachen included),
# in the order of their official municipality keys, plus Stadt Aachen as the 54th site.
# ids are the lower-cased vehicle registration codes people in NRW recognise; Aachen's
# city and region share the code AC, so both get a suffix.
# --------------------------------------------------------------------------------------

KREIS = "kreis"
KREISFREI = "kreisfreie_stadt"
KREISANGEHOERIG = "kreisangehoerige_stadt"

REGISTER: tuple[tuple[str, str, str, str], ...] = (
    ("d", "Düsseldorf", KREISFREI, "Düsseldorf"),
    ("du", "Duisburg", KREISFREI, "Düsseldorf"),
    ("e", "Essen", KREISFREI, "Düsseldorf"),
    ("kr", "Krefeld", KREISFREI, "Düsseldorf"),
    ("mg", "Mönchengladbach", KREISFREI, "Düsseldorf"),
    ("mh", "Mülheim an der Ruhr", KREISFREI, "Düsseldorf"),
    ("ob", "Oberhausen", KREISFREI, "Düsseldorf"),
    ("rs", "Remscheid", KREISFREI, "Düsseldorf"),
    ("sg", "Solingen", KREISFREI, "Düsseldorf"),
    ("w", "Wuppertal", KREISFREI, "Düsseldorf"),
    ("kle", "Kreis Kleve", KREIS, "Düsseldorf"),
    ("me", "Kreis Mettmann", KREIS, "Düsseldorf"),
    ("ne", "Rhein-Kreis Neuss", KREIS, "Düsseldorf"),
    ("vie", "Kreis Viersen", KREIS, "Düsseldorf"),
    ("wes", "Kreis Wesel", KREIS, "Düsseldorf"),
    ("bn", "Bonn", KREISFREI, "Köln"),
    ("k", "Köln", KREISFREI, "Köln"),
    ("lev", "Leverkusen", KREISFREI, "Köln"),
    ("ac_region", "StädteRegion Aachen", KREIS, "Köln"),
    ("ac_stadt", "Stadt Aachen", KREISANGEHOERIG, "Köln"),
    ("dn", "Kreis Düren", KREIS, "Köln"),
    ("bm", "Rhein-Erft-Kreis", KREIS, "Köln"),
    ("eu", "Kreis Euskirchen", KREIS, "Köln"),
    ("hs", "Kreis Heinsberg", KREIS, "Köln"),
    ("gm", "Oberbergischer Kreis", KREIS, "Köln"),
    ("gl", "Rheinisch-Bergischer Kreis", KREIS, "Köln"),
    ("su", "Rhein-Sieg-Kreis", KREIS, "Köln"),
    ("bot", "Bottrop", KREISFREI, "Münster"),
    ("ge", "Gelsenkirchen", KREISFREI, "Münster"),
    ("ms", "Münster", KREISFREI, "Münster"),
    ("bor", "Kreis Borken", KREIS, "Münster"),
    ("coe", "Kreis Coesfeld", KREIS, "Münster"),
    ("re", "Kreis Recklinghausen", KREIS, "Münster"),
    ("st", "Kreis Steinfurt", KREIS, "Münster"),
    ("waf", "Kreis Warendorf", KREIS, "Münster"),
    ("bi", "Bielefeld", KREISFREI, "Detmold"),
    ("gt", "Kreis Gütersloh", KREIS, "Detmold"),
    ("hf", "Kreis Herford", KREIS, "Detmold"),
    ("hx", "Kreis Höxter", KREIS, "Detmold"),
    ("lip", "Kreis Lippe", KREIS, "Detmold"),
    ("mi", "Kreis Minden-Lübbecke", KREIS, "Detmold"),
    ("pb", "Kreis Paderborn", KREIS, "Detmold"),
    ("bo", "Bochum", KREISFREI, "Arnsberg"),
    ("do", "Dortmund", KREISFREI, "Arnsberg"),
    ("ha", "Hagen", KREISFREI, "Arnsberg"),
    ("ham", "Hamm", KREISFREI, "Arnsberg"),
    ("her", "Herne", KREISFREI, "Arnsberg"),
    ("en", "Ennepe-Ruhr-Kreis", KREIS, "Arnsberg"),
    ("hsk", "Hochsauerlandkreis", KREIS, "Arnsberg"),
    ("mk", "Märkischer Kreis", KREIS, "Arnsberg"),
    ("oe", "Kreis Olpe", KREIS, "Arnsberg"),
    ("si", "Kreis Siegen-Wittgenstein", KREIS, "Arnsberg"),
    ("so", "Kreis Soest", KREIS, "Arnsberg"),
    ("un", "Kreis Unna", KREIS, "Arnsberg"),
)

GEBIETSTYP_CHOICES = (
    (KREIS, "Kreis", "District (Kreis)"),
    (KREISFREI, "kreisfreie Stadt", "District-free city (kreisfreie Stadt)"),
    (KREISANGEHOERIG, "kreisangehörige Stadt", "Town within a district (kreisangehörige Stadt)"),
)

# --------------------------------------------------------------------------------------
# Form building blocks
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the survey sheet."""

    type: str
    name: str = ""
    de: str = ""
    en: str = ""
    hint_de: str = ""
    hint_en: str = ""
    required: str = ""
    relevant: str = ""
    constraint: str = ""
    msg_de: str = ""
    msg_en: str = ""
    appearance: str = ""


SURVEY_COLUMNS = (
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
)
CHOICE_COLUMNS = ("list_name", "name", f"label::{DE}", f"label::{EN}")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language")

Choices = tuple[tuple[str, str, str], ...]  # (name, German label, English label)

JANEIN: Choices = (("ja", "ja", "yes"), ("nein", "nein", "no"))
MULTI_HINT = ("Mehrfachnennungen möglich", "Several answers possible")


def site_identification(first_day: str, last_day: str, window_de: str, window_en: str) -> list[Row]:
    """The rows every wave starts with: who answers, what kind of area, when."""
    return [
        Row(
            "select_one kommune",
            "kommune",
            "Kommune",
            "Municipality",
            "Bitte wählen Sie Ihren Kreis oder Ihre Stadt aus der Liste.",
            "Please choose your district or city from the list.",
            required="yes",
        ),
        Row(
            "select_one gebietstyp",
            "gebietstyp",
            "Gebietstyp",
            "Type of area",
            required="yes",
        ),
        Row(
            "date",
            "ausfuelldatum",
            "Datum des Ausfüllens",
            "Date of completion",
            required="yes",
            constraint=f". >= date('{first_day}') and . <= date('{last_day}')",
            msg_de=f"Die Arbeitshilfe wird {window_de} ausgefüllt.",
            msg_en=f"The form is filled in {window_en}.",
        ),
    ]


THM_COUNT_CONSTRAINT = ". >= 0 and . <= 50"
THM_COUNT_MSG = (
    "Bitte eine Zahl zwischen 0 und 50 eingeben.",
    "Please enter a number from 0 to 50.",
)
EXCLUSIVE_KEINE = "not(selected(., 'keine') and count-selected(.) > 1)"

# ---- Arbeitshilfe Nachhaltigkeit 2022 ------------------------------------------------

LISTS_2022: dict[str, Choices] = {
    "janein": JANEIN,
    "janeinoffen": (
        ("ja", "ja", "yes"),
        ("nein", "nein", "no"),
        ("offen", "noch offen", "not decided yet"),
    ),
    "koop_art": (
        ("neu", "es gibt neue Kooperationen", "there are new cooperations"),
        ("intensiviert", "Intensivierung der Kooperation", "cooperation has intensified"),
        ("keine", "es gibt keine neuen Kooperationen", "there are no new cooperations"),
    ),
    "abh_ueber": (
        ("angebote", "... gemeinsame Angebote", "... joint offers"),
        ("zusammenarbeit", "... enge Zusammenarbeit", "... close collaboration"),
        ("steuerebene", "... auf Steuerebene", "... at steering level"),
        ("turnus", "... im regelmäßigen Turnus", "... at regular intervals"),
        ("bedarf", "... nach Bedarf", "... as needed"),
    ),
    "lebenswelt_bereiche": (
        ("begegnung", "Begegnung und Austausch", "Encounter and exchange"),
        ("freizeit", "Freizeit und Sport", "Leisure and sport"),
        (
            "individuell",
            "Individuelle Begleitung und Förderprogramme",
            "Individual support and funding programmes",
        ),
        ("gesundheit", "Gesundheit", "Health"),
        (
            "engagement",
            "Ehrenamtliches Engagement der Zielgruppe",
            "Volunteering by the target group",
        ),
        ("digital", "Digitale Teilhabe", "Digital participation"),
    ),
    "bildung_diaa": (
        (
            "ja",
            "Bildungsangebote außerhalb von DiAA vorhanden",
            "Education offers outside DiAA exist",
        ),
        (
            "nein",
            "keine Bildungsangebote außerhalb von DiAA vorhanden",
            "No education offers outside DiAA",
        ),
    ),
    "bildung_weiter": (
        ("wie_bisher", "ja, weiter wie bisher", "yes, as before"),
        ("veraendert", "ja, in veränderter Form", "yes, in a changed form"),
        ("nein", "nein", "no"),
        ("unklar", "noch unklar", "not clear yet"),
    ),
    "ueberleitung_art": (
        ("thm_cm", "THM geht ins CM (KIM-CM) über", "THM staff move into case management (KIM-CM)"),
        (
            "bekannte",
            "TN kennen die (neuen) Ansprechpartner:innen bereits",
            "Participants already know their (new) contact persons",
        ),
        ("coaching", "Weiterbetreuung durch Coaching (FB1)", "Further support by coaching (FB1)"),
        ("uebergabe", "Übergabe an andere Stellen", "Hand-over to other services"),
        ("eigen", "Eigenfinanzierung des THM", "THM funded by the municipality itself"),
        ("planung", "Regelung noch in Planung", "Arrangement still being planned"),
    ),
    "loesungen": (
        ("uebergang_cm", "Übergangsphase ins CM", "Transition phase into case management"),
        (
            "coaching",
            "Unterstützung der Übergangsphase durch Coaching",
            "Transition supported by coaching",
        ),
        ("bildung", "Bildungsangebote außerhalb von DiAA", "Education offers outside DiAA"),
        ("ablaeufe", "Neue Arbeitsabläufe", "New work processes"),
        (
            "kooperation",
            "Neue bzw. intensivere Kooperationsbeziehungen",
            "New or closer cooperation",
        ),
        ("strukturen", "Strukturen für verbesserte Betreuung", "Structures for better support"),
        (
            "angebote",
            "Angebote für die Zielgruppe durch Gemeinsam klappt´s aufgebaut bzw. im Aufbau",
            "Offers for the target group built up (or being built up) by Gemeinsam klappt's",
        ),
    ),
    "ablaeufe_bezug": (
        ("buendnis", "... bezogen auf Bündnisarbeit", "... in the work of the alliance"),
        ("zielgruppe", "... bezogen auf Zielgruppe", "... in the work with the target group"),
    ),
    "huerden": (
        (
            "uebergang_kim",
            "Übergang von Gemeinsam klappt´s zum KIM",
            "Transition from Gemeinsam klappt's to KIM",
        ),
        ("begleitung", "Begleitung der Zielgruppe", "Support of the target group"),
        ("infrastruktur", "Infrastruktur", "Infrastructure"),
        ("verstetigung", "Verstetigung der Strukturen", "Making the structures permanent"),
    ),
    "fortfuehrung": (
        (
            "fortfuehren",
            "Strukturen/Maßnahmen sollten fortgeführt werden",
            "Structures/measures should be continued",
        ),
        (
            "keine",
            "keine Notwendigkeit der Fortführung von Strukturen/Maßnahmen",
            "No need to continue structures/measures",
        ),
    ),
    # Order as the deck lists the Nennungen (we read it as most to least frequent).
    "fortfuehrung_was": (
        ("fb3", "FB3: Erwerb Hauptschulabschluss", "FB3: lower-secondary school certificate"),
        (
            "fb2",
            "FB 2: berufs-/ausbildungsbegl. Qualifizierung/Sprachförderung",
            "FB2: in-work qualification / language support",
        ),
        (
            "sprachkurse",
            "Sprachkurse (für Personen ohne Anspruch)",
            "Language courses (for people without entitlement)",
        ),
        ("fb4", "FB4: berufsvorbereitende Kurse", "FB4: preparatory courses"),
        ("fb1", "FB1: Coaching", "FB1: coaching"),
        ("foerdergelder", "Fördergelder für Bildungsangebote", "Funding for education offers"),
        (
            "kinderbetreuung",
            "Kinderbetreuung bei Maßnahmebesuch",
            "Childcare while attending a measure",
        ),
        ("gfs", "GfS", "Lead office (GfS)"),
        ("fb5", "FB5: Innovationsfonds", "FB5: innovation fund"),
        ("diaa", "Förderung DiAA", "DiAA funding"),
        ("fb6", "FB6: THM", "FB6: participation management (THM)"),
        ("cm_coaching", "Ergänzung CM durch Coaching", "Case management complemented by coaching"),
        ("datenbank", "Datenbank zur Dokumentation", "Database for documentation"),
    ),
    "notwendigkeit": (
        ("gegeben", "Notwendigkeit besonderer Strukturen gegeben", "Special structures are needed"),
        (
            "nicht_gegeben",
            "keine Notwendigkeit besonderer Strukturen gegeben",
            "No need for special structures",
        ),
    ),
    "notwendigkeit_bereiche": (
        ("beratung", "Beratungs- und Begleitungsstrukturen", "Counselling and support structures"),
        ("angebote", "Angebote und Maßnahmen", "Offers and measures"),
        ("zugaenge", "Zugänge", "Access"),
        ("kooperation", "Kooperationsstrukturen", "Cooperation structures"),
        ("flankierend", "Flankierende Unterstützungsstrukturen", "Accompanying support structures"),
    ),
    "bewertung5": (
        ("sehr_gut", "sehr gut", "very good"),
        ("gut", "gut", "good"),
        ("teils", "teils/teils", "mixed"),
        ("schlecht", "schlecht", "poor"),
        ("sehr_schlecht", "sehr schlecht", "very poor"),
    ),
    "mehrwert": (
        (
            "struktur",
            "Zielgruppenorientierte Unterstützungsstruktur",
            "Support structure aimed at the target group",
        ),
        (
            "zugang",
            "Zugang zu und Versorgung der Zielgruppe",
            "Access to and provision for the target group",
        ),
        ("kooperation", "Kooperation & Zusammenarbeit", "Cooperation & collaboration"),
        (
            "fokus",
            "Fokus auf Geduldete & Gestattete",
            "Focus on people with a Duldung or Gestattung",
        ),
        ("finanzierung", "Finanzierung von Angeboten & Maßnahmen", "Funding of offers & measures"),
        ("sprachkurse", "Sprachkursangebote", "Language courses"),
    ),
}

KOOP_AREAS: tuple[tuple[str, str, str], ...] = (
    ("koop_jc", "Jobcenter", "Jobcentre"),
    ("koop_aa", "Agentur für Arbeit", "Employment agency (Agentur für Arbeit)"),
    ("koop_abh", "Ausländerbehörde (ABH)", "Immigration office (ABH)"),
    (
        "koop_bildung",
        "Schulen, Berufskollegs und Bildungsträger",
        "Schools, vocational colleges and education providers",
    ),
    (
        "koop_beratung",
        "Flüchtlings- und Migrationsberatung, JMD",
        "Refugee and migration counselling, JMD",
    ),
    ("koop_ehrenamt", "Ehrenamt, Vereine und MSO", "Volunteers, clubs and migrant organisations"),
)

SURVEY_2022: list[Row] = [
    Row(
        "note",
        "intro",
        "Arbeitshilfe Nachhaltigkeit 2022 – Prozessmanagement „Gemeinsam klappt’s“. Bitte füllen Sie "
        "die Arbeitshilfe bis zum 31.03.2022 aus. Die Angaben werden nur zusammengefasst berichtet; "
        "einzelne Kommunen sind in den Ergebnissen nicht erkennbar.",
        "Sustainability worksheet 2022 – process management “Gemeinsam klappt’s”. Please fill in "
        "the worksheet by 31 March 2022. Answers are reported only in aggregate; no single "
        "municipality can be identified in the results.",
    ),
    *site_identification(
        "2022-02-01", "2022-03-31", "von Februar bis März 2022", "from February to March 2022"
    ),
    Row(
        "begin_group",
        "s1_strukturen",
        "1 Nachhaltige Entwicklungen von Strukturen und Maßnahmen",
        "1 Sustainable development of structures and measures",
    ),
    Row(
        "begin_group",
        "koop_grid",
        "Weiterentwicklung der Kooperationslandschaft: Neue und intensivere Kooperationen in den Bereichen ...",
        "Development of the cooperation landscape: new and closer cooperation in the areas of ...",
        *MULTI_HINT,
        appearance="field-list",
    ),
    *[
        Row(
            "select_multiple koop_art",
            name,
            de,
            en,
            required="yes",
            constraint=EXCLUSIVE_KEINE,
            msg_de="„es gibt keine neuen Kooperationen“ lässt sich nicht mit anderen Antworten kombinieren.",
            msg_en="“there are no new cooperations” cannot be combined with other answers.",
        )
        for name, de, en in KOOP_AREAS
    ],
    Row("end_group", "koop_grid"),
    Row(
        "select_one janein",
        "abh_fortfuehrung",
        "Fortführung der Kooperation mit ABH: Wird die Kooperation mit der Ausländerbehörde nach "
        "„Gemeinsam klappt´s“ fortgeführt?",
        "Continuing the cooperation with the immigration office (ABH): will it continue after "
        "Gemeinsam klappt's?",
        required="yes",
    ),
    Row(
        "select_multiple abh_ueber",
        "abh_ueber",
        "Mit der ABH kooperieren wir über ...",
        "We cooperate with the immigration office through ...",
        *MULTI_HINT,
        required="yes",
        relevant="${abh_fortfuehrung} = 'ja'",
    ),
    Row("end_group", "s1_strukturen"),
    Row(
        "begin_group",
        "s2_begleitung",
        "2 Begleitung der Zielgruppe während und nach „Gemeinsam klappt´s“",
        "2 Supporting the target group during and after Gemeinsam klappt's",
    ),
    Row(
        "select_one janein",
        "lebenswelt",
        "Gibt es in „Gemeinsam klappt´s“ Maßnahmen zur lebensweltlichen Integration?",
        "Are there measures for integration in everyday life in Gemeinsam klappt's?",
        "z. B. Begegnungs-, Freizeit-, Sport- oder Gesundheitsangebote",
        "e.g. offers for encounter, leisure, sport or health",
        required="yes",
    ),
    Row(
        "text",
        "lebenswelt_angebote",
        "Angebote zur lebensweltlichen Integration in „Gemeinsam klappt´s“: Welche Angebote gibt es?",
        "Offers for integration in everyday life in Gemeinsam klappt's: which offers are there?",
        "Stichworte genügen, mehrere Angebote bitte mit Semikolon trennen.",
        "Keywords are enough; separate several offers with a semicolon.",
        required="yes",
        relevant="${lebenswelt} = 'ja'",
        appearance="multiline",
    ),
    Row(
        "select_multiple lebenswelt_bereiche",
        "lebenswelt_bereiche",
        "In welchen Bereichen liegen diese Angebote?",
        "In which areas are these offers?",
        *MULTI_HINT,
        required="yes",
        relevant="${lebenswelt} = 'ja'",
    ),
    Row(
        "select_one janeinoffen",
        "lebenswelt_weiter",
        "Werden die Angebote auch nach „Gemeinsam klappt´s“ fortgeführt?",
        "Will the offers continue after Gemeinsam klappt's?",
        required="yes",
        relevant="${lebenswelt} = 'ja'",
    ),
    Row(
        "select_one bildung_diaa",
        "bildung_diaa",
        "Bildungsangebote, die nicht über „Durchstarten in Ausbildung und Arbeit“ gefördert werden: "
        "Gibt es Bildungsangebote außerhalb von DiAA?",
        "Education offers not funded by “Durchstarten in Ausbildung und Arbeit”: are there "
        "education offers outside DiAA?",
        required="yes",
    ),
    Row(
        "text",
        "bildung_angebote",
        "Welche Bildungsangebote außerhalb von DiAA gibt es?",
        "Which education offers outside DiAA are there?",
        required="yes",
        relevant="${bildung_diaa} = 'ja'",
        appearance="multiline",
    ),
    Row(
        "select_one bildung_weiter",
        "bildung_weiter",
        "Laufen diese Bildungsangebote ab 2023 weiter?",
        "Will these education offers continue from 2023?",
        required="yes",
        relevant="${bildung_diaa} = 'ja'",
    ),
    Row(
        "integer",
        "thm_anzahl",
        "Wie viele Teilhabemanager:innen (THM, FB6) sind derzeit in Ihrer Kommune tätig?",
        "How many participation managers (THM, FB6) currently work in your municipality?",
        "Personen, nicht Stellen",
        "People, not posts",
        constraint=THM_COUNT_CONSTRAINT,
        msg_de=THM_COUNT_MSG[0],
        msg_en=THM_COUNT_MSG[1],
    ),
    Row(
        "decimal",
        "thm_vze",
        "Wie viele Vollzeitstellen (VZÄ) umfasst das THM insgesamt?",
        "How many full-time equivalents does THM comprise in total?",
        "z. B. 1,5",
        "e.g. 1.5",
        relevant="${thm_anzahl} > 0",
        # one person holds at most one full-time post
        constraint=". > 0 and . <= ${thm_anzahl}",
        msg_de="Die Stellenanteile müssen größer als 0 sein und dürfen die Zahl der THM nicht übersteigen.",
        msg_en="The FTE must be above 0 and cannot exceed the number of THM staff.",
    ),
    Row(
        "select_one janein",
        "ueberleitung",
        "Gibt es Regelungen zur Überleitung der Zielgruppe nach dem Auslaufen des THM (30.06.2022)?",
        "Are there arrangements for handing over the target group when THM ends (30 June 2022)?",
        required="yes",
    ),
    Row(
        "text",
        "ueberleitung_wie",
        "Wie werden die Geduldeten und Gestatteten nach Auslaufen des THM weiterbetreut?",
        "How will people with a Duldung or Gestattung be supported after THM ends?",
        required="yes",
        relevant="${ueberleitung} = 'ja'",
        appearance="multiline",
    ),
    Row(
        "select_multiple ueberleitung_art",
        "ueberleitung_art",
        "Welche Art der Überleitung ist vorgesehen?",
        "What kind of hand-over is planned?",
        *MULTI_HINT,
        required="yes",
        relevant="${ueberleitung} = 'ja'",
    ),
    Row(
        "select_multiple loesungen",
        "loesungen",
        "Lösungsansätze für Unklarheiten und Herausforderungen, die das Auslaufen von „Gemeinsam "
        "klappt´s“ mit sich bringt: Was wurde bereits erreicht?",
        "Solutions for the uncertainties and challenges of the end of Gemeinsam klappt's: what has "
        "already been achieved?",
        *MULTI_HINT,
        required="yes",
        # the deck counts the same 23 sites here and under "Bildungsangebote außerhalb von DiAA"
        constraint="not(selected(., 'bildung')) or ${bildung_diaa} = 'ja'",
        msg_de="Bildungsangebote außerhalb von DiAA wurden oben verneint.",
        msg_en="You answered above that there are no education offers outside DiAA.",
    ),
    Row(
        "select_multiple ablaeufe_bezug",
        "ablaeufe_bezug",
        "Neue Arbeitsabläufe ...",
        "New work processes ...",
        *MULTI_HINT,
        required="yes",
        relevant="selected(${loesungen}, 'ablaeufe')",
    ),
    Row(
        "select_multiple huerden",
        "huerden",
        "Bereiche, in denen Hürden gesehen werden",
        "Areas in which obstacles are seen",
        *MULTI_HINT,
        required="yes",
    ),
    Row("end_group", "s2_begleitung"),
    Row(
        "begin_group",
        "s3_besondere",
        "3 Besondere Strukturen und Maßnahmen für die Zielgruppe von „Gemeinsam klappt’s“",
        "3 Special structures and measures for the target group of Gemeinsam klappt's",
    ),
    Row(
        "select_one fortfuehrung",
        "fortfuehrung",
        "Einstellung/Beendigung bestehender „Gemeinsam klappt's“-Strukturen: Sollten Strukturen "
        "oder Maßnahmen fortgeführt werden?",
        "Ending existing Gemeinsam klappt's structures: should structures or measures be continued?",
    ),
    Row(
        "select_multiple fortfuehrung_was",
        "fortfuehrung_was",
        "Welche Strukturen/Maßnahmen sollten fortgeführt werden?",
        "Which structures/measures should be continued?",
        *MULTI_HINT,
        required="yes",
        relevant="${fortfuehrung} = 'fortfuehren'",
    ),
    Row(
        "text",
        "fortfuehrung_text",
        "Nennungen: Welche Strukturen/Maßnahmen sollten fortgeführt werden, und warum?",
        "Mentions: which structures/measures should be continued, and why?",
        relevant="${fortfuehrung} = 'fortfuehren'",
        appearance="multiline",
    ),
    Row(
        "select_one notwendigkeit",
        "notwendigkeit",
        "Notwendigkeit besonderer Strukturen o. Maßnahmen zur Berücksichtigung der Belange der "
        "Zielgruppe: Ist sie gegeben?",
        "Are special structures or measures needed to meet the needs of the target group?",
        required="yes",
    ),
    Row(
        "select_multiple notwendigkeit_bereiche",
        "notwendigkeit_bereiche",
        "In welchen Bereichen sind besondere Strukturen oder Maßnahmen notwendig?",
        "In which areas are special structures or measures needed?",
        *MULTI_HINT,
        required="yes",
        relevant="${notwendigkeit} = 'gegeben'",
    ),
    Row(
        "text",
        "notwendigkeit_text",
        "Nennungen: Welche besonderen Strukturen oder Maßnahmen sind notwendig?",
        "Mentions: which special structures or measures are needed?",
        "Eine Nennung pro Zeile",
        "One mention per line",
        relevant="${notwendigkeit} = 'gegeben'",
        appearance="multiline",
    ),
    Row("end_group", "s3_besondere"),
    Row(
        "begin_group",
        "s4_bewertung",
        "4 Bewertung, Mehrwert und Verstetigungspotenziale von „Gemeinsam klappt´s“",
        "4 Assessment, added value and potential for making Gemeinsam klappt's permanent",
    ),
    Row(
        "select_one bewertung5",
        "bewertung",
        "Bewertung der Strukturentwicklung durch „Gemeinsam klappt's“",
        "Assessment of the development of structures by Gemeinsam klappt's",
        required="yes",
        appearance="likert",
    ),
    Row(
        "select_one bewertung5",
        "bewertung_zg",
        "Bewertung der Arbeit mit der Zielgruppe in „Gemeinsam klappt's“",
        "Assessment of the work with the target group in Gemeinsam klappt's",
        required="yes",
        appearance="likert",
    ),
    Row(
        "select_multiple mehrwert",
        "mehrwert",
        "Mehrwert von „Gemeinsam klappt’s“ für die lokale Integrationsarbeit",
        "Added value of Gemeinsam klappt's for local integration work",
        *MULTI_HINT,
        required="yes",
    ),
    Row(
        "text",
        "mehrwert_nennungen",
        "Nennungen: Worin liegt der Mehrwert von „Gemeinsam klappt’s“ für die lokale Integrationsarbeit?",
        "Mentions: what is the added value of Gemeinsam klappt's for local integration work?",
        "Eine Nennung pro Zeile",
        "One mention per line",
        appearance="multiline",
    ),
    Row(
        "text",
        "mehrwert_text",
        "Worin liegt für Sie der Mehrwert von „Gemeinsam klappt’s“? (Freitext)",
        "What is the added value of Gemeinsam klappt's for you? (free text)",
        "Eine Nennung pro Zeile",
        "One mention per line",
        appearance="multiline",
    ),
    Row(
        "text",
        "verstetigung_text",
        "Verstetigungspotenziale: Wie sollen aufgebaute Strukturen und Angebote abgesichert werden?",
        "Making it permanent: how should the structures and offers built up be secured?",
        appearance="multiline",
    ),
    Row("end_group", "s4_bewertung"),
]

# ---- Checkliste zur lokalen Planung 2020 -----------------------------------------------

LISTS_2020: dict[str, Choices] = {
    "janein": JANEIN,
    "handlungsfelder": (
        ("sprache", "Sprache", "Language"),
        ("bildung", "Schule und Bildung", "School and education"),
        ("arbeit", "Ausbildung und Arbeit", "Training and work"),
        (
            "lebenswelt",
            "Lebensweltliche Integration (Freizeit, Begegnung)",
            "Integration in everyday life (leisure, encounter)",
        ),
        ("wohnen", "Wohnen", "Housing"),
        ("gesundheit", "Gesundheit", "Health"),
    ),
}

SURVEY_2020: list[Row] = [
    Row(
        "note",
        "intro",
        "Prozessmanagement ‚Gemeinsam klappt’s‘ 2020 – Checkliste zur lokalen Planung. Bitte füllen "
        "Sie die Checkliste bis Ende Juli 2020 aus.",
        "Process management ‘Gemeinsam klappt’s’ 2020 – checklist for local planning. Please fill "
        "in the checklist by the end of July 2020.",
    ),
    *site_identification(
        "2020-05-01", "2020-07-31", "von Mai bis Juli 2020", "from May to July 2020"
    ),
    Row("begin_group", "s1_planung", "1 Stand der lokalen Planung", "1 State of local planning"),
    Row(
        "select_one janein",
        "buendnis",
        "Ist das lokale Bündnis „Gemeinsam klappt’s“ eingerichtet?",
        "Has the local Gemeinsam klappt's alliance been set up?",
        required="yes",
    ),
    Row(
        "integer",
        "thm_anzahl",
        "Wie viele Teilhabemanager:innen (THM, FB6) sind eingesetzt oder geplant?",
        "How many participation managers (THM, FB6) are employed or planned?",
        "Personen, nicht Stellen",
        "People, not posts",
        constraint=THM_COUNT_CONSTRAINT,
        msg_de=THM_COUNT_MSG[0],
        msg_en=THM_COUNT_MSG[1],
    ),
    Row(
        "select_multiple handlungsfelder",
        "handlungsfelder",
        "In welchen Handlungsfeldern sind Maßnahmen geplant?",
        "In which fields of action are measures planned?",
        *MULTI_HINT,
        required="yes",
    ),
    Row("end_group", "s1_planung"),
    Row(
        "begin_group",
        "s2_lebenswelt",
        "2 Lebensweltorientierung",
        "2 Orientation towards everyday life",
    ),
    Row(
        "select_one janein",
        "lebenswelt_konzept",
        "Gibt es Konzepte zur Lebensweltorientierung?",
        "Are there concepts for orientation towards everyday life?",
        "Angebote für Freizeit, Begegnung, Gesundheit oder Wohnen der Zielgruppe",
        "Offers for the target group's leisure, encounters, health or housing",
        required="yes",
    ),
    Row(
        "text",
        "lebenswelt_konzept_text",
        "Bitte beschreiben Sie die Konzepte kurz.",
        "Please describe the concepts briefly.",
        required="yes",
        relevant="${lebenswelt_konzept} = 'ja'",
        appearance="multiline",
    ),
    Row(
        "select_one janein",
        "lebenswelt_planung",
        "Ist ein Konzept zur Lebensweltorientierung in Planung?",
        "Is a concept for orientation towards everyday life being planned?",
        required="yes",
        relevant="${lebenswelt_konzept} = 'nein'",
    ),
    Row("end_group", "s2_lebenswelt"),
    Row("text", "bemerkungen", "Anmerkungen", "Remarks", appearance="multiline"),
]


# ---- Entwicklungsstand 2021 (SYNTHETIC: form and returns invented for the trend) ---------
# The deck mentions the 2021 Arbeitshilfe but prints no figure from it. We invent a short form
# in its place so that the pack shows a trend over three waves whose forms change: questions
# renamed (thm_personen, lw_massnahmen, ueberleitung_geplant, bewertung_strukturen), two
# choices merged into one (ja_umfassend + ja_einzeln -> ja), one choice not comparable
# (in_arbeit), one question the 2022 form dropped (buendnis).

LISTS_2021: dict[str, Choices] = {
    "janein": JANEIN,
    "lw_stand": (
        ("ja_umfassend", "ja, in mehreren Bereichen", "yes, in several areas"),
        ("ja_einzeln", "ja, einzelne Angebote", "yes, single offers"),
        ("nein", "nein", "no"),
    ),
    "regelung": (
        ("ja", "ja", "yes"),
        ("in_arbeit", "in Vorbereitung", "being prepared"),
        ("nein", "nein", "no"),
    ),
    "bewertung5": LISTS_2022["bewertung5"],
}

SURVEY_2021: list[Row] = [
    Row(
        "note",
        "intro",
        "Prozessmanagement ‚Gemeinsam klappt’s‘ – Entwicklungsstand 2021. Bitte füllen Sie die "
        "Arbeitshilfe bis Ende Mai 2021 aus.",
        "Process management ‘Gemeinsam klappt’s’ – state of development 2021. Please fill in "
        "the form by the end of May 2021.",
    ),
    *site_identification(
        "2021-04-01", "2021-05-31", "von April bis Mai 2021", "from April to May 2021"
    ),
    Row("begin_group", "s1_stand", "1 Stand der Umsetzung", "1 State of implementation"),
    Row(
        "select_one janein",
        "buendnis",
        "Ist das lokale Bündnis „Gemeinsam klappt’s“ eingerichtet?",
        "Has the local Gemeinsam klappt's alliance been set up?",
        required="yes",
    ),
    Row(
        "integer",
        "thm_personen",
        "Wie viele Teilhabemanager:innen (THM, FB6) sind in Ihrer Kommune tätig?",
        "How many participation managers (THM, FB6) work in your municipality?",
        "Personen, nicht Stellen",
        "People, not posts",
        required="yes",
        constraint=THM_COUNT_CONSTRAINT,
        msg_de=THM_COUNT_MSG[0],
        msg_en=THM_COUNT_MSG[1],
    ),
    Row(
        "select_one lw_stand",
        "lw_massnahmen",
        "Gibt es Maßnahmen zur lebensweltlichen Integration?",
        "Are there measures for integration in everyday life?",
        "z. B. Begegnungs-, Freizeit-, Sport- oder Gesundheitsangebote",
        "e.g. offers for encounter, leisure, sport or health",
        required="yes",
    ),
    Row(
        "select_one regelung",
        "ueberleitung_geplant",
        "Gibt es Regelungen zur Überleitung der Zielgruppe nach dem Auslaufen des THM?",
        "Are there arrangements for handing over the target group when THM ends?",
        required="yes",
    ),
    Row("end_group", "s1_stand"),
    Row("begin_group", "s2_bewertung", "2 Bewertung", "2 Assessment"),
    Row(
        "select_one bewertung5",
        "bewertung_strukturen",
        "Bewertung der Strukturentwicklung durch „Gemeinsam klappt's“ bisher",
        "Assessment of the development of structures by Gemeinsam klappt's so far",
        required="yes",
        appearance="likert",
    ),
    Row("end_group", "s2_bewertung"),
    Row("text", "bemerkungen", "Anmerkungen", "Remarks", appearance="multiline"),
]


@dataclass(frozen=True)
class ReferenceForm:
    """One wave's form: the file it goes to, its settings, its rows and its own choice lists."""

    file: str
    title: str
    form_id: str
    version: str
    survey: list[Row]
    lists: dict[str, Choices]


FORMS: dict[str, ReferenceForm] = {
    "2022": ReferenceForm(
        file="arbeitshilfe_2022.xlsx",
        title="Arbeitshilfe Nachhaltigkeit 2022",
        form_id="arbeitshilfe_2022",
        version="2022020101",
        survey=SURVEY_2022,
        lists=LISTS_2022,
    ),
    "2020": ReferenceForm(
        file="checkliste_2020.xlsx",
        title="Prozessmanagement ‚Gemeinsam klappt’s‘ 2020 – Checkliste zur lokalen Planung",
        form_id="checkliste_2020",
        version="2020050101",
        survey=SURVEY_2020,
        lists=LISTS_2020,
    ),
    "2021": ReferenceForm(
        file="entwicklungsstand_2021.xlsx",
        title="Entwicklungsstand 2021 (synthetisch)",
        form_id="entwicklungsstand_2021",
        version="2021040101",
        survey=SURVEY_2021,
        lists=LISTS_2021,
    ),
}


def kommune_lists() -> dict[str, Choices]:
    """The site lists both forms share, from the register."""
    return {
        "kommune": tuple((sid, name, name) for sid, name, _typ, _rb in REGISTER),
        "gebietstyp": GEBIETSTYP_CHOICES,
    }


def write_form(path: Path, wave: str) -> None:
    """Write one XLSForm workbook (survey, choices, settings)."""
    spec = FORMS[wave]
    wb = openpyxl.Workbook()
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    wb.properties.creator = "tools/build_reference.py"
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    for r in spec.survey:
        survey.append(
            [
                r.type,
                r.name,
                r.de,
                r.en,
                r.hint_de,
                r.hint_en,
                r.required,
                r.relevant,
                r.constraint,
                r.msg_de,
                r.msg_en,
                r.appearance,
            ]
        )
    choices = wb.create_sheet("choices")
    choices.append(CHOICE_COLUMNS)
    for list_name, items in {**kommune_lists(), **spec.lists}.items():
        for name, de, en in items:
            choices.append([list_name, name, de, en])
    settings = wb.create_sheet("settings")
    settings.append(SETTINGS_COLUMNS)
    settings.append([spec.title, spec.form_id, spec.version, DE])
    for ws in (survey, choices, settings):
        ws.freeze_panes = "A2"
    wb.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the workbook with a fixed date, so rebuilds are byte-identical."""
    path.write_bytes(stable_xlsx(path.read_bytes(), FIXED_TIMESTAMP.timetuple()[:6]))


def question_names(wave: str) -> list[str]:
    """The data columns of a wave: every answerable question, in form order."""
    skip = ("note", "begin_group", "end_group")
    return [r.name for r in FORMS[wave].survey if r.type not in skip]


# --------------------------------------------------------------------------------------
# Figures. PRINTED are the deck's numbers, literally; CHOSEN are ours for the charts the
# deck shows without numbers. The returns are built from these dicts and nothing else.
# --------------------------------------------------------------------------------------

N_2022 = 40  # "Rücklauf: 40 Arbeitshilfen"
N_2020 = 46  # implied by "39 % ... (n=18)": 18/46 = 39.1 %; 18/45 and 18/47 do not round to 39

# New/intensified cooperation by area: (only new, only intensified, both, none); each sums to 40.
KOOP_SPLIT: dict[str, tuple[int, int, int, int]] = {
    "koop_jc": (4, 20, 6, 10),
    "koop_aa": (3, 18, 4, 15),
    "koop_abh": (8, 17, 9, 6),
    "koop_bildung": (9, 14, 7, 10),
    "koop_beratung": (6, 16, 5, 13),
    "koop_ehrenamt": (11, 8, 3, 18),
}

COUNTS_2022: dict[str, dict[str, int]] = {
    "abh_fortfuehrung": {"ja": 38, "nein": 2},  # chosen: 38 matches ARCHITECTURE.md's example
    "abh_ueber": {
        "angebote": 3,
        "zusammenarbeit": 6,
        "steuerebene": 12,
        "turnus": 10,
        "bedarf": 19,
    },
    "lebenswelt": {"ja": 24, "nein": 16},
    "lebenswelt_bereiche": {
        "begegnung": 17,
        "freizeit": 15,
        "individuell": 8,
        "gesundheit": 4,
        "engagement": 3,
        "digital": 3,
    },
    "lebenswelt_weiter": {"ja": 14, "offen": 7, "nein": 3},
    "bildung_diaa": {"ja": 23, "nein": 17},
    "bildung_weiter": {"wie_bisher": 17, "veraendert": 3, "nein": 1, "unklar": 2},
    "ueberleitung": {"ja": 34, "nein": 6},
    "ueberleitung_art": {
        "thm_cm": 19,
        "bekannte": 16,
        "coaching": 12,
        "uebergabe": 10,
        "eigen": 2,
        "planung": 4,
    },
    "loesungen": {
        "uebergang_cm": 21,
        "coaching": 25,
        "bildung": 23,
        "ablaeufe": 33,
        "kooperation": 33,
        "strukturen": 18,
        "angebote": 11,
    },
    "ablaeufe_bezug": {"buendnis": 30, "zielgruppe": 21},
    "huerden": {"uebergang_kim": 33, "begleitung": 32, "infrastruktur": 4, "verstetigung": 36},
    "fortfuehrung": {"fortfuehren": 35, "keine": 4},  # 39 answered: one return leaves it empty
    "fortfuehrung_was": {
        "fb3": 20,
        "fb2": 18,
        "sprachkurse": 15,
        "fb4": 13,
        "fb1": 12,
        "foerdergelder": 9,
        "kinderbetreuung": 7,
        "gfs": 6,
        "fb5": 5,
        "diaa": 4,
        "fb6": 4,
        "cm_coaching": 3,
        "datenbank": 2,
    },
    "notwendigkeit": {"gegeben": 31, "nicht_gegeben": 9},
    # Zugänge: the deck prints no n; 9 sits between Angebote (12) and Kooperation (7), where the
    # deck places the bar.
    "notwendigkeit_bereiche": {
        "beratung": 18,
        "angebote": 12,
        "zugaenge": 9,
        "kooperation": 7,
        "flankierend": 6,
    },
    # Scored 1 (sehr gut) to 5: mean 72/40 = 1.8, top two 31/40 = 77.5 % (exact, so no rounding
    # convention can move them).
    "bewertung": {"sehr_gut": 18, "gut": 13, "teils": 8, "schlecht": 1, "sehr_schlecht": 0},
    # The deck sets the two ratings side by side ("vs."): the work with the target group comes out
    # lower. Mean 88/40 = 2.2, top two 26/40 = 65.0 %.
    "bewertung_zg": {"sehr_gut": 11, "gut": 15, "teils": 10, "schlecht": 3, "sehr_schlecht": 1},
    "mehrwert": {
        "struktur": 24,
        "zugang": 21,
        "kooperation": 19,
        "fokus": 13,
        "finanzierung": 9,
        "sprachkurse": 5,
    },
}
# THM head count: 39 of 40 answer; two sites have none (and therefore no THM to hand over from).
THM_COUNTS_2022 = {0: 2, 1: 17, 2: 14, 3: 5, 4: 1}
SENTENCE_ALONE = 8  # of the 14 sentence returns, this many write nothing else
MEHRWERT_TEXT_OTHERS = 19  # further returns that write some other free text (base 14 + 19 = 33)
FORTFUEHRUNG_TEXT_N = 30  # of the 35 "fortführen" returns, this many add free text
VERSTETIGUNG_TEXT_N = 26

COUNTS_2020: dict[str, dict[str, int]] = {
    "buendnis": {"ja": 44, "nein": 2},
    "handlungsfelder": {
        "sprache": 38,
        "bildung": 41,
        "arbeit": 35,
        "lebenswelt": 17,
        "wohnen": 6,
        "gesundheit": 9,
    },
    "lebenswelt_konzept": {"ja": 18, "nein": 28},
    "lebenswelt_planung": {"ja": 15, "nein": 13},
}
THM_COUNTS_2020 = {0: 4, 1: 20, 2: 15, 3: 5, 4: 2}
BEMERKUNGEN_2020_N = 12

# ---- Free-text phrases, taken from the deck's word clouds --------------------------------

LEBENSWELT_PHRASES: dict[str, tuple[str, ...]] = {
    "begegnung": (
        "Sprachcafés (für Frauen)",
        "(interkulturelle) Begegnungsstätte",
        "offene Treffs",
        "interkulturelle Woche",
        "gemeinsames Kochen",
    ),
    "freizeit": (
        "Sport(vereine)",
        "Freizeitangebote",
        "FB 5: Social Networking",
        "städt. Buchmesse Migration",
    ),
    "individuell": (
        "individuelle Angebote",
        "Teil der Arbeit von THM",
        "FB 1: Coaching",
        "KOMM-AN",
        "Förderprogramme",
    ),
    "gesundheit": ("Gesundheitsprojekte",),
    "engagement": ("eigenes ehrenamtliches Engagement der Zielgruppe",),
    "digital": (
        "Digitalisierungsprojekt: sichere Hotspots in ca. 100 Kommunen",
        "Onlineportal mit Integrationsangeboten",
    ),
}
BILDUNG_PHRASES = (
    "Frauensprachkurs",
    "Vermittlung an BK/Weiterbildungskollegs",
    "Regelangebote (offen für alle)",
    "Jobgruppe",
    "Erwerb HS",
    "Willkommenslotsen Kammern",
    "verschiedene Projekte",
    "Info- & Beratungsveranstaltungen",
    "Ergänzung GemK durch empowermentorientierte Freizeitangebote",
    "verschiedene Sprachkurse",
    "Nachhilfe (Präsenz & Online)",
    "Bildungs- & Qualifizierungsmaßnahmen",
    "Berufsorientierung & -vorbereitung",
    "niedrigschwellige Angebote im Quartier",
    "Integrationskurse",
    "Erstorientierungskurs für Neuzugewanderte",
)
UEBERLEITUNG_PHRASES: dict[str, tuple[str, ...]] = {
    "thm_cm": ("THM wird CM", "THM und KIM-CM im KI", "KIM-CM", "THM wird zu KIM-Koordination"),
    "bekannte": (
        "gleichbleibender Ansprechpartner",
        "Intensiver Austausch THM & CM",
        "Gespräche mit TN",
        "THM bleibt für Zielgruppe zuständig",
    ),
    "coaching": (
        "THM werden Coaches",
        "erst Coaching, dann KIM",
        "Aufgabenteilung KIM / Coaches",
        "Coaching",
    ),
    "uebergabe": (
        "Übergabegespräche THM/KIM",
        "CM in JMD angesiedelt, Übernahme TN",
        "Migrations-/Integrationsbeauftragte kommunaler Stellen",
        "informelle Absprachen",
        "GfS",
    ),
    "eigen": ("Eigenfinanzierung THM",),
    "planung": ("in Planung mit KIM-Koordination", "individuell passende Projekte"),
}
MEHRWERT_PHRASES: dict[str, tuple[str, ...]] = {
    "struktur": (
        "Aufbau einer zielgruppenorientierten Unterstützungsstruktur",
        "feste Ansprechpartner:innen für Geduldete und Gestattete",
    ),
    "zugang": ("besserer Zugang zur Zielgruppe", "Die Zielgruppe wird überhaupt erst erreicht."),
    "kooperation": (
        "Die Zusammenarbeit im Bündnis hat sich deutlich verbessert.",
        "kurze Wege zur Ausländerbehörde",
    ),
    "fokus": (
        "endlich ein Fokus auf Geduldete und Gestattete",
        "Die Belange der Zielgruppe sind sichtbar geworden.",
    ),
    "finanzierung": ("Finanzierung von Angeboten und Maßnahmen, die sonst nicht möglich wären",),
    "sprachkurse": ("Sprachkurse für Personen ohne Anspruch auf einen Integrationskurs",),
}
NOTWENDIGKEIT_PHRASES: dict[str, tuple[str, ...]] = {
    "beratung": (
        "feste Beratungs- und Begleitungsstrukturen für Geduldete und Gestattete",
        "Begleitung zu Behörden und Beratungsstellen",
        "eine feste Ansprechperson für die Zielgruppe",
    ),
    "angebote": (
        "Sprachkurse für Personen ohne Anspruch auf einen Integrationskurs",
        "niedrigschwellige Bildungsangebote",
        "passgenaue Angebote und Maßnahmen für die Zielgruppe",
    ),
    "zugaenge": (
        "Zugänge zu den Regelangeboten öffnen",
        "Zugang zu Ausbildung und Arbeit erleichtern",
    ),
    "kooperation": (
        "verbindliche Kooperationsstrukturen mit ABH und Jobcenter",
        "Zusammenarbeit im Bündnis verstetigen",
    ),
    "flankierend": (
        "Kinderbetreuung während der Maßnahmen",
        "Fahrtkosten und Dolmetschleistungen übernehmen",
    ),
}
# What each category of the two coded "Nennungen" covers (the code books' descriptions).
CODE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "notwendigkeit_bereiche": {
        "beratung": "Beratung, Begleitung und feste Ansprechpersonen für die Zielgruppe.",
        "angebote": "Konkrete Angebote und Maßnahmen: Sprachkurse, Bildungs- und Förderangebote.",
        "zugaenge": "Zugänge der Zielgruppe zu Regelangeboten, Ausbildung und Arbeit.",
        "kooperation": "Verbindliche Zusammenarbeit der Akteure (ABH, Jobcenter, Bündnis).",
        "flankierend": "Unterstützung, die Teilnahme erst möglich macht: Kinderbetreuung, Fahrtkosten, Dolmetschen.",
    },
    "mehrwert": {
        "struktur": "Eine auf die Zielgruppe ausgerichtete Unterstützungsstruktur, feste Ansprechpersonen.",
        "zugang": "Die Zielgruppe wird erreicht und versorgt.",
        "kooperation": "Bessere Kooperation und Zusammenarbeit, kurze Wege zwischen den Akteuren.",
        "fokus": "Geduldete und Gestattete und ihre Belange werden sichtbar und zum Thema.",
        "finanzierung": "Geld für Angebote und Maßnahmen, die es sonst nicht gäbe.",
        "sprachkurse": "Sprachkurse für Personen ohne Anspruch auf einen Integrationskurs.",
    },
}
# The free-text questions whose coded answers give the deck's "Nennungen": text question ->
# (the select_multiple holding the same categories, the phrases the answers are made of).
CODED_TEXTS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "notwendigkeit_text": ("notwendigkeit_bereiche", NOTWENDIGKEIT_PHRASES),
    "mehrwert_nennungen": ("mehrwert", MEHRWERT_PHRASES),
}
CODER = "iaq"
VERSTETIGUNG_PHRASES = (
    "Kooperationsvereinbarung mit der ABH abschließen",
    "Verfahrensregelungen mit dem Jobcenter schriftlich festhalten",
    "geschaffene Angebote soweit möglich fortführen",
    "Austausch mit der Zielgruppe und MSO fortsetzen",
    "Bündnis als Arbeitskreis im KIM weiterführen",
    "Übergabe an das KIM-CM absichern",
)
KONZEPT_2020_PHRASES = (
    "Begegnungsangebote mit Vereinen",
    "Sportangebote mit dem Stadtsportbund",
    "Sprachcafés",
    "Patenschaftsprojekt mit Ehrenamtlichen",
    "Konzept des KI zur Lebensweltorientierung",
    "Freizeitangebote im Quartier",
    "Gesundheitsinformationen in mehreren Sprachen",
)
BEMERKUNGEN_2020_PHRASES = (
    "Planung durch die Corona-Pandemie verzögert",
    "THM-Stellen noch nicht besetzt",
    "Bündnistreffen derzeit nur digital",
    "Abstimmung mit der ABH läuft",
    "Bedarf an Sprachkursen für Personen ohne Anspruch",
)

# --------------------------------------------------------------------------------------
# Building returns: counts are assigned exactly, rows are shuffled with the wave's seed.
# --------------------------------------------------------------------------------------

Record = dict[str, str | None]


class Builder:
    """The returns of one wave under construction, with the helpers that keep counts exact."""

    def __init__(self, wave: str, n: int, seed: int) -> None:
        self.wave = wave
        self.rng = random.Random(seed)
        self.rows: list[Record] = [dict.fromkeys(question_names(wave)) for _ in range(n)]
        self.lists = {**kommune_lists(), **FORMS[wave].lists}

    @property
    def all(self) -> list[int]:
        return list(range(len(self.rows)))

    def where(self, name: str, value: str) -> list[int]:
        return [i for i, r in enumerate(self.rows) if r[name] == value]

    def where_selected(self, name: str, choice: str) -> list[int]:
        return [i for i, r in enumerate(self.rows) if choice in (r[name] or "").split()]

    def one(self, name: str, rows: Sequence[int], counts: dict[str, int], empty: int = 0) -> None:
        """A select_one: exactly ``counts[c]`` of ``rows`` get ``c``; ``empty`` stay unanswered."""
        values: list[str | None] = [c for c, k in counts.items() for _ in range(k)]
        values += [None] * empty
        assert len(values) == len(rows), (name, len(values), len(rows))
        self.rng.shuffle(values)
        for i, v in zip(rows, values, strict=True):
            self.rows[i][name] = v

    def multi(
        self,
        name: str,
        rows: Sequence[int],
        counts: dict[str, int],
        fixed: dict[str, Sequence[int]] | None = None,
        list_name: str | None = None,
    ) -> None:
        """A select_multiple: every row ticks at least one choice, choice ``c`` exactly ``counts[c]`` times.

        ``fixed`` pins a choice to given rows (to keep two questions consistent). The free
        choices are then dealt round-robin over the rows, the rows still without a tick first:
        a run of k <= len(rows) consecutive deals never hits one row twice, so every count is
        exact, and as long as there are at least as many free ticks as uncovered rows, every row
        gets one.
        """
        fixed = dict(fixed or {})
        picked: dict[int, set[str]] = {i: set() for i in rows}
        for choice, members in fixed.items():
            assert len(members) == counts[choice] and set(members) <= set(rows), (name, choice)
            for i in members:
                picked[i].add(choice)
        order = list(rows)
        self.rng.shuffle(order)
        order.sort(key=lambda i: bool(picked[i]))  # stable: uncovered rows first, else shuffled
        free = [c for c in counts if c not in fixed]
        self.rng.shuffle(free)
        pos = 0
        for choice in free:
            assert counts[choice] <= len(order), (name, choice)
            for _ in range(counts[choice]):
                picked[order[pos % len(order)]].add(choice)
                pos += 1
        assert all(picked.values()), f"{name}: a row has no choice"
        form_order = [c for c, _de, _en in self.lists[list_name or name]]
        for i in rows:
            self.rows[i][name] = " ".join(c for c in form_order if c in picked[i])

    def texts(self, name: str, rows: Sequence[int], make: Callable[[int], str]) -> None:
        for i in rows:
            self.rows[i][name] = make(i)

    def sample(self, rows: Sequence[int], k: int) -> list[int]:
        return sorted(self.rng.sample(list(rows), k))

    def phrases(self, pool: Sequence[str], k: int) -> list[str]:
        return self.rng.sample(list(pool), min(k, len(pool)))

    def sites(self) -> None:
        """Distinct sites from the register, with the matching area type."""
        for row, (sid, _name, typ, _rb) in zip(
            self.rows, self.rng.sample(REGISTER, len(self.rows)), strict=True
        ):
            row["kommune"] = sid
            row["gebietstyp"] = typ

    def integers(self, name: str, rows: Sequence[int], counts: dict[int, int]) -> None:
        self.one(name, rows, {str(v): k for v, k in counts.items()})

    def finish(
        self, start: dt.date, end: dt.date, id_prefix: str
    ) -> tuple[list[str], list[list[str]]]:
        """Submission times on working days in the window; rows in submission order, numbered."""
        days = [start + dt.timedelta(d) for d in range((end - start).days + 1)]
        workdays = [d for d in days if d.weekday() < 5]
        stamps = sorted(
            dt.datetime.combine(
                self.rng.choice(workdays),
                dt.time(self.rng.randint(8, 16), self.rng.randint(0, 59), self.rng.randint(0, 59)),
            )
            for _ in self.rows
        )
        order = self.all
        self.rng.shuffle(order)
        header = ["_id", "_submission_time", *question_names(self.wave)]
        out: list[list[str]] = []
        for n, (i, stamp) in enumerate(zip(order, stamps, strict=True), start=1):
            row = self.rows[i]
            row["ausfuelldatum"] = stamp.date().isoformat()
            out.append(
                [
                    f"{id_prefix}-{n:03d}",
                    stamp.isoformat(),
                    *(row[q] or "" for q in question_names(self.wave)),
                ]
            )
        return header, out


def build_2022() -> tuple[list[str], list[list[str]]]:
    """The 40 synthetic returns of the Arbeitshilfe Nachhaltigkeit 2022."""
    b = Builder("2022", N_2022, SEED_2022)
    c = COUNTS_2022
    b.sites()

    # Section 1: cooperation grid, then the ABH questions.
    for name, (only_new, only_int, both, none) in KOOP_SPLIT.items():
        b.one(
            name,
            b.all,
            {"neu": only_new, "intensiviert": only_int, "neu intensiviert": both, "keine": none},
        )
    # The two sites that stop cooperating with the ABH are among those with no new ABH cooperation.
    stop = b.sample(b.where("koop_abh", "keine"), c["abh_fortfuehrung"]["nein"])
    for i in b.all:
        b.rows[i]["abh_fortfuehrung"] = "nein" if i in stop else "ja"
    b.multi("abh_ueber", b.where("abh_fortfuehrung", "ja"), c["abh_ueber"])

    # Section 2: everyday-life integration, education outside DiAA, THM and hand-over.
    b.one("lebenswelt", b.all, c["lebenswelt"])
    lw = b.where("lebenswelt", "ja")
    b.multi("lebenswelt_bereiche", lw, c["lebenswelt_bereiche"])
    # The free text names offers from the ticked areas, so the coded answer and the text agree.
    b.texts(
        "lebenswelt_angebote",
        lw,
        lambda i: "; ".join(
            p
            for area in (b.rows[i]["lebenswelt_bereiche"] or "").split()
            for p in b.phrases(LEBENSWELT_PHRASES[area], b.rng.randint(1, 2))
        ),
    )
    b.one("lebenswelt_weiter", lw, c["lebenswelt_weiter"])

    b.one("bildung_diaa", b.all, c["bildung_diaa"])
    edu = b.where("bildung_diaa", "ja")
    b.texts(
        "bildung_angebote",
        edu,
        lambda _i: "; ".join(b.phrases(BILDUNG_PHRASES, b.rng.randint(2, 4))),
    )
    b.one("bildung_weiter", edu, c["bildung_weiter"])

    b.one("ueberleitung", b.all, c["ueberleitung"])
    handover = b.where("ueberleitung", "ja")
    # Sites without THM staff have nothing to hand over: their zeros and the one unanswered head
    # count fall among the six "nein" answers.
    no_handover = b.where("ueberleitung", "nein")
    zero_or_empty = b.sample(no_handover, THM_COUNTS_2022[0] + 1)
    for i in zero_or_empty[:-1]:
        b.rows[i]["thm_anzahl"] = "0"
    with_thm = [i for i in b.all if i not in zero_or_empty]
    b.integers("thm_anzahl", with_thm, {k: v for k, v in THM_COUNTS_2022.items() if k > 0})
    for i in with_thm:
        heads = int(b.rows[i]["thm_anzahl"] or 0)
        # mostly full posts, some half posts: 0.5 steps, at least 0.5, at most one per person
        fte = sum(b.rng.choice((0.5, 1.0, 1.0)) for _ in range(heads))
        b.rows[i]["thm_vze"] = f"{fte:.1f}"
    b.multi("ueberleitung_art", handover, c["ueberleitung_art"])
    b.texts(
        "ueberleitung_wie",
        handover,
        lambda i: "; ".join(
            p
            for kind in (b.rows[i]["ueberleitung_art"] or "").split()
            for p in b.phrases(UEBERLEITUNG_PHRASES[kind], 1)
        ),
    )

    # What has been achieved: "Bildungsangebote außerhalb von DiAA" are exactly the 23 sites
    # that said so above; the transition into case management happens where hand-over rules exist.
    b.multi(
        "loesungen",
        b.all,
        c["loesungen"],
        fixed={"bildung": edu, "uebergang_cm": b.sample(handover, c["loesungen"]["uebergang_cm"])},
    )
    b.multi("ablaeufe_bezug", b.where_selected("loesungen", "ablaeufe"), c["ablaeufe_bezug"])
    b.multi("huerden", b.all, c["huerden"])

    # Section 3.
    b.one("fortfuehrung", b.all, c["fortfuehrung"], empty=1)
    keep = b.where("fortfuehrung", "fortfuehren")
    b.multi("fortfuehrung_was", keep, c["fortfuehrung_was"])
    labels = {name: de for name, de, _en in LISTS_2022["fortfuehrung_was"]}
    b.texts(
        "fortfuehrung_text",
        b.sample(keep, FORTFUEHRUNG_TEXT_N),
        lambda i: "; ".join(labels[x] for x in (b.rows[i]["fortfuehrung_was"] or "").split()),
    )
    b.one("notwendigkeit", b.all, c["notwendigkeit"])
    b.multi(
        "notwendigkeit_bereiche", b.where("notwendigkeit", "gegeben"), c["notwendigkeit_bereiche"]
    )

    # Section 4: ratings, added value and its free text.
    b.one("bewertung", b.all, c["bewertung"])
    b.one("bewertung_zg", b.all, c["bewertung_zg"])
    # The 14 sites writing "Die Versorgung ... nicht möglich gewesen" all tick "Zugang zu und
    # Versorgung der Zielgruppe", as a coder would file that sentence there.
    sentence = b.sample(b.all, 14)
    rest = [i for i in b.all if i not in sentence]
    zugang = sorted(sentence + b.sample(rest, c["mehrwert"]["zugang"] - len(sentence)))
    b.multi("mehrwert", b.all, c["mehrwert"], fixed={"zugang": zugang})

    def other_lines(i: int) -> list[str]:
        return [b.phrases(MEHRWERT_PHRASES[m], 1)[0] for m in (b.rows[i]["mehrwert"] or "").split()]

    alone = b.sample(sentence, SENTENCE_ALONE)
    for i in sentence:
        extra = [] if i in alone else b.phrases(other_lines(i), 1)
        b.rows[i]["mehrwert_text"] = "\n".join([SENTENCE_14, *extra])
    b.texts(
        "mehrwert_text",
        b.sample(rest, MEHRWERT_TEXT_OTHERS),
        lambda i: "\n".join(b.phrases(other_lines(i), 2)),
    )
    b.texts(
        "verstetigung_text",
        b.sample(b.all, VERSTETIGUNG_TEXT_N),
        lambda _i: "; ".join(b.phrases(VERSTETIGUNG_PHRASES, b.rng.randint(1, 3))),
    )
    # The coded "Nennungen": one line per category the return ticked, in form order, so that
    # coding each line with its category gives the deck's counts. An own random stream keeps
    # every other column as it was before these questions existed.
    rng = random.Random(SEED_2022 + 1)
    for text_q, (multi_q, pool) in CODED_TEXTS.items():
        for i in b.all:
            ticked = (b.rows[i][multi_q] or "").split()
            if ticked:
                b.rows[i][text_q] = "\n".join(rng.choice(pool[x]) for x in ticked)

    return b.finish(dt.date(2022, 2, 1), dt.date(2022, 3, 31), "ah22")


def build_2020() -> tuple[list[str], list[list[str]]]:
    """The 46 synthetic returns of the Checkliste zur lokalen Planung 2020."""
    b = Builder("2020", N_2020, SEED_2020)
    c = COUNTS_2020
    b.sites()
    b.one("buendnis", b.all, c["buendnis"])
    b.integers("thm_anzahl", b.all, THM_COUNTS_2020)
    b.multi("handlungsfelder", b.all, c["handlungsfelder"])
    b.one("lebenswelt_konzept", b.all, c["lebenswelt_konzept"])
    b.texts(
        "lebenswelt_konzept_text",
        b.where("lebenswelt_konzept", "ja"),
        lambda _i: "; ".join(b.phrases(KONZEPT_2020_PHRASES, b.rng.randint(1, 3))),
    )
    b.one("lebenswelt_planung", b.where("lebenswelt_konzept", "nein"), c["lebenswelt_planung"])
    b.texts(
        "bemerkungen",
        b.sample(b.all, BEMERKUNGEN_2020_N),
        lambda _i: b.phrases(BEMERKUNGEN_2020_PHRASES, 1)[0],
    )
    return b.finish(dt.date(2020, 5, 1), dt.date(2020, 7, 31), "cl20")


# --------------------------------------------------------------------------------------
# expected_figures.yaml
# --------------------------------------------------------------------------------------


N_2021 = 44  # invented: the 2021 wave is synthetic as a whole
BEMERKUNGEN_2021_PHRASES = (
    "Bündnistreffen finden inzwischen digital statt",
    "Stelle THM seit Jahresbeginn wieder besetzt",
    "Angebote wegen der Pandemie verschoben",
    "Austausch mit der ABH verbessert",
)


def build_2021(
    returns_2022: tuple[list[str], list[list[str]]],
) -> tuple[list[str], list[list[str]]]:
    """The 44 synthetic returns of the Entwicklungsstand 2021.

    A site that also answered in 2022 answers 2021 close to its 2022 answers (the same sites
    change little from one year to the next), so the panel of the same sites has something to
    show; every draw comes from ``SEED_2021``, the other waves' returns are only read.
    """
    b = Builder("2021", N_2021, SEED_2021)
    b.sites()
    header, rows = returns_2022
    col = {name: k for k, name in enumerate(header)}
    later = {r[col["kommune"]]: r for r in rows}
    scale = [c for c, _de, _en in LISTS_2021["bewertung5"]]
    rng = b.rng
    for row in b.rows:
        site = str(row["kommune"])
        then = later.get(site)
        row["buendnis"] = "ja" if rng.random() < 0.95 else "nein"
        lw = then[col["lebenswelt"]] if then else None
        p_ja = 0.75 if lw == "ja" else 0.25 if lw == "nein" else 0.5
        if rng.random() < p_ja:
            row["lw_massnahmen"] = "ja_umfassend" if rng.random() < 0.4 else "ja_einzeln"
        else:
            row["lw_massnahmen"] = "nein"
        ue = then[col["ueberleitung"]] if then else None
        weights = (5, 4, 1) if ue == "ja" else (0, 3, 7) if ue == "nein" else (3, 4, 3)
        row["ueberleitung_geplant"] = rng.choices(("ja", "in_arbeit", "nein"), weights)[0]
        rating = then[col["bewertung"]] if then else rng.choice(scale[:4])
        step = rng.choices((-1, 0, 1), (15, 50, 35))[0]
        row["bewertung_strukturen"] = scale[min(4, max(0, scale.index(rating) + step))]
        count = then[col["thm_anzahl"]] if then and then[col["thm_anzahl"]] else None
        base = int(count) if count is not None else rng.randint(0, 3)
        row["thm_personen"] = str(max(0, base + rng.choice((-1, 0, 0, 1))))
    b.texts(
        "bemerkungen",
        b.sample(b.all, 9),
        lambda _i: b.phrases(BEMERKUNGEN_2021_PHRASES, 1)[0],
    )
    return b.finish(dt.date(2021, 4, 1), dt.date(2021, 5, 31), "es21")


#: the mappings of the pack (file -> text): which question of 2020 and 2021 is which of 2022
MAPPINGS: dict[str, str] = {
    "mapping_2020_2022.yaml": """\
# Zuordnung der Fragen 2020 → 2022 im Referenzpaket (klappt waves map --apply).
# Die Fragen, die beide Bögen stellen: Kommune, Gebietstyp und Datum heißen gleich und
# gelten ohne Eintrag als dieselben. Die Zahl der THM ist ausdrücklich genannt, obwohl sie
# gleich heißt: die Frage 2020 zählt auch geplante Stellen („eingesetzt oder geplant“).
# lebenswelt_konzept → lebenswelt: 2020 fragte nach KONZEPTEN, 2021 und 2022 nach
# MASSNAHMEN. Wir führen sie als eine Zeitreihe; jeder Bericht nennt dazu die Frage jeder
# Welle (der Vergleichsfolie nach sind es unterschiedliche Fragen).
from: "2020"
to: "2022"
questions:
  - from: thm_anzahl
    to: thm_anzahl
  - from: lebenswelt_konzept
    to: lebenswelt
  - from: buendnis
    to: null          # 2022 nicht mehr gefragt
  - from: handlungsfelder
    to: null          # 2022 nicht mehr gefragt
  - from: lebenswelt_planung
    to: null
""",
    "mapping_2021_2022.yaml": """\
# Zuordnung der Fragen 2021 → 2022 im Referenzpaket (klappt waves map --apply).
# Die Welle 2021 ist SYNTHETISCH (siehe README.md): umbenannte Fragen, zwei Antworten, die
# 2022 eine sind, und eine Antwort ohne Entsprechung.
from: "2021"
to: "2022"
questions:
  - from: thm_personen
    to: thm_anzahl
  - from: lw_massnahmen
    to: lebenswelt
    choices:
      ja_umfassend: ja   # zusammengelegt
      ja_einzeln: ja     # zusammengelegt
      nein: nein
  - from: ueberleitung_geplant
    to: ueberleitung
    choices:
      ja: ja
      in_arbeit: null    # „in Vorbereitung“ gibt es 2022 nicht: nicht vergleichbar
      nein: nein
  - from: bewertung_strukturen
    to: bewertung
  - from: buendnis
    to: null          # 2022 nicht mehr gefragt
""",
}


def percent(count: int, base: int) -> float:
    """One decimal, half-up, from exact counts (the tabulation contract)."""
    return float(
        (Decimal(count) * 100 / Decimal(base)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    )


S_RUECKLAUF = "Arbeitshilfe Nachhaltigkeit 2022"
S_KOOP = "Weiterentwicklung der Kooperationslandschaft"
S_ABH = "Entwicklung von Strukturen zur Kooperation mit der ABH"
S_LW = "Angebote zur lebensweltlichen Integration in „Gemeinsam klappt´s“"
S_BILDUNG = (
    "Bildungsangebote, die nicht über „Durchstarten in Ausbildung und Arbeit“ gefördert werden"
)
S_THM = "Wie werden die Geduldeten und Gestatteten nach Auslaufen des THM weiterbetreut?"
S_LOES = "Lösungsansätze für Unklarheiten und Herausforderungen, die das Auslaufen von „Gemeinsam klappt´s“ mit sich bringt..."
S_FORT = "Einschätzungen zu den aufgebauten Strukturen und Maßnahmen"
S_NOTW = "Einschätzungen zur Notwendigkeit besonderer Strukturen und Maßnahmen"
S_BEW_S = "Bewertung der Strukturentwicklung durch „Gemeinsam klappt's“"
S_BEW_Z = "Bewertung der Arbeit mit der Zielgruppe in „Gemeinsam klappt's“"
S_MEHR = "Mehrwert von „Gemeinsam klappt’s“ für die lokale Integrationsarbeit"

# (slide, text as printed, question, choice, count, base) — numbers copied from the deck text.
PRINTED_2022: tuple[tuple[str, str, str, str, int, int], ...] = (
    (S_ABH, "... gemeinsame Angebote (n=3)", "abh_ueber", "angebote", 3, 38),
    (S_ABH, "... enge Zusammenarbeit (n=6)", "abh_ueber", "zusammenarbeit", 6, 38),
    (S_ABH, "... auf Steuerebene (n=12)", "abh_ueber", "steuerebene", 12, 38),
    (S_ABH, "... im regelmäßigen Turnus (n=10)", "abh_ueber", "turnus", 10, 38),
    (S_ABH, "... nach Bedarf (n=19)", "abh_ueber", "bedarf", 19, 38),
    (
        S_LW,
        "2022: 60 % haben Maßnahmen zur lebensweltlichen Integration (n=24)",
        "lebenswelt",
        "ja",
        24,
        40,
    ),
    (
        S_LW,
        "Angebote werden mehrheitlich (n=14) auch nach Gemeinsam klappt´s fortgeführt",
        "lebenswelt_weiter",
        "ja",
        14,
        24,
    ),
    (S_BILDUNG, "↳ 74% laufen ab 2023 weiter wie bisher", "bildung_weiter", "wie_bisher", 17, 23),
    (
        S_THM,
        "Knapp 84 % geben an, dass es Regelungen zur Überleitung nach dem Auslaufen des THM gibt (n=34)",
        "ueberleitung",
        "ja",
        34,
        40,
    ),
    (S_LOES, "Übergangsphase ins CM (n=21)", "loesungen", "uebergang_cm", 21, 40),
    (S_LOES, "unterstützt durch Coaching (n=25)", "loesungen", "coaching", 25, 40),
    (S_LOES, "Bildungsangebote außerhalb von DiAA (n=23)", "loesungen", "bildung", 23, 40),
    (S_LOES, "Neue Arbeitsabläufe (n=33)", "loesungen", "ablaeufe", 33, 40),
    (S_LOES, "... bezogen auf Bündnisarbeit (n=30)", "ablaeufe_bezug", "buendnis", 30, 33),
    (S_LOES, "... bezogen auf Zielgruppe (n=21)", "ablaeufe_bezug", "zielgruppe", 21, 33),
    (
        S_LOES,
        "Neue bzw. intensivere Kooperationsbeziehungen (n=33)",
        "loesungen",
        "kooperation",
        33,
        40,
    ),
    (S_LOES, "Strukturen für verbesserte Betreuung (n= 18)", "loesungen", "strukturen", 18, 40),
    (
        S_LOES,
        "Angebote für die Zielgruppe durch Gemeinsam klappt´s aufgebaut bzw. im Aufbau (n=11)",
        "loesungen",
        "angebote",
        11,
        40,
    ),
    (S_LOES, "Übergang von Gemeinsam klappt´s zum KIM (N=33)", "huerden", "uebergang_kim", 33, 40),
    (S_LOES, "Begleitung der Zielgruppe (n=32)", "huerden", "begleitung", 32, 40),
    (S_LOES, "Infrastruktur (n=4)", "huerden", "infrastruktur", 4, 40),
    (S_LOES, "Verstetigung der Strukturen (n=36)", "huerden", "verstetigung", 36, 40),
    (
        S_NOTW,
        "Beratungs- und Begleitungsstrukturen (n=18)",
        "notwendigkeit_bereiche",
        "beratung",
        18,
        31,
    ),
    (S_NOTW, "Angebote und Maßnahmen (n=12)", "notwendigkeit_bereiche", "angebote", 12, 31),
    (S_NOTW, "Kooperationsstrukturen (n=7)", "notwendigkeit_bereiche", "kooperation", 7, 31),
    (
        S_NOTW,
        "Flankierende Unterstützungsstrukturen (n=6)",
        "notwendigkeit_bereiche",
        "flankierend",
        6,
        31,
    ),
)

NOTES = {
    (
        "ueberleitung",
        "ja",
    ): "34 of 40 is 85.0 %, not the printed 'knapp 84 %'; no base of at most 40 gives 34 "
    "as about 84 %. We keep the printed count n=34 and the 40 returns.",
    ("bildung_weiter", "wie_bisher"): "Printed rounded to a whole percent: 17 of 23 = 73.9 %.",
    ("lebenswelt_weiter", "ja"): "'mehrheitlich': 14 of the 24 sites with measures (58.3 %).",
}


def entry(
    slide: str,
    text: str,
    question: str | None,
    choice: str | None,
    base: int | None,
    count: int | None,
    wave: int,
    printed: bool,
    **extra: object,
) -> dict[str, object]:
    pct = percent(count, base) if (choice is not None and count is not None and base) else None
    out: dict[str, object] = {
        "slide": slide,
        "text": text,
        "question": question,
        "choice": choice,
        "base": base,
        "count": count,
        "percent": pct,
        "wave": wave,
        "printed": printed,
    }
    out.update(extra)
    return out


def choice_label(wave: str, question: str, choice: str) -> str:
    row = next(r for r in FORMS[wave].survey if r.name == question)
    list_name = row.type.split()[1]
    return next(de for name, de, _en in FORMS[wave].lists[list_name] if name == choice)


def scale_stats(counts: dict[str, int]) -> tuple[float, float]:
    """Mean with the first choice scored 1 (two decimals), and the share of the two best answers."""
    n = sum(counts.values())
    total = sum((pos + 1) * k for pos, k in enumerate(counts.values()))
    mean = float((Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    top2 = list(counts.values())
    return mean, percent(top2[0] + top2[1], n)


def expected_figures() -> list[dict[str, object]]:
    """Every printed figure, then the numbers we chose for charts printed without numbers."""
    out: list[dict[str, object]] = [
        entry(S_RUECKLAUF, "Rücklauf: 40 Arbeitshilfen", None, None, None, N_2022, 2022, True),
        *[
            entry(S_KOOP, f"neue Kooperationen (n=40) – {de}", name, None, 40, None, 2022, True)
            for name, de, _en in KOOP_AREAS
        ],
    ]
    for slide, text, q, ch, count, base in PRINTED_2022:
        extra = {"note": NOTES[(q, ch)]} if (q, ch) in NOTES else {}
        out.append(entry(slide, text, q, ch, base, count, 2022, True, **extra))
    out.append(
        entry(
            S_FORT,
            'Einstellung/Beendigung bestehender "Gemeinsam klappt\'s"-Strukturen* (*n=39)',
            "fortfuehrung",
            None,
            39,
            None,
            2022,
            True,
        )
    )
    out.append(
        entry(
            S_MEHR,
            f"Häufigste Einzelnennung im Freitext: {SENTENCE_14} (n=14)",
            "mehrwert_text",
            None,
            None,
            14,
            2022,
            True,
            mention=SENTENCE_14,
            note="A free-text mention, not a table row: 14 returns have this sentence as their answer or as one line of it.",
        )
    )
    out.append(
        entry(
            S_LW,
            "2020: 39 % haben Konzepte zur Lebensweltorientierung (n=18)",
            "lebenswelt_konzept",
            "ja",
            N_2020,
            18,
            2020,
            True,
            note="The deck prints 39 % and n=18; the base of 46 returns is implied (18/46 = 39.1 %).",
        )
    )

    # Chosen numbers for the charts without printed numbers.
    out.append(
        entry(
            S_RUECKLAUF,
            "Rücklauf 2020 (not printed; implied by 39 % = 18 of 46)",
            None,
            None,
            None,
            N_2020,
            2020,
            False,
        )
    )
    koop_labels = {name: de for name, de, _en in LISTS_2022["koop_art"]}
    for name, (only_new, only_int, both, none) in KOOP_SPLIT.items():
        for ch, k in (("neu", only_new + both), ("intensiviert", only_int + both), ("keine", none)):
            out.append(entry(S_KOOP, f"{koop_labels[ch]} ({name})", name, ch, 40, k, 2022, False))
    slides = {
        "lebenswelt": (S_LW, "Maßnahmen zur lebensweltlichen Integration"),
        "abh_fortfuehrung": (S_ABH, "Fortführung der Kooperation mit ABH*"),
        "lebenswelt_bereiche": (S_LW, "Fokus auf Begegnungs- und Freizeitangebote*"),
        "lebenswelt_weiter": (
            S_LW,
            "Angebote werden mehrheitlich (n=14) auch nach Gemeinsam klappt´s fortgeführt",
        ),
        "bildung_diaa": (S_BILDUNG, "Bildungsangebote außerhalb von DiAA"),
        "bildung_weiter": (S_BILDUNG, "↳ 74% laufen ab 2023 weiter wie bisher"),
        "ueberleitung": (S_THM, "Regelungen zur Überleitung nach dem Auslaufen des THM"),
        "ueberleitung_art": (S_THM, "Fokus auf „bekannte Gesichter“*"),
        "fortfuehrung": (
            S_FORT,
            'Einstellung/Beendigung bestehender "Gemeinsam klappt\'s"-Strukturen*',
        ),
        "fortfuehrung_was": (S_FORT, "Nennungen:**"),
        "notwendigkeit": (
            S_NOTW,
            "Notwendigkeit besonderer Strukturen o. Maßnahmen zur Berücksichtigung der Belange der Zielgruppe*",
        ),
        "notwendigkeit_bereiche": (S_NOTW, "Nennungen**"),
        "bewertung": (S_BEW_S, S_BEW_S),
        "bewertung_zg": (S_BEW_Z, S_BEW_Z),
        "mehrwert": (S_MEHR, S_MEHR),
    }
    printed_pairs = {(q, ch) for _s, _t, q, ch, _c, _b in PRINTED_2022}
    coded_bases = {
        "notwendigkeit_bereiche": COUNTS_2022["notwendigkeit"]["gegeben"],
        "mehrwert": N_2022,
    }
    for q, (slide, text) in slides.items():
        counts = COUNTS_2022[q]
        base = sum(counts.values())  # a select_one: every answer is one return
        row = next(r for r in SURVEY_2022 if r.name == q)
        if row.type.startswith("select_multiple"):
            base = {
                "lebenswelt_bereiche": COUNTS_2022["lebenswelt"]["ja"],
                "ueberleitung_art": COUNTS_2022["ueberleitung"]["ja"],
                "fortfuehrung_was": COUNTS_2022["fortfuehrung"]["fortfuehren"],
                "notwendigkeit_bereiche": COUNTS_2022["notwendigkeit"]["gegeben"],
                "mehrwert": N_2022,
            }[q]
        extra: dict[str, object] = {}
        if q in ("bewertung", "bewertung_zg"):
            mean, top2 = scale_stats(counts)
            extra = {"mean": mean, "top2": top2}
        for ch, k in counts.items():
            if (q, ch) in printed_pairs:
                continue
            label = choice_label("2022", q, ch)
            out.append(entry(slide, f"{text} – {label}", q, ch, base, k, 2022, False, **extra))
            extra = {}
    # The same "Nennungen" from the coded free text: apply_codes(code book, codings) + tabulate.
    printed_text = {(q, ch): text for _s, text, q, ch, _c, _b in PRINTED_2022}
    for text_q, (multi_q, _pool) in CODED_TEXTS.items():
        slide, text = slides[multi_q]
        base = coded_bases[multi_q]  # every return that ticked a category wrote and coded it
        for ch, k in COUNTS_2022[multi_q].items():
            printed = (multi_q, ch) in printed_pairs
            label = (
                printed_text[(multi_q, ch)]
                if printed
                else f"{text} – {choice_label('2022', multi_q, ch)}"
            )
            out.append(
                entry(
                    slide,
                    f"{label} (codiert)",
                    f"{text_q}__codes",
                    ch,
                    base,
                    k,
                    2022,
                    printed,
                    codebook=codebook_file(text_q),
                    codings=CODINGS_FILE,
                )
            )
    thm_base = sum(THM_COUNTS_2022.values())
    out.append(
        entry(
            S_THM,
            "THM head count answered (integer)",
            "thm_anzahl",
            None,
            thm_base,
            None,
            2022,
            False,
        )
    )
    out.append(
        entry(
            S_THM,
            "THM in Vollzeitstellen answered",
            "thm_vze",
            None,
            thm_base - THM_COUNTS_2022[0],
            None,
            2022,
            False,
        )
    )
    text_bases = {
        "lebenswelt_angebote": (S_LW, COUNTS_2022["lebenswelt"]["ja"]),
        "bildung_angebote": (S_BILDUNG, COUNTS_2022["bildung_diaa"]["ja"]),
        "ueberleitung_wie": (S_THM, COUNTS_2022["ueberleitung"]["ja"]),
        "fortfuehrung_text": (S_FORT, FORTFUEHRUNG_TEXT_N),
        "mehrwert_text": (S_MEHR, 14 + MEHRWERT_TEXT_OTHERS),
        "notwendigkeit_text": (S_NOTW, COUNTS_2022["notwendigkeit"]["gegeben"]),
        "mehrwert_nennungen": (S_MEHR, N_2022),
        "verstetigung_text": (
            "Erkenntnisse zu Verstärkungspotenzialen von „Gemeinsam klappt's“",
            VERSTETIGUNG_TEXT_N,
        ),
    }
    for q, (slide, base) in text_bases.items():
        out.append(entry(slide, f"free text answered ({q})", q, None, base, None, 2022, False))

    for q in ("buendnis", "handlungsfelder", "lebenswelt_konzept", "lebenswelt_planung"):
        counts = COUNTS_2020[q]
        base = N_2020 if q != "lebenswelt_planung" else COUNTS_2020["lebenswelt_konzept"]["nein"]
        for ch, k in counts.items():
            if (q, ch) == ("lebenswelt_konzept", "ja"):
                continue
            text = f"Checkliste 2020 – {choice_label('2020', q, ch)}"
            out.append(
                entry(
                    "Ergänzende Angaben aus weiteren Arbeitshilfen",
                    text,
                    q,
                    ch,
                    base,
                    k,
                    2020,
                    False,
                )
            )
    return out


# --------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------


def readme(figures: list[dict[str, object]]) -> str:
    """The pack's README, with the chosen numbers filled in from the same constants."""
    chosen = [f for f in figures if not f["printed"] and f["choice"] is not None]
    lines = [
        f"| {f['wave']} | `{f['question']}` | `{f['choice']}` | {f['count']} | {f['base']} | {f['percent']} |"
        for f in chosen
    ]
    return README_TEMPLATE.format(chosen_table="\n".join(lines), sentence=SENTENCE_14)


README_TEMPLATE = """\
# The "Gemeinsam klappt's" reference pack

<!-- Written by tools/build_reference.py; edit the script, not this file. -->

This folder is klappt's worked example. It rebuilds the inputs behind the IAQ deck
"Was klappt gemeinsam? Lokale Integrationsarbeit nachhaltig verankern" (15.06.2022), which
reports the *Arbeitshilfe Nachhaltigkeit 2022* of the NRW initiative „Gemeinsam klappt’s“
(40 returns, February–March 2022) and compares one figure with the *Checkliste zur lokalen
Planung 2020*.

**The returns are SYNTHETIC.** They are not the real answers of any municipality. We
reconstructed them so that their marginals equal every figure the deck prints; everything else
(which site answered what, the free text, the numbers of charts that the deck shows without
numbers) is invented, seeded and reproducible. Do not cite them as findings about a site.

## Files

| File | What it is |
|---|---|
| `arbeitshilfe_2022.xlsx` | XLSForm of the Arbeitshilfe Nachhaltigkeit 2022: site identification, then the deck's four sections as groups |
| `checkliste_2020.xlsx` | XLSForm of the Checkliste zur lokalen Planung 2020 (short: site, planning, Lebensweltorientierung) |
| `register.csv` | the 54 sites: `site_id,name,typ,regierungsbezirk` |
| `returns_2022.csv` | 40 synthetic returns of the 2022 form |
| `returns_2020.csv` | 46 synthetic returns of the 2020 checklist |
| `entwicklungsstand_2021.xlsx`, `returns_2021.csv` | a SYNTHETIC 2021 wave ("Entwicklungsstand 2021", 44 returns): form and returns invented for the trend example (see below) |
| `mapping_2020_2022.yaml`, `mapping_2021_2022.yaml` | which question of 2020 and of 2021 is which of 2022 (`klappt waves map --apply`) |
| `codebook_notwendigkeit_text.yaml`, `codebook_mehrwert_nennungen.yaml` | code books of the two coded free-text questions: the deck's categories with labels, descriptions and examples |
| `codings_2022.csv` | the codings of those answers (coder `iaq`, final codes, one row per line of an answer), as `klappt code import` writes them |
| `expected_figures.yaml` | every figure the deck prints, as data (`printed: true`), and the numbers we chose (`printed: false`) |

All files are written by `tools/build_reference.py` (seeds 20220615, 20200701 and 20210415). The test
`tests/reference/test_reference_pack.py` checks that the forms pass pyxform and ODK Validate, that
the returns validate without a single issue, that `klappt.analysis.tabulate` reproduces every entry
of `expected_figures.yaml`, and that the files equal what the script writes.

## Data conventions

UTF-8 CSV, comma separated, one header row of question names (no group prefixes). `_id` is the
return id, `_submission_time` an ISO timestamp inside the wave's field period. A select_one holds
the choice name, a select_multiple the chosen names separated by spaces, in one column. An empty
cell is "not answered"; questions that were not relevant for a return are empty. Every required
and relevant question is answered and every constraint holds.

## Where the figures come from

Each entry of `expected_figures.yaml` names the slide, the text as printed, the question and
choice that carry it, and count, base and percent as klappt computes them (one decimal, half-up).
`text` is what the deck prints; `base` and `percent` are the pack's values even where the deck
prints only a count.

- Rücklauf 40 → 40 rows in `returns_2022.csv`.
- Neue Kooperationen (n=40) → the six `koop_*` questions of the grid, each answered by all 40.
- ABH cooperation kinds (3, 6, 12, 10, 19) → `abh_ueber`, asked when `abh_fortfuehrung = ja` (38 sites, 50 ticks).
- 60 % (n=24) with measures for lebensweltliche Integration → `lebenswelt = ja`; "mehrheitlich (n=14)" → `lebenswelt_weiter = ja` (14 of 24).
- 2020: 39 % (n=18) with concepts → `lebenswelt_konzept = ja` in the 2020 checklist, 18 of 46.
- Bildungsangebote außerhalb von DiAA (n=23) → `bildung_diaa = ja` and `loesungen = bildung` (the same 23 sites; a constraint keeps them consistent); "74 % laufen ab 2023 weiter wie bisher" → `bildung_weiter = wie_bisher`, 17 of 23 = 73.9 %.
- Regelungen zur Überleitung nach dem THM (n=34) → `ueberleitung = ja`.
- Lösungsansätze (21, 25, 23, 33, 33, 18, 11) → `loesungen`; the sub-items of "Neue Arbeitsabläufe" (30, 21) → `ablaeufe_bezug`, asked when `ablaeufe` is ticked (33 sites).
- Hürden (33, 32, 4, 36) → `huerden`.
- Einstellung/Beendigung (n=39) → `fortfuehrung`, left empty by one return.
- Notwendigkeit besonderer Strukturen, Nennungen (18, 12, 7, 6) → `notwendigkeit_bereiche`, asked when `notwendigkeit = gegeben` (31 sites),
  and the same counts coded from the free text: `notwendigkeit_text__codes` (see decision 8).
- Mehrwert (chosen counts, see below) → `mehrwert`, and coded from the free text: `mehrwert_nennungen__codes`.
- "Häufigste Einzelnennung im Freitext … (n=14)" → `mehrwert_text`: exactly 14 returns contain the line
  „{sentence}“ (8 as the whole answer, 6 as one line of several). These 14 also tick `mehrwert = zugang`.

## Decisions

1. **54 sites.** NRW has 53 Kreise and kreisfreie Städte: 22 kreisfreie Städte and 31 Kreise,
   the StädteRegion Aachen counted as a Kreis. The seed material speaks of 54. We add **Stadt
   Aachen** (`ac_stadt`, typ `kreisangehoerige_stadt`) as the 54th site: it belongs to the
   StädteRegion but keeps the rights of a kreisfreie Stadt and runs its own integration work, so
   it is the natural town to take part on its own. The StädteRegion is `ac_region`. All other
   ids are the lower-cased vehicle registration codes (`d` Düsseldorf, `kle` Kreis Kleve, ...).
   Stadt Aachen happens to be among the returns of both waves, so `--by gebietstyp` has a group
   of one site: the pack doubles as the test case for small-cell protection in reports.
2. **"Knapp 84 %" (n=34).** 34 of 40 is 85.0 %. No base up to 40 makes 34 "knapp 84 %"
   (34/41 = 82.9 %, and the wave has 40 returns). We keep the printed count, 34 of 40, and the
   YAML entry carries a note.
3. **2020 base.** The deck prints 39 % and n=18 but no base; 18/46 = 39.1 % is the only base
   near it that rounds to 39 %, so the 2020 checklist has 46 returns (May–July 2020).
4. **Zugänge.** The deck prints no n for "Zugänge"; we set **9**, between Angebote und
   Maßnahmen (12) and Kooperationsstrukturen (7), where the deck lists it.
5. **Fortführung der Kooperation mit ABH.** We read it as a yes/no question (38 ja, 2 nein) and
   the footnote "Mehrfachnennungen" as belonging to the cooperation kinds; the two "nein" sites
   are among those reporting no new ABH cooperation.
6. **Ratings.** Both scales are five-point likert lists, `sehr_gut` … `sehr_schlecht`. Scored
   1 (sehr gut) to 5: Strukturentwicklung mean 1.8, top two 77.5 %; Arbeit mit der Zielgruppe
   mean 2.2, top two 65.0 % (the deck's "vs." contrasts the two).
7. **Consistency rules** the returns obey: follow-ups are empty when their condition is not
   met; the transition into case management (`loesungen = uebergang_cm`) is only ticked where
   hand-over rules exist; sites without THM staff (`thm_anzahl = 0`) and the one site that left
   the head count empty are among the six without hand-over rules; the free text of
   `lebenswelt_angebote`, `ueberleitung_wie` and `fortfuehrung_text` names things from the
   categories the same return ticked; the word-cloud phrases of the deck are the vocabulary.
8. **Coded mentions.** The deck's "Nennungen" are free-text answers that IAQ coded
   into categories. We model the coded result as `select_multiple` questions
   (`lebenswelt_bereiche`, `ueberleitung_art`, `fortfuehrung_was`, `notwendigkeit_bereiche`,
   `mehrwert`) next to the free text, so that they tabulate directly; the free text of the same
   return uses phrases of the categories it ticked. For the need for special structures and the
   Mehrwert the pack also carries the coding itself: the free-text questions `notwendigkeit_text`
   and `mehrwert_nennungen` hold one line per category the return ticked (phrases of that
   category), `codebook_<question>.yaml` lists the categories, and `codings_2022.csv` codes every
   line. `klappt.coding.apply_codes` then gives `<question>__codes` with exactly the counts of
   the select_multiple question, and the reference recipe charts these coded variables.
   `mehrwert_text` stays the open "Freitext" with the deck's most frequent single mention.
9. **Names.** `lebenswelt`, `abh_ueber` (base 38, 50 mentions) and `bewertung` (mean 1.8, top two
   77.5 %) are the examples of `docs/ARCHITECTURE.md`; the pack makes those examples true.
10. **Typography.** The labels keep the deck's quotes („Gemeinsam klappt´s“, „Gemeinsam
   klappt’s“). pyxform 4.5 replaces ’ ‘ “ ” by ASCII quotes when it reads a form, so a parsed
   label reads „Gemeinsam klappt's"; the workbook itself is unchanged.
11. **Numbers in the clouds** ("ca. 100 Kommunen", "FB 1"…"FB6", "ab 2023") are parts of answers,
   not figures, and are not in `expected_figures.yaml`. The 2021 Arbeitshilfe
   ("Entwicklungsstand", April–May 2021) is mentioned by the deck but reports no figure.
12. **The 2021 wave is synthetic as a whole**, form included (`entwicklungsstand_2021.xlsx`,
   title "Entwicklungsstand 2021 (synthetisch)"): the real form is not published. It exists so
   that the pack shows a trend over three waves whose forms change: `thm_personen`,
   `lw_massnahmen`, `ueberleitung_geplant` and `bewertung_strukturen` are 2022's `thm_anzahl`,
   `lebenswelt`, `ueberleitung` and `bewertung` renamed; "ja, in mehreren Bereichen" and "ja,
   einzelne Angebote" are merged into 2022's "ja"; "in Vorbereitung" has no 2022 counterpart and
   counts as no answer; `buendnis` was dropped in 2022. A site that answered in 2022 answers 2021
   close to its 2022 answers, drawn with seed 20210415, so the panel of the same sites has
   transitions to show. None of its figures is printed by the deck; the 2020 and 2022 returns
   are not touched by it.
13. **Lebensweltorientierung as one series.** `mapping_2020_2022.yaml` maps 2020's
   `lebenswelt_konzept` (concepts) onto 2022's `lebenswelt` (measures). The deck's comparison
   slide keeps saying they are different questions; trend charts name each wave's question.

## Numbers we chose (charts the deck shows without numbers)

| wave | question | choice | count | base | percent |
|---|---|---|---|---|---|
{chosen_table}

## Rebuilding

```
.venv/bin/python tools/build_reference.py
.venv/bin/python -m pytest tests/reference -q
```
"""

# --------------------------------------------------------------------------------------
# Code books and codings of the coded "Nennungen"
# --------------------------------------------------------------------------------------


def codebook_file(question: str) -> str:
    return f"codebook_{question}.yaml"


CODINGS_FILE = "codings_2022.csv"


def codebook_yaml(question: str) -> str:
    """The code book of one text question: the categories of the deck, in the deck's order."""
    from klappt.coding import Code, Codebook, codebook_to_yaml

    multi_q, pool = CODED_TEXTS[question]
    row = next(r for r in SURVEY_2022 if r.name == question)
    codes = tuple(
        Code(
            name,
            {"de": de, "en": en},
            description=CODE_DESCRIPTIONS[multi_q][name],
            examples=pool[name],
        )
        for name, de, en in LISTS_2022[multi_q]
    )
    return codebook_to_yaml(Codebook(question, codes, version="1", wave="2022", title=row.de))


def codings_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Coder "iaq" codes every line of every coded answer with the category it was written for."""
    from klappt.coding import Coding, CodingSet, answer_id, codings_to_csv, split_segments

    col = {name: k for k, name in enumerate(header)}
    out = []
    for text_q, (multi_q, _pool) in CODED_TEXTS.items():
        for row in rows:
            parts = split_segments(row[col[text_q]])
            ticked = row[col[multi_q]].split()
            assert len(parts) == len(ticked), (text_q, row[0])
            out.extend(
                Coding(
                    answer_id(row[0], seg),
                    CODER,
                    code,
                    question=text_q,
                    text=part,
                    coded_at=FIXED_TIMESTAMP.isoformat(),
                    final=True,
                )
                for seg, (part, code) in enumerate(zip(parts, ticked, strict=True), start=1)
            )
    return codings_to_csv(CodingSet(tuple(out)))


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_text(path: Path, text: str) -> None:
    # newline="" keeps "\n" on every platform, so the pack is byte-identical on Windows too
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def build(out: Path) -> list[Path]:
    """Write every data file of the pack into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for wave in ("2022", "2020", "2021"):
        path = out / FORMS[wave].file
        write_form(path, wave)
        written.append(path)
    register = out / "register.csv"
    write_text(register, csv_text(("site_id", "name", "typ", "regierungsbezirk"), REGISTER))
    written.append(register)
    returns_2022 = build_2022()
    for name, (header, rows) in (
        ("returns_2022.csv", returns_2022),
        ("returns_2020.csv", build_2020()),
        ("returns_2021.csv", build_2021(returns_2022)),
    ):
        write_text(out / name, csv_text(header, rows))
        written.append(out / name)
    for name, text in MAPPINGS.items():
        write_text(out / name, text)
        written.append(out / name)
    for question in CODED_TEXTS:
        write_text(out / codebook_file(question), codebook_yaml(question))
        written.append(out / codebook_file(question))
    write_text(out / CODINGS_FILE, codings_csv(*returns_2022))
    written.append(out / CODINGS_FILE)
    figures = expected_figures()
    header = (
        "# Every figure of the deck 'Was klappt gemeinsam?' (IAQ, 15.06.2022) as data.\n"
        "# Written by tools/build_reference.py. printed: true = the deck prints it;\n"
        "# printed: false = our choice for a chart without numbers. Counts, bases and percents\n"
        "# are what klappt tabulate gives for the synthetic returns of this pack.\n"
    )
    body = yaml.safe_dump(figures, allow_unicode=True, sort_keys=False, width=200)
    write_text(out / "expected_figures.yaml", header + body)
    written.append(out / "expected_figures.yaml")
    write_text(out / "README.md", readme(figures))
    written.append(out / "README.md")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="target folder (default: the package's reference/)",
    )
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
