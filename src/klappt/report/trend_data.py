"""Trends for a report: the recipe's waves mapped onto each other, computed once per set of waves.

A report's trend charts and its live numbers ``trend()``, ``change()`` and ``stayed()`` read the
same contract as ``klappt trend --json`` (:func:`klappt.analysis.trend.trend`), so a chart, a
sentence and the command agree by construction. The mapping files come from the recipe's
``trends: {mappings: [...]}`` (relative to the recipe), each return's site from the question
``trends: {sites: Q}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.errors import KlapptError

if TYPE_CHECKING:
    from klappt.analysis.mapping import WaveMapping
    from klappt.report.data import ReportData
    from klappt.report.spec import ReportSpec

__all__ = ["TrendContext", "question_texts"]

Fail = Callable[[int | None, str, str], KlapptError]


class TrendContext:
    """The trends a report may show: its waves, their mappings and each return's site."""

    def __init__(self, spec: ReportSpec, data: ReportData, lang: str, fail: Fail) -> None:
        self.spec = spec
        self.data = data
        self.lang = lang
        self.fail = fail
        self.sources = spec.trends
        self.line = spec.trends.line if spec.trends else None
        self._mappings: dict[tuple[str, str], WaveMapping] | None = None
        self._results: dict[tuple[str, ...], dict[str, Any]] = {}

    @property
    def order(self) -> tuple[str, ...]:
        """The waves of a trend that names none: ``trends: {waves}``, else every wave by name."""
        if self.sources and self.sources.waves:
            return self.sources.waves
        return tuple(sorted(self.data.names))

    def waves(self, given: tuple[str, ...], line: int | None) -> tuple[str, ...]:
        """``given`` (or :attr:`order`), checked: at least two, each a wave of the report."""
        waves = tuple(given) or self.order
        for w in waves:
            if w not in self.data.waves:
                raise self.fail(
                    line,
                    f"unbekannte Welle '{w}'; vorhanden: {', '.join(self.data.names)}",
                    f"unknown wave '{w}'; known: {', '.join(self.data.names)}",
                )
        if len(waves) < 2 or len(set(waves)) != len(waves):
            raise self.fail(
                line,
                "Eine Zeitreihe braucht mindestens zwei verschiedene Wellen (waves: [2020, 2022]).",
                "A trend needs at least two different waves (waves: [2020, 2022]).",
            )
        return waves

    def result(self, waves: tuple[str, ...], line: int | None) -> dict[str, Any]:
        """The trend contract over ``waves`` (in time order, the last names the questions)."""
        if waves not in self._results:
            from klappt.analysis.trend import WaveInput, chain, trend

            inputs = []
            for name in waves:
                rs = self.data.wave(name).responses
                if rs is None:
                    raise self.fail(
                        line,
                        f"Welle '{name}': für eine Zeitreihe werden die Rückläufe gebraucht.",
                        f"wave '{name}': a trend needs the returns.",
                    )
                inputs.append(WaveInput(name, rs, self._sites(rs)))
            forms = {w.name: w.responses.instrument for w in inputs}
            mappings = chain(list(waves), forms, self._stored(line))
            self._results[waves] = trend(inputs, mappings, lang=self.lang).to_dict()
        return self._results[waves]

    def entry(self, waves: tuple[str, ...], question: str, line: int | None) -> dict[str, Any]:
        """The trend entry of ``question`` (named as in the last wave)."""
        for e in self.result(waves, line)["trends"]:
            if e["question"] == question:
                return dict(e)
        raise self.fail(
            line,
            f"'{question}' steht nicht in mindestens zwei der Wellen {', '.join(waves)} "
            "(gleicher Name oder über eine Zuordnung in trends: mappings).",
            f"'{question}' is not in at least two of the waves {', '.join(waves)} "
            "(same name or through a mapping in trends: mappings).",
        )

    def panel(self, question: str, source: str, target: str, line: int | None) -> dict[str, Any]:
        """The same sites' answers to ``question`` in ``source`` and ``target``."""
        if not self.sources or not self.sources.sites:
            raise self.fail(
                line,
                "Für dieselben Standorte muss das Rezept sagen, welche Frage den Standort nennt "
                "(trends: {sites: kommune}).",
                "For the same sites the recipe must say which question names the site "
                "(trends: {sites: kommune}).",
            )
        entry = self.entry((source, target), question, line)
        for p in entry.get("panels", []):
            if p["from"] == source and p["to"] == target:
                return dict(p)
        raise self.fail(
            line,
            f"'{question}': keine Übergänge {source} → {target} (nur Einfachauswahl, und "
            f"'{self.sources.sites}' muss in beiden Wellen den Standort nennen).",
            f"'{question}': no transitions {source} → {target} (select_one only, and "
            f"'{self.sources.sites}' must name the site in both waves).",
        )

    def _sites(self, rs: Any) -> Any:
        column = self.sources.sites if self.sources else None
        import polars as pl

        for frame in (rs.frame, rs.meta):  # a question, or a column such as _id
            if column is not None and column in frame.columns:
                return frame.get_column(column).cast(pl.String)
        return None

    def _stored(self, line: int | None) -> dict[tuple[str, str], WaveMapping]:
        """The recipe's mapping files, each read against its two waves' forms."""
        if self._mappings is not None:
            return self._mappings
        from klappt.analysis.mapping import parse_mapping, read_header

        found: dict[tuple[str, str], WaveMapping] = {}
        base = Path(self.spec.source).parent if self.spec.source else Path.cwd()
        for name in self.sources.mappings if self.sources else ():
            path = Path(name) if Path(name).is_absolute() else base / name
            if not path.is_file():
                raise self.fail(
                    self.line,
                    f"trends.mappings: Datei nicht gefunden: {path}",
                    f"trends.mappings: file not found: {path}",
                )
            from klappt.yamlsafe import check_file_size

            check_file_size(path)
            text = path.read_text(encoding="utf-8-sig")
            _, a, b = read_header(text, str(path))
            for w in (a, b):
                if w not in self.data.waves:
                    raise self.fail(
                        self.line,
                        f"Die Zuordnung {path.name} nennt die Welle '{w}', die das Rezept nicht "
                        f"unter waves: hat ({', '.join(self.data.names)}).",
                        f"The mapping {path.name} names wave '{w}', which the recipe does not "
                        f"list under waves: ({', '.join(self.data.names)}).",
                    )
            forms = [self.data.wave(w).responses for w in (a, b)]
            sa, sb = (
                rs.instrument if rs is not None else self.data.wave(w).instrument
                for rs, w in zip(forms, (a, b), strict=True)
            )
            found[(a, b)] = parse_mapping(text, str(path), sa, sb)
        self._mappings = found
        return found


def question_texts(entry: dict[str, Any], lang: str, headed: bool = False) -> tuple[str, ...]:
    """ "Frage 2020: „…“", one line per wave, when the waves asked a mapped question under
    another name or in other words; none when every wave asked the same. One line each, so
    the deck's footer (sized by its number of notes) keeps room for the source and the mark.
    ``headed``: the chart's heading is the last wave's question, whose line is then left out."""
    waves = entry["waves"]
    names = {w: t.get("question", entry["question"]) for w, t in waves.items()}
    texts = {w: " ".join(str(t.get("label") or "").split()) for w, t in waves.items()}
    if len(set(names.values())) <= 1 and len({t.casefold() for t in texts.values()}) <= 1:
        return ()
    # the names stand in the data table ("Frage"); the footer has room for the words only
    last = list(waves)[-1]
    return tuple(
        f"Frage {w}: „{texts[w]}“" if lang != "en" else f"Question {w}: “{texts[w]}”"
        for w in waves
        if not (headed and w == last)
    )


# -- live numbers: trend(q, choice), change(q, choice, from=, to=), stayed(q, choice) -----------


def _row(entry: dict[str, Any], wave: str, choice: str) -> tuple[int, int] | None:
    t = entry["waves"].get(wave)
    if t is None:
        return None
    for r in t["rows"]:
        if str(r["choice"]) == str(choice):
            return int(r["count"]), int(t["base"] or 0)
    known = ", ".join(str(r["choice"]) for r in t["rows"])
    raise ValueError(
        f"'{entry['question']}' hat keine Antwort '{choice}'; möglich: {known}",
        f"'{entry['question']}' has no choice '{choice}'; possible: {known}",
    )


def trend_shares(
    ctx: TrendContext, q: str, choice: str, waves: tuple[str, ...], digits: int
) -> list[tuple[str, float | None]]:
    """Each wave's share of ``choice`` (None: the wave did not ask it)."""
    from klappt.report.wording import share

    entry = ctx.entry(ctx.waves(waves, None), q, None)
    out: list[tuple[str, float | None]] = []
    for w in ctx.waves(waves, None):
        found = _row(entry, w, choice)
        out.append((w, None if found is None else share(found[0], found[1], digits)))
    return out


def stayed_count(ctx: TrendContext, q: str, choice: str, source: str, target: str) -> int:
    """Sites that gave ``choice`` in ``source`` and again in ``target``."""
    p = ctx.panel(q, source, target, None)
    choices = {t["from"] for t in p["transitions"]} | {t["to"] for t in p["transitions"]}
    entry = ctx.entry((source, target), q, None)
    if _row(entry, target, choice) is None and choice not in choices:
        raise ValueError(f"'{q}' hat keine Antwort '{choice}'", f"'{q}' has no choice '{choice}'")
    return sum(int(t["sites"]) for t in p["transitions"] if t["from"] == t["to"] == choice)
