"""Read LimeSurvey survey structure files (``.lss``) into plain data.

Two layouts exist and both are read:

* up to LimeSurvey 3.x, every translatable table has one row **per language**
  (``questions``, ``subquestions``, ``answers``, ``groups`` with a ``language`` column);
* from 4.x on, the tables hold one row per object and the texts sit in ``*_l10ns`` tables
  (``question_l10ns``, ``answer_l10ns``, ``group_l10ns``).

We tell them apart by which elements are present, not by ``DBVersion`` (files are edited by
hand and by other tools), and we merge texts from wherever they are, so a file that mixes the
two still reads. The result is an :class:`LsSurvey`; :mod:`klappt.interop.limesurvey.form` turns it
into an XLSForm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.xmlsafe import parse_xml, table_rows

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

#: LimeSurvey question type codes and what they are.
LS_TYPES: dict[str, str] = {
    "1": "array dual scale",
    "5": "5 point choice",
    "A": "array 5 point choice",
    "B": "array 10 point choice",
    "C": "array yes/uncertain/no",
    "D": "date/time",
    "E": "array increase/same/decrease",
    "F": "array",
    "G": "gender",
    "H": "array by column",
    "I": "language switch",
    "K": "multiple numerical input",
    "L": "list (radio)",
    "M": "multiple choice",
    "N": "numerical input",
    "O": "list with comment",
    "P": "multiple choice with comments",
    "Q": "multiple short text",
    "R": "ranking",
    "S": "short free text",
    "T": "long free text",
    "U": "huge free text",
    "X": "text display",
    "Y": "yes/no",
    "!": "list (dropdown)",
    ":": "array (numbers)",
    ";": "array (texts)",
    "|": "file upload",
    "*": "equation",
}
#: the same names in German, for the import summary
_LS_TYPES_DE: dict[str, str] = {
    "1": "Matrix mit zwei Skalen",
    "5": "5-Punkte-Auswahl",
    "A": "Matrix 5-Punkte-Auswahl",
    "B": "Matrix 10-Punkte-Auswahl",
    "C": "Matrix ja/unsicher/nein",
    "D": "Datum/Uhrzeit",
    "E": "Matrix mehr/gleich/weniger",
    "F": "Matrix",
    "G": "Geschlecht",
    "H": "Matrix nach Spalte",
    "I": "Sprachwechsel",
    "K": "mehrfache Zahleneingabe",
    "L": "Liste (Optionsfelder)",
    "M": "Mehrfachauswahl",
    "N": "Zahleneingabe",
    "O": "Liste mit Kommentar",
    "P": "Mehrfachauswahl mit Kommentaren",
    "Q": "mehrfacher kurzer Text",
    "R": "Rangfolge",
    "S": "kurzer Freitext",
    "T": "langer Freitext",
    "U": "sehr langer Freitext",
    "X": "Textanzeige",
    "Y": "Ja/Nein",
    "!": "Liste (Aufklappmenü)",
    ":": "Matrix (Zahlen)",
    ";": "Matrix (Texte)",
    "|": "Datei-Upload",
    "*": "Gleichung",
}


def type_name(code: str) -> Text:
    """LimeSurvey's name of a question type, in both languages."""
    return Text(_LS_TYPES_DE.get(code, code), LS_TYPES.get(code, code))


@dataclass
class LsAnswer:
    code: str
    order: int
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class LsSub:
    qid: str
    code: str
    order: int
    scale: int
    texts: dict[str, str] = field(default_factory=dict)
    relevance: str = ""


@dataclass
class LsQuestion:
    qid: str
    gid: str
    type: str
    code: str
    order: int
    mandatory: str = "N"
    other: bool = False
    relevance: str = ""
    preg: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)
    subs: list[LsSub] = field(default_factory=list)
    answers: dict[int, list[LsAnswer]] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    lang_attrs: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # attribute -> language -> text

    def subs_on(self, scale: int) -> list[LsSub]:
        return sorted((s for s in self.subs if s.scale == scale), key=lambda s: (s.order, s.code))

    def answers_on(self, scale: int) -> list[LsAnswer]:
        return sorted(self.answers.get(scale, []), key=lambda a: (a.order, a.code))


@dataclass
class LsGroup:
    gid: str
    order: int
    texts: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    relevance: str = ""


@dataclass
class LsSurvey:
    sid: str
    languages: tuple[str, ...]
    titles: dict[str, str]
    groups: list[LsGroup]
    questions: list[LsQuestion]  # in survey order: by group, then question order
    layout: str  # "l10n" (4.x+) or "per-language" (up to 3.x)
    dbversion: str = ""
    conditions: dict[str, list[dict[str, str]]] = field(
        default_factory=dict
    )  # qid -> condition rows
    ignored_languages: tuple[str, ...] = ()

    @property
    def base_language(self) -> str:
        return self.languages[0] if self.languages else "en"


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(float(value or default))
    except ValueError:
        return default


def _document_kind(root: Element) -> str:
    return (root.findtext("LimeSurveyDocType") or "").strip()


def check_document(root: Element, source: str | Path, expected: str) -> None:
    """Stop unless ``root`` is a LimeSurvey export of the ``expected`` kind (Survey, Responses …)."""
    kind = _document_kind(root)
    if root.tag == "document" and kind == expected:
        return
    names = {
        "Survey": "LimeSurvey survey structure (.lss)",
        "Responses": "LimeSurvey responses (.lsr)",
        "Tokens": "LimeSurvey participants (.lst)",
        "Group": "LimeSurvey group export (.lsg)",
        "Question": "LimeSurvey question export (.lsq)",
    }
    if root.tag == "document" and kind:
        found = names.get(kind, f"LimeSurveyDocType '{kind}'")
    else:
        found = f"XML <{root.tag}>"
    raise KlapptError(
        ErrorCode.INTEROP_005, path=source, found=found, expected=names.get(expected, expected)
    )


def parse_lss(data: bytes, source: str | Path) -> LsSurvey:
    """Parse the bytes of an ``.lss`` file.

    Raises
    ------
    KlapptError
        ``INTEROP_001``/``INTEROP_002`` for broken or unsafe XML, ``INTEROP_005`` for another
        kind of LimeSurvey file.
    """
    root = parse_xml(data, source)
    check_document(root, source, "Survey")
    layout = (
        "l10n"
        if any(root.find(t) is not None for t in ("question_l10ns", "group_l10ns", "answer_l10ns"))
        else "per-language"
    )
    survey_row = (table_rows(root, "surveys") or [{}])[0]
    declared = [
        el.text.strip() for el in root.findall("languages/language") if el.text and el.text.strip()
    ]
    base = (survey_row.get("language") or "").strip()
    extra = (survey_row.get("additional_languages") or "").split()
    languages: list[str] = []
    for lang in [base, *declared, *extra]:
        if lang and lang not in languages:
            languages.append(lang)
    if not languages:
        languages = ["en"]
    known = set(languages)
    ignored: set[str] = set()

    def put(target: dict[str, str], lang: str | None, text: str | None) -> None:
        lang = (lang or "").strip() or languages[0]
        if lang not in known:
            ignored.add(lang)
            return
        if text and not target.get(lang):
            target[lang] = text
        else:
            target.setdefault(lang, text or "")

    titles: dict[str, str] = {}
    for row in table_rows(root, "surveys_languagesettings"):
        put(titles, row.get("surveyls_language"), row.get("surveyls_title"))

    groups: dict[str, LsGroup] = {}
    for row in table_rows(root, "groups") + table_rows(root, "group_l10ns"):
        gid = row.get("gid", "")
        g = groups.get(gid)
        if g is None:
            g = groups[gid] = LsGroup(
                gid=gid, order=_int(row.get("group_order")), relevance=row.get("grelevance", "")
            )
        elif not g.relevance and row.get("grelevance"):
            g.relevance = row["grelevance"]
        if "group_name" in row:
            put(g.texts, row.get("language"), row.get("group_name"))
            put(g.descriptions, row.get("language"), row.get("description"))

    questions: dict[str, LsQuestion] = {}
    subs: dict[str, LsSub] = {}
    sub_parent: dict[str, str] = {}
    for row in table_rows(root, "questions") + table_rows(root, "subquestions"):
        qid = row.get("qid", "")
        parent = row.get("parent_qid", "0") or "0"
        if parent != "0":
            s = subs.get(qid)
            if s is None:
                s = subs[qid] = LsSub(
                    qid=qid,
                    code=row.get("title", ""),
                    order=_int(row.get("question_order")),
                    scale=_int(row.get("scale_id")),
                    relevance=row.get("relevance", ""),
                )
                sub_parent[qid] = parent
            if "question" in row:
                put(s.texts, row.get("language"), row.get("question"))
            continue
        q = questions.get(qid)
        if q is None:
            q = questions[qid] = LsQuestion(
                qid=qid,
                gid=row.get("gid", ""),
                type=row.get("type", ""),
                code=row.get("title", ""),
                order=_int(row.get("question_order")),
                mandatory=(row.get("mandatory") or "N").strip().upper(),
                other=(row.get("other") or "N").strip().upper() == "Y",
                relevance=row.get("relevance", ""),
                preg=row.get("preg", ""),
            )
        if "question" in row:
            put(q.texts, row.get("language"), row.get("question"))
            put(q.helps, row.get("language"), row.get("help"))
    for row in table_rows(root, "question_l10ns"):
        qid = row.get("qid", "")
        target = questions.get(qid) or subs.get(qid)
        if isinstance(target, LsQuestion):
            put(target.texts, row.get("language"), row.get("question"))
            put(target.helps, row.get("language"), row.get("help"))
        elif isinstance(target, LsSub):
            put(target.texts, row.get("language"), row.get("question"))
    for qid, s in subs.items():
        parent_q = questions.get(sub_parent[qid])
        if parent_q is not None:
            parent_q.subs.append(s)

    answers: dict[tuple[str, int, str], LsAnswer] = {}
    by_aid: dict[str, LsAnswer] = {}
    seen_rows: dict[tuple[str, int, str, str], str] = {}
    for row in table_rows(root, "answers"):
        key = (row.get("qid", ""), _int(row.get("scale_id")), row.get("code", ""))
        # the same code twice in one answer list: two aids (4.x), or two rows of one language (3.x)
        aid = row.get("aid", "")
        row_key = (*key, "" if aid else row.get("language", ""))
        if row_key in seen_rows and (not aid or seen_rows[row_key] != aid):
            q = questions.get(key[0])
            where = f"{q.code if q else '?'} (qid {key[0]})"
            raise KlapptError(ErrorCode.INTEROP_007, path=source, value=key[2], where=where)
        seen_rows[row_key] = aid
        a = answers.get(key)
        if a is None:
            a = answers[key] = LsAnswer(code=key[2], order=_int(row.get("sortorder")))
            q = questions.get(key[0])
            if q is not None:
                q.answers.setdefault(key[1], []).append(a)
        if row.get("aid"):
            by_aid[row["aid"]] = a
        if "answer" in row:
            put(a.texts, row.get("language"), row.get("answer"))
    for row in table_rows(root, "answer_l10ns"):
        a = by_aid.get(row.get("aid", ""))
        if a is not None:
            put(a.texts, row.get("language"), row.get("answer"))

    for row in table_rows(root, "question_attributes"):
        q = questions.get(row.get("qid", ""))
        if q is None:
            continue
        attr, value, lang = (
            row.get("attribute", ""),
            row.get("value", ""),
            (row.get("language") or "").strip(),
        )
        if lang:
            if lang in known:
                q.lang_attrs.setdefault(attr, {})[lang] = value
        else:
            q.attrs[attr] = value

    conditions: dict[str, list[dict[str, str]]] = {}
    for row in table_rows(root, "conditions"):
        conditions.setdefault(row.get("qid", ""), []).append(row)

    ordered_groups = sorted(groups.values(), key=lambda g: (g.order, _int(g.gid)))
    group_rank = {g.gid: i for i, g in enumerate(ordered_groups)}
    ordered_questions = sorted(
        questions.values(),
        key=lambda q: (group_rank.get(q.gid, len(group_rank)), q.order, _int(q.qid)),
    )
    return LsSurvey(
        sid=(survey_row.get("sid") or "").strip(),
        languages=tuple(languages),
        titles=titles,
        groups=ordered_groups,
        questions=ordered_questions,
        layout=layout,
        dbversion=(root.findtext("DBVersion") or "").strip(),
        conditions=conditions,
        ignored_languages=tuple(sorted(ignored)),
    )
