"""The data a report counts: one or more waves, each a form with its returns.

A report reads every number from the tabulation contract of
:func:`klappt.analysis.tabulate.tabulate` (``Tabulation.to_dict()``), so a chart in the
deck agrees with ``klappt tabulate`` by construction. Tables are computed once per
wave, ``by`` and language, and cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from klappt.instrument.model import Instrument

if TYPE_CHECKING:
    from klappt.coding.codings import CodingSummary
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
        topline), instead of or in addition to ``responses``.
    texts:
        Free-text answers per question, when there is no ``responses``.
    coding:
        Per coded text question ``q`` (shown as ``q__codes``), how many codes count and how
        many of them were accepted suggestions: the report says so under its charts.
    """

    def __init__(
        self,
        name: str,
        instrument: Instrument,
        responses: ResponseSet | None = None,
        tabulations: Mapping[str | None, Tabulation] | None = None,
        texts: Mapping[str, list[str]] | None = None,
        coding: Mapping[str, CodingSummary] | None = None,
    ) -> None:
        self.name = name
        self.instrument = instrument
        self.responses = responses
        self._given = dict(tabulations or {})
        self._cache: dict[tuple[str | None, str], Tabulation] = {}
        self._index: dict[tuple[str | None, str], dict[str, dict[str, Any]]] = {}
        self._texts = dict(texts or {})
        self.coding = dict(coding or {})

    def tabulation(self, by: str | None = None, lang: str = "de") -> Tabulation:
        """The tabulation contract of this wave (with ``by`` groups when asked)."""
        key = (by, lang)
        if key not in self._cache:
            if by in self._given:
                self._cache[key] = self._given[by]
            elif self.responses is not None:
                from klappt.analysis.tabulate import tabulate

                self._cache[key] = tabulate(self.responses, by=by, lang=lang).to_dict()
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
