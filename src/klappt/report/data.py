"""The data a report counts: one or more waves, each a form with its returns.

A report reads every number from the tabulation contract of
:func:`klappt.analysis.tabulate.tabulate` (``Tabulation.to_dict()``), so a chart in the
deck agrees with ``klappt tabulate`` by construction. Tables are computed once per
wave, ``by`` and language, and cached.

Disclosure control happens here, so every renderer receives only what may be published
(:mod:`klappt.analysis.disclosure`): tables crossed ``by`` a question come protected (groups on
fewer than ``min_cell`` sites and their recomputable sibling withheld), and free text comes
only as mentions that enough sites gave and that hold no personal data (:meth:`WaveData.mentions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from klappt.analysis.disclosure import MIN_CELL, WithheldMention, check_min_cell, mark
from klappt.instrument.model import Instrument

if TYPE_CHECKING:
    from klappt.coding.codings import CodingSummary
    from klappt.coding.mentions import Mention
    from klappt.report.coverage import RegisterSite
    from klappt.responses.dataset import ResponseSet

Tabulation = dict[str, Any]


class WaveData:
    """One wave: its form, its returns and (lazily) its tables.

    Parameters
    ----------
    name:
        How recipes and expressions call the wave (``"2022"``).
    instrument:
        The wave's form.
    responses:
        The typed returns; tables and free text are taken from here.
    tabulations:
        Ready-made tabulation dicts keyed by the ``by`` question (``None`` for the plain
        topline), instead of or in addition to ``responses``. They are used as given: protect
        them first (:func:`klappt.analysis.disclosure.protect`) if they are to be published.
    texts:
        Free-text answers per question, when there is no ``responses``.
    coding:
        Per coded text question ``q`` (shown as ``q__codes``), how many codes count and how
        many of them were accepted suggestions: the report says so under its charts.
    min_cell:
        The minimum number of sites a published figure of a group or a mention rests on
        (``None``: nothing withheld, for an analyst's own use).
    names:
        Contact persons of the site register: a mention naming one is withheld.
    """

    def __init__(
        self,
        name: str,
        instrument: Instrument,
        responses: ResponseSet | None = None,
        tabulations: Mapping[str | None, Tabulation] | None = None,
        texts: Mapping[str, list[str]] | None = None,
        coding: Mapping[str, CodingSummary] | None = None,
        min_cell: int | None = MIN_CELL,
        names: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.instrument = instrument
        self.responses = responses
        self._given = dict(tabulations or {})
        self._cache: dict[tuple[str | None, str], Tabulation] = {}
        self._index: dict[tuple[str | None, str], dict[str, dict[str, Any]]] = {}
        self._texts = dict(texts or {})
        self.coding = dict(coding or {})
        self.min_cell = min_cell
        self.names = tuple(names)
        self._mentions: dict[str, tuple[list[Mention], list[WithheldMention]]] = {}
        #: the kinds of missing as categories of their own (a recipe's
        #: ``options: {missing_kinds: show}``); by default they are missing answers
        self.missing_kinds = False

    def show_missing_kinds(self) -> None:
        """Tabulate this wave's kinds of missing (refused, don't know …) as categories."""
        if not self.missing_kinds:
            self.missing_kinds = True
            self._cache.clear()
            self._index.clear()

    def protect(self, min_cell: int | None, names: tuple[str, ...] | None = None) -> None:
        """Publish this wave with ``min_cell`` (and contact ``names``) from now on."""
        if min_cell is not None:
            check_min_cell(min_cell)
        if (min_cell, names if names is not None else self.names) != (self.min_cell, self.names):
            self._cache.clear()
            self._index.clear()
            self._mentions.clear()
        self.min_cell = min_cell
        if names is not None:
            self.names = tuple(names)

    def mark(self, base: int | None) -> str | None:
        """``"< 3"`` when a figure on ``base`` sites may not be published (a compared wave)."""
        return mark(base, self.min_cell)

    def tabulation(self, by: str | None = None, lang: str = "de") -> Tabulation:
        """The tabulation contract of this wave (with ``by`` groups when asked)."""
        key = (by, lang)
        if key not in self._cache:
            if by in self._given:
                self._cache[key] = self._given[by]
            elif self.responses is not None:
                from klappt.analysis.tabulate import tabulate

                tab = tabulate(self.responses, by=by, lang=lang)
                if self.missing_kinds:
                    from klappt.analysis.missing_kinds import show_missing_kinds

                    tab = show_missing_kinds(tab, self.responses)
                if by is not None and self.min_cell is not None:
                    from klappt.analysis.disclosure import protect

                    tab = protect(tab, self.min_cell)
                self._cache[key] = _with_reasons(tab)
                if self.missing_kinds:
                    from klappt.analysis.missing_kinds import as_categories

                    self._cache[key] = as_categories(self._cache[key])
            else:
                raise LookupError(f"no tabulation by {by!r} for wave {self.name!r}")
        return self._cache[key]

    def table(
        self, question: str, by: str | None = None, lang: str = "de"
    ) -> dict[str, Any] | None:
        """The table of one question, or ``None`` when the tabulation has none."""
        key = (by, lang)
        if key not in self._index:
            self._index[key] = {
                t["question"]: t for t in self.tabulation(by, lang).get("tables", [])
            }
        return self._index[key].get(question)

    def responses_count(self, lang: str = "de") -> int:
        return int(self.tabulation(None, lang).get("responses", 0))

    def texts(self, question: str) -> list[str]:
        """The non-empty free-text answers to ``question``, in return order."""
        if question in self._texts:
            return [t for t in self._texts[question] if t and t.strip()]
        if self.responses is None or question not in self.responses.frame.columns:
            return []
        values = self.responses.frame.get_column(question).to_list()
        return [str(v) for v in values if v is not None and str(v).strip()]

    def _mentions_of(self, question: str) -> tuple[list[Mention], list[WithheldMention]]:
        if question not in self._mentions:
            from klappt.analysis.disclosure import protect_mentions
            from klappt.report.mentions import count_mentions

            self._mentions[question] = protect_mentions(
                question,
                count_mentions(self.texts(question)),
                self.min_cell,
                self.names,
            )
        return self._mentions[question]

    def mentions(self, question: str) -> list[Mention]:
        """The free-text mentions of ``question`` that may be published, most frequent first:
        given by at least ``min_cell`` sites, without personal data."""
        return self._mentions_of(question)[0]

    def withheld_mentions(self, question: str) -> list[WithheldMention]:
        """The mentions of ``question`` a published output leaves out, with the reason."""
        return self._mentions_of(question)[1]


def _with_reasons(tab: Any) -> Tabulation:
    """The contract of ``tab``, each withheld group also saying why (``"withheld"``: primary,
    a group on too few sites, or secondary, recomputable from the total and the others)."""
    d: Tabulation = tab.to_dict()
    for table, out in zip(tab.tables, d.get("tables", []), strict=True):
        if not table.groups or "by" not in out:
            continue
        for g, g_out in zip(table.groups, out["by"]["groups"], strict=True):
            if g.suppressed is not None:
                g_out["withheld"] = g.suppressed
    return d


class ReportData:
    """The waves of a report, the main one last unless ``main`` says otherwise.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("F", "f", (Question("a", "text"),))
    >>> data = ReportData({"2022": WaveData("2022", form, tabulations={None: {"responses": 3, "tables": []}})})
    >>> data.main, data.wave().responses_count()
    ('2022', 3)
    """

    def __init__(
        self,
        waves: Mapping[str, WaveData | tuple[Instrument, ResponseSet]],
        main: str | None = None,
    ) -> None:
        self.waves: dict[str, WaveData] = {}
        for name, w in waves.items():
            name = str(name)
            self.waves[name] = (
                w if isinstance(w, WaveData) else WaveData(name, w[0], responses=w[1])
            )
        if not self.waves:
            raise ValueError("a report needs at least one wave")
        self.main = str(main) if main is not None else list(self.waves)[-1]
        if self.main not in self.waves:
            raise KeyError(self.main)
        #: the sites' register (recipe ``register:`` or ``--register``), for ``response()``
        self.sites: list[RegisterSite] = []

    @classmethod
    def single(cls, instrument: Instrument, responses: ResponseSet, name: str = "") -> ReportData:
        """One wave, for ``klappt report FORM DATA``."""
        return cls({name: WaveData(name, instrument, responses=responses)})

    def wave(self, name: str | None = None) -> WaveData:
        """The named wave (``KeyError`` if unknown), or the main wave."""
        return self.waves[self.main if name is None else str(name)]

    @property
    def names(self) -> list[str]:
        return list(self.waves)

    @property
    def min_cell(self) -> int | None:
        """The minimum cell size the report is published with (the main wave's)."""
        return self.wave().min_cell

    def protect(self, min_cell: int | None, names: tuple[str, ...] | None = None) -> ReportData:
        """Publish every wave with ``min_cell`` (``None``: nothing withheld) and contact ``names``."""
        for w in self.waves.values():
            w.protect(min_cell, names)
        return self
