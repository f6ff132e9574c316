"""A parsed LimeSurvey survey -> an XLSForm (:class:`XLSFormSpec`) and a map of its data columns.

How LimeSurvey question types become XLSForm rows:

=========================  ===============================================================
LimeSurvey                 XLSForm (klappt)
=========================  ===============================================================
L, !, O (lists)            ``select_one``; "other" -> choice ``other`` + text ``Q_other``;
                           O's comment -> text ``Q_comment``
M, P (multiple choice)     ``select_multiple``; P's comments -> text ``Q_SQcomment``
F, H, A, B, C, E (arrays)  a group ``Q`` of ``select_one`` items ``Q_SQ`` sharing one list
1 (dual scale array)       items ``Q_SQ_0`` and ``Q_SQ_1`` with one list per scale
K / Q                      a group of ``decimal`` (``integer``) / ``text`` items ``Q_SQ``
: / ;                      a group of ``decimal`` / ``text`` items ``Q_Y_X`` (row_column)
R (ranking)                a group of ``select_one`` items ``Q_1`` … ``Q_n``, one per rank
5, G, Y, I                 ``select_one`` with LimeSurvey's fixed codes (1–5, F/M, Y/N, languages)
N / S, T, U / D            ``decimal`` or ``integer`` / ``text`` / ``date`` (``time``, ``dateTime``)
X / * / |                  ``note`` / ``calculate`` / ``file``
=========================  ===============================================================

Item names follow ExpressionScript's own names (``Q_SQ``), so conditions that refer to them
translate one to one. Every data column LimeSurvey writes for a question is described by an
:class:`LsField` (its SGQA name, its code heading ``Q[SQ]``, the klappt column it feeds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.base import (
    Names,
    Note,
    XLSFormSpec,
    language_key,
    plain_text,
    safe_choice,
)
from klappt.interop.limesurvey.expressions import (
    Ref,
    Untranslatable,
    Var,
    conditions_to_expression,
    is_always,
    reason,
    translate,
    translate_value,
)
from klappt.interop.limesurvey.filters import Check, apply_checks, that
from klappt.interop.limesurvey.items import (
    ARRAY_TYPES,
    COMMENT,
    GENDER,
    OTHER,
    YES_NO,
    Ctx,
    LsField,
    date_type,
    pick,
    q_array,
    q_dual,
    q_matrix,
    q_multi_input,
    q_multiple,
    q_ranking,
    range_constraint,
)
from klappt.interop.limesurvey.structure import LS_TYPES, LsQuestion, LsSurvey, type_name


@dataclass
class LsForm:
    """The XLSForm built from a survey, the data map and what the import summary will say."""

    survey: LsSurvey
    spec: XLSFormSpec
    fields: list[LsField]
    source: str
    questions: int = 0
    translated: list[Note] = field(default_factory=list)
    verbatim: list[Note] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)


class _Builder:
    def __init__(self, survey: LsSurvey, source: str) -> None:
        self.s = survey
        self.source = source
        self.keys = {lang: language_key(lang) for lang in survey.languages}
        self.base = survey.base_language
        title = (
            plain_text(
                survey.titles.get(self.base) or next((t for t in survey.titles.values() if t), "")
            )
            or f"LimeSurvey {survey.sid}"
        )
        self.spec = XLSFormSpec(
            title=title.replace("\n", " "),
            form_id=f"limesurvey_{survey.sid or 'survey'}",
            languages=tuple(self.keys.values()),
        )
        self.form = LsForm(survey=survey, spec=self.spec, fields=[], source=source)
        self.names = Names()
        self.refs: dict[str, Ref] = {}
        self.pending: list[tuple[dict[str, str], str, Text]] = []  # (row, expression, where)
        self.checks: list[Check] = []  # array filters and validations (limesurvey.filters)

    # -- texts ------------------------------------------------------------------------------

    def texts(self, texts: dict[str, str], fallback: str | None = None) -> dict[str, str]:
        out = {
            self.keys[lang]: plain_text(text)
            for lang, text in texts.items()
            if lang in self.keys and plain_text(text)
        }
        if fallback is not None and self.keys[self.base] not in out:
            out[self.keys[self.base]] = fallback
        return out

    def fixed(self, table: dict[str, str]) -> dict[str, str]:
        return {self.keys[lang]: pick(table, lang) for lang in self.s.languages}

    def cols(self, prefix: str, texts: dict[str, str]) -> dict[str, str]:
        return self.spec.labels(prefix, texts)

    # -- checks -----------------------------------------------------------------------------

    def check(self) -> None:
        seen: dict[str, LsQuestion] = {}
        for q in self.s.questions:
            if q.type not in LS_TYPES:
                raise KlapptError(
                    ErrorCode.INTEROP_006, path=self.source, question=q.code or q.qid, type=q.type
                )
            key = (
                q.code
            )  # LimeSurvey codes are case-sensitive; "Report" and "report" get distinct names
            if key and key in seen:
                where = f"qid {seen[key].qid}, qid {q.qid}"
                raise KlapptError(
                    ErrorCode.INTEROP_007, path=self.source, value=q.code, where=where
                )
            seen[key] = q
            sub_seen: set[tuple[int, str]] = set()
            for sub in q.subs:
                if (sub.scale, sub.code) in sub_seen:
                    where = f"{q.code} (qid {q.qid})"
                    raise KlapptError(
                        ErrorCode.INTEROP_007, path=self.source, value=sub.code, where=where
                    )
                sub_seen.add((sub.scale, sub.code))

    # -- building ---------------------------------------------------------------------------

    def build(self) -> LsForm:
        self.check()
        qnames = {
            q.qid: self.names.unique(q.code or f"q{q.qid}", original=q.code)
            for q in self.s.questions
        }
        by_group: dict[str, list[LsQuestion]] = {}
        for q in self.s.questions:
            by_group.setdefault(q.gid, []).append(q)
        known_groups = {g.gid for g in self.s.groups}
        for i, g in enumerate(self.s.groups):
            qs = by_group.get(g.gid, [])
            if not qs:
                continue
            gname = self.names.unique(f"G{i + 1}", fallback="G")
            labels = self.texts(g.texts, fallback=f"Group {i + 1}")
            row = self.spec.add(type="begin_group", name=gname, **self.cols("label", labels))
            group = labels.get(self.keys[self.base], gname)
            self.defer(row, g.relevance, Text(f"Gruppe {group}", f"group {group}"))
            for q in qs:
                self.question(q, qnames[q.qid])
            self.spec.add(type="end_group")
        for q in self.s.questions:
            if q.gid not in known_groups:
                self.question(q, qnames[q.qid])
        self.resolve_pending()
        apply_checks(self, self.checks)
        self.form.renamed = dict(self.names.renamed)
        if self.s.ignored_languages:
            self.form.notes.append(
                Text(
                    "Texte in Sprachen, die die Umfrage nicht angibt, wurden übergangen: {langs}",
                    "texts in languages the survey does not declare were ignored: {langs}",
                ).format(langs=", ".join(self.s.ignored_languages))
            )
        return self.form

    def defer(
        self,
        row: dict[str, str],
        expression: str,
        where: Text,
        conditions: list[dict[str, str]] | None = None,
    ) -> None:
        if conditions and is_always(expression):
            multi = {f"{self.s.sid}X{q.gid}X{q.qid}" for q in self.s.questions if q.type in "MP"}
            try:
                expression = conditions_to_expression(conditions, multi)
            except Untranslatable as exc:
                self.form.verbatim.append(
                    Text(
                        "{where}: Bedingungstabelle ({reason})",
                        "{where}: conditions table ({reason})",
                    ).format(where=where, reason=reason(exc))
                )
                row["ls_relevance"] = "; ".join(
                    f"{c.get('cfieldname')} {c.get('method')} {c.get('value')}" for c in conditions
                )
                return
        if not is_always(expression):
            self.pending.append((row, expression, where))

    def resolve(self, name: str) -> Ref | list[Var] | None:
        if name.startswith("that."):  # the items of a question, within sum() or count()
            return that(self, name[5:])
        ref = self.refs.get(name)
        if ref is None:
            lowered = {k.lower(): v for k, v in self.refs.items()}
            ref = lowered.get(name.lower())
        return ref

    def resolve_pending(self) -> None:
        for row, expression, where in self.pending:
            try:
                row["relevant"] = translate(expression, self.resolve)
                self.form.translated.append(
                    Text("{where}: {old} -> {new}", "{where}: {old} -> {new}").format(
                        where=where, old=expression.strip(), new=row["relevant"]
                    )
                )
            except Untranslatable as exc:
                row["ls_relevance"] = expression.strip()
                self.form.verbatim.append(
                    Text("{where}: {old} ({reason})", "{where}: {old} ({reason})").format(
                        where=where, old=expression.strip(), reason=reason(exc)
                    )
                )

    def add_field(self, f: LsField, ref: Ref | None = None) -> None:
        self.form.fields.append(f)
        if ref is not None:
            for key in (f.em, f.sgqa):
                self.refs[key] = ref

    def choice_list(
        self, list_name: str, options: list[tuple[str, dict[str, str]]]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Write a choice list; return LimeSurvey code -> choice name and label text -> choice name."""
        codes: dict[str, str] = {}
        labels: dict[str, str] = {}
        used: set[str] = set()
        for code, texts in options:
            name = "other" if code == "-oth-" else safe_choice(code)
            base, n = name, 1
            while name in used:
                n += 1
                name = f"{base}_{n}"
            used.add(name)
            codes[code] = name
            self.spec.add_choice(list_name, name, texts or {self.keys[self.base]: code})
            for text in texts.values():
                labels.setdefault(text.strip().lower(), name)
        return codes, labels

    def answer_options(self, q: LsQuestion, scale: int = 0) -> list[tuple[str, dict[str, str]]]:
        return [(a.code, self.texts(a.texts, fallback=a.code)) for a in q.answers_on(scale)]

    def fixed_options(
        self, table: list[tuple[str, dict[str, str]]]
    ) -> list[tuple[str, dict[str, str]]]:
        return [(code, self.fixed(texts)) for code, texts in table]

    # -- questions --------------------------------------------------------------------------

    def question(self, q: LsQuestion, name: str) -> None:
        where = Text(f"Frage {q.code}", f"question {q.code}")
        labels = self.texts(q.texts, fallback=q.code or name)
        hints = self.texts(q.helps)
        common = {**self.cols("label", labels), **self.cols("hint", hints), "ls_code": q.code}
        required = "yes" if q.mandatory == "Y" else None
        if q.mandatory == "S":
            self.form.notes.append(
                Text(
                    "{where}: weiche Pflicht (Antwort erbeten, nicht verlangt) als nicht "
                    "verpflichtend importiert",
                    "{where}: soft mandatory (answer requested, not required) imported as not "
                    "required",
                ).format(where=where)
            )
        sid = f"{self.s.sid}X{q.gid}X{q.qid}"
        heading = plain_text(q.texts.get(self.base, "")).replace("\n", " ")
        t = q.type
        handlers: dict[str, Callable[[Ctx], bool]] = {
            "L": self.q_list,
            "!": self.q_list,
            "O": self.q_list,
            "M": partial(q_multiple, self),
            "P": partial(q_multiple, self),
            "1": partial(q_dual, self),
            ":": partial(q_matrix, self),
            ";": partial(q_matrix, self),
            "K": partial(q_multi_input, self),
            "Q": partial(q_multi_input, self),
            "R": partial(q_ranking, self),
        }
        handler = handlers.get(t)
        if t in ARRAY_TYPES:
            handler = partial(q_array, self)
        ctx = Ctx(
            q=q,
            name=name,
            where=where,
            common=common,
            labels=labels,
            required=required,
            sgqa=sid,
            heading=heading,
        )
        ok = handler(ctx) if handler is not None else self.q_single(ctx)
        if ok:
            if t != "X":
                self.form.questions += 1
            for attr in ("array_filter", "array_filter_exclude", "em_validation_q"):
                if q.attrs.get(attr, "").strip():  # translated once every name is known
                    self.checks.append(Check(q, name, attr, q.attrs[attr].strip(), where))
            if q.preg.strip():
                self.checks.append(Check(q, name, "preg", q.preg.strip(), where))

    def finish_row(self, ctx: Ctx, row: dict[str, str]) -> dict[str, str]:
        self.defer(row, ctx.q.relevance, ctx.where, self.s.conditions.get(ctx.q.qid))
        if ctx.q.attrs.get("em_validation_q", "").strip():
            row["ls_validation"] = ctx.q.attrs["em_validation_q"].strip()
        elif ctx.q.preg.strip():
            row["ls_validation"] = ctx.q.preg.strip()
        return row

    def text_item(
        self,
        ctx: Ctx,
        suffix: str,
        labels: dict[str, str],
        sgqa: str,
        code: str,
        em: str,
        relevant: str | None = None,
    ) -> None:
        item = self.names.unique(f"{ctx.name}_{suffix}", original=f"{ctx.q.code}_{suffix}")
        self.spec.add(
            type="text", name=item, relevant=relevant, ls_code=code, **self.cols("label", labels)
        )
        shown = labels.get(self.keys[self.base], suffix).replace("\n", " ")
        self.add_field(
            LsField(sgqa, code, em, item, "value", "text", heading=f"{ctx.heading} [{shown}]"),
            Var(item, "text"),
        )

    def q_single(self, ctx: Ctx) -> bool:
        q, t = ctx.q, ctx.q.type
        kind, xtype, appearance, options, constraint = "text", "text", None, None, None
        if t == "N":
            kind = "number"
            xtype = "integer" if q.attrs.get("num_value_int_only", "").strip() == "1" else "decimal"
            constraint = range_constraint(
                q.attrs.get("min_num_value_n", ""), q.attrs.get("max_num_value_n", "")
            )
        elif t in "TU":
            appearance = "multiline"
        elif t == "D":
            kind, xtype = "date", date_type(q.attrs.get("date_format", ""))
        elif t == "X":
            self.finish_row(ctx, self.spec.add(type="note", name=ctx.name, **ctx.common))
            return True
        elif t == "|":
            kind, xtype = "other", "file"
        elif t == "*":
            kind, xtype = "other", "calculate"
        elif t in "5GYI":
            kind, xtype = "select_one", f"select_one {ctx.name}"
            if t == "5":
                options = [(str(i), {k: str(i) for k in self.keys.values()}) for i in range(1, 6)]
                appearance = "likert"
            elif t == "G":
                options = self.fixed_options(GENDER)
            elif t == "Y":
                options = self.fixed_options(YES_NO)
            else:
                options = [
                    (lang, {k: language_key(lang) for k in self.keys.values()})
                    for lang in self.s.languages
                ]
        codes, labels = self.choice_list(ctx.name, options) if options else ({}, {})
        row = {
            "type": xtype,
            "name": ctx.name,
            "required": ctx.required,
            "appearance": appearance,
            "constraint": constraint,
            **ctx.common,
        }
        if t == "*":
            row.pop("required")
            equation = q.texts.get(self.base, "")
            try:
                row["calculation"] = translate_value(equation, self.resolve)
                self.form.translated.append(
                    Text(
                        "{where}: Gleichung {old} -> {new}", "{where}: equation {old} -> {new}"
                    ).format(where=ctx.where, old=equation.strip(), new=row["calculation"])
                )
            except Untranslatable as exc:
                row["calculation"] = "''"
                row["ls_equation"] = equation.strip()
                self.form.verbatim.append(
                    Text(
                        "{where}: Gleichung {old} ({reason}; ihre gespeicherten Ergebnisse werden "
                        "importiert)",
                        "{where}: equation {old} ({reason}; its stored results are imported)",
                    ).format(where=ctx.where, old=equation.strip(), reason=reason(exc))
                )
        self.finish_row(ctx, self.spec.add(**row))
        ref = Var(ctx.name, kind if kind != "other" else "text", codes)
        self.add_field(
            LsField(
                ctx.sgqa,
                q.code,
                q.code,
                ctx.name,
                "value",
                kind,
                codes=codes,
                labels=labels,
                heading=ctx.heading,
            ),
            ref,
        )
        if t == "|":
            self.add_field(
                LsField(
                    f"{ctx.sgqa}_filecount",
                    f"{q.code}[filecount]",
                    f"{q.code}_filecount",
                    "",
                    "skip",
                    "other",
                )
            )
            self.form.notes.append(
                Text(
                    "{where}: Datei-Upload als 'file' importiert (die Dateinamen); die Spalte mit "
                    "der Anzahl der Dateien bleibt weg",
                    "{where}: file upload imported as 'file' (the file names); the file count "
                    "column is left out",
                ).format(where=ctx.where)
            )
        return True

    def other_option(self, q: LsQuestion, code: str) -> tuple[str, dict[str, str]]:
        """The "other" answer of a list or a multiple choice, in every language of the survey."""
        texts = q.lang_attrs.get("other_replace_text", {})
        return code, {
            self.keys[lang]: plain_text(texts.get(lang)) or pick(OTHER, lang)
            for lang in self.s.languages
        }

    def other_text(self, ctx: Ctx, relevant: str) -> None:
        """The "please specify" text of the "other" answer, asked where ``relevant`` holds."""
        code = ctx.q.code
        self.text_item(
            ctx,
            "other",
            self.fixed(OTHER),
            f"{ctx.sgqa}other",
            f"{code}[other]",
            f"{code}_other",
            relevant=relevant,
        )

    def q_list(self, ctx: Ctx) -> bool:
        q = ctx.q
        options = self.answer_options(q)
        if q.other:
            options.append(self.other_option(q, "-oth-"))
        if not options:
            self.form.skipped.append(
                Text(
                    "{where}: {kind} ohne Antwortoptionen", "{where}: {kind} without answer options"
                ).format(where=ctx.where, kind=type_name(q.type))
            )
            return False
        codes, labels = self.choice_list(ctx.name, options)
        row = {
            "type": f"select_one {ctx.name}",
            "name": ctx.name,
            "required": ctx.required,
            "appearance": "minimal" if q.type == "!" else None,
            **ctx.common,
        }
        self.finish_row(ctx, self.spec.add(**row))
        self.add_field(
            LsField(
                ctx.sgqa,
                q.code,
                q.code,
                ctx.name,
                "value",
                "select_one",
                codes=codes,
                labels=labels,
                heading=ctx.heading,
            ),
            Var(ctx.name, "select_one", codes),
        )
        if q.other:
            self.other_text(ctx, f"${{{ctx.name}}} = '{codes['-oth-']}'")
        if q.type == "O":
            self.text_item(
                ctx,
                "comment",
                self.fixed(COMMENT),
                f"{ctx.sgqa}comment",
                f"{q.code}[comment]",
                f"{q.code}_comment",
            )
        return True


def build_form(survey: LsSurvey, source: str | Path) -> LsForm:
    """The XLSForm and data map for a parsed survey.

    Raises
    ------
    KlapptError
        ``INTEROP_006`` for an unknown question type, ``INTEROP_007`` for a code used twice,
        ``INTEROP_009`` when no question can be imported.
    """
    form = _Builder(survey, str(source)).build()
    if form.questions == 0:
        displays = sum(1 for q in survey.questions if q.type == "X")
        raise KlapptError(
            ErrorCode.INTEROP_009, path=source, count=len(survey.questions), displays=displays
        )
    return form
