"""The figures of site reports: one tabulation of the wave, then each site's values by lookup.

A wave is tabulated once, crossed by the site's comparison group (the register's ``typ``, or a
column the recipe names), and protected like every published table (groups on fewer than the
minimum cell size withheld, :mod:`klappt.analysis.disclosure`). A site report then only looks up
its own row of the returns: a thousand reports cost one tabulation and a thousand renderings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.errors import Text as Bilingual
from klappt.instrument.model import NUMERIC_TYPES, Choice, Question

if TYPE_CHECKING:
    from klappt.analysis.mapping import WaveMapping
    from klappt.coding.codings import CodingSummary
    from klappt.report.data import WaveData
    from klappt.responses.dataset import ResponseSet

__all__ = ["GROUP", "Site", "SiteWave", "check_site_ids", "read_sites", "site_wave"]

#: The comparison group, added to a wave's form as a select_one of its own: one tabulation
#: ``by`` it gives the program's and every group's figures. No form has a question so named
#: (a leading underscore is not a valid XLSForm name).
GROUP = "_vergleichsgruppe"

#: A site id that may be part of a file name on every system (no path separators, no "..").
SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Site:
    """A site of the register: id, name, e-mail (for the index) and every other column."""

    site_id: str
    name: str
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    email: str | None = None


def read_sites(path: str | Path) -> list[Site]:
    """The sites of a register file (CSV/XLSX: ``site_id``, ``name``, then any columns such as
    ``typ`` or ``email``), checked as :func:`klappt.report.coverage.read_register` checks them."""
    from klappt.report.coverage import read_register
    from klappt.responses.io import read_table

    plain = read_register(path)  # STORE_004 for a missing id or name column
    raw = read_table(Path(path), kind="register")
    lower = {c.strip().lower(): c for c in raw.columns}
    id_col = next(lower[n] for n in ("site_id", "id", "kennung", "code") if n in lower)
    rows = {
        str(r[id_col]).strip(): r
        for r in raw.frame.iter_rows(named=True)
        if r.get(id_col) is not None
    }
    mail_col = next((lower[n] for n in ("email", "e-mail", "mail") if n in lower), None)
    out = []
    for s in plain:
        row = rows.get(s.site_id, {})
        attrs = {
            c.strip().lower(): str(v).strip()
            for c, v in row.items()
            if v is not None and str(v).strip()
        }
        if s.typ:
            attrs["typ"] = s.typ
        email = str(row.get(mail_col) or "").strip() or None if mail_col else None
        out.append(Site(s.site_id, s.name, attrs, email))
    return out


def check_site_ids(sites: Sequence[Site], register: str) -> None:
    """``REPORT_022`` for the first site id that cannot be part of a file name."""
    for s in sites:
        if not SAFE_ID.fullmatch(s.site_id) or s.site_id.startswith("."):
            raise KlapptError(ErrorCode.REPORT_022, site=s.site_id, register=register)


@dataclass
class SiteWave:
    """One wave, tabulated once, with the row of each site's (last) return.

    ``data`` holds the tabulation crossed by :data:`GROUP` (its plain topline is the same
    dict without the groups). ``quartiles`` are the program's quartiles of every number
    question (for "Median und Quartile" and ``site_rank``).
    """

    name: str
    data: WaveData
    row_of: dict[str, int]
    group_of: dict[str, str]  # site id -> its group's choice name (register value)
    group_labels: dict[str, str]
    #: the questions naming the site (never charted: their choices are the sites' names)
    site_questions: frozenset[str]
    quartiles: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    #: sites whose group has too few returns to be shown (they compare with all sites only)
    no_group: frozenset[str] = frozenset()

    @property
    def frame(self) -> pl.DataFrame:
        assert self.data.responses is not None
        return self.data.responses.frame

    def row(self, site_id: str) -> dict[str, Any] | None:
        """The site's answers (its last return), or None when it did not return."""
        i = self.row_of.get(site_id)
        return None if i is None else self.frame.row(i, named=True)

    def group_table(self, question: str, site_id: str, lang: str) -> dict[str, Any] | None:
        """The published figures of the site's group for ``question``; None when the group is
        withheld (fewer sites than the minimum, or recomputable) or the site has none."""
        choice = self.group_of.get(site_id)
        t = self.data.table(question, by=GROUP, lang=lang)
        if choice is None or t is None:
            return None
        for g in (t.get("by") or {}).get("groups") or []:
            if g.get("choice") == choice:
                if g.get("suppressed") or g.get("base") is None:
                    return None
                k = self.data.min_cell or 1
                return g if int(g["base"]) >= k else None
        return None

    def group_returns(self, site_id: str) -> int | None:
        """How many returns the site's group has (None: not published)."""
        choice = self.group_of.get(site_id)
        t = self.data.table(GROUP, lang="de")
        if choice is None or t is None:
            return None
        n = next((int(r["count"]) for r in t.get("rows", []) if r["choice"] == choice), 0)
        return n if n >= (self.data.min_cell or 1) else None


def _with_group(rs: ResponseSet, groups: list[str | None], labels: dict[str, str]) -> ResponseSet:
    """``rs`` with the comparison group as one more select_one (form and frame)."""
    from klappt.responses.schema import choice_enum

    q = Question(
        GROUP,
        "select_one",
        labels={"default": "Vergleichsgruppe"},
        choices=tuple(Choice(c, {"default": lab}) for c, lab in labels.items()),
    )
    kept = tuple(x for x in rs.instrument.questions if x.name != GROUP)  # idempotent
    form = replace(rs.instrument, questions=(*kept, q))
    column = pl.Series(GROUP, groups, dtype=pl.String).cast(choice_enum(q))
    return replace(rs, instrument=form, frame=rs.frame.with_columns(column))


def comparison_groups(
    register: Sequence[Site],
    returned: set[str],
    group_by: str | None,
    min_cell: int,
    lang: str,
    given: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Each site's comparison group and the groups' labels.

    A register value with fewer returns than ``min_cell`` is no group of its own: its returns
    are counted with the smallest other group ("kreisfreie Städte und weitere", as the deck's
    data slide counts them), so that no site can be recomputed from the total and the groups,
    and its sites get no group comparison (a site alone in its group compares with nobody).
    """
    from klappt.report.coverage import _merge_small, _types_name

    if not group_by:
        return {}, {}
    value = {s.site_id: s.attrs[group_by] for s in register if s.attrs.get(group_by)}
    counts: dict[str, list[int]] = {}
    for sid, v in value.items():
        n = counts.setdefault(v, [0, 0])
        n[0] += sid in returned
        n[1] += sid in returned  # the returns decide what may be published, not the register
    merged = _merge_small(counts, min_cell)
    key_of: dict[str, str] = {}
    labels: dict[str, str] = {}
    for types, _, _ in merged:
        key = "+".join(types)
        labels[key] = (given or {}).get(key) or _types_name(types, lang)
        for t in types:
            key_of[t] = key
    small = {t for t, (n, _) in counts.items() if n < min_cell}
    out = {}
    for sid, v in value.items():
        if v in key_of:
            # the returns of a small type count in their host group; its sites compare with none
            out[sid] = key_of[v] if v not in small else "~" + key_of[v]
    return out, labels


def site_wave(
    name: str,
    rs: ResponseSet,
    sites: pl.Series,
    register: Sequence[Site],
    *,
    register_name: str = "Register",
    group_by: str | None = "typ",
    min_cell: int | None = 3,
    names: tuple[str, ...] = (),
    coding: Mapping[str, CodingSummary] | None = None,
    site_questions: frozenset[str] = frozenset(),
    lang: str = "de",
    group_labels: Mapping[str, str] | None = None,
) -> SiteWave:
    """Tabulate ``rs`` once, crossed by each return's register group, and index its sites.

    Raises ``REPORT_020`` for a return whose site the register does not know.
    """
    from klappt.analysis.disclosure import protect
    from klappt.analysis.tabulate import tabulate
    from klappt.report.data import WaveData, _with_reasons

    by_id = {s.site_id: s for s in register}
    ids = sites.to_list()
    for i, sid in enumerate(ids):
        if sid is not None and sid not in by_id:
            ret = rs.meta.get_column("return_id")[i] if "return_id" in rs.meta.columns else i + 1
            row = rs.meta.get_column("row")[i] if "row" in rs.meta.columns else i + 2
            where = Bilingual(
                f"{rs.source or 'Welle ' + name}, Zeile {row}",
                f"{rs.source or 'wave ' + name}, row {row}",
            )
            raise KlapptError(
                ErrorCode.REPORT_020, ret=ret, where=where, site=sid, register=register_name
            )
    returned = {str(x) for x in ids if x is not None}
    group_of, labels = comparison_groups(
        register, returned, group_by, min_cell or 1, lang, group_labels
    )
    groups = [group_of.get(str(s), "").lstrip("~") or None if s is not None else None for s in ids]
    # a site of a small type ("~host") counts in its host group but compares with none
    no_group = frozenset(k for k, v in group_of.items() if v.startswith("~"))
    group_of = {k: v for k, v in group_of.items() if not v.startswith("~")}
    with_group = _with_group(rs, groups, labels)
    tab = tabulate(with_group, by=GROUP, lang=lang)
    if min_cell is not None:
        tab = protect(tab, min_cell)
    crossed = _with_reasons(tab)
    # the plain topline is the crossed one without its groups: one tabulation serves both
    plain = {
        **crossed,
        "tables": [{k: v for k, v in t.items() if k != "by"} for t in crossed["tables"]],
    }
    data = WaveData(
        name,
        with_group.instrument,
        responses=with_group,
        tabulations={None: plain, GROUP: crossed},
        coding=coding,
        min_cell=min_cell,
        names=names,
    )
    row_of: dict[str, int] = {}
    for i, sid in enumerate(ids):
        if sid is not None:
            row_of[str(sid)] = i  # the last return of a site counts, as in the panels
    return SiteWave(
        name=name,
        data=data,
        row_of=row_of,
        group_of=group_of,
        group_labels=labels,
        site_questions=site_questions,
        quartiles=_quartiles(with_group),
        no_group=no_group,
    )


def _quartiles(rs: ResponseSet) -> dict[str, tuple[float, float, float]]:
    """The lower quartile, median and upper quartile of every number question (linear
    interpolation, as Excel's QUARTILE.INC), computed once per wave."""
    out = {}
    for q in rs.instrument.tabulated:
        if q.type not in NUMERIC_TYPES or q.name not in rs.frame.columns:
            continue
        col = rs.frame.get_column(q.name).drop_nulls()
        if not col.len() or not col.dtype.is_numeric():
            continue
        qs = [col.quantile(p, interpolation="linear") for p in (0.25, 0.5, 0.75)]
        out[q.name] = (float(qs[0] or 0), float(qs[1] or 0), float(qs[2] or 0))
    return out


def rank_words(value: float, quartiles: tuple[float, float, float], lang: str) -> str:
    """Where ``value`` lies among all sites: "im oberen Viertel", "im unteren Viertel" or
    "im mittleren Bereich" (ties with a quartile count to the middle)."""
    q1, med, q3 = quartiles
    if value > q3 or (value == q3 and value > med):
        return "im oberen Viertel" if lang == "de" else "in the top quarter"
    if value < q1 or (value == q1 and value < med):
        return "im unteren Viertel" if lang == "de" else "in the bottom quarter"
    return "im mittleren Bereich" if lang == "de" else "in the middle half"


@dataclass(frozen=True)
class Previous:
    """A site's earlier wave and which of its questions is which of the report's wave."""

    wave: SiteWave
    mapping: WaveMapping | None = None

    def source_of(self, question: str) -> tuple[str, dict[str, str | None]] | None:
        """The earlier wave's question (and choice map) behind ``question`` of the main wave."""
        if self.mapping is not None:
            for qm in self.mapping.questions.values():
                if qm.target == question:
                    return qm.source, dict(qm.choices)
        form = self.wave.data.instrument
        return (question, {}) if form.question(question) is not None else None
