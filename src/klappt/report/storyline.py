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

import yaml

from klappt import yamlsafe
from klappt.errors import KlapptError
from klappt.instrument.model import Instrument, Question
from klappt.report.kinds import CHART_KINDS
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
from klappt.report.wording import text

__all__ = ["MAX_DEFAULT_CHOICES", "default_spec", "dump_recipe"]


# --- default storyline ------------------------------------------------------------------


#: The default storyline leaves out select_one questions with more choices than this
#: (the municipality a return comes from, and the like).
MAX_DEFAULT_CHOICES = 25

_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]?\s+")


def default_spec(instrument: Instrument, lang: str = "de", wave: str | None = None) -> ReportSpec:
    """The storyline klappt derives from a form: a divider per group, a slide per question.

    Parameters
    ----------
    instrument:
        The form. Its top-level groups become sections; every tabulated question a
        result slide (text answers as mention clouds, numbers as a table).
    lang:
        Language of the fixed wording and the labels.
    wave:
        The main wave's name, if the report has several.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("Umfrage", "u", (Question("a", "select_one"),))
    >>> [type(s).__name__ for s in default_spec(form).slides]
    ['TitleSlide', 'TextSlide', 'ResultSlide', 'ClosingSlide']
    """
    dl = instrument.default_language
    slides: list[Slide] = [TitleSlide(title=instrument.title)]
    sections = instrument.sections()
    named_sections = [g for g, _ in sections if g is not None]
    if len(named_sections) >= 2:
        slides.append(AgendaSlide())
    slides.append(
        TextSlide(
            title=text("data_basis", lang),
            bullets=(Text(text("returns_line", lang).format(n="{{ responses() }}")),),
        )
    )
    for group, questions in sections:
        if group is not None:
            # "1 Nachhaltige Entwicklungen ..." -> the agenda numbers sections itself
            slides.append(
                SectionSlide(title=_NUMBERED.sub("", group.label(lang, dl)) or group.name)
            )
        for block in _grids(instrument, questions):
            q = block[0]
            if len(block) > 1:
                # a grid (questions of a subgroup sharing their choices): one chart for all
                sub = instrument.group(q.group_path[-1])
                title = sub.label(lang, dl) if sub else q.label(lang, dl)
                items = tuple(x.name for x in block)
                slides.append(
                    ResultSlide(title=title, panels=(ChartPanel(question=q.name, items=items),))
                )
                continue
            if q.type == "date":
                continue  # dates are bookkeeping (when was it filled in), not a finding
            if q.type == "select_one" and len(q.choices) > MAX_DEFAULT_CHOICES:
                continue  # a list of sites or similar: one bar per site identifies sites
            title = _title(instrument, q, lang)
            slides.append(
                ResultSlide(
                    title=title,
                    panels=(ChartPanel(question=q.name, title=_panel_title(q, title, lang, dl)),),
                )
            )
    slides.append(ClosingSlide())
    return ReportSpec(title=instrument.title, slides=tuple(slides), wave=wave, lang=lang)


def _panel_title(q: Question, title: str, lang: str, dl: str | None) -> str | None:
    """``None`` (the question's label) unless the slide title replaced a pyxform label."""
    return None if title == q.label(lang, dl) else title


def _title(instrument: Instrument, q: Question, lang: str) -> str:
    """The question's label; for the free text of an "other" choice, its parent's label.

    pyxform labels the text field of ``or_other`` "Specify other." in every language.
    """
    dl = instrument.default_language
    if q.name.endswith("_other"):
        parent = instrument.question(q.name[: -len("_other")])
        if parent is not None and parent.or_other:
            return f"{parent.label(lang, dl)} – {text('other', lang)}"
    return q.label(lang, dl)


def _grids(instrument: Instrument, questions: list[Question]) -> list[list[Question]]:
    """Questions in form order, consecutive select questions of one subgroup with the same
    choices put together."""
    blocks: list[list[Question]] = []
    for q in questions:
        prev = blocks[-1][-1] if blocks else None
        same = (
            prev is not None
            and q.is_select
            and len(q.group_path) >= 2
            and prev.group_path == q.group_path
            and prev.type == q.type
            and [c.name for c in prev.choices] == [c.name for c in q.choices]
        )
        if same:
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
    >>> print(dump_recipe(ReportSpec(title="B", slides=(SectionSlide("Teil"),))).splitlines()[-2])
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
