"""LimeSurvey questions with several answer columns: arrays, dual scales, matrices, ranking.

Each becomes a group (named like the question) of items named as ExpressionScript names them
(``Q_SQ``, ``Q_SQ_0``, ``Q_Y_X``, ``Q_1``), so conditions that refer to them translate one to
one. The shared pieces of :mod:`klappt.interop.limesurvey.form` (the field record, the fixed answer
scales, the question context) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from klappt.interop.base import plain_text
from klappt.interop.limesurvey.expressions import Flag, Var, is_always
from klappt.interop.limesurvey.structure import LsQuestion, type_name
from klappt.language import Text

if TYPE_CHECKING:
    from klappt.interop.limesurvey.form import _Builder

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


_NO_SUBS = Text("Teilfragen", "subquestions")
_NO_OPTIONS = Text("Antwortoptionen", "answer options")


@dataclass
class Ctx:
    q: LsQuestion
    name: str
    where: Text  # "question X", to name it in the import summary
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


# The handlers of the multi-column question types: plain functions over the form builder of
# klappt.interop.limesurvey.form (they were a mixin, whose calls into the builder no type checker follows).


def begin_item_group(b: _Builder, ctx: Ctx) -> dict[str, str]:
    gname = ctx.name
    row = b.spec.add(type="begin_group", name=gname, appearance="field-list", **ctx.common)
    b.defer(row, ctx.q.relevance, ctx.where, b.s.conditions.get(ctx.q.qid))
    return row


def sub_item(
    b: _Builder,
    ctx: Ctx,
    sub_code: str,
    xtype: str,
    labels: dict[str, str],
    relevance: str = "",
    **extra: str | None,
) -> str:
    item = b.names.unique(f"{ctx.name}_{sub_code}", original=f"{ctx.q.code}_{sub_code}")
    row = b.spec.add(
        type=xtype,
        name=item,
        required=ctx.required,
        ls_code=f"{ctx.q.code}[{sub_code}]",
        **b.cols("label", labels),
        **extra,
    )
    if not is_always(relevance):
        b.defer(
            row,
            relevance,
            Text("{where} Teilfrage {sub}", "{where} item {sub}").format(
                where=ctx.where, sub=sub_code
            ),
        )
    return item


def q_array(b: _Builder, ctx: Ctx) -> bool:
    q, t = ctx.q, ctx.q.type
    subs = q.subs_on(0)
    if t in "FH":
        options = b.answer_options(q)
    elif t == "A":
        options = [(str(i), {k: str(i) for k in b.keys.values()}) for i in range(1, 6)]
    elif t == "B":
        options = [(str(i), {k: str(i) for k in b.keys.values()}) for i in range(1, 11)]
    elif t == "C":
        options = b.fixed_options(YES_UNCERTAIN_NO)
    else:
        options = b.fixed_options(INCREASE)
    if not subs or not options:
        b.form.skipped.append(
            Text("{where}: {kind} ohne {what}", "{where}: {kind} without {what}").format(
                where=ctx.where, kind=type_name(t), what=_NO_SUBS if not subs else _NO_OPTIONS
            )
        )
        return False
    codes, labels = b.choice_list(ctx.name, options)
    begin_item_group(b, ctx)
    for s in subs:
        item = sub_item(
            b,
            ctx,
            s.code,
            f"select_one {ctx.name}",
            b.texts(s.texts, fallback=s.code),
            s.relevance,
            appearance="likert" if t in LIKERT_TYPES else None,
        )
        sub_text = plain_text(s.texts.get(b.base, "")).replace("\n", " ")
        b.add_field(
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
    b.spec.add(type="end_group")
    return True


def q_dual(b: _Builder, ctx: Ctx) -> bool:
    q = ctx.q
    subs = q.subs_on(0)
    scales = [b.answer_options(q, 0), b.answer_options(q, 1)]
    if not subs or not scales[0]:
        b.form.skipped.append(
            Text("{where}: {kind} ohne {what}", "{where}: {kind} without {what}").format(
                where=ctx.where, kind=type_name("1"), what=_NO_SUBS if not subs else _NO_OPTIONS
            )
        )
        return False
    maps = [
        b.choice_list(f"{ctx.name}_s{i}", opts) if opts else ({}, {})
        for i, opts in enumerate(scales)
    ]
    begin_item_group(b, ctx)
    for s in subs:
        for scale, (codes, labels) in enumerate(maps):
            if not scales[scale]:
                continue
            header = q.lang_attrs.get(
                "dualscale_headerA" if scale == 0 else "dualscale_headerB", {}
            )
            sub_labels = b.texts(s.texts, fallback=s.code)
            item_labels = {
                k: f"{v} ({plain_text(header.get(lang)) or scale + 1})"
                for lang, k in b.keys.items()
                if (v := sub_labels.get(k))
            }
            item = sub_item(
                b,
                ctx,
                f"{s.code}_{scale}",
                f"select_one {ctx.name}_s{scale}",
                item_labels,
                s.relevance if scale == 0 else "",
            )
            b.add_field(
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
    b.spec.add(type="end_group")
    return True


def q_matrix(b: _Builder, ctx: Ctx) -> bool:
    q = ctx.q
    rows, columns = q.subs_on(0), q.subs_on(1)
    if not rows or not columns:
        b.form.skipped.append(
            Text(
                "{where}: {kind} ohne Zeilen oder Spalten",
                "{where}: {kind} without rows or columns",
            ).format(where=ctx.where, kind=type_name(q.type))
        )
        return False
    if q.type == ":":
        checkbox = q.attrs.get("multiflexible_checkbox", "").strip() == "1"
        xtype, kind = ("integer" if checkbox else "decimal"), "number"
    else:
        xtype, kind = "text", "text"
    begin_item_group(b, ctx)
    for r in rows:
        r_labels = b.texts(r.texts, fallback=r.code)
        for c in columns:
            c_labels = b.texts(c.texts, fallback=c.code)
            labels = {k: f"{v} / {c_labels.get(k, c.code)}" for k, v in r_labels.items()}
            item = sub_item(b, ctx, f"{r.code}_{c.code}", xtype, labels, r.relevance)
            b.add_field(
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
    b.spec.add(type="end_group")
    return True


def q_multi_input(b: _Builder, ctx: Ctx) -> bool:
    q = ctx.q
    subs = q.subs_on(0)
    if not subs:
        b.form.skipped.append(
            Text("{where}: {kind} ohne {what}", "{where}: {kind} without {what}").format(
                where=ctx.where, kind=type_name(q.type), what=_NO_SUBS
            )
        )
        return False
    if q.type == "K":
        xtype = "integer" if q.attrs.get("num_value_int_only", "").strip() == "1" else "decimal"
        kind = "number"
    else:
        xtype, kind = "text", "text"
    begin_item_group(b, ctx)
    for s in subs:
        item = sub_item(b, ctx, s.code, xtype, b.texts(s.texts, fallback=s.code), s.relevance)
        sub_text = plain_text(s.texts.get(b.base, "")).replace("\n", " ")
        b.add_field(
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
    b.spec.add(type="end_group")
    return True


def q_ranking(b: _Builder, ctx: Ctx) -> bool:
    q = ctx.q
    options = b.answer_options(q)
    if not options:
        b.form.skipped.append(
            Text("{where}: {kind} ohne {what}", "{where}: {kind} without {what}").format(
                where=ctx.where, kind=type_name("R"), what=_NO_OPTIONS
            )
        )
        return False
    codes, labels = b.choice_list(ctx.name, options)
    begin_item_group(b, ctx)
    for n in range(1, len(options) + 1):
        item = sub_item(
            b, ctx, str(n), f"select_one {ctx.name}", {k: f"{n}." for k in b.keys.values()}
        )
        b.add_field(
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
    b.spec.add(type="end_group")
    b.form.notes.append(
        Text(
            "{where}: Rangfolge als {n} select_one-Teilfragen importiert, eine je Rang",
            "{where}: ranking imported as {n} select_one items, one per rank",
        ).format(where=ctx.where, n=len(options))
    )
    return True


def q_multiple(b: _Builder, ctx: Ctx) -> bool:
    """M, P (multiple choice): one ``select_multiple``, a flag column per option; P's comments
    as text items."""
    q = ctx.q
    subs = q.subs_on(0)
    options = [(s.code, b.texts(s.texts, fallback=s.code)) for s in subs]
    if q.other:
        options.append(b.other_option(q, "other"))
    if not options:
        b.form.skipped.append(
            Text(
                "{where}: Mehrfachauswahl ohne Optionen",
                "{where}: multiple choice without options",
            ).format(where=ctx.where)
        )
        return False
    codes, _ = b.choice_list(ctx.name, options)
    constraint = count_constraint(q.attrs.get("min_answers", ""), q.attrs.get("max_answers", ""))
    row = {
        "type": f"select_multiple {ctx.name}",
        "name": ctx.name,
        "required": ctx.required,
        "constraint": constraint,
        **ctx.common,
    }
    b.finish_row(ctx, b.spec.add(**row))
    b.refs[q.code] = b.refs[ctx.sgqa] = Var(ctx.name, "select_multiple", codes)
    for s in subs:
        choice = codes[s.code]
        sub_text = plain_text(s.texts.get(b.base, "")).replace("\n", " ")
        b.add_field(
            LsField(
                f"{ctx.sgqa}{s.code}",
                f"{q.code}[{s.code}]",
                f"{q.code}_{s.code}",
                ctx.name,
                "flag",
                "select_multiple",
                choice=choice,
                labels={sub_text.lower(): choice} if sub_text else {},
                heading=f"{ctx.heading} [{sub_text}]",
            ),
            Flag(ctx.name, choice),
        )
        if not is_always(s.relevance):
            b.form.verbatim.append(
                Text(
                    "{where}: Option {code} nur gezeigt, wenn {cond} (nicht geprüft)",
                    "{where}: option {code} shown only if {cond} (not checked)",
                ).format(where=ctx.where, code=s.code, cond=s.relevance.strip())
            )
    if q.other:
        b.add_field(
            LsField(
                f"{ctx.sgqa}other",
                f"{q.code}[other]",
                f"{q.code}_other",
                ctx.name,
                "flag_text",
                "select_multiple",
                choice=codes["other"],
                heading=f"{ctx.heading} [{b.fixed(OTHER)[b.keys[b.base]]}]",
            ),
            Flag(ctx.name, codes["other"]),
        )
        b.other_text(ctx, f"selected(${{{ctx.name}}}, '{codes['other']}')")
    if q.type == "P":
        comment = b.fixed(COMMENT)
        for code in [s.code for s in subs] + (["other"] if q.other else []):
            sub = next((s for s in subs if s.code == code), None)
            sub_labels = b.texts(sub.texts, fallback=code) if sub else b.fixed(OTHER)
            labels_ = {k: f"{v}: {comment.get(k, 'Comment')}" for k, v in sub_labels.items()}
            b.text_item(
                ctx,
                f"{code}comment",
                labels_,
                f"{ctx.sgqa}{code}comment",
                f"{q.code}[{code}comment]",
                f"{q.code}_{code}comment",
            )
    return True
