"""LimeSurvey questions with several answer columns: arrays, dual scales, matrices, ranking.

Each becomes a group (named like the question) of items named as ExpressionScript names them
(``Q_SQ``, ``Q_SQ_0``, ``Q_Y_X``, ``Q_1``), so conditions that refer to them translate one to
one. The shared pieces of :mod:`klappt.interop.lsform` (the field record, the fixed answer
scales, the question context) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from klappt.interop.base import plain_text
from klappt.interop.limesurvey import LS_TYPES, LsQuestion
from klappt.interop.lsexpr import Var, is_always

if TYPE_CHECKING:
    pass

YES_NO = [
    ("Y", {"en": "Yes", "de": "Ja", "fr": "Oui", "es": "Sí", "it": "Sì", "nl": "Ja", "pt": "Sim"}),
    (
        "N",
        {"en": "No", "de": "Nein", "fr": "Non", "es": "No", "it": "No", "nl": "Nee", "pt": "Não"},
    ),
]
GENDER = [
    (
        "F",
        {
            "en": "Female",
            "de": "Weiblich",
            "fr": "Féminin",
            "es": "Femenino",
            "it": "Femmina",
            "nl": "Vrouw",
        },
    ),
    (
        "M",
        {
            "en": "Male",
            "de": "Männlich",
            "fr": "Masculin",
            "es": "Masculino",
            "it": "Maschio",
            "nl": "Man",
        },
    ),
]
YES_UNCERTAIN_NO = [
    ("Y", {"en": "Yes", "de": "Ja", "fr": "Oui", "nl": "Ja"}),
    ("U", {"en": "Uncertain", "de": "Unsicher", "fr": "Incertain", "nl": "Onzeker"}),
    ("N", {"en": "No", "de": "Nein", "fr": "Non", "nl": "Nee"}),
]
INCREASE = [
    ("I", {"en": "Increase", "de": "Zunahme", "fr": "Augmentation", "nl": "Toename"}),
    ("S", {"en": "Same", "de": "Gleich", "fr": "Sans changement", "nl": "Gelijk"}),
    ("D", {"en": "Decrease", "de": "Abnahme", "fr": "Diminution", "nl": "Afname"}),
]
OTHER = {
    "en": "Other",
    "de": "Sonstiges",
    "fr": "Autre",
    "es": "Otro",
    "it": "Altro",
    "nl": "Anders",
}
COMMENT = {
    "en": "Comment",
    "de": "Kommentar",
    "fr": "Commentaire",
    "es": "Comentario",
    "it": "Commento",
    "nl": "Opmerking",
}
ARRAY_TYPES = set("FHABCE")
LIKERT_TYPES = set("5AB")


@dataclass(frozen=True)
class LsField:
    """One column of LimeSurvey's response table and where it goes in klappt's table."""

    sgqa: str  # 123X4X5SQ001
    code: str  # Q1[SQ001]  (the "question code" heading of a CSV export)
    em: str  # Q1_SQ001   (ExpressionScript name)
    target: str  # the klappt column
    role: str  # value | flag | flag_text | skip
    kind: str  # select_one | select_multiple | number | text | date | other
    choice: str = ""  # flag: the choice a ticked box adds
    codes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    labels: dict[str, str] = field(
        default_factory=dict, hash=False, compare=False
    )  # lower-case text -> choice
    heading: str = ""  # the "full text" heading: question text [+ " [sub text]"]


def pick(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table.get(lang.split("-")[0]) or table["en"]


@dataclass
class Ctx:
    q: LsQuestion
    name: str
    where: str
    common: dict[str, str]
    labels: dict[str, str]
    required: str | None
    sgqa: str
    heading: str


def as_number(text: str) -> str | None:
    text = (text or "").strip()
    try:
        float(text)
    except ValueError:
        return None
    return text


def range_constraint(low: str, high: str) -> str | None:
    lo, hi = as_number(low), as_number(high)
    parts = ([f". >= {lo}"] if lo is not None else []) + ([f". <= {hi}"] if hi is not None else [])
    return " and ".join(parts) or None


def count_constraint(low: str, high: str) -> str | None:
    lo, hi = as_number(low), as_number(high)
    parts = ([f"count-selected(.) >= {lo}"] if lo is not None else []) + (
        [f"count-selected(.) <= {hi}"] if hi is not None else []
    )
    return " and ".join(parts) or None


def date_type(fmt: str) -> str:
    has_date = any(tok in fmt.lower() for tok in ("yy", "dd"))
    has_time = "HH" in fmt or "MM" in fmt or "hh" in fmt or "ii" in fmt
    if has_time and has_date:
        return "dateTime"
    if has_time:
        return "time"
    return "date"


class ItemQuestions:
    """Handlers for the multi-column question types; mixed into the form builder."""

    # provided by the builder
    spec: Any
    names: Any
    form: Any
    s: Any
    keys: dict[str, str]
    base: str

    def begin_item_group(self, ctx: Ctx) -> dict[str, str]:
        gname = ctx.name
        row = self.spec.add(type="begin_group", name=gname, appearance="field-list", **ctx.common)
        self.defer(row, ctx.q.relevance, ctx.where, self.s.conditions.get(ctx.q.qid))
        return row

    def sub_item(
        self,
        ctx: Ctx,
        sub_code: str,
        xtype: str,
        labels: dict[str, str],
        relevance: str = "",
        **extra: str | None,
    ) -> str:
        item = self.names.unique(f"{ctx.name}_{sub_code}", original=f"{ctx.q.code}_{sub_code}")
        row = self.spec.add(
            type=xtype,
            name=item,
            required=ctx.required,
            ls_code=f"{ctx.q.code}[{sub_code}]",
            **self.cols("label", labels),
            **extra,
        )
        if not is_always(relevance):
            self.defer(row, relevance, f"{ctx.where} item {sub_code}")
        return item

    def q_array(self, ctx: Ctx) -> bool:
        q, t = ctx.q, ctx.q.type
        subs = q.subs_on(0)
        if t in "FH":
            options = self.answer_options(q)
        elif t == "A":
            options = [(str(i), {k: str(i) for k in self.keys.values()}) for i in range(1, 6)]
        elif t == "B":
            options = [(str(i), {k: str(i) for k in self.keys.values()}) for i in range(1, 11)]
        elif t == "C":
            options = self.fixed_options(YES_UNCERTAIN_NO)
        else:
            options = self.fixed_options(INCREASE)
        if not subs or not options:
            self.form.skipped.append(
                f"{ctx.where}: {LS_TYPES[t]} without {'subquestions' if not subs else 'answer options'}"
            )
            return False
        codes, labels = self.choice_list(ctx.name, options)
        self.begin_item_group(ctx)
        for s in subs:
            item = self.sub_item(
                ctx,
                s.code,
                f"select_one {ctx.name}",
                self.texts(s.texts, fallback=s.code),
                s.relevance,
                appearance="likert" if t in LIKERT_TYPES else None,
            )
            sub_text = plain_text(s.texts.get(self.base, "")).replace("\n", " ")
            self.add_field(
                LsField(
                    f"{ctx.sgqa}{s.code}",
                    f"{q.code}[{s.code}]",
                    f"{q.code}_{s.code}",
                    item,
                    "value",
                    "select_one",
                    codes=codes,
                    labels=labels,
                    heading=f"{ctx.heading} [{sub_text}]",
                ),
                Var(item, "select_one", codes),
            )
        self.spec.add(type="end_group")
        return True

    def q_dual(self, ctx: Ctx) -> bool:
        q = ctx.q
        subs = q.subs_on(0)
        scales = [self.answer_options(q, 0), self.answer_options(q, 1)]
        if not subs or not scales[0]:
            self.form.skipped.append(
                f"{ctx.where}: dual scale array without {'subquestions' if not subs else 'answer options'}"
            )
            return False
        maps = [
            self.choice_list(f"{ctx.name}_s{i}", opts) if opts else ({}, {})
            for i, opts in enumerate(scales)
        ]
        self.begin_item_group(ctx)
        for s in subs:
            for scale, (codes, labels) in enumerate(maps):
                if not scales[scale]:
                    continue
                header = q.lang_attrs.get(
                    "dualscale_headerA" if scale == 0 else "dualscale_headerB", {}
                )
                sub_labels = self.texts(s.texts, fallback=s.code)
                item_labels = {
                    k: f"{v} ({plain_text(header.get(lang)) or scale + 1})"
                    for lang, k in self.keys.items()
                    if (v := sub_labels.get(k))
                }
                item = self.sub_item(
                    ctx,
                    f"{s.code}_{scale}",
                    f"select_one {ctx.name}_s{scale}",
                    item_labels,
                    s.relevance if scale == 0 else "",
                )
                self.add_field(
                    LsField(
                        f"{ctx.sgqa}{s.code}#{scale}",
                        f"{q.code}[{s.code}][{scale + 1}]",
                        f"{q.code}_{s.code}_{scale}",
                        item,
                        "value",
                        "select_one",
                        codes=codes,
                        labels=labels,
                    ),
                    Var(item, "select_one", codes),
                )
        self.spec.add(type="end_group")
        return True

    def q_matrix(self, ctx: Ctx) -> bool:
        q = ctx.q
        rows, columns = q.subs_on(0), q.subs_on(1)
        if not rows or not columns:
            self.form.skipped.append(f"{ctx.where}: {LS_TYPES[q.type]} without rows or columns")
            return False
        if q.type == ":":
            checkbox = q.attrs.get("multiflexible_checkbox", "").strip() == "1"
            xtype, kind = ("integer" if checkbox else "decimal"), "number"
        else:
            xtype, kind = "text", "text"
        self.begin_item_group(ctx)
        for r in rows:
            r_labels = self.texts(r.texts, fallback=r.code)
            for c in columns:
                c_labels = self.texts(c.texts, fallback=c.code)
                labels = {k: f"{v} / {c_labels.get(k, c.code)}" for k, v in r_labels.items()}
                item = self.sub_item(ctx, f"{r.code}_{c.code}", xtype, labels, r.relevance)
                self.add_field(
                    LsField(
                        f"{ctx.sgqa}{r.code}_{c.code}",
                        f"{q.code}[{r.code}_{c.code}]",
                        f"{q.code}_{r.code}_{c.code}",
                        item,
                        "value",
                        kind,
                    ),
                    Var(item, kind),
                )
        self.spec.add(type="end_group")
        return True

    def q_multi_input(self, ctx: Ctx) -> bool:
        q = ctx.q
        subs = q.subs_on(0)
        if not subs:
            self.form.skipped.append(f"{ctx.where}: {LS_TYPES[q.type]} without subquestions")
            return False
        if q.type == "K":
            xtype = "integer" if q.attrs.get("num_value_int_only", "").strip() == "1" else "decimal"
            kind = "number"
        else:
            xtype, kind = "text", "text"
        self.begin_item_group(ctx)
        for s in subs:
            item = self.sub_item(
                ctx, s.code, xtype, self.texts(s.texts, fallback=s.code), s.relevance
            )
            sub_text = plain_text(s.texts.get(self.base, "")).replace("\n", " ")
            self.add_field(
                LsField(
                    f"{ctx.sgqa}{s.code}",
                    f"{q.code}[{s.code}]",
                    f"{q.code}_{s.code}",
                    item,
                    "value",
                    kind,
                    heading=f"{ctx.heading} [{sub_text}]",
                ),
                Var(item, kind),
            )
        self.spec.add(type="end_group")
        return True

    def q_ranking(self, ctx: Ctx) -> bool:
        q = ctx.q
        options = self.answer_options(q)
        if not options:
            self.form.skipped.append(f"{ctx.where}: ranking without answer options")
            return False
        codes, labels = self.choice_list(ctx.name, options)
        self.begin_item_group(ctx)
        for n in range(1, len(options) + 1):
            item = self.sub_item(
                ctx, str(n), f"select_one {ctx.name}", {k: f"{n}." for k in self.keys.values()}
            )
            self.add_field(
                LsField(
                    f"{ctx.sgqa}{n}",
                    f"{q.code}[{n}]",
                    f"{q.code}_{n}",
                    item,
                    "value",
                    "select_one",
                    codes=codes,
                    labels=labels,
                    heading=f"{ctx.heading} [{n}]",
                ),
                Var(item, "select_one", codes),
            )
        self.spec.add(type="end_group")
        self.form.notes.append(
            f"{ctx.where}: ranking imported as {len(options)} select_one items, one per rank"
        )
        return True
