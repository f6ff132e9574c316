"""Reading XLSForms: types, groups, repeats, conditions, languages, ordered scales, broken forms."""

from __future__ import annotations

import openpyxl
import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument

FORM = """
| survey |
|        | type                    | name   | label::Deutsch (de) | label::English (en) | relevant       | required | constraint        | constraint_message::Deutsch (de) | appearance | hint::Deutsch (de) | choice_filter | calculation |
|        | note                    | intro  | Willkommen          | Welcome             |                |          |                   |                                  |            |                    |               |             |
|        | begin_group             | s1     | Abschnitt 1         | Section 1           |                |          |                   |                                  | field-list |                    |               |             |
|        | select_one yn           | koop   | Kooperation?        | Cooperation?        |                | yes      |                   |                                  |            | Bitte eine Antwort |               |             |
|        | select_multiple art     | art    | Welche Art?         | Which kind?         | ${koop} = 'ja' |          |                   |                                  |            |                    |               |             |
|        | select_one skala        | bew    | Bewertung           | Rating              |                |          |                   |                                  | likert     |                    |               |             |
|        | select_one ord          | stufe  | Stufe               | Level               |                |          |                   |                                  |            |                    |               |             |
|        | integer                 | anz    | Anzahl              | Number              |                |          | . >= 0 and . < 50 | zwischen 0 und 49                |            |                    |               |             |
|        | decimal                 | quote  | Quote               | Rate                |                |          |                   |                                  |            |                    |               |             |
|        | date                    | datum  | Datum               | Date                |                |          |                   |                                  |            |                    |               |             |
|        | select_one yn or_other  | weiter | Weiter?             | Continue?           |                |          |                   |                                  |            |                    |               |             |
|        | select_one art          | filt   | Gefiltert           | Filtered            |                |          |                   |                                  |            |                    | name != 'b'   |             |
|        | end_group               |        |                     |                     |                |          |                   |                                  |            |                    |               |             |
|        | begin_repeat            | rp     | Projekte            | Projects            |                |          |                   |                                  |            |                    |               |             |
|        | text                    | pname  | Projektname         | Project name        |                |          |                   |                                  |            |                    |               |             |
|        | end_repeat              |        |                     |                     |                |          |                   |                                  |            |                    |               |             |
|        | calculate               | summe  |                     |                     |                |          |                   |                                  |            |                    |               | ${anz} * 2 |
|        | text                    | frei   | Anmerkungen         | Remarks             |                |          |                   |                                  |            |                    |               |             |
| choices |
|         | list_name | name | label::Deutsch (de) | label::English (en) | ordered |
|         | yn        | ja   | ja                  | yes                 |         |
|         | yn        | nein | nein                | no                  |         |
|         | art       | a    | Angebote            | Offers              |         |
|         | art       | b    | Beratung            | Counselling         |         |
|         | skala     | 1    | sehr gut            | very good           |         |
|         | skala     | 2    | gut                 | good                |         |
|         | skala     | 3    | schlecht            | poor                |         |
|         | ord       | hoch | hoch                | high                | yes     |
|         | ord       | tief | tief                | low                 |         |
| settings |
|          | form_title      | form_id | version | default_language |
|          | Arbeitshilfe    | ah_test | 2024-1  | Deutsch (de)     |
"""


def test_types_groups_and_settings__ok(write_form):
    form = read_instrument(write_form(FORM))
    assert form.title == "Arbeitshilfe"
    assert form.form_id == "ah_test"
    assert form.version == "2024-1"
    assert form.default_language == "Deutsch (de)"
    assert form.language_codes == ("de", "en")
    types = {q.name: q.type for q in form.questions}
    assert types["intro"] == "note"
    assert types["koop"] == "select_one"
    assert types["art"] == "select_multiple"
    assert types["anz"] == "integer"
    assert types["quote"] == "decimal"
    assert types["datum"] == "date"
    assert types["frei"] == "text"
    assert form.question("art").group_path == ("s1",)
    assert form.group("s1").appearance == "field-list"
    assert form.group("s1").label("en") == "Section 1"


def test_conditions_hints_and_messages__ok(write_form):
    form = read_instrument(write_form(FORM))
    koop = form.question("koop")
    assert koop.is_required_always
    assert koop.hint("de") == "Bitte eine Antwort"
    art = form.question("art")
    assert art.relevant == "${koop} = 'ja'"
    anz = form.question("anz")
    assert anz.constraint == ". >= 0 and . < 50"
    assert anz.constraint_message("de") == "zwischen 0 und 49"
    assert form.question("filt").choice_filter == "name != 'b'"
    assert form.question("summe").type == "calculate"
    assert form.question("summe").calculation == "${anz} * 2"


def test_ordered_scales__ok(write_form):
    form = read_instrument(write_form(FORM))
    assert form.question("bew").ordered  # likert appearance
    assert form.question("stufe").ordered  # list marked ordered on the choices sheet
    assert not form.question("koop").ordered


def test_or_other_adds_other_choice_and_text__ok(write_form):
    form = read_instrument(write_form(FORM))
    weiter = form.question("weiter")
    assert weiter.or_other
    assert [c.name for c in weiter.choices][-1] == "other"
    assert weiter.choice("other").label("de") == "Sonstiges"
    assert weiter.choice("other").label("en") == "Other"
    assert form.question("weiter_other").relevant is not None


def test_repeat_is_parsed_but_not_tabulated__ok(write_form):
    form = read_instrument(write_form(FORM))
    pname = form.question("pname")
    assert pname.in_repeat
    assert not pname.is_tabulated
    assert [g.name for g in form.repeats] == ["rp"]
    tabulated = [q.name for q in form.tabulated]
    assert "pname" not in tabulated and "intro" not in tabulated and "summe" not in tabulated
    assert tabulated[:2] == ["koop", "art"]


def test_labels_per_language__ok(write_form):
    form = read_instrument(write_form(FORM))
    art = form.question("art")
    assert art.label("de") == "Welche Art?"
    assert art.label("en") == "Which kind?"
    assert art.label() == "Welche Art?"  # default_language
    assert art.choice("b").label("en") == "Counselling"


def test_xlsx_form__ok(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one yn", "q1", "Frage 1"])
    ws.append(["integer", "q2", "Frage 2"])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    ch.append(["yn", "1", "ja"])
    ch.append(["yn", "2", "nein"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    form = read_instrument(path)
    assert [q.name for q in form.questions] == ["q1", "q2"]
    assert form.question("q1").label() == "Frage 1"


@pytest.mark.parametrize(
    ("md", "expect"),
    [
        (
            """
            | survey |
            |        | type          | name | label |
            |        | select_one yn | a    | A     |
            """,
            ["choices"],
        ),
        (
            """
            | survey |
            |        | type    | name | label | relevant   |
            |        | text    | a    | A     |            |
            |        | text    | b    | B     | ${zzz} = 1 |
            """,
            ["survey", "Zeile 3", "relevant", "zzz"],
        ),
        (
            """
            | survey |
            |        | type    | name | label |
            |        | integre | a    | A     |
            """,
            ["survey", "Zeile 2", "integre"],
        ),
        (
            """
            | survey |
            |        | type          | name | label |
            |        | select_one yn | a    | A     |
            | choices |
            |         | list_name | name | label |
            |         | yn        | 1    | ja    |
            |         | yn        | 1    | nein  |
            """,
            ["choices", "Zeile 3", "name"],
        ),
    ],
    ids=["missing_list", "unknown_reference", "unknown_type", "duplicate_choice"],
)
def test_broken_form_names_sheet_row_column__error(write_form, md, expect):
    with pytest.raises(KlapptError) as info:
        read_instrument(write_form(md))
    assert info.value.code is ErrorCode.INSTRUMENT_001
    message = info.value.message("de")
    for part in expect:
        assert part in message


def test_form_file_mistakes__error(tmp_path):
    with pytest.raises(KlapptError) as info:
        read_instrument(tmp_path / "fehlt.xlsx")
    assert info.value.code is ErrorCode.FILE_001
    empty = tmp_path / "leer.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(KlapptError) as info:
        read_instrument(empty)
    assert info.value.code is ErrorCode.FILE_002
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(KlapptError) as info:
        read_instrument(pdf)
    assert info.value.code is ErrorCode.FILE_004
    fake = tmp_path / "kaputt.xlsx"
    fake.write_bytes(b"not a zip file at all")
    with pytest.raises(KlapptError) as info:
        read_instrument(fake)
    assert info.value.code in (ErrorCode.FILE_003, ErrorCode.INSTRUMENT_001)


def test_typographic_quotes_survive__ok(write_form):
    form = read_instrument(
        write_form(
            """
            | survey |
            |        | type          | name | label                              | hint        |
            |        | begin_group   | g    | Nach „Gemeinsam klappt’s“          |             |
            |        | select_one yn | a    | Läuft’s „gut“?                     | ‘kurz’      |
            |        | end_group     | g    |                                    |             |
            | choices |
            |         | list_name | name | label      |
            |         | yn        | ja   | „ja“       |
            |         | yn        | nein | nein       |
            """
        )
    )
    assert form.group("g").label() == "Nach „Gemeinsam klappt’s“"
    assert form.question("a").label() == "Läuft’s „gut“?"
    assert form.question("a").hint() == "‘kurz’"
    assert form.question("a").choice("ja").label() == "„ja“"
