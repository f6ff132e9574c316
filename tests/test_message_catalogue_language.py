"""One language per message (issue 17): every message of the core's catalogue -- the error codes
(klappt.errors.ErrorCode), the reasons that fill them (klappt.reasons.Reason) and the problems of
a validation report (klappt.responses.report.PROBLEMS) -- reads in German in German and in
English in English, and no module builds a message part in one language only.

The words that give a language away are shared with the web app's test
(tests/web/language_markers.py).
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "web"))
from language_markers import ENGLISH, GERMAN, foreign_words

from klappt.errors import ErrorCode, KlapptError, Text, current_language, say, use_language
from klappt.reasons import Reason
from klappt.responses.report import PROBLEMS

SRC = Path(__file__).resolve().parents[1] / "src" / "klappt"


def _fields(template: str) -> dict[str, str]:
    # every {field} filled with a neutral value: a path, a number
    return {name: "7" for _t, name, _s, _c in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_every_error_code_reads_in_one_language__ok(code: ErrorCode) -> None:
    detail = code.value
    params = _fields(detail.de) | _fields(detail.en)
    error = KlapptError(code, **params)
    for lang in ("de", "en"):
        text = error.message(lang)
        assert not foreign_words(text, lang), (code.name, lang, text)


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.name)
def test_every_reason_reads_in_one_language_in_its_message__ok(reason: Reason) -> None:
    filled = reason(**(_fields(reason.value.de) | _fields(reason.value.en)))
    error = KlapptError(ErrorCode.FILE_003, path="x.csv", reason=filled)
    for lang in ("de", "en"):
        text = error.message(lang)
        assert not foreign_words(text, lang), (reason.name, lang, text)
    # the member itself stands for its text too
    assert "ein Ordner" in KlapptError(
        ErrorCode.FILE_003, path="x", reason=Reason.IS_FOLDER
    ).message("de")


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_every_problem_of_a_report_reads_in_one_language__ok(code: str) -> None:
    de, en = PROBLEMS[code]
    assert not foreign_words(de, "de"), de
    assert not foreign_words(en, "en"), en


def test_the_marker_words_are_of_one_language_each__ok() -> None:
    assert not GERMAN & ENGLISH
    assert foreign_words("Cannot read x: ein Ordner, keine Datei", "en") == [
        "ein",
        "Ordner",
        "keine",
        "Datei",
    ]
    assert foreign_words("– please choose –", "de") == ["please", "choose"]


#: calls whose arguments are a German and an English wording (so a literal there is fine)
_BILINGUAL = {
    "Text",
    "say",
    "t",
    "_t",
    "fail",
    "recipe_error",
    "ExpressionError",
    "Bilingual",
    "UnsupportedExpression",
    "_damaged",
    "_fail",
    "_problem",
    "loop",
    "_in",
}


def _literal_text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return ""


def _one_language_literals() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "KlapptError"):
                continue
            for kw in node.keywords:
                text = _literal_text(kw.value)
                if foreign_words(text, "en") or foreign_words(text, "de"):
                    found.append(f"{path.relative_to(SRC)}:{kw.value.lineno}: {kw.arg}={text!r}")
    return found


def test_no_module_fills_a_message_with_text_in_one_language__ok() -> None:
    """``KlapptError(..., reason="ein Ordner, keine Datei")`` leaked German into English
    messages; a part of a message is a Reason or a Text with both wordings."""
    assert _one_language_literals() == []


#: where the importers put what they tell the user: the lists of the import summary
_SUMMARY_LISTS = ("notes", "translated", "verbatim", "skipped")


def _words_outside_fields(node: ast.expr) -> bool:
    """A literal with words of its own (not only ``{fields}``, punctuation and numbers)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = re.sub(r"\{[^{}]*\}", "", node.value)
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return False
    return bool(re.search(r"[A-Za-zÄÖÜäöüß]{2,}", text))


def _summary_literals(root: Path) -> list[str]:
    """Literals in one language given to an import summary: appended to one of its lists,
    passed as one of them, or as the reason of an untranslatable condition."""
    found = []
    for path in sorted((root / "interop").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            parts: list[ast.expr] = []
            if isinstance(func, ast.Attribute) and func.attr in ("append", "extend"):
                target = func.value
                name = getattr(target, "attr", getattr(target, "id", ""))
                if name.endswith(_SUMMARY_LISTS):
                    parts = list(node.args)
            if getattr(func, "id", "") == "Untranslatable":
                parts = list(node.args)
            parts += [kw.value for kw in node.keywords if kw.arg in _SUMMARY_LISTS]
            for part in parts:
                elements = part.elts if isinstance(part, ast.Tuple | ast.List) else [part]
                found += [
                    f"{path.relative_to(root)}:{e.lineno}: {ast.unparse(e)[:70]}"
                    for e in elements
                    if _words_outside_fields(e)
                ]
    return found


def test_no_importer_says_a_summary_line_in_one_language__ok() -> None:
    """``notes.append(f"{n} user-missing values set to missing")`` printed English inside a
    German run (issue 20): every line of an import summary is a Text with both wordings."""
    assert _summary_literals(SRC) == []
    # the scan finds such a line: the importers before issue 20 had them
    sample = ast.parse('notes.append(f"{n} timing columns left out")\nraise Untranslatable("x y")')
    assert sum(_words_outside_fields(n) for n in ast.walk(sample) if isinstance(n, ast.expr)) >= 2


def test_the_language_of_the_command_reaches_the_core__ok() -> None:
    """``--lang en`` (use_language) makes the core's Text speak English, also where it is
    turned into a string before it reaches the message; KLAPPT_LANG stays the default."""
    part = Text("Welle 2022", "wave 2022")
    try:
        use_language("en")
        assert current_language() == "en" and str(part) == "wave 2022" and say("ja", "yes") == "yes"
    finally:
        use_language("")
    assert current_language() in ("de", "en")


def _klappt(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "KLAPPT_LANG": ""},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    return " ".join(done.stderr.split())


def test_the_command_line_says_a_mistake_in_one_language__ok(tmp_path: Path) -> None:
    """The leaks issues 17 and 20 named, end to end: a folder given as a file ("Cannot read …:
    ein Ordner, keine Datei"), and the place in a form ("Blatt 'survey'" in English mode)."""
    import openpyxl

    folder = tmp_path / "ordner"
    folder.mkdir()
    de = _klappt("validate", str(folder), str(folder))
    en = _klappt("validate", str(folder), str(folder), "--lang", "en")
    assert "ein Ordner, keine Datei" in de and "a folder, not a file" in en
    assert not foreign_words(de.replace(str(tmp_path), ""), "de"), de
    assert not foreign_words(en.replace(str(tmp_path), ""), "en"), en
    book = openpyxl.Workbook()
    book.active.append(["kommune", "anzahl"])
    table = tmp_path / "daten.xlsx"
    book.save(table)
    de = _klappt("validate", str(table), str(table))
    en = _klappt("validate", str(table), str(table), "--lang", "en")
    assert "Blatt 'survey'" in de and "sheet 'survey'" in en
    assert not foreign_words(en.replace(str(tmp_path), ""), "en"), en
