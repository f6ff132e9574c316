"""Write small LimeSurvey ``.lss`` files from a readable description, in either layout.

``make_lss(SURVEY, layout="l10n")`` writes the 4.x+ layout (texts in ``*_l10ns`` tables),
``layout="per-language"`` the layout up to 3.x (one row per language). Tests import both and
expect the same instrument.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape


def _cell(name: str, value: Any) -> str:
    text = "" if value is None else str(value)
    return f"<{name}><![CDATA[{text}]]></{name}>" if text else f"<{name}/>"


def _table(name: str, fields: list[str], rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<fieldname>{escape(f)}</fieldname>" for f in fields)
    body = "".join(
        "<row>" + "".join(_cell(f, r.get(f)) for f in fields if f in r) + "</row>" for r in rows
    )
    return f"<{name}><fields>{head}</fields><rows>{body}</rows></{name}>"


def make_lss(survey: dict[str, Any], layout: str = "l10n") -> bytes:
    """The bytes of an ``.lss`` file for ``survey`` (see the module docstring)."""
    sid = survey.get("sid", "123456")
    langs: list[str] = survey["languages"]
    per_lang = layout == "per-language"
    groups, group_l10ns, questions, subquestions, question_l10ns = [], [], [], [], []
    answers, answer_l10ns, attributes, conditions = [], [], [], []
    next_id = iter(range(90000, 99999))
    for g_order, g in enumerate(survey["groups"]):
        gid = g["gid"]
        base = {
            "gid": gid,
            "sid": sid,
            "group_order": g_order,
            "grelevance": g.get("relevance", ""),
        }
        if per_lang:
            groups += [
                {**base, "group_name": g["name"].get(lang, ""), "description": "", "language": lang}
                for lang in langs
            ]
        else:
            groups.append(base)
            group_l10ns += [
                {
                    "id": next(next_id),
                    "gid": gid,
                    "group_name": g["name"].get(lang, ""),
                    "description": "",
                    "language": lang,
                }
                for lang in langs
            ]
        for q_order, q in enumerate(g["questions"]):
            row = {
                "qid": q["qid"],
                "parent_qid": 0,
                "sid": sid,
                "gid": gid,
                "type": q["type"],
                "title": q["code"],
                "preg": q.get("preg", ""),
                "other": q.get("other", "N"),
                "mandatory": q.get("mandatory", "N"),
                "question_order": q_order,
                "scale_id": 0,
                "relevance": q.get("relevance", "1"),
            }
            texts = q.get("text", {})
            if per_lang:
                questions += [
                    {
                        **row,
                        "question": texts.get(lang, ""),
                        "help": q.get("help", {}).get(lang, ""),
                        "language": lang,
                    }
                    for lang in langs
                ]
            else:
                questions.append(row)
                question_l10ns += [
                    {
                        "id": next(next_id),
                        "qid": q["qid"],
                        "question": texts.get(lang, ""),
                        "help": q.get("help", {}).get(lang, ""),
                        "language": lang,
                    }
                    for lang in langs
                ]
            for scale, key in ((0, "subs"), (1, "subs_x")):
                for s_order, (code, stexts, *rest) in enumerate(q.get(key, [])):
                    sqid = f"{q['qid']}{scale}{s_order:02d}"
                    srow = {
                        "qid": sqid,
                        "parent_qid": q["qid"],
                        "sid": sid,
                        "gid": gid,
                        "type": "T",
                        "title": code,
                        "question_order": s_order,
                        "scale_id": scale,
                        "relevance": rest[0] if rest else "1",
                    }
                    if per_lang:
                        subquestions += [
                            {**srow, "question": stexts.get(lang, ""), "language": lang}
                            for lang in langs
                        ]
                    else:
                        subquestions.append(srow)
                        question_l10ns += [
                            {
                                "id": next(next_id),
                                "qid": sqid,
                                "question": stexts.get(lang, ""),
                                "language": lang,
                            }
                            for lang in langs
                        ]
            for scale, key in ((0, "answers"), (1, "answers_1")):
                for a_order, (code, atexts) in enumerate(q.get(key, [])):
                    base_a = {
                        "qid": q["qid"],
                        "code": code,
                        "sortorder": a_order,
                        "assessment_value": 0,
                        "scale_id": scale,
                    }
                    if per_lang:
                        answers += [
                            {**base_a, "answer": atexts.get(lang, ""), "language": lang}
                            for lang in langs
                        ]
                    else:
                        aid = next(next_id)
                        answers.append({"aid": aid, **base_a})
                        answer_l10ns += [
                            {
                                "id": next(next_id),
                                "aid": aid,
                                "answer": atexts.get(lang, ""),
                                "language": lang,
                            }
                            for lang in langs
                        ]
            for attr, value in q.get("attributes", {}).items():
                attributes.append(
                    {"qid": q["qid"], "attribute": attr, "value": value, "language": ""}
                )
            for c in q.get("conditions", []):
                conditions.append({"cid": next(next_id), "qid": q["qid"], **c})
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>',
        "<LimeSurveyDocType>Survey</LimeSurveyDocType>",
        f"<DBVersion>{'359' if per_lang else '620'}</DBVersion>",
        "<languages>" + "".join(f"<language>{lang}</language>" for lang in langs) + "</languages>",
    ]
    qfields = [
        "qid",
        "parent_qid",
        "sid",
        "gid",
        "type",
        "title",
        "preg",
        "other",
        "mandatory",
        "question_order",
        "scale_id",
        "relevance",
    ]
    if per_lang:
        parts.append(
            _table(
                "answers",
                ["qid", "code", "answer", "sortorder", "assessment_value", "language", "scale_id"],
                answers,
            )
        )
        parts.append(
            _table(
                "groups",
                [
                    "gid",
                    "sid",
                    "group_name",
                    "group_order",
                    "description",
                    "language",
                    "grelevance",
                ],
                groups,
            )
        )
        parts.append(_table("questions", [*qfields, "question", "help", "language"], questions))
        parts.append(_table("subquestions", [*qfields, "question", "language"], subquestions))
    else:
        parts.append(
            _table(
                "answers",
                ["aid", "qid", "code", "sortorder", "assessment_value", "scale_id"],
                answers,
            )
        )
        parts.append(_table("answer_l10ns", ["id", "aid", "answer", "language"], answer_l10ns))
        parts.append(_table("groups", ["gid", "sid", "group_order", "grelevance"], groups))
        parts.append(
            _table(
                "group_l10ns", ["id", "gid", "group_name", "description", "language"], group_l10ns
            )
        )
        parts.append(_table("questions", qfields, questions))
        parts.append(_table("subquestions", qfields, subquestions))
        parts.append(
            _table("question_l10ns", ["id", "qid", "question", "help", "language"], question_l10ns)
        )
    if conditions:
        parts.append(
            _table(
                "conditions",
                ["cid", "qid", "cqid", "cfieldname", "method", "value", "scenario"],
                conditions,
            )
        )
    parts.append(
        _table("question_attributes", ["qid", "attribute", "value", "language"], attributes)
    )
    parts.append(
        _table(
            "surveys",
            ["sid", "language", "additional_languages"],
            [{"sid": sid, "language": langs[0], "additional_languages": " ".join(langs[1:])}],
        )
    )
    parts.append(
        _table(
            "surveys_languagesettings",
            ["surveyls_survey_id", "surveyls_language", "surveyls_title"],
            [
                {
                    "surveyls_survey_id": sid,
                    "surveyls_language": lang,
                    "surveyls_title": survey["title"].get(lang, ""),
                }
                for lang in langs
            ],
        )
    )
    parts.append("</document>")
    return "\n".join(parts).encode("utf-8")
