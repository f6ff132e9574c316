"""Gather the waves a report needs: the form and data given on the command line, the
files a recipe names, or waves from the store.

The recipe's ``waves:`` section maps a name to files relative to the recipe::

    waves:
      "2020": {form: checkliste_2020.xlsx, data: returns_2020.csv}
      "2022": {form: arbeitshilfe_2022.xlsx, data: returns_2022.csv,
             codebooks: [codebook_angebote.yaml], codings: codings_2022.csv}

``codebooks`` and ``codings`` (also relative to the recipe) code open answers: each code book's
text question ``q`` gets the coded categories as the multiple response ``q__codes``
(:func:`klappt.coding.apply_codes`), which charts and expressions then count.

A wave given on the command line (``klappt report FORM DATA``) is the recipe's main
wave (``wave:``) and takes the place of the recipe's files for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from klappt.report.data import ReportData, WaveData
from klappt.report.recipe import recipe_error
from klappt.report.spec import ReportSpec, WaveSource

__all__ = ["load_data", "read_wave"]

#: Loads a stored wave: (Instrument, ResponseSet) or (Instrument, ResponseSet, coding summaries).
WaveLoader = Callable[[str], tuple]


def read_wave(form: str | Path, data: str | Path, name: str = "") -> WaveData:
    """Read a form and its returns into a :class:`WaveData` (``KlapptError`` when unreadable)."""
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import read_responses

    instrument = read_instrument(form)
    rs, _report = read_responses(instrument, data)
    return WaveData(name, instrument, responses=rs)


def load_data(
    spec: ReportSpec,
    main: WaveData | None = None,
    wave_loader: WaveLoader | None = None,
) -> ReportData:
    """The waves of ``spec``.

    Parameters
    ----------
    spec:
        Its ``waves`` name files (relative to the recipe) or, with ``wave_loader``, stored waves.
    main:
        The wave from the command line; it is the recipe's main wave.
    wave_loader:
        Loads a stored wave by name (``klappt report --wave``): returns (Instrument, ResponseSet).

    Returns
    -------
    ReportData
        In the recipe's order; the main wave is ``spec.wave``, or ``main``, or the last one.
    """
    base = Path(spec.source).parent if spec.source else Path.cwd()
    main_name = spec.wave if spec.wave is not None else (main.name if main is not None else None)
    waves: dict[str, WaveData] = {}
    for src in spec.waves:
        if main is not None and src.name == main_name:
            waves[src.name] = _coded(
                WaveData(src.name, main.instrument, main.responses, coding=main.coding),
                src,
                base,
                spec.source,
            )
            continue
        if src.form and src.data:
            wave = read_wave(_path(base, src.form), _path(base, src.data), src.name)
            waves[src.name] = _coded(wave, src, base, spec.source)
        elif wave_loader is not None:
            loaded = wave_loader(src.name)
            wave = WaveData(src.name, loaded[0], responses=loaded[1])
            if len(loaded) > 2:  # a stored wave's coding summaries
                wave.coding = dict(loaded[2])
            waves[src.name] = _coded(wave, src, base, spec.source)
        else:
            raise recipe_error(
                spec.source,
                src.line,
                f"Welle '{src.name}': 'form' und 'data' fehlen (oder --wave mit einem Projekt angeben).",
                f"wave '{src.name}': 'form' and 'data' are missing (or use --wave with a project).",
            )
    if main is not None and (main_name or "") not in waves:
        name = main_name or main.name
        waves[name] = WaveData(name, main.instrument, main.responses, coding=main.coding)
        main_name = name
    if not waves:
        raise recipe_error(
            spec.source,
            None,
            "Keine Daten: FORM und DATA angeben, --wave nutzen oder im Rezept 'waves' mit form/data nennen.",
            "No data: give FORM and DATA, use --wave, or name 'waves' with form/data in the recipe.",
        )
    data = ReportData(waves, main=main_name if main_name in waves else None)
    if spec.register:
        from klappt.report.coverage import read_register

        data.sites = read_register(_path(base, spec.register))
    return data


def _coded(wave: WaveData, src: WaveSource, base: Path, recipe: str | None) -> WaveData:
    """``wave`` with the coded categories of the source's code books as ``q__codes``."""
    if not src.codebooks or wave.responses is None:
        return wave
    from klappt.coding import (
        CodingSet,
        apply_codes,
        merge_codings,
        read_codebook,
        read_codings,
        summarize,
    )

    paths = {}
    for what, values in (("codebooks", src.codebooks), ("codings", src.codings)):
        for value in values:
            path = _path(base, value)
            if not path.is_file():
                raise recipe_error(
                    recipe,
                    src.codes_line or src.line,
                    f"Welle '{src.name}': {what} '{value}' nicht gefunden ({path}).",
                    f"wave '{src.name}': {what} '{value}' not found ({path}).",
                )
            paths[value] = path
    codings = CodingSet()
    for value in src.codings:
        codings = merge_codings(codings, read_codings(paths[value]))
    rs = wave.responses
    coding = dict(wave.coding)
    for value in src.codebooks:
        book = read_codebook(paths[value])
        rs = apply_codes(rs, book, codings)
        coding[book.question] = summarize(codings.for_question(book.question))
    return WaveData(wave.name, rs.instrument, responses=rs, coding=coding)


def _path(base: Path, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else base / p
