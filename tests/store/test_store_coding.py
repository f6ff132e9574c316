"""Code books and codings stored with a wave, on SQLite and PostgreSQL (see conftest.py).

Requirements (issue 5): code books versioned with the wave; several coders per wave, each coding
records who and when and whether it was an accepted suggestion; resolved codes are final;
codings for answers that no longer exist are kept, named and not counted; stored codes are the
multiple response ``q__codes`` of ``klappt tabulate --wave`` and ``klappt report --wave``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from klappt.coding import Code, Codebook, Coding, CodingSet
from klappt.errors import ErrorCode, KlapptError

FORM_MD = """\
| survey   |               |            |                          |
|          | type          | name       | label                    |
|          | text          | kommune    | Kommune                  |
|          | select_one gt | gebietstyp | Gebietstyp               |
|          | text          | angebote   | Welche Angebote fehlen?  |
|          | integer       | anzahl     | Anzahl                   |
| choices  |               |            |                          |
|          | list_name     | name       | label                    |
|          | gt            | stadt      | Stadt                    |
|          | gt            | land       | Land                     |
"""

DATA = """\
_uuid,kommune,gebietstyp,angebote,anzahl
r1,K01,stadt,Sportverein; Deutschkurs,1
r2,K02,land,Theater,2
r3,K03,land,Sprachcafé,3
r4,K01,stadt,,4
"""

#: r3 is gone (its site sent nothing this time), r2's answer is unchanged
DATA_WITHOUT_R3 = """\
_uuid,kommune,gebietstyp,angebote,anzahl
r1,K01,stadt,Sportverein; Deutschkurs,1
r2,K02,land,Theater,2
r4,K01,stadt,,4
"""

CODEBOOK_YAML = """\
question: angebote
version: '1'
codes:
- {code: sport, labels: {de: Sport, en: Sports}, examples: [Sportverein, Fußball]}
- {code: sprache, labels: {de: Sprache, en: Language}, examples: [Deutschkurs, Sprachcafé]}
- {code: kultur, labels: {de: Kultur, en: Culture}, examples: [Theater]}
"""

CODINGS_CSV = """\
question,answer,coder,code,suggested,confidence,final,coded_at,text
angebote,r1#1,anna,sport,1,0.9,0,2022-06-01T09:00:00+00:00,Sportverein
angebote,r1#2,anna,sprache,0,,0,2022-06-01T09:01:00+00:00,Deutschkurs
angebote,r2#1,anna,kultur,0,,0,2022-06-01T09:02:00+00:00,Theater
angebote,r3#1,anna,sprache,0,,0,2022-06-01T09:03:00+00:00,Sprachcafé
angebote,r1#1,ben,sport,0,,0,2022-06-02T10:00:00+00:00,Sportverein
angebote,r1#2,ben,sprache,0,,0,2022-06-02T10:01:00+00:00,Deutschkurs
angebote,r2#1,ben,,0,,0,2022-06-02T10:02:00+00:00,Theater
"""


def book(*codes: str, version: str = "1") -> Codebook:
    return Codebook("angebote", tuple(Code(c, {"de": c.title()}) for c in codes), version=version)


def coding(answer: str, coder: str, code: str | None, text: str, **kw: Any) -> Coding:
    return Coding(answer, coder, code, question="angebote", text=text, **kw)


@pytest.fixture
def wave(store: Any, project: Path, tmp_path: Path) -> Any:
    """The project with wave 2022 imported; the Wave row."""
    if store is None:
        return None
    form = tmp_path / "form.md"
    form.write_text(FORM_MD, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    store.import_wave(project, "2022", form, data)
    from klappt.store.coding import wave_in

    return wave_in(project, "2022")


def _responses(project: Path) -> Any:
    from klappt.store.api import load_wave

    return load_wave(project, "2022")[1]


def _codes_table(rs: Any) -> dict[str, Any]:
    from klappt.analysis.tabulate import tabulate

    tables = tabulate(rs, lang="de").to_dict()["tables"]
    t = next(t for t in tables if t["question"] == "angebote__codes")
    return {"base": t["base"], **{r["choice"]: r["count"] for r in t["rows"]}}


# --- code books ----------------------------------------------------------------------------


def test_a_changed_codebook_is_a_new_version_and_the_old_stays__ok(
    store: Any, project: Path, wave: Any
) -> None:
    from klappt.store.coding import codebook_of, current_version, save_codebook
    from klappt.store.coding_models import CodebookVersion

    form = _responses(project).instrument
    first = save_codebook(wave, book("sport", "sprache"), form, by="anna", source="cb.yaml")
    assert (first.status, first.number, first.previous) == ("created", 1, None)
    again = save_codebook(wave, book("sport", "sprache"), form)
    assert (again.status, again.number) == ("unchanged", 1)
    second = save_codebook(wave, book("sport", "sprache", "kultur", version="2"), form)
    assert (second.status, second.number, second.previous) == ("created", 2, 1)
    rows = list(CodebookVersion.objects.filter(wave=wave).order_by("number"))
    assert [(v.number, v.label, v.created_by, v.source) for v in rows] == [
        (1, "1", "anna", "cb.yaml"),
        (2, "2", "", ""),
    ]
    assert codebook_of(rows[0]).names == ("sport", "sprache")
    assert codebook_of(current_version(wave, "angebote")).names == ("sport", "sprache", "kultur")


@pytest.mark.parametrize(
    ("question", "code"),
    [("fehlt", ErrorCode.INSTRUMENT_003), ("gebietstyp", ErrorCode.CODING_011)],
)
def test_codebook_for_a_question_that_is_no_text_question__error(
    store: Any, project: Path, wave: Any, question: str, code: ErrorCode
) -> None:
    from klappt.store.coding import save_codebook
    from klappt.store.coding_models import CodebookVersion

    with pytest.raises(KlapptError) as info:
        save_codebook(wave, Codebook(question, (Code("x"),)), _responses(project).instrument)
    assert info.value.code is code
    assert not CodebookVersion.objects.exists()


# --- codings -------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str = CODINGS_CSV) -> CodingSet:
    from klappt.coding import read_codings

    path = tmp_path / "codierungen.csv"
    path.write_text(text, encoding="utf-8")
    return read_codings(path)


def test_several_coders_each_coding_records_who_when_and_suggestion__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    import datetime as dt

    from klappt.store.coding import import_codings, save_codebook, stored_codings
    from klappt.store.coding_models import AnswerCoding

    rs = _responses(project)
    save_codebook(wave, book("sport", "sprache", "kultur"), rs.instrument)
    result = import_codings(wave, _csv(tmp_path), rs)
    assert (result.imported, result.replaced, result.gone, result.changed) == (7, 0, (), ())
    row = AnswerCoding.objects.get(coder="anna", return_id="r1", segment=1)
    assert (row.code, row.suggested, row.confidence, row.final) == ("sport", True, 0.9, False)
    assert row.coded_at == dt.datetime(2022, 6, 1, 9, 0, tzinfo=dt.UTC)
    assert row.codebook.number == 1
    assert AnswerCoding.objects.get(coder="ben", return_id="r2").code == ""  # seen, no code
    s = result.summaries["angebote"]
    # r1#1, r1#2 agreed, r3#1 single-coded; r2#1 open; sport on r1#1 was a suggestion (anna)
    assert (s.units, s.coded, s.unresolved, s.codes, s.from_suggestions) == (4, 3, 1, 3, 1)
    assert s.coders == ("anna", "ben")

    # anna codes r2 again: her rows for r2 are replaced, ben's and her others stay
    again = import_codings(
        wave, CodingSet((coding("r2#1", "anna", "sport", "Theater"),), source="neu.csv"), rs
    )
    assert (again.imported, again.replaced) == (1, 1)
    got = {(c.coder, c.answer, c.code) for c in stored_codings(wave)}
    assert ("anna", "r2#1", "sport") in got
    assert ("anna", "r2#1", "kultur") not in got
    assert ("ben", "r2#1", None) in got
    assert len(got) == 7


def test_resolved_codes_are_final_and_counted__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.coding import agreement
    from klappt.store.coding import (
        coded_responses,
        import_codings,
        require_version,
        save_codebook,
        set_unit_codes,
        stored_codings,
    )

    rs = _responses(project)
    save_codebook(wave, book("sport", "sprache", "kultur"), rs.instrument)
    import_codings(wave, _csv(tmp_path), rs)
    before = coded_responses(wave, rs)
    assert _codes_table(before.responses) == {"base": 2, "sport": 1, "sprache": 2, "kultur": 0}
    result = agreement(stored_codings(wave, "angebote"))
    assert [d.answer for d in result.disagreements] == ["r2#1"]

    set_unit_codes(
        wave, require_version(wave, "angebote"), "r2#1", "chris", ["kultur"], "Theater", final=True
    )
    after = coded_responses(wave, rs)
    assert _codes_table(after.responses) == {"base": 3, "sport": 1, "sprache": 2, "kultur": 1}
    result = agreement(stored_codings(wave, "angebote"))
    assert (result.disagreements, result.resolved) == ((), 1)
    assert after.summaries["angebote"].unresolved == 0


def test_import_with_an_unknown_code_writes_nothing__error(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding import import_codings, save_codebook
    from klappt.store.coding_models import AnswerCoding

    rs = _responses(project)
    save_codebook(wave, book("sport", "sprache", "kultur"), rs.instrument)
    bad = CODINGS_CSV + "angebote,r3#1,ben,musik,0,,0,,Sprachcafé\n"
    with pytest.raises(KlapptError) as info:
        import_codings(wave, _csv(tmp_path, bad), rs)
    assert info.value.code is ErrorCode.CODING_006
    assert info.value.params["row"] == 9
    assert info.value.params["name"] == "musik"
    assert not AnswerCoding.objects.exists()


def test_import_without_a_stored_codebook__error(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding import import_codings
    from klappt.store.coding_models import AnswerCoding

    with pytest.raises(KlapptError) as info:
        import_codings(wave, _csv(tmp_path), _responses(project))
    assert info.value.code is ErrorCode.CODING_014
    assert info.value.params["question"] == "angebote"
    assert not AnswerCoding.objects.exists()


def test_codings_for_answers_that_no_longer_exist_are_kept_and_named__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding import coded_responses, import_codings, save_codebook
    from klappt.store.coding_models import AnswerCoding

    rs = _responses(project)
    save_codebook(wave, book("sport", "sprache", "kultur"), rs.instrument)
    import_codings(wave, _csv(tmp_path), rs)
    # a corrected data file without r3 replaces the wave's returns: anna's r3 coding stays
    smaller = tmp_path / "data_ohne_r3.csv"
    smaller.write_text(DATA_WITHOUT_R3, encoding="utf-8")
    assert store.import_wave(project, "2022", tmp_path / "form.md", smaller).status == "replaced"
    assert AnswerCoding.objects.filter(return_id="r3").count() == 1
    rs = _responses(project)
    stored = coded_responses(wave, rs)
    assert [c.answer for c in stored.checks["angebote"].gone] == ["r3#1"]
    assert any("1 Codierungen" in n and "r3#1" in n for n in stored.notes)
    assert _codes_table(stored.responses) == {"base": 1, "sport": 1, "sprache": 1, "kultur": 0}

    # importing codings for answers that are gone: stored, listed, not counted
    late = CodingSet(
        (
            coding("r3#1", "ben", "sprache", "Sprachcafé"),
            coding("r9#1", "ben", "sport", "Fußball"),
            coding("r1#1", "ben", "sport", "Sportverein"),
        ),
        source="spaet.csv",
    )
    result = import_codings(wave, late, rs)
    assert sorted(c.answer for c in result.gone) == ["r3#1", "r9#1"]
    assert result.imported == 3
    assert AnswerCoding.objects.filter(return_id__in=["r3", "r9"]).count() == 3

    # the full data again: r3's codings count again, nothing was lost
    store.import_wave(project, "2022", tmp_path / "form.md", tmp_path / "data.csv")
    back = coded_responses(wave, _responses(project))
    assert [c.answer for c in back.checks["angebote"].gone] == ["r9#1"]
    assert _codes_table(back.responses)["sprache"] == 2


def test_codings_keep_the_version_they_were_made_with__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding import coded_responses, import_codings, save_codebook
    from klappt.store.coding_models import AnswerCoding

    rs = _responses(project)
    save_codebook(wave, book("sport", "sprache", "kultur"), rs.instrument)
    import_codings(wave, _csv(tmp_path), rs)
    # version 2 drops "kultur": anna's kultur coding is kept with version 1 and not counted
    save_codebook(wave, book("sport", "sprache", version="2"), rs.instrument)
    kept = AnswerCoding.objects.get(coder="anna", return_id="r2")
    assert (kept.code, kept.codebook.number) == ("kultur", 1)
    stored = coded_responses(wave, rs)
    assert [c.code for c in stored.checks["angebote"].unknown] == ["kultur"]
    assert any("Version 2" in n and "kultur" in n for n in stored.notes)
    table = _codes_table(stored.responses)
    assert "kultur" not in table
    # without anna's kultur, r2 has only ben's "no code": single coder -> coded, no code
    assert table == {"base": 3, "sport": 1, "sprache": 2, "_kein_code": 1}
    new = import_codings(
        wave, CodingSet((coding("r3#1", "ben", "sprache", "Sprachcafé"),), source="x"), rs
    )
    assert new.imported == 1
    assert AnswerCoding.objects.get(coder="ben", return_id="r3").codebook.number == 2


def test_keystrokes_give_and_take_back_codes__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding import require_version, save_codebook, set_code, unit_codes

    save_codebook(wave, book("sport", "sprache", "kultur"), _responses(project).instrument)
    v = require_version(wave, "angebote")
    set_code(wave, v, "r1#1", "anna", "sport", True, "Sportverein")
    set_code(wave, v, "r1#1", "anna", "sport", True, "Sportverein")  # the same key twice
    set_code(wave, v, "r1#1", "anna", "kultur", True, "Sportverein", 0.4, suggested=True)
    mine = unit_codes(wave, "angebote", "r1#1", "anna")
    assert sorted(mine) == ["kultur", "sport"]
    assert (mine["kultur"].suggested, mine["kultur"].confidence) == (True, 0.4)
    assert mine["sport"].suggested is False
    set_code(wave, v, "r1#1", "anna", "sport", False, "Sportverein")
    assert sorted(unit_codes(wave, "angebote", "r1#1", "anna")) == ["kultur"]
    set_code(wave, v, "r1#1", "anna", None, True, "Sportverein")  # no code applies
    assert sorted(unit_codes(wave, "angebote", "r1#1", "anna")) == [""]
    set_code(wave, v, "r1#1", "anna", "sprache", True, "Sportverein")
    assert sorted(unit_codes(wave, "angebote", "r1#1", "anna")) == ["sprache"]
    assert unit_codes(wave, "angebote", "r1#1", "ben") == {}
    with pytest.raises(KlapptError) as info:
        set_code(wave, v, "r1#1", "anna", "musik", True, "Sportverein")
    assert info.value.code is ErrorCode.CODING_006


def test_suggestions_are_stored_as_proposals_never_as_codes__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.coding import read_codebook
    from klappt.store.coding import (
        open_suggestions,
        refresh_suggestions,
        reject_suggestion,
        save_codebook,
    )
    from klappt.store.coding_models import AnswerCoding, CodeSuggestion

    rs = _responses(project)
    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK_YAML, encoding="utf-8")
    save_codebook(wave, read_codebook(path), rs.instrument)
    assert refresh_suggestions(wave, "angebote", rs) == 4  # every part: rules from the examples
    assert not AnswerCoding.objects.exists()
    top = {
        (s.return_id, s.segment): s.code
        for s in CodeSuggestion.objects.filter(rank=1).order_by("return_id", "segment")
    }
    assert top == {
        ("r1", 1): "sport",
        ("r1", 2): "sprache",
        ("r2", 1): "kultur",
        ("r3", 1): "sprache",
    }
    assert [s.code for s in open_suggestions(wave, "angebote", "r2#1", "anna")][:1] == ["kultur"]
    reject_suggestion(wave, "angebote", "r2#1", "kultur", "anna")
    assert "kultur" not in [s.code for s in open_suggestions(wave, "angebote", "r2#1", "anna")]
    assert "kultur" in [s.code for s in open_suggestions(wave, "angebote", "r2#1", "ben")]


# --- the command line ----------------------------------------------------------------------


def _klappt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT",)}
    env["KLAPPT_LANG"] = "de"
    env["COLUMNS"] = "250"  # rich wraps its messages at the terminal width
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=300,
    )


def test_cli_stores_codebook_and_codings_and_tabulates_them__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    cb = tmp_path / "codebuch.yaml"
    cb.write_text(CODEBOOK_YAML, encoding="utf-8")
    codings = tmp_path / "codierungen.csv"
    codings.write_text(CODINGS_CSV, encoding="utf-8")

    done = _klappt(project, "code", "codebook", str(cb), "--wave", "2022")
    assert done.returncode == 0, done.stderr
    assert "gespeichert (Version 1)" in done.stderr
    assert (
        "unverändert (Version 1)"
        in _klappt(project, "code", "codebook", str(cb), "--wave", "2022").stderr
    )

    done = _klappt(project, "code", "import", str(codings), "--wave", "2022")
    assert done.returncode == 0, done.stderr
    assert "7 Codierungen aus codierungen.csv gespeichert" in done.stderr
    assert "3 von 4 Antwortteilen codiert, 3 Codes, davon 1 angenommene Vorschläge" in done.stderr

    done = _klappt(project, "tabulate", "--wave", "2022", "--json", "-")
    assert done.returncode == 0, done.stderr
    table = next(t for t in json.loads(done.stdout)["tables"] if t["question"] == "angebote__codes")
    assert table["base"] == 2
    assert [(r["choice"], r["count"]) for r in table["rows"]] == [
        ("sport", 1),
        ("sprache", 2),
        ("kultur", 0),
    ]

    done = _klappt(project, "code", "agreement", "--wave", "2022", "-q", "angebote", "--json", "-")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n"] == 3
    assert [c["code"] for c in result["codes"]] == ["sport", "sprache", "kultur"]
    assert [d["answer"] for d in result["disagreements"]] == ["r2#1"]

    done = _klappt(project, "code", "status", "--wave", "2022", "--json", "-")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout[done.stdout.index("{") :])
    assert status["questions"][0] | {"coders": None} == {
        "question": "angebote",
        "codebook_version": 1,
        "codes_in_codebook": 3,
        "coders": None,
        "units": 4,
        "coded": 3,
        "unresolved": 1,
        "codes": 3,
        "from_suggestions": 1,
        "not_counted": 0,
    }

    # the workbook round trip: export the wave's answers, code one row as "ben2", import it
    xlsx = tmp_path / "codierung.xlsx"
    done = _klappt(project, "code", "export", "--wave", "2022", "angebote", "--out", str(xlsx))
    assert done.returncode == 0, done.stderr
    assert "4 Zeilen aus 3 Antworten" in done.stderr
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Codierung"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "r2#1")
    row[header.index("Code 1")].value = "kultur"
    wb.save(xlsx)
    done = _klappt(project, "code", "import", str(xlsx), "--coder", "ben2", "--wave", "2022")
    assert done.returncode == 0, done.stderr
    from klappt.store.coding import stored_codings

    assert {(c.answer, c.code) for c in stored_codings(wave, coder="ben2")} == {("r2#1", "kultur")}

    # the coding's method note goes to the workbook (the method record), not to the published
    # HTML (issue 15: no internal jargon on slides)
    html, book = tmp_path / "bericht.html", tmp_path / "bericht.xlsx"
    done = _klappt(project, "report", "--wave", "2022", "--out", str(html), "--out", str(book))
    assert done.returncode == 0, done.stderr
    note = "Codierte Freitexte: 3 Codes, davon 1 aus angenommenen Vorschlägen"
    assert note not in html.read_text(encoding="utf-8")
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(book).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert any(note in c for c in cells), cells[:20]


def test_cli_import_for_vanished_answers_keeps_them_and_says_which__error(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding_models import AnswerCoding

    cb = tmp_path / "codebuch.yaml"
    cb.write_text(CODEBOOK_YAML, encoding="utf-8")
    assert _klappt(project, "code", "codebook", str(cb), "--wave", "2022").returncode == 0
    codings = tmp_path / "alt.csv"
    codings.write_text(
        "question,answer,coder,code,text\n"
        "angebote,r1#1,anna,sport,Sportverein\n"
        "angebote,r7#1,anna,kultur,Kino\n"
        "angebote,r8#2,anna,sprache,Deutschkurs\n",
        encoding="utf-8",
    )
    done = _klappt(project, "code", "import", str(codings), "--wave", "2022")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert (
        "2 der Codierungen gehören zu Antworten, die es in Welle 2022 nicht (mehr) gibt"
        in done.stderr
    )
    assert "r7#1, r8#2" in done.stderr
    assert AnswerCoding.objects.count() == 3  # nothing lost

    bad = tmp_path / "falsch.csv"
    bad.write_text("question,answer,coder,code\nangebote,r1#1,anna,musik\n", encoding="utf-8")
    done = _klappt(project, "code", "import", str(bad), "--wave", "2022")
    assert done.returncode == 2
    assert "falsch.csv, Zeile 2: unbekannter Code 'musik'" in done.stderr
    assert "Traceback" not in done.stderr
    assert AnswerCoding.objects.count() == 3

    done = _klappt(project, "code", "import", str(codings), "--wave", "2023")
    assert done.returncode == 2
    assert "Unbekannte Welle '2023'" in done.stderr


def test_cli_suggest_for_a_wave_stores_proposals_only__ok(
    store: Any, project: Path, wave: Any, tmp_path: Path
) -> None:
    from klappt.store.coding_models import AnswerCoding, CodeSuggestion

    out = _klappt(project, "code", "suggest", "--wave", "2022", "angebote")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "kein Codebuch gespeichert" in out.stderr  # says how to store one
    cb = tmp_path / "codebuch.yaml"
    cb.write_text(CODEBOOK_YAML, encoding="utf-8")
    assert _klappt(project, "code", "codebook", str(cb), "--wave", "2022").returncode == 0
    first = tmp_path / "erste.csv"
    first.write_text(
        "question,answer,coder,code,text\n"
        "angebote,r1#1,anna,sport,Sportverein\n"
        "angebote,r1#2,anna,sprache,Deutschkurs\n",
        encoding="utf-8",
    )
    assert _klappt(project, "code", "import", str(first), "--wave", "2022").returncode == 0

    done = _klappt(project, "code", "suggest", "--wave", "2022", "angebote", "--json", "-")
    assert done.returncode == 0, done.stderr
    got = {p["answer"]: [s["code"] for s in p["suggestions"]] for p in json.loads(done.stdout)}
    assert set(got) == {"r2#1", "r3#1"}  # the parts nobody has coded yet
    assert got["r2#1"][0] == "kultur" and got["r3#1"][0] == "sprache"  # the book's examples
    assert "übernommen wird nichts" in done.stderr
    stored = {(s.return_id, s.segment, s.code) for s in CodeSuggestion.objects.filter(rank=1)}
    assert stored == {("r2", 1, "kultur"), ("r3", 1, "sprache")}
    assert AnswerCoding.objects.count() == 2  # proposals, never codes

    wrong = _klappt(project, "code", "suggest", "--wave", "2022", "angebote", "--codings", "x.csv")
    assert wrong.returncode == 2 and "nur die Textfrage" in wrong.stderr
