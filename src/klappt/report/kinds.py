"""The chart kinds of a report, in one table: what each serves and how each is drawn.

A :class:`ChartKind` says which question types a kind serves, how the panel counts (shares
of choices, mentions, statistics), its wording key (``kind_<name>`` in
:mod:`klappt.report.wording`) and the few traits the builders and drawers ask about (a round
chart draws its parts as slices, a statistics table is not repeated for screen readers).
:data:`KINDS` is the one ordered table; :data:`CHART_KINDS` and :func:`kinds_for` derive
from it.

The drawers live next to the code they share (python-pptx in :mod:`klappt.report.pptx_charts`
and :mod:`klappt.report.pptx`, SVG in :mod:`klappt.report.svg`, print HTML in
:mod:`klappt.report.print_charts`, clouds and statistics tables in :mod:`klappt.report.html`)
and register themselves per output format with a decorator::

    @SVG.register("bar", "grouped")
    def _bars(panel, ident, width, lang): ...

Registration rather than imports here, because this module is read by the recipe and the
builders, which must not load python-pptx or WeasyPrint, and the drawing modules look their
drawers up here (a cycle otherwise). A type checker still follows it: ``register`` takes only a
:data:`KindName`, and each registry is typed by its drawer's signature. That every kind has a
drawer in every format is checked by ``tests/report/test_kinds.py``.

Adding a kind: its name in :data:`KindName`, a record in :data:`KINDS`, its words in
``wording.py`` (de and en), and a drawer registered in :data:`PPTX`, :data:`SVG` and
:data:`PRINT` (see ``docs/ARCHITECTURE.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeGuard, TypeVar

if TYPE_CHECKING:
    from klappt.report.built import BuiltPanel
    from klappt.report.pptx import _Box, _Deck

#: The chart kinds a recipe may name (``kind:``), in the order of :data:`KINDS`.
KindName = Literal[
    "doughnut",
    "pie",
    "bar",
    "column",
    "stacked",
    "grouped",
    "cloud",
    "table",
    "trend",
    "transitions",
]

#: What a panel counts: shares of the choices, mentions (a cloud) or statistics (a table).
Counts = Literal["shares", "mentions", "statistics"]

_SELECT_ONE = "select_one"
_SELECT_MULTIPLE = "select_multiple"
#: statistics tables: numbers, dates, and rank questions (a row per choice: places, mean rank)
_NUMBERS = ("integer", "decimal", "range", "date", "calculate", "rank")


@dataclass(frozen=True)
class ChartKind:
    """One chart kind: the question types it serves and the traits its drawers ask about."""

    name: KindName
    serves: tuple[str, ...]  # question types (XLSForm ``type``) it may show
    counts: Counts = "shares"
    round: bool = False  # parts of one whole as slices (an empty one keeps its legend entry)
    hole: int = 0  # a ring's hole, in percent of its radius (0: a full pie)
    by_count: bool = False  # sorted by count unless the recipe says ``sort: form``
    data_table: bool = True  # the HTML repeats the numbers as a table for screen readers
    over_waves: bool = False  # counts several waves through their mappings (``waves:``)
    #: when its bars stand upright (columns) in every format: ``always`` (a trend: one group
    #: per wave, read left to right as time), ``short`` (when the categories are few and short:
    #: a series order that reads as the legend in PowerPoint and LibreOffice alike), ``never``
    columns: Literal["always", "short", "never"] = "never"

    @property
    def wording(self) -> str:
        """The key of the kind's name in :mod:`klappt.report.wording` ("Ringdiagramm")."""
        return f"kind_{self.name}"


#: Every chart kind, in the order recipes and messages list them.
KINDS: tuple[ChartKind, ...] = (
    ChartKind("doughnut", (_SELECT_ONE,), round=True, hole=50),
    ChartKind("pie", (_SELECT_ONE,), round=True),
    ChartKind("bar", (_SELECT_ONE, _SELECT_MULTIPLE), by_count=True),
    ChartKind("column", (_SELECT_ONE, _SELECT_MULTIPLE)),
    ChartKind("stacked", (_SELECT_ONE,)),
    ChartKind("grouped", (_SELECT_ONE, _SELECT_MULTIPLE), columns="short"),
    ChartKind("cloud", (_SELECT_ONE, _SELECT_MULTIPLE, "text"), counts="mentions"),
    ChartKind("table", _NUMBERS, counts="statistics", data_table=False),
    # over waves whose forms may change (klappt.report.trend_panels): a choice's share per wave,
    # and the same sites' answers in one wave against the next
    ChartKind("trend", (_SELECT_ONE, _SELECT_MULTIPLE), over_waves=True, columns="always"),
    ChartKind("transitions", (_SELECT_ONE,), over_waves=True, columns="short"),
)

#: The kinds by name.
KIND: dict[str, ChartKind] = {k.name: k for k in KINDS}

#: The names of the kinds, in order.
CHART_KINDS: tuple[KindName, ...] = tuple(k.name for k in KINDS)


def chart_style(panel: BuiltPanel) -> str:
    """How a panel is drawn in every format: ``"column"`` when its kind's bars stand upright
    (:attr:`ChartKind.columns`), else its kind's name.

    The one rule for the deck, the HTML and the PDF, so that a chart has the same form in all
    three (a trend was columns in the deck and horizontal bars in the HTML).
    """
    rule = KIND[panel.kind].columns if panel.kind in KIND else "never"
    if rule == "always" or (
        rule == "short"
        and len(panel.categories) <= 6
        and all(len(c) <= 18 for c in panel.categories)
    ):
        return "column"
    return panel.kind


def is_kind(name: object) -> TypeGuard[KindName]:
    """Whether ``name`` is a chart kind."""
    return isinstance(name, str) and name in KIND


def kinds_for(question_type: str) -> tuple[KindName, ...]:
    """The kinds that may show a question of this type, in table order."""
    return tuple(k.name for k in KINDS if question_type in k.serves)


D = TypeVar("D", bound=Callable[..., Any])


class Drawers(Generic[D]):
    """The drawers of one output format, one per chart kind, registered where they are written."""

    def __init__(self, output: str) -> None:
        self.output = output
        self._by_kind: dict[str, D] = {}

    def register(self, *names: KindName) -> Callable[[D], D]:
        def add(draw: D) -> D:
            for name in names:
                if name not in KIND or name in self._by_kind:
                    raise ValueError(f"{self.output}: drawer for '{name}' unknown or twice")
                self._by_kind[name] = draw
            return draw

        return add

    def __getitem__(self, name: str) -> D:
        return self._by_kind[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_kind


#: ``draw(deck, slide, panel, box)``: a panel on a slide, inside ``box`` (points).
PptxDraw = Callable[["_Deck", Any, "BuiltPanel", "_Box"], None]
#: ``draw(panel, ident, width, lang) -> html``: a panel for the HTML report (inline SVG).
HtmlDraw = Callable[["BuiltPanel", str, float, str], str]

PPTX: Drawers[PptxDraw] = Drawers("pptx")
SVG: Drawers[HtmlDraw] = Drawers("svg")
#: ``draw(panel, ident, width, height, lang) -> html``: a panel for the PDF, filling its box
#: on the slide (points), as absolutely placed HTML boxes (see klappt.report.print_pages).
PrintDraw = Callable[["BuiltPanel", str, float, float, str], str]
PRINT: Drawers[PrintDraw] = Drawers("print")
