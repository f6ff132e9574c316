"""A report with every number resolved: what each renderer draws, format by format.

:func:`klappt.report.build.build_report` produces a :class:`BuiltReport`; renderers
(``pptx``, ``html``, ``pdf``, ``xlsx``) only decide the look. Numbers are kept raw
(for native chart data and spreadsheet cells) and formatted once (for text), so every
format shows the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from klappt.report.kinds import KindName
from klappt.report.mentions import Mention

#: What a table column holds, so renderers format it: text, a whole number, a percentage
#: or another number.
COLUMN_KINDS = ("text", "int", "pct", "num")


@dataclass(frozen=True)
class DataTable:
    """The table behind a chart: the alternative for screen readers and a workbook sheet."""

    title: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[str | int | float | None, ...], ...]
    formatted: tuple[tuple[str, ...], ...]  # the same rows as text in the report's language
    base: int | None = None
    base_text: str = ""
    question: str = ""
    question_label: str = ""
    wave: str | None = None
    notes: tuple[str, ...] = ()
    #: notes on how the figures were made ("52 codes, 0 of them accepted suggestions"): for
    #: the workbook, which is the method record, never in a published caption
    method_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Series:
    """One data series: values as plotted, with the counts and bases behind them."""

    name: str
    values: tuple[float | None, ...]
    counts: tuple[int | None, ...]
    base: int | None = None
    labels: tuple[str, ...] = ()  # the values as shown in data labels
    #: disclosure control withheld this series' figures: "primary" (too few sites) or
    #: "secondary" (recomputable from the total and the other series); values are None
    withheld: str | None = None
    #: per point, the disclosure mark of a figure withheld on its own ("< 3", "x"; the value
    #: and count are None), else None: a small count of a question describing the site
    marks: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class BuiltPanel:
    """One chart (or mention cloud, or statistics table) with its data and wording."""

    kind: KindName  # see klappt.report.kinds
    question: str
    title: str  # heading above the chart ("" when the slide title says it); ends in "*" for multiple answers
    caption: str  # "n=40"
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    unit: str = "percent"  # "percent" | "count"
    decimals: int = 1
    number_format: str = "0.0"  # Excel/OOXML format for native chart labels
    ordered: bool = False  # an ordered scale: sequential colours, legend in scale order
    multiple: bool = False  # several answers allowed: footnote "Mehrfachnennungen"
    rounded_off: bool = False  # shares of one whole shown that do not add up to 100 (rounding)
    base: int | None = None
    mentions: tuple[Mention, ...] = ()  # for clouds, most frequent first
    table: DataTable | None = None
    description: str = ""  # one sentence for screen readers and alt text
    wave: str | None = None
    # the colour of each category / series that is a choice, fixed by the choice list
    # (klappt.report.colors); empty where they are groups, waves or mentions
    category_colors: tuple[str, ...] = ()
    series_colors: tuple[str, ...] = ()
    #: what disclosure control held back, as footnotes ("< 3: weniger als 3 Standorte …")
    held_back: tuple[str, ...] = ()


#: The kinds of slides a built report has (a comparison is built as a result slide).
SlideKind = Literal["title", "agenda", "section", "result", "text", "closing"]


@dataclass(frozen=True)
class BuiltSlide:
    """A slide of the storyline with every text final."""

    kind: SlideKind
    title: str
    subtitle: str | None = None
    panels: tuple[BuiltPanel, ...] = ()
    headline: str | None = None  # a comparison's "2020: 39 % → 2022: 60 %"
    bullets: tuple[str, ...] = ()  # findings, text bullets, agenda items, closing lines
    footnotes: tuple[str, ...] = ()
    number: int | None = None  # section number
    date: str | None = None
    authors: tuple[str, ...] = ()
    institution: str | None = None
    logo: str | None = None  # absolute path of an image
    contacts: tuple[str, ...] = ()
    layout: str | None = None  # "fill": a derived deck's slide (klappt.report.slide_fill)


@dataclass(frozen=True)
class BuiltReport:
    """Everything a renderer needs.

    Example
    -------
    >>> r = BuiltReport(title="Bericht", lang="de", slides=(BuiltSlide("section", "Teil 1", number=1),))
    >>> len(r.slides), list(r.tables())
    (1, [])
    """

    title: str
    lang: str
    slides: tuple[BuiltSlide, ...]
    template: str | None = None
    waves: tuple[str, ...] = ()
    mark: str | None = None  # "Demo – synthetische Daten": top right on every slide (grid.mark_box)
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def tables(self) -> list[tuple[int, BuiltSlide, BuiltPanel]]:
        """Every panel that has a table, with its slide number (1-based)."""
        out = []
        for i, s in enumerate(self.slides, start=1):
            for p in s.panels:
                if p.table is not None:
                    out.append((i, s, p))
        return out
