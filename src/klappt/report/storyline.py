"""The default storyline of a form, and any spec written back out as a recipe.

Without a recipe, :func:`default_spec` derives a storyline from the form: a divider per
group and one slide per question (a grid of questions sharing their choices as one
chart); :func:`dump_recipe` writes any spec out as an editable recipe
(``klappt report --init-recipe``) that :func:`klappt.report.recipe.parse_recipe` reads back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace

import yaml

from klappt import yamlsafe
from klappt.errors import KlapptError
from klappt.instrument.model import Group, Instrument, Question, pick_label
from klappt.report.coverage import DeckContext, returns_lines
from klappt.report.kinds import CHART_KINDS, KindName
from klappt.report.slide_pairs import distinct_titles, pairs, unrepeated
from klappt.report.spec import (
    AgendaSlide,
    ChartPanel,
    ClosingSlide,
    ComparisonSlide,
    ReportSpec,
    ResultSlide,
    SectionSlide,
    Slide,
    Text,
    TextSlide,
    TitleSlide,
)
from klappt.report.titles import question_statement, respondent
from klappt.report.withheld import describes_site
from klappt.report.wording import text

__all__ = ["MAX_DEFAULT_CHOICES", "default_spec", "dump_recipe"]


# --- default storyline ------------------------------------------------------------------


#: The default storyline leaves out select_one questions with more choices than this
#: (the municipality a return comes from, and the like).
MAX_DEFAULT_CHOICES = 25

_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]?\s+")
#: "(Freitext)", "(free text)", "(offen)" at the end of a label: how it is asked, not what it says
_FREE_TEXT = re.compile(r"\s*\((?:Freitext|freie Angabe|offen|free text|open)\)\s*", re.IGNORECASE)
#: words a common beginning of labels must not end on ("Bewertung der" -> "Bewertung")
_TRAILING = frozenset(
    [
        "der",
        "die",
        "das",
        "des",
        "dem",
        "den",
        "von",
        "vom",
        "zur",
        "zum",
        "zu",
        "im",
        "in",
        "mit",
        "für",
        "und",
        "bzw.",
        "oder",
        "durch",
        "of",
        "the",
        "a",
        "an",
        "for",
        "in",
        "with",
        "and",
        "or",
        "to",
        "by",
    ]
)


def default_spec(
    instrument: Instrument,
    lang: str = "de",
    wave: str | None = None,
    context: DeckContext | None = None,
) -> ReportSpec:
    """The storyline klappt derives from a form: a divider per group, a slide per finding.

    Parameters
    ----------
    instrument:
        The form. Its top-level groups become sections. A grid (a ``table-list``/``field-list``
        group of select questions sharing their choices) is one chart; the scale items of a
        section that share one ordered scale are one 100 % stacked chart; the numbers of a
        group one table. Every select_one is a bar chart in form order, every select_multiple
        a bar chart by frequency. Free text is left out (it would be quoted verbatim); its
        coded categories (``q__codes``) are charted.
    lang:
        Language of the fixed wording and the labels.
    wave:
        The main wave's name, if the report has several.
    context:
        Program, wave, field period, date and the response of the register's sites for the
        title and data slides (see :mod:`klappt.report.coverage`).

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("Umfrage", "u", (Question("a", "select_one"),))
    >>> [type(s).__name__ for s in default_spec(form).slides]
    ['TitleSlide', 'TextSlide', 'ResultSlide', 'ClosingSlide']
    """
    ctx = context or DeckContext(wave=wave)
    slides: list[Slide] = [_title_slide(instrument, lang, ctx)]
    sections = instrument.sections()
    named_sections = [g for g, _ in sections if g is not None]
    if len(named_sections) >= 2:
        slides.append(AgendaSlide())
    slides.append(_data_slide(instrument, lang, ctx))
    # the data slide already gives the response by site type from the register; the form's own
    # question on the site's type would repeat it, with most of its bars withheld (a type of one
    # or two sites names them)
    by_type = ctx.coverage is not None and bool(ctx.coverage.by_type)
    for group, questions in sections:
        if by_type:
            questions = [q for q in questions if not describes_site(q)]
        section_title = None
        if group is not None:
            # "1 Nachhaltige Entwicklungen ..." -> the agenda numbers sections itself
            section_title = _group_title(group, lang, instrument.default_language)
            slides.append(SectionSlide(title=section_title))
        slides.extend(
            pairs(instrument, _result_slides(instrument, questions, lang, section_title), lang)
        )
    slides.append(ClosingSlide())
    slides = [_filled(s) for s in unrepeated(distinct_titles(slides, lang), lang)]
    return ReportSpec(
        title=instrument.title,
        slides=tuple(slides),
        wave=wave,
        lang=lang,
        options={"decimals": "auto"},
    )


#: "..." or "…" a label trails off into its choices with ("Mit der ABH kooperieren wir über ...")
_TRAILING_DOTS = re.compile(r"\s*(?:\.\.\.|…)\s*$")


def _clean(title: str | None) -> str | None:
    """A title or heading as a statement: no trailing "..." (the label ran on into its choices)
    nor a footnote mark of the form ("Jobcenter*")."""
    if not title:
        return title
    return _TRAILING_DOTS.sub("", title.rstrip(" *")).rstrip(" :*") or title


def _filled(slide: Slide) -> Slide:
    """A result slide of the derived deck: clean title and headings, charts grown to use the
    slide (:mod:`klappt.report.slide_fill`)."""
    if not isinstance(slide, ResultSlide):
        return slide
    panels = tuple(replace(p, title=_clean(p.title)) for p in slide.panels)
    return replace(slide, title=_clean(slide.title) or slide.title, panels=panels, layout="fill")


def _title_slide(instrument: Instrument, lang: str, ctx: DeckContext) -> TitleSlide:
    """Program (else the form), then the survey and wave, then the field period and date."""
    title = ctx.program or instrument.title
    parts = []
    if ctx.program and ctx.program != instrument.title:
        parts.append(instrument.title)
    if ctx.wave and ctx.wave not in instrument.title:
        parts.append(text("wave_label", lang).format(wave=ctx.wave))
    if ctx.period:
        parts.append(ctx.period)
    date = text("as_of", lang).format(date=ctx.date) if ctx.date else None
    return TitleSlide(title=title, subtitle=" · ".join(parts) or None, date=date)


def _data_slide(instrument: Instrument, lang: str, ctx: DeckContext) -> TextSlide:
    lines = returns_lines(ctx, lang)
    if not lines:
        lines = [text("returns_line", lang).format(n="{{ responses() }}")]
    if ctx.period:
        lines.insert(0, text("field_period", lang).format(period=ctx.period))
    return TextSlide(title=text("data_basis", lang), bullets=tuple(Text(x) for x in lines))


def _plain(label: str) -> str:
    return _FREE_TEXT.sub(" ", label).strip()


def _split(label: str) -> tuple[str, str | None]:
    """A label as (statement, question): "Fortführung der Kooperation mit ABH: Wird …?" ->
    ("Fortführung der Kooperation mit ABH", "Wird …?"); a label that is only a question
    -> ("", question); a statement -> (statement, None)."""
    label = _plain(label)
    head, sep, rest = label.partition(": ")
    if sep and head and rest and "?" not in head:
        return head.strip(), rest.strip()
    if label.endswith("?"):
        return "", label
    return label, None


def _group_title(group: Group, lang: str, dl: str | None) -> str:
    own = pick_label(group.report_titles, lang, dl)
    if own:
        return own
    return (
        _NUMBERED.sub("", _split(group.label(lang, dl))[0] or group.label(lang, dl)) or group.name
    )


def _titles(
    instrument: Instrument, q: Question, lang: str, fallback: str | None
) -> tuple[str, str | None]:
    """(slide title, chart heading or ``None`` for none) of one question.

    The ``report_title`` column wins; else the statement before ": " of the label; a label
    that only asks a question gives the slide the question as a statement
    (:func:`klappt.report.titles.question_statement`: "Ob die Angebote fortgeführt werden"),
    else its group's title, and stays as the heading.
    """
    dl = instrument.default_language
    own = pick_label(q.report_titles, lang, dl)
    statement, question = _split(_label(instrument, q, lang))
    if own:
        return own, question if question else ""
    if statement:
        title = respondent(statement) if lang != "en" else statement
        return title, question if question else ""
    said = question_statement(question or "", lang)
    if said:
        return said, question
    group = instrument.group(q.group_path[-1]) if q.group_path else None
    title = _group_title(group, lang, dl) if group else (fallback or instrument.title)
    return title, question


def _label(instrument: Instrument, q: Question, lang: str) -> str:
    """The question's label; coded free text is named by its text question."""
    from klappt.coding.apply import SUFFIX

    dl = instrument.default_language
    if q.name.endswith(SUFFIX):
        parent = instrument.question(q.name[: -len(SUFFIX)])
        if parent is not None:
            return parent.label(lang, dl)
    return q.label(lang, dl)


def _common_title(labels: list[str]) -> str:
    """The words several labels begin with, without a dangling article: "Bewertung"."""
    words = [label.split() for label in labels]
    common: list[str] = []
    for column in zip(*words, strict=False):
        if len({w.casefold() for w in column}) != 1:
            break
        common.append(column[0])
    while common and common[-1].casefold().strip(",:") in _TRAILING:
        common.pop()
    return " ".join(common).strip(" ,:")


def _result_slides(
    instrument: Instrument, questions: list[Question], lang: str, section: str | None
) -> list[Slide]:
    dl = instrument.default_language
    shown = [
        q
        for q in questions
        # dates are bookkeeping; a list of sites would identify sites; free text would be
        # quoted verbatim (its coded categories are shown instead)
        if q.type != "date"
        and not (q.type == "select_one" and len(q.choices) > MAX_DEFAULT_CHOICES)
        and q.type != "text"
    ]
    out: list[Slide] = []
    done: set[str] = set()
    for block in _grids(instrument, shown):
        q = block[0]
        if q.name in done:
            continue
        if len(block) > 1:
            # numbers outside any group (a form without groups) have no group to be named by
            sub = instrument.group(q.group_path[-1]) if q.group_path else None
            title, heading = (
                # the numbers of a section (no group of their own) are named by the first
                _titles(instrument, q, lang, section)
                if sub is None or len(q.group_path) < 2
                else (_group_title(sub, lang, dl), _split(sub.label(lang, dl))[1] or "")
            )
            if q.type in ("integer", "decimal"):
                heading = ""  # the table's rows carry the questions
            kind: KindName = "stacked" if q.type == "select_one" and q.ordered else "grouped"
            if q.type in ("integer", "decimal"):
                kind = "table"
            items = tuple(x.name for x in block)
            done.update(items)
            out.append(_slide(title, q.name, kind, heading, items))
            continue
        if q.type == "select_one" and q.ordered:
            # every item of the section on the same scale: one chart, a row per item
            same = [
                x
                for x in shown
                if x.type == "select_one"
                and x.ordered
                and x.name not in done
                and [c.name for c in x.choices] == [c.name for c in q.choices]
            ]
            done.update(x.name for x in same)
            if len(same) > 1:
                labels = [
                    _split(_label(instrument, x, lang))[0] or _label(instrument, x, lang)
                    for x in same
                ]
                title = _common_title(labels) or section or instrument.title
                out.append(_slide(title, q.name, "stacked", "", tuple(x.name for x in same)))
                continue
            title, heading = _titles(instrument, q, lang, section)
            out.append(_slide(title, q.name, "stacked", heading))
            continue
        done.add(q.name)
        title, heading = _titles(instrument, q, lang, section)
        kind = "bar" if q.is_select else "table"
        out.append(_slide(title, q.name, kind, heading, single=q.type == "select_one"))
    return out


def _slide(
    title: str,
    question: str,
    kind: KindName,
    heading: str | None,
    items: tuple[str, ...] = (),
    single: bool = False,
) -> ResultSlide:
    # a single choice keeps the form's order of its answers (ja before nein, scale order);
    # a multiple choice is read as a ranking, most frequent first
    panel = ChartPanel(
        question=question,
        kind=kind,
        items=items,
        title=heading,
        sort="form" if kind == "bar" and single else None,
    )
    return ResultSlide(title=title, panels=(panel,))


def _grids(instrument: Instrument, questions: list[Question]) -> list[list[Question]]:
    """Questions in form order; consecutive questions of one subgroup that share their type
    and choices (a grid) put together, and consecutive numbers of one group."""
    blocks: list[list[Question]] = []
    for q in questions:
        prev = blocks[-1][-1] if blocks else None
        grid = (
            prev is not None
            and q.is_select
            and len(q.group_path) >= 2
            and prev.group_path == q.group_path
            and prev.type == q.type
            and [c.name for c in prev.choices] == [c.name for c in q.choices]
        )
        numbers = (
            prev is not None
            and q.type in ("integer", "decimal")
            and prev.type in ("integer", "decimal")
            and prev.group_path == q.group_path
        )
        if grid or numbers:
            blocks[-1].append(q)
        else:
            blocks.append([q])
    return blocks


# --- spec -> YAML -----------------------------------------------------------------------

_HEADER = """\
# klappt-Rezept: die Folien des Berichts, in dieser Reihenfolge.
# Folienarten: title_slide, agenda, section, result, text, comparison, closing.
# Diagrammarten (kind): {kinds}
#   ohne kind wählt klappt nach Fragetyp: Ring für Einfachauswahl mit wenigen Antworten,
#   Balken (nach Häufigkeit) für Mehrfachauswahl und lange Antworten, 100-%-Balken für Skalen,
#   Nennungswolke für Freitext.
# Live-Zahlen im Text: {{{{ pct("frage", "antwort") }}}} %, {{{{ count("frage", "antwort") }}}},
#   {{{{ base("frage") }}}}, {{{{ responses() }}}}, {{{{ mean("frage") }}}}, mit wave="2020" für eine andere Welle.
"""


def _q(value: object) -> str:
    """A YAML scalar: plain when that reads back the same, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # numbers stay numbers when the recipe is read back
    s = str(value)
    if (
        s
        and s.strip() == s
        and not any(ch in s for ch in ":#{}[],&*!|>'\"%@`\n")
        and s[0] not in "-?"
    ):
        try:
            if yamlsafe.load(s) == s:
                return s
        except (yaml.YAMLError, KlapptError):
            pass
    return json.dumps(s, ensure_ascii=False)


def dump_recipe(spec: ReportSpec) -> str:
    """Write ``spec`` as an editable recipe that :func:`parse_recipe` reads back.

    Example
    -------
    >>> print(dump_recipe(ReportSpec(title="B", slides=(SectionSlide("Teil"),))).splitlines()[-1])
      - section: Teil
    """
    out = [_HEADER.format(kinds=", ".join(CHART_KINDS))]
    out.append(f"title: {_q(spec.title)}")
    if spec.lang:
        out.append(f"lang: {spec.lang}")
    if spec.wave:
        out.append(f"wave: {_q(spec.wave)}")
    if spec.waves:
        out.append("waves:")
        for w in spec.waves:
            parts = [f"{k}: {_q(v)}" for k, v in (("form", w.form), ("data", w.data)) if v]
            parts += [
                f"{k}: [{', '.join(_q(v) for v in vs)}]"
                for k, vs in (("codebooks", w.codebooks), ("codings", w.codings))
                if vs
            ]
            out.append(f"  {_q(w.name)}: " + ("{" + ", ".join(parts) + "}" if parts else "{}"))
    if spec.template:
        out.append(f"template: {_q(spec.template)}")
    options = {k: v for k, v in spec.options.items() if k in ("decimals", "source_line")}
    if options:
        out.append("options:")
        out.extend(f"  {k}: {_q(v)}" for k, v in options.items())
    out.append("slides:")
    for s in spec.slides:
        out.extend(_dump_slide(s))
    return "\n".join(out) + "\n"


def _dump_texts(key: str, items: Iterable[Text | str], indent: str) -> list[str]:
    items = list(items)
    if not items:
        return []
    out = [f"{indent}{key}:"]
    for t in items:
        out.append(f"{indent}  - {_q(t.template if isinstance(t, Text) else t)}")
    return out


def _dump_panel(p: ChartPanel, indent: str) -> list[str]:
    fields = [
        ("question", p.question if not p.items else None),
        ("items", list(p.items) if p.items else None),
        ("kind", p.kind),
        ("by", p.by),
        ("waves", list(p.waves) if p.waves else None),
        ("wave", p.wave),
        ("title", p.title),
        ("sort", p.sort),
        ("show", p.show),
        ("decimals", p.decimals),
        ("top", p.top),
    ]
    present = [(k, v) for k, v in fields if v is not None]
    out = []
    for i, (k, v) in enumerate(present):
        lead = f"{indent}- " if i == 0 else f"{indent}  "
        if isinstance(v, list):
            out.append(f"{lead}{k}: [{', '.join(_q(x) for x in v)}]")
        else:
            out.append(f"{lead}{k}: {_q(v)}")
    return out


def _dump_slide(s: Slide) -> list[str]:
    i = "      "
    if isinstance(s, TitleSlide):
        out = ["  - title_slide:", f"{i}title: {_q(s.title)}"]
        for k in ("subtitle", "date", "institution", "logo"):
            if getattr(s, k):
                out.append(f"{i}{k}: {_q(getattr(s, k))}")
        out += _dump_texts("authors", s.authors, i)
        return out
    if isinstance(s, AgendaSlide):
        return ["  - agenda" if not s.title else f"  - agenda: {_q(s.title)}"]
    if isinstance(s, SectionSlide):
        return ["", f"  - section: {_q(s.title)}"]
    if isinstance(s, ResultSlide):
        out = ["  - result:", f"{i}title: {_q(s.title)}"]
        if s.subtitle:
            out.append(f"{i}subtitle: {_q(s.subtitle)}")
        if s.panels:
            out.append(f"{i}charts:")
            for p in s.panels:
                out += _dump_panel(p, i + "  ")
        out += _dump_texts("findings", s.findings, i)
        out += _dump_texts("footnotes", s.footnotes, i)
        if s.layout:
            out.append(f"{i}layout: {_q(s.layout)}")
        return out
    if isinstance(s, TextSlide):
        out = ["  - text:", f"{i}title: {_q(s.title)}"]
        if s.subtitle:
            out.append(f"{i}subtitle: {_q(s.subtitle)}")
        out += _dump_texts("bullets", s.bullets, i)
        out += _dump_texts("footnotes", s.footnotes, i)
        return out
    if isinstance(s, ComparisonSlide):
        out = ["  - comparison:", f"{i}title: {_q(s.title)}"]
        if s.question:
            out.append(f"{i}question: {_q(s.question)}")
        if s.waves:
            out.append(f"{i}waves: [{', '.join(_q(w) for w in s.waves)}]")
        if s.items:
            out.append(f"{i}items:")
            for it in s.items:
                choice = (
                    it.choice[0]
                    if len(it.choice) == 1
                    else "[" + ", ".join(_q(c) for c in it.choice) + "]"
                )
                line = f"{i}  - {{wave: {_q(it.wave)}, question: {_q(it.question)}, choice: {_q(choice) if len(it.choice) == 1 else choice}"
                if it.label:
                    line += f", label: {_q(it.label)}"
                out.append(line + "}")
        for k in ("kind", "decimals"):
            if getattr(s, k) is not None:
                out.append(f"{i}{k}: {_q(getattr(s, k))}")
        out += _dump_texts("findings", s.findings, i)
        out += _dump_texts("footnotes", s.footnotes, i)
        return out
    if isinstance(s, ClosingSlide):
        out = ["", "  - closing:" + ("" if (s.title or s.lines or s.contacts) else " {}")]
        if s.title:
            out.append(f"{i}title: {_q(s.title)}")
        out += _dump_texts("lines", s.lines, i)
        out += _dump_texts("contacts", s.contacts, i)
        return out
    raise TypeError(type(s).__name__)
