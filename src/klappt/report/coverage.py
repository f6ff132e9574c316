"""What the title and data slides of a derived deck say about the wave: program, wave, field
period, date, and the response of the register's sites ("Rücklauf: 40 von 54 Standorten (74 %)").

The response rate counts sites, not returns: a site that sent two returns is one site that
answered. Returns are linked to the register by the site column of the data (``site_id``,
``kommune``, … as :data:`klappt.coding.segments.SITE_COLUMNS` lists them), by id or by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from klappt.report.wording import fmt_number, fmt_percent, share, text, text_n

if TYPE_CHECKING:
    from klappt.responses.dataset import ResponseSet

__all__ = [
    "Coverage",
    "DeckContext",
    "RegisterSite",
    "coverage",
    "deck_context",
    "field_period",
    "read_register",
    "returns_lines",
]

#: How a data slide names a group of sites of one register type (German, English).
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "kreis": ("Kreise", "districts"),
    "landkreis": ("Landkreise", "rural districts"),
    "kreisfreie_stadt": ("kreisfreie Städte", "independent cities"),
    "kreisangehoerige_stadt": ("kreisangehörige Städte", "towns within a district"),
    "kreisangehörige_stadt": ("kreisangehörige Städte", "towns within a district"),
    "stadt": ("Städte", "cities"),
    "gemeinde": ("Gemeinden", "municipalities"),
    "bezirk": ("Bezirke", "boroughs"),
    "staedteregion": ("Städteregionen", "city regions"),
}

_MONTHS = {
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


@dataclass(frozen=True)
class RegisterSite:
    """A site of the register: its id, name and type (``kreis``, ``kreisfreie_stadt``, …)."""

    site_id: str
    name: str
    typ: str | None = None


@dataclass(frozen=True)
class Coverage:
    """How many of the register's sites answered, in all and per type."""

    answered: int
    sites: int
    #: (types, answered, sites) in register order; a type of fewer sites than the minimum cell
    #: size is counted with the smallest other type ("kreisfreie Städte und weitere")
    by_type: tuple[tuple[tuple[str, ...], int, int], ...] = ()


@dataclass(frozen=True)
class DeckContext:
    """What a derived deck knows beyond the form: for its title and data slides.

    Parameters
    ----------
    program:
        The program the survey belongs to ("Gemeinsam klappt’s"), if known.
    wave:
        The wave's name ("2022").
    period:
        The field period as text ("Februar bis März 2022"), see :func:`field_period`.
    date:
        The date the deck is made, as printed ("07.12.2026").
    coverage:
        The response of the register's sites, when a register is known.
    returns:
        The number of submitted returns.
    """

    program: str | None = None
    wave: str | None = None
    period: str | None = None
    date: str | None = None
    coverage: Coverage | None = None
    returns: int | None = None


def read_register(path: str | Path) -> list[RegisterSite]:
    """The sites of a register file (CSV/XLSX with ``site_id``, ``name`` and optionally ``typ``).

    Raises ``KlapptError`` (``STORE_004``) naming the file for a missing id or name column.
    """
    from klappt.errors import ErrorCode, KlapptError
    from klappt.reasons import Reason
    from klappt.responses.io import read_table

    p = Path(path)
    raw = read_table(p, kind="register")
    lower = {c.strip().lower(): c for c in raw.columns}

    def col(*names: str) -> str | None:
        return next((lower[n] for n in names if n in lower), None)

    id_col, name_col, typ_col = (
        col("site_id", "id", "kennung", "code"),
        col("name"),
        col("typ", "type"),
    )
    if id_col is None or name_col is None:
        missing = "site_id" if id_col is None else "name"
        raise KlapptError(
            ErrorCode.STORE_004,
            path=p,
            row=1,
            message=Reason.COLUMN_MISSING(column=missing, columns=", ".join(raw.columns)),
        )
    out = []
    for record in raw.frame.iter_rows(named=True):
        site_id = str(record[id_col] or "").strip()
        if not site_id:
            continue
        typ = str(record[typ_col] or "").strip() if typ_col else ""
        out.append(RegisterSite(site_id, str(record[name_col] or "").strip(), typ or None))
    return out


def coverage(
    rs: ResponseSet, register: Iterable[RegisterSite], min_cell: int = 3
) -> Coverage | None:
    """The register's sites that sent at least one return; ``None`` when the returns name no
    site (no site column) or the register is empty.

    A site type with fewer than ``min_cell`` sites is not shown on its own ("1 von 1" says
    whether that one site answered); it is counted with the smallest other type, so that it
    cannot be recomputed from the total either.
    """
    from klappt.coding.segments import site_column

    sites = list(register)
    where = site_column(rs)
    if not sites or where is None:
        return None
    frame = rs.frame if where[0] == "frame" else rs.meta
    named = {str(v).strip().casefold() for v in frame.get_column(where[1]).to_list() if v}
    answered = {
        s.site_id
        for s in sites
        if s.site_id.casefold() in named or (s.name and s.name.casefold() in named)
    }
    types: dict[str, list[int]] = {}
    for s in sites:
        if s.typ:
            n = types.setdefault(s.typ, [0, 0])
            n[0] += s.site_id in answered
            n[1] += 1
    return Coverage(len(answered), len(sites), _merge_small(types, min_cell))


def _merge_small(
    types: dict[str, list[int]], min_cell: int
) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    groups: list[tuple[tuple[str, ...], int, int]] = [((t,), a, n) for t, (a, n) in types.items()]
    small = [g for g in groups if g[2] < min_cell]
    big = [g for g in groups if g[2] >= min_cell]
    if small:
        merged_types = tuple(t for g in small for t in g[0])
        merged = (merged_types, sum(g[1] for g in small), sum(g[2] for g in small))
        if merged[2] < min_cell and big:
            host = min(big, key=lambda g: g[2])
            big = [
                (g[0] + merged_types, g[1] + merged[1], g[2] + merged[2]) if g is host else g
                for g in big
            ]
        else:
            big.append(merged)
    return tuple(big) if len(big) > 1 else ()


def type_name(typ: str, lang: str) -> str:
    """``kreisfreie_stadt`` -> ``kreisfreie Städte``; an unknown type as written, ``_`` as space."""
    names = TYPE_NAMES.get(typ.strip().lower())
    if names:
        return names[1] if lang == "en" else names[0]
    return typ.replace("_", " ")


def _types_name(types: tuple[str, ...], lang: str) -> str:
    name = type_name(types[0], lang)
    return name if len(types) == 1 else name + (" and others" if lang == "en" else " und weitere")


def returns_lines(context: DeckContext, lang: str) -> list[str]:
    """The data slide's lines: the response of the register's sites, and per site type."""
    cov = context.coverage
    if cov is None:
        if context.returns is None:
            return []
        return [
            text_n("returns_line", context.returns, lang).format(
                n=fmt_number(context.returns, lang, 0)
            )
        ]
    lines = [
        text("returns_of_sites", lang).format(
            n=fmt_number(cov.answered, lang, 0),
            sites=fmt_number(cov.sites, lang, 0),
            pct=fmt_percent(share(cov.answered, cov.sites, 0), lang, 0),
        )
    ]
    if cov.by_type:
        lines.append(
            "- "
            + ", ".join(
                text("returns_by_type", lang).format(
                    type=_types_name(t, lang),
                    n=fmt_number(a, lang, 0),
                    sites=fmt_number(n, lang, 0),
                )
                for t, a, n in cov.by_type
            )
        )
    if context.returns is not None and context.returns != cov.answered:
        lines.append(
            text_n("returns_line", context.returns, lang).format(
                n=fmt_number(context.returns, lang, 0)
            )
        )
    return lines


def field_period(rs: ResponseSet, lang: str) -> str | None:
    """ "Februar bis März 2022" from the returns' submission times (``None`` without them)."""
    column = next((c for c in ("_submission_time", "submissiondate") if c in rs.meta.columns), None)
    if column is None:
        return None
    days = []
    for v in rs.meta.get_column(column).to_list():
        if isinstance(v, dt.datetime):
            days.append(v.date())
        elif isinstance(v, dt.date):
            days.append(v)
        elif v:
            try:
                days.append(dt.date.fromisoformat(str(v)[:10]))
            except ValueError:
                continue
    if not days:
        return None
    first, last = min(days), max(days)
    months = _MONTHS.get(lang, _MONTHS["de"])
    to = " to " if lang == "en" else " bis "
    if (first.year, first.month) == (last.year, last.month):
        return f"{months[first.month - 1]} {first.year}"
    if first.year == last.year:
        return f"{months[first.month - 1]}{to}{months[last.month - 1]} {last.year}"
    return f"{months[first.month - 1]} {first.year}{to}{months[last.month - 1]} {last.year}"


def today(lang: str) -> str:
    """Today's date as a report prints it: ``07.12.2026`` (de) or ``7 December 2026`` (en)."""
    d = dt.date.today()
    if lang == "en":
        return f"{d.day} {_MONTHS['en'][d.month - 1]} {d.year}"
    return d.strftime("%d.%m.%Y")


def deck_context(
    rs: ResponseSet | None,
    lang: str,
    *,
    wave: str | None = None,
    program: str | None = None,
    sites: Iterable[RegisterSite] = (),
    min_cell: int = 3,
) -> DeckContext:
    """Everything a derived deck's title and data slides say, from the returns and a register
    (command line and web app alike)."""
    sites = list(sites)
    return DeckContext(
        program=program or None,
        wave=wave or None,
        period=field_period(rs, lang) if rs is not None else None,
        date=today(lang),
        coverage=coverage(rs, sites, min_cell) if rs is not None and sites else None,
        returns=rs.height if rs is not None else None,
    )
