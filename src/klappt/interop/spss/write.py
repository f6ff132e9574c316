"""SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files, both ways, through pyreadstat.

Export: every question becomes labelled variables. A select_one is a numeric variable whose
codes are the choice names when these are whole numbers, else 1…k in form order, with the
choice labels as value labels. A select_multiple becomes one 0/1 variable per choice, and
(in ``.sav``) a multiple-response set defined as dichotomies with counted value 1. Names
are valid for the target program: SPSS names start with a letter, hold at most 64 bytes, do
not end in ``.`` or ``_`` and are unique regardless of case; Stata names hold at most 31
characters (the length readstat allows for value-label names).

Import: :mod:`klappt.interop.spss.read`.
"""

from __future__ import annotations

import re
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.interop.base import (
    ascii_fold,
)
from klappt.responses.dataset import ResponseSet

_SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
_STATA_RESERVED = {
    "_all",
    "_b",
    "byte",
    "_coef",
    "_cons",
    "double",
    "float",
    "if",
    "in",
    "int",
    "long",
    "_n",
    "_N",
    "_pi",
    "_pred",
    "_rc",
    "_skip",
    "strl",
    "using",
    "with",
}
_BAD = re.compile(r"[^A-Za-z0-9_]+")
_SELECTED = {"de": ("ausgewählt", "nicht ausgewählt"), "en": ("selected", "not selected")}


@dataclass
class Variable:
    """One column of an SPSS/Stata file."""

    name: str
    label: str
    values: pl.Series
    kind: str  # numeric | string | date
    value_labels: dict[Any, str] = field(default_factory=dict)
    measure: str = "nominal"  # nominal | ordinal | scale
    decimals: int = 0


@dataclass
class MrSet:
    name: str  # without the leading $
    label: str
    variables: list[str]


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


class _VarNames:
    """Names valid in SPSS (``limit`` 64) or Stata (``limit`` 32), unique regardless of case."""

    def __init__(self, limit: int, reserved: set[str]) -> None:
        self.limit = limit
        self.reserved = reserved
        self.used: set[str] = set()

    def make(self, wanted: str) -> str:
        base = _BAD.sub("_", ascii_fold(wanted)).strip("_.") or "v"
        if not base[0].isalpha():
            base = f"v{base}"
        base = base[: self.limit].rstrip("_.")
        if base.lower() in self.reserved:
            base = f"v_{base}"
        name, n = base, 1
        while name.lower() in self.used:
            n += 1
            suffix = f"_{n}"
            name = base[: self.limit - len(suffix)].rstrip("_.") + suffix
        self.used.add(name.lower())
        return name


def choice_codes(q: Question) -> dict[str, int]:
    """The numeric code of each choice: the choice name when all names are whole numbers, else 1…k."""
    names = [c.name for c in q.choices]
    if (
        names
        and all(re.fullmatch(r"-?\d{1,9}", n) for n in names)
        and len({int(n) for n in names}) == len(names)
    ):
        return {n: int(n) for n in names}
    return {n: i for i, n in enumerate(names, start=1)}


def wave_variables(
    instrument: Instrument,
    rs: ResponseSet,
    limit: int = 64,
    lang: str | None = None,
    stata: bool = False,
) -> tuple[list[Variable], list[MrSet]]:
    """The variables of a wave, in form order after the return id and metadata.

    ``values`` of each variable is a Polars Series (Float64 for numbers and codes, Date,
    String); nothing is converted cell by cell.
    """
    names = _VarNames(limit, _STATA_RESERVED if stata else _SPSS_RESERVED)
    lang = lang or (instrument.default_language or "")
    default = instrument.default_language
    german = (lang or "").lower().startswith(("de", "deutsch")) or "(de" in (lang or "")
    selected_label, unselected_label = _SELECTED["de" if german else "en"]
    out: list[Variable] = [
        Variable(
            names.make("return_id"), "Return ID", rs.meta["return_id"].cast(pl.String), "string"
        )
    ]
    for col in rs.meta.columns:
        if col in ("return_id", "row"):
            continue
        # metadata keep their origin visible without the "_" SPSS forbids; read_spss turns them back
        name = names.make(f"meta_{col.lstrip('_')}")
        out.append(Variable(name, col, rs.meta[col].cast(pl.String), "string"))
    mrsets: list[MrSet] = []
    set_names = _VarNames(limit, set())
    # questions keep their own names; the generated dichotomy names give way when they collide
    own = {
        q.name: names.make(q.name)
        for q in instrument.questions
        if q.type not in ("note", SELECT_MULTIPLE)
    }
    for q in instrument.questions:
        if q.type == "note":
            continue
        label = q.label(lang, default)
        if q.type == SELECT_ONE:
            codes = choice_codes(q)
            values = rs.frame[q.name].replace_strict(codes, default=None, return_dtype=pl.Float64)
            labels = {codes[c.name]: c.label(lang, default) for c in q.choices}
            measure = "ordinal" if q.ordered else "nominal"
            out.append(Variable(own[q.name], label, values, "numeric", labels, measure))
        elif q.type == SELECT_MULTIPLE:
            members = []
            for c in q.choices:
                values = rs.frame[f"{q.name}/{c.name}"].cast(pl.Float64)
                var = Variable(
                    names.make(f"{q.name}_{c.name}"),
                    f"{label}: {c.label(lang, default)}",
                    values,
                    "numeric",
                    {1: selected_label, 0: unselected_label},
                )
                out.append(var)
                members.append(var.name)
            if members:
                mrsets.append(MrSet(set_names.make(q.name), label, members))
        elif q.type in ("integer", "decimal", "range"):
            series = rs.frame[q.name].cast(pl.Float64)
            if stata and q.type == "integer" and _fits_long(rs.frame[q.name]):
                # stored as an integer again (pyreadstat writes every integer as a Stata long)
                series = rs.frame[q.name].cast(pl.Int32)
            decimals = 0
            if q.type != "integer":
                fraction = (
                    series.cast(pl.String).str.extract(r"\.(\d*?)0*$", 1).str.len_chars().max()
                )
                decimals = min(int(str(fraction or 0)), 6)
            out.append(
                Variable(own[q.name], label, series, "numeric", measure="scale", decimals=decimals)
            )
        elif q.type == "date":
            out.append(Variable(own[q.name], label, rs.frame[q.name], "date", measure="scale"))
        else:
            out.append(Variable(own[q.name], label, rs.frame[q.name].cast(pl.String), "string"))
    return out, mrsets


#: the values a Stata long holds (the rest of the 32 bits code missing values)
_LONG_RANGE = (-2_147_483_647, 2_147_483_620)


def _fits_long(values: pl.Series) -> bool:
    outside = (values < _LONG_RANGE[0]) | (values > _LONG_RANGE[1])
    return not outside.any()


def _frame(variables: list[Variable], max_string: int | None = None) -> pl.DataFrame:
    cols = []
    for v in variables:
        series = v.values.rename(v.name)
        if v.kind == "string":
            series = series.fill_null("")
            if max_string and bool((series.str.len_bytes() > max_string).any()):
                series = pl.Series(
                    v.name, [_truncate(x, max_string) for x in series.to_list()], dtype=pl.String
                )
        cols.append(series)
    return pl.DataFrame(cols)


def _write(writer, frame: pl.DataFrame, suffix: str, **kwargs: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="klappt-export-") as folder:
        path = Path(folder) / f"wave{suffix}"
        # pyreadstat takes a Polars frame directly, several times faster than through pandas
        writer(frame, str(path), **kwargs)
        return path.read_bytes()


def _spss_format(v: Variable, frame: pl.DataFrame) -> str:
    if v.kind == "numeric":
        return f"F8.{v.decimals}"
    if v.kind == "date":
        return "DATE11"
    return f"A{max(1, int(str(frame[v.name].str.len_bytes().max() or 1)))}"


def to_sav(
    instrument: Instrument, rs: ResponseSet, lang: str | None = None, compress: bool = False
) -> bytes:
    """The wave as an SPSS file (``.sav``; ``compress=True`` gives ``.zsav`` without MR sets)."""
    import pyreadstat

    variables, mrsets = wave_variables(instrument, rs, 64, lang)
    frame = _frame(variables)
    data = _write(
        pyreadstat.write_sav,
        frame,
        ".zsav" if compress else ".sav",
        file_label=_truncate(instrument.title, 64),
        column_labels={v.name: _truncate(v.label, 255) for v in variables},
        compress=compress,
        variable_value_labels={
            v.name: {k: _truncate(t, 120) for k, t in v.value_labels.items()}
            for v in variables
            if v.value_labels
        },
        variable_measure={v.name: v.measure for v in variables},
        variable_format={v.name: _spss_format(v, frame) for v in variables},
    )
    if mrsets and not compress:
        data = add_mrsets(data, mrsets)
    return data


def to_dta(instrument: Instrument, rs: ResponseSet, lang: str | None = None) -> bytes:
    """The wave as a Stata 15 file (``.dta``): variable and value labels; strings cut at 2045 bytes."""
    import pyreadstat

    # readstat names value-label sets after their variable and allows 31 bytes for them
    variables, _ = wave_variables(instrument, rs, 31, lang, stata=True)
    frame = _frame(variables, max_string=2045)
    return _write(
        pyreadstat.write_dta,
        frame,
        ".dta",
        file_label=_truncate(instrument.title, 80),
        column_labels={v.name: _truncate(v.label, 80) for v in variables},
        variable_value_labels={
            v.name: {int(k): _truncate(t, 2000) for k, t in v.value_labels.items()}
            for v in variables
            if v.value_labels
        },
    )


# -- multiple-response sets in .sav ---------------------------------------------------------


def _dictionary_end(data: bytes) -> tuple[int, dict[str, str], list[str], str]:
    """Walk the dictionary of a ``.sav``: (offset of the 999 record, long->short names, short names, byte order)."""
    order = "<" if struct.unpack("<i", data[64:68])[0] in (2, 3) else ">"
    pos = 176
    shorts: list[str] = []
    long_names: dict[str, str] = {}

    def i32(at: int) -> int:
        return struct.unpack(order + "i", data[at : at + 4])[0]

    while pos < len(data):
        rec = i32(pos)
        if rec == 2:
            width, has_label, n_missing = i32(pos + 4), i32(pos + 8), i32(pos + 12)
            name = data[pos + 24 : pos + 32].decode("latin-1").strip()
            pos += 32
            if has_label:
                length = i32(pos)
                pos += 4 + (length + 3) // 4 * 4
            pos += abs(n_missing) * 8
            if width != -1:
                shorts.append(name)
        elif rec == 3:
            count = i32(pos + 4)
            pos += 8
            for _ in range(count):
                length = data[pos + 8]
                pos += 8 + (length + 1 + 7) // 8 * 8
            pos += 4  # the type-4 record that must follow
            pos += 4 + i32(pos) * 4
        elif rec == 6:
            pos += 8 + i32(pos + 4) * 80
        elif rec == 7:
            subtype, size, count = i32(pos + 4), i32(pos + 8), i32(pos + 12)
            body = data[pos + 16 : pos + 16 + size * count]
            if subtype == 13:
                for pair in body.decode("utf-8", errors="replace").split("\t"):
                    short, _, long = pair.partition("=")
                    if long:
                        long_names[long] = short
            pos += 16 + size * count
        elif rec == 999:
            return pos, long_names, shorts, order
        else:
            raise ValueError(f"unexpected record type {rec} at byte {pos}")
    raise ValueError("no dictionary termination record")


def add_mrsets(data: bytes, mrsets: list[MrSet]) -> bytes:
    """Insert a multiple-response-set record (dichotomies, counted value 1) into a ``.sav``.

    pyreadstat reads such records but does not write them, so we add the record ourselves,
    just before the end of the dictionary (the layout is documented in the PSPP developer
    guide, "Multiple Response Sets Records"). The variables are named by their short names.
    """
    end, long_to_short, _, order = _dictionary_end(data)
    lines = []
    for s in mrsets:
        members = [long_to_short.get(v, v) for v in s.variables]
        label = s.label.replace("\n", " ")
        label_bytes = _truncate(label, 255).encode("utf-8")
        line = (
            f"${s.name}=D1 1 {len(label_bytes)} ".encode()
            + label_bytes
            + (" " + " ".join(members)).encode("utf-8")
            + b"\n"
        )
        lines.append(line)
    body = b"".join(lines)
    record = struct.pack(order + "iiii", 7, 7, 1, len(body)) + body
    return data[:end] + record + data[end:]
