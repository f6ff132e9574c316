"""Three small waves whose form changes, for the trend tests (tests/analysis/test_trend*.py).

2020 and 2021 ask ``plan`` (ja / teilweise / nein); 2022 asks it as ``planung`` (ja / nein /
weiss), with "teilweise" merged into "ja" by the mapping 2021 → 2022. ``bem`` is asked in 2020
only, ``neu21`` from 2021 on; ``bew`` (a scale), ``typ`` and ``anz`` never change. ``kommune``
names the site (the register's ids s1 … s6).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

_CHOICES = """
| choices |
|         | list_name | name      | label::Deutsch (de) |
|         | kom       | s1        | Aachen              |
|         | kom       | s2        | Bonn                |
|         | kom       | s3        | Celle               |
|         | kom       | s4        | Dachau              |
|         | kom       | s5        | Essen               |
|         | kom       | s6        | Fulda               |
|         | typ       | kreis     | Kreis               |
|         | typ       | stadt     | kreisfreie Stadt    |
|         | plan3     | ja        | ja                  |
|         | plan3     | teilweise | teilweise           |
|         | plan3     | nein      | nein                |
|         | plan2     | ja        | ja                  |
|         | plan2     | nein      | nein                |
|         | plan2     | weiss     | weiß nicht          |
|         | yn        | ja        | ja                  |
|         | yn        | nein      | nein                |
|         | note      | 1         | sehr gut            |
|         | note      | 2         | gut                 |
|         | note      | 3         | mittel              |
|         | note      | 4         | schlecht            |
| settings |
|          | default_language | form_title |
|          | Deutsch (de)     | {title}    |
"""

_HEAD = """
| survey |
|        | type              | name    | label::Deutsch (de)              | appearance |
|        | select_one kom    | kommune | Kommune                          |            |
|        | select_one typ    | typ     | Gebietstyp                       |            |
"""

_TAIL = """
|        | select_one note   | bew     | Wie bewerten Sie die Planung?    | likert     |
|        | integer           | anz     | Anzahl der Maßnahmen             |            |
"""

FORMS = {
    "2020": _HEAD
    + "|        | select_one plan3  | plan    | Gibt es eine Planung?            |            |\n"
    + _TAIL.strip("\n")
    + "\n|        | text              | bem     | Bemerkung                        |            |\n"
    + _CHOICES.replace("{title}", "Checkliste 2020"),
    "2021": _HEAD
    + "|        | select_one plan3  | plan    | Gibt es eine Planung?            |            |\n"
    + _TAIL.strip("\n")
    + "\n|        | select_one yn     | neu21   | Gibt es eine Steuerungsgruppe?   |            |\n"
    + _CHOICES.replace("{title}", "Entwicklungsstand 2021"),
    "2022": _HEAD
    + "|        | select_one plan2  | planung | Gibt es eine schriftliche Planung? |          |\n"
    + _TAIL.strip("\n")
    + "\n|        | select_one yn     | neu21   | Gibt es eine Steuerungsgruppe?   |            |\n"
    + _CHOICES.replace("{title}", "Arbeitshilfe 2022"),
}

DATA = {
    "2020": """kommune,typ,plan,bew,anz,bem
s1,kreis,ja,1,3,x
s2,kreis,teilweise,2,5,
s3,stadt,nein,2,,y
s4,stadt,ja,4,10,
s5,kreis,nein,1,0,
""",
    "2021": """kommune,typ,plan,bew,anz,neu21
s1,kreis,ja,2,4,ja
s2,kreis,ja,2,5,nein
s3,stadt,teilweise,3,1,ja
s6,stadt,nein,1,2,nein
""",
    "2022": """kommune,typ,planung,bew,anz,neu21
s1,kreis,ja,1,4,ja
s2,kreis,nein,3,6,ja
s4,stadt,weiss,2,9,nein
s6,stadt,ja,1,3,ja
""",
}

REGISTER = "site_id,name,typ\ns1,Aachen,kreis\ns2,Bonn,kreis\ns3,Celle,stadt\ns4,Dachau,stadt\ns5,Essen,kreis\ns6,Fulda,stadt\n"

#: the mapping 2021 → 2022 (a rename, a merged choice); line 6 is the merged choice
MAPPING = """from: "2021"
to: "2022"
questions:
  - from: plan
    to: planung
    choices:
      ja: ja
      teilweise: ja
      nein: nein
"""

#: plan → planung with "teilweise" merged into "ja", applied by hand
BY_HAND = {"ja": "ja", "teilweise": "ja", "nein": "nein"}


def write_waves(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Each wave's form (.md) and data (.csv) in ``folder``."""
    out = {}
    for wave in FORMS:
        form = folder / f"form_{wave}.md"
        form.write_text(FORMS[wave], encoding="utf-8")
        data = folder / f"data_{wave}.csv"
        data.write_text(DATA[wave], encoding="utf-8")
        out[wave] = (form, data)
    return out


def rows(wave: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(DATA[wave])))


def mapped_by_hand(wave: str) -> str:
    """The wave's data as answers to the 2022 form: plan → planung, teilweise → ja."""
    out = io.StringIO()
    fields = ["kommune", "typ", "planung", "bew", "anz"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows(wave):
        plan = r.get("planung") or BY_HAND[r["plan"]]
        writer.writerow(
            {
                "kommune": r["kommune"],
                "typ": r["typ"],
                "planung": plan,
                "bew": r["bew"],
                "anz": r["anz"],
            }
        )
    return out.getvalue()
