"""What a report shows, before any number is known: immutable slide descriptions.

A :class:`ReportSpec` is the storyline of a deck: a title slide, an agenda, section
dividers, result slides with chart panels, text slides, comparisons across waves and a
closing slide. A recipe (YAML, see :mod:`klappt.report.recipe`) or :func:`default_spec`
produces one; :func:`klappt.report.build.build_report` fills in the numbers. Every node
keeps the recipe line it came from, so that an error can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from klappt.report.kinds import KindName


@dataclass(frozen=True)
class Text:
    """A sentence of the recipe; ``{{ ... }}`` parts are live numbers (see expressions)."""

    template: str
    line: int | None = None
    #: For block scalars the first text line is one below ``line``.
    first_text_line: int | None = None

    def line_of(self, offset: int) -> int | None:
        """The recipe line of the character at ``offset`` in ``template``."""
        start = self.first_text_line or self.line
        if start is None:
            return None
        if self.first_text_line is None:
            return start
        return start + self.template.count("\n", 0, offset)


@dataclass(frozen=True)
class CompareItem:
    """One bar of a comparison: a choice's share of a question in a wave."""

    wave: str
    question: str
    choice: tuple[str, ...] = ()  # one choice, or several counted together (select_one)
    label: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class ChartPanel:
    """One chart on a result slide.

    ``question`` is the question shown; ``items`` lists several questions sharing one
    ordered scale (a 100 % stacked chart); ``by`` splits by a select_one of the same
    wave; ``waves`` compares the same question across waves.
    """

    question: str
    kind: KindName | None = None  # None: chosen by question type
    by: str | None = None
    waves: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    wave: str | None = None  # the wave the panel counts (default: the report's main wave)
    title: str | None = None
    sort: str | None = None  # "count" | "form"; default depends on the kind
    show: str | None = None  # "percent" | "count"
    decimals: int | None = None
    top: int | None = None  # mention clouds and long bar charts: show the N most frequent
    line: int | None = None

    def _replace(self, **changes: object) -> ChartPanel:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TitleSlide:
    title: str
    subtitle: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    institution: str | None = None
    logo: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class AgendaSlide:
    """The agenda lists the titles of the report's section slides."""

    title: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class SectionSlide:
    title: str
    number: int | None = None  # filled in when the spec is finished (1, 2, ...)
    line: int | None = None


@dataclass(frozen=True)
class ResultSlide:
    title: str
    panels: tuple[ChartPanel, ...] = ()
    subtitle: str | None = None
    findings: tuple[Text, ...] = ()
    footnotes: tuple[Text, ...] = ()
    line: int | None = None
    #: ``"fill"`` (the derived deck): charts stacked where they fit and grown to use the slide
    #: (see :mod:`klappt.report.slide_fill`); ``None``: the recipe deck's grid as it is
    layout: str | None = None

    def _replace(self, **changes: object) -> ResultSlide:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TextSlide:
    title: str
    bullets: tuple[Text, ...] = ()
    subtitle: str | None = None
    footnotes: tuple[Text, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ComparisonSlide:
    """The same question (or mapped questions) in several waves, side by side.

    Either ``question`` with ``waves`` (every choice, one series per wave), or ``items``
    (one bar per wave: the share of a choice, e.g. 2020: 39 % → 2022: 60 %).
    """

    title: str
    question: str | None = None
    waves: tuple[str, ...] = ()
    items: tuple[CompareItem, ...] = ()
    kind: KindName | None = None
    decimals: int | None = None
    subtitle: str | None = None
    findings: tuple[Text, ...] = ()
    footnotes: tuple[Text, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ClosingSlide:
    title: str | None = None  # default "Vielen Dank!" / "Thank you!"
    lines: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    line: int | None = None


Slide = (
    TitleSlide
    | AgendaSlide
    | SectionSlide
    | ResultSlide
    | TextSlide
    | ComparisonSlide
    | ClosingSlide
)


@dataclass(frozen=True)
class WaveSource:
    """Where a wave named in a recipe comes from: files (relative to the recipe) or the store."""

    name: str
    form: str | None = None
    data: str | None = None
    line: int | None = None
    codebooks: tuple[str, ...] = ()  # code books of text questions, applied as ``q__codes``
    codings: tuple[str, ...] = ()  # the codings files those code books are applied with
    codes_line: int | None = None  # line of ``codebooks:``, for messages


@dataclass(frozen=True)
class TrendSources:
    """The recipe's ``trends:``: how its waves' questions correspond and who each return is.

    ``mappings`` are mapping files (relative to the recipe, :mod:`klappt.analysis.mapping`);
    ``sites`` names the question holding each return's site id (for the same sites' panels);
    ``waves`` is the trend's order (default: the recipe's waves, sorted by name).
    """

    mappings: tuple[str, ...] = ()
    sites: str | None = None
    waves: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ReportSpec:
    """The storyline of a report.

    Parameters
    ----------
    title:
        The report's title (also the title slide's, unless that says otherwise).
    slides:
        In order. Section slides are numbered and listed on the agenda.
    wave:
        The main wave: panels and expressions without ``wave=`` count this one.
    waves:
        Waves the recipe names, with their files when the recipe gives them.
    source:
        The recipe file, for messages (``None`` for a derived default).
    min_cell:
        The minimum number of sites a published group or mention rests on
        (:mod:`klappt.analysis.disclosure`).

    Example
    -------
    >>> spec = ReportSpec(title="Bericht", slides=(SectionSlide("Teil 1"),))
    >>> spec.sections()[0].number
    1
    """

    title: str
    slides: tuple[Slide, ...] = ()
    wave: str | None = None
    waves: tuple[WaveSource, ...] = ()
    lang: str | None = None
    template: str | None = None
    source: str | None = None
    options: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    #: the recipe's ``disclosure: min_cell`` (None: the project's, else 3)
    min_cell: int | None = None
    #: the recipe's ``trends:`` (trend and transitions charts, trend()/change()/stayed())
    trends: TrendSources | None = None
    #: the recipe's ``site_slides:``, the storyline of each site's own report (issue 18)
    site_slides: tuple[Slide, ...] = ()
    #: the recipe's ``register:``, the sites' register (relative to the recipe): the live
    #: numbers ``response()`` and ``response_by_type()`` count its sites that answered
    register: str | None = None

    def __post_init__(self) -> None:
        numbered: list[Slide] = []
        n = 0
        for s in self.slides:
            if isinstance(s, SectionSlide):
                n += 1
                if s.number != n:
                    s = replace(s, number=n)
            numbered.append(s)
        object.__setattr__(self, "slides", tuple(numbered))

    def sections(self) -> list[SectionSlide]:
        return [s for s in self.slides if isinstance(s, SectionSlide)]

    def _replace(self, **changes: object) -> ReportSpec:
        return replace(self, **changes)  # type: ignore[arg-type]
