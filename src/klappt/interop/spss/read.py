"""Read SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files into a questionnaire and returns.

Variable labels become question labels; numeric variables with value labels become
select_one questions (values without a label get a choice of their own, and labels that only
name user-missing codes leave the variable a number); multiple-response sets become
select_multiple questions; user-missing values become missing and are counted in the summary.
Variables ``return_id`` and ``meta_*`` (as :func:`klappt.interop.spss.write.to_sav` writes them)
become the return id and metadata again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.interop.base import (
    ConvertedFile,
    ImportSummary,
    Names,
    Note,
    XLSFormSpec,
    complete_import,
    literal_label,
)
from klappt.language import Text
from klappt.language import counted as count_of
from klappt.responses.io import RawTable
from klappt.responses.report import MISSING_PREFIX

#: readstat's names of Stata's integer storage types, and Stata's own
_STATA_INTEGERS = {"int8": "byte", "int16": "int", "int32": "long"}


def _fmt(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        value = float(value)  # numpy's float64 has another repr
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return (
            value.isoformat(sep=" ")
            if hasattr(value, "hour") and hasattr(value, "date")
            else value.isoformat()
        )
    text = str(value)
    return text if text.strip() else None


def _missing_kind(value: Any, labels: dict[Any, str], stata: bool) -> str:
    """Which missing a value was: its code (Stata's ``.a``) and its value label, if any."""
    code = f".{value}" if stata and isinstance(value, str) else (_fmt(value) or "")
    label = labels.get(value)
    return f"{code} {label}" if label else code


def _missing(value: Any, ranges: list[dict[str, Any]]) -> bool:
    if value is None:
        return False
    for r in ranges:
        lo, hi = r.get("lo"), r.get("hi")
        try:
            if (lo == hi and value == lo) or (
                lo is not None and hi is not None and lo <= value <= hi
            ):
                return True
        except TypeError:
            continue
    return False


def read_spss(path: str | Path) -> ConvertedFile:
    """Import an SPSS (``.sav``, ``.zsav``) or Stata (``.dta``) file: questionnaire and returns.

    Numeric variables with value labels become select_one questions (values without a label
    get a choice of their own), multiple-response sets become select_multiple questions,
    user-missing values become missing (and are counted in the summary).

    Raises
    ------
    KlapptError
        ``FILE_001``/``FILE_002`` and ``FILE_003`` when pyreadstat cannot read the file.

    Example
    -------
    >>> result = read_spss("wave.sav")  # doctest: +SKIP
    >>> result.instrument.question("q1").type  # doctest: +SKIP
    'select_one'
    """
    import pyreadstat

    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.stat().st_size == 0:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file, check_table_shape

    check_file(p, "data")
    from klappt.interop.sniff import Sniff

    # the header tells Stata from SPSS, whatever the file is called
    stata = Sniff.of(p).container == "stata"
    reader = pyreadstat.read_dta if stata else pyreadstat.read_sav
    try:
        _, head = reader(str(p), metadataonly=True)
    except Exception:  # the full read below names what is wrong
        head = None
    if head is not None:
        rows = head.number_rows if (head.number_rows or 0) > 0 else None
        check_table_shape(p, rows, head.number_columns, "data")
    try:
        if stata:
            df, meta = pyreadstat.read_dta(str(p), user_missing=True, output_format="dict")
        else:
            df, meta = pyreadstat.read_sav(str(p), user_missing=True, output_format="dict")
    except Exception as exc:  # pyreadstat raises its own ReadstatError and plain exceptions alike
        raise KlapptError(
            ErrorCode.FILE_003,
            path=p,
            reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        ) from None
    for number, name in enumerate(meta.column_names or (), start=1):
        if not isinstance(name, str) or not name:  # pyreadstat gives None for a name it cannot read
            raise KlapptError(ErrorCode.PARSE_005, path=p, number=number)
    return _import(p, df, meta, "stata-dta" if stata else "spss-sav")


def _import(p: Path, df: dict[str, Any], meta: Any, fmt: str) -> ConvertedFile:
    spec = XLSFormSpec(
        title=(meta.file_label or p.stem), form_id=re.sub(r"\W+", "_", p.stem) or "data"
    )
    names = Names()
    # labels are the user's words: a "${x}" in them is no reference to another question
    labels = {k: literal_label(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    value_labels: dict[str, dict[Any, str]] = {
        var: {code: literal_label(text) for code, text in vl.items()}
        for var, vl in (meta.variable_value_labels or {}).items()
    }
    ranges: dict[str, list[dict[str, Any]]] = dict(getattr(meta, "missing_ranges", None) or {})
    user_values: dict[str, list[Any]] = dict(getattr(meta, "missing_user_values", None) or {})
    mrsets: dict[str, dict[str, Any]] = dict(getattr(meta, "mr_sets", None) or {})
    formats: dict[str, str] = dict(getattr(meta, "original_variable_types", None) or {})
    stored: dict[str, str] = dict(getattr(meta, "readstat_variable_types", None) or {})
    measures: dict[str, str] = dict(getattr(meta, "variable_measure", None) or {})
    columns: dict[str, list[str | None]] = {}
    notes: list[Note] = []
    skipped: list[Note] = []
    missing_count = 0
    integers: list[str] = []  # Stata byte/int/long variables read as integer questions
    missing_columns: dict[str, list[str | None]] = {}

    kinds: dict[str, list[str | None]] = {}  # per variable: which missing each value was
    cleaned: dict[str, list[Any]] = {}  # a set's member is read twice: as a choice and itself

    def clean(var: str) -> list[Any]:
        if var not in cleaned:
            cleaned[var] = _clean(var)
        return cleaned[var]

    def _clean(var: str) -> list[Any]:
        nonlocal missing_count
        values = list(df[var])
        miss = ranges.get(var, [])
        users = set(user_values.get(var, []))
        out: list[Any] = []
        kind: list[str | None] = []
        for v in values:
            if (miss and _missing(v, miss)) or (users and v in users):
                missing_count += 1
                out.append(None)
                kind.append(_missing_kind(v, value_labels.get(var, {}), fmt == "stata-dta"))
            else:
                out.append(v)
                kind.append(None)
        if any(kind):
            kinds[var] = kind
        return out

    # A multiple-response set becomes a select_multiple question before its first member; the
    # members stay questions of their own (a numeric amount in a set stays a number).
    done: set[str] = set()
    variables = {v.lower() for v in meta.column_names}
    for var in meta.column_names:
        set_name = next(
            (n for n, s in mrsets.items() if n not in done and var in s.get("variable_list", [])),
            None,
        )
        if set_name is not None:
            done.add(set_name)
            s = mrsets[set_name]
            members = [m for m in s["variable_list"] if m in df]
            wanted = set_name.lstrip("$")
            if wanted.lower() in variables:  # the variables keep their names, the set gives way
                wanted = f"{wanted}_set"
            qname = names.unique(wanted, original=set_name)
            list_rows: dict[str, str] = {}
            selections: list[set[str]] = [
                set() for _ in range(len(df[members[0]]) if members else 0)
            ]
            answered: list[bool] = [False] * len(selections)
            if s.get("is_dichotomy"):
                counted = s.get("counted_value")
                set_label = literal_label(s.get("label") or "").strip()
                for m in members:
                    choice = names_choice(m, list_rows)
                    text = labels.get(m) or m
                    if set_label and text.startswith(f"{set_label}: "):
                        text = text[len(set_label) + 2 :]  # "Question: choice", as klappt writes it
                    list_rows[choice] = text
                    for i, v in enumerate(clean(m)):
                        if v is not None and v == v:
                            answered[i] = True
                            if str(_fmt(v)) == str(_fmt(counted)):
                                selections[i].add(choice)
            else:
                vlabels: dict[Any, str] = {}
                for m in members:
                    vlabels.update(value_labels.get(m, {}))
                for m in members:
                    for i, v in enumerate(clean(m)):
                        text = _fmt(v)
                        if text is not None:
                            answered[i] = True
                            choice = re.sub(r"\s+", "_", text)
                            list_rows.setdefault(choice, vlabels.get(v, text))
                            selections[i].add(choice)
            for choice, text in list_rows.items():
                spec.add_choice(qname, choice, {"": text})
            set_title = literal_label(s.get("label") or "") or qname
            spec.add(type=f"select_multiple {qname}", name=qname, label=set_title)
            order = list(list_rows)
            columns[qname] = [
                " ".join(c for c in order if c in sel) or None if ok else None
                for sel, ok in zip(selections, answered, strict=True)
            ]
            kind = (
                Text("Dichotomien", "dichotomies")
                if s.get("is_dichotomy")
                else Text("Kategorien", "categories")
            )
            notes.append(
                Text(
                    "Mehrfachantwort-Set {set} ({kind}) -> select_multiple {name}; seine "
                    "Variablen bleiben eigene Fragen",
                    "multiple-response set {set} ({kind}) -> select_multiple {name}; its "
                    "variables kept as questions of their own",
                ).format(set=set_name, kind=kind, name=qname)
            )
        if var.lower() in ("return_id", "_id") or var.lower().startswith("meta_"):
            meta = "_id" if var.lower() in ("return_id", "_id") else f"_{var[5:]}"
            columns[meta] = [_fmt(v) for v in df[var]]
            continue
        qname = names.unique(var, original=var)
        label = labels.get(var) or var
        values = clean(var)
        if var in kinds:  # the kinds of missing, as metadata of the return (after the questions)
            missing_columns[f"{MISSING_PREFIX}{qname}"] = kinds[var]
        vl = value_labels.get(var, {})
        fmt_name = (formats.get(var) or "").upper()
        # labels that only name missing codes (999 "skipped") describe a number, not categories
        missing_codes = [
            c for c in vl if _missing(c, ranges.get(var, [])) or c in set(user_values.get(var, []))
        ]
        numeric_seen = [v for v in values if isinstance(v, float) and v == v]
        if vl and (
            len(missing_codes) == len(vl) or any(not float(v).is_integer() for v in numeric_seen)
        ):
            notes.append(
                Text(
                    "{var}: die Wertelabels ({codes}) benennen Sondercodes einer Zahl; als Zahl "
                    "importiert",
                    "{var}: value labels ({codes}) name special codes of a number; imported as "
                    "a number",
                ).format(var=var, codes=", ".join(sorted(str(_fmt(c)) for c in vl)))
            )
            vl = {}
        if vl:
            list_rows = {}
            for code, text in vl.items():
                list_rows[re.sub(r"\s+", "_", _fmt(code) or "")] = text
            extra = sorted(
                {
                    t
                    for v in values
                    if (t := _fmt(v)) is not None and re.sub(r"\s+", "_", t) not in list_rows
                }
            )
            for t in extra:
                list_rows[re.sub(r"\s+", "_", t)] = t
            if extra:
                notes.append(
                    Text(
                        "{var}: Werte ohne Label wurden eigene Antwortoptionen: {values}",
                        "{var}: values without a label became choices of their own: {values}",
                    ).format(var=var, values=", ".join(extra[:10]))
                )
            ordered = measures.get(var) == "ordinal"
            for choice, text in list_rows.items():
                spec.add_choice(
                    qname,
                    choice or "_",
                    {"": text or choice},
                    **({"ordered": "yes"} if ordered else {}),
                )
            spec.add(type=f"select_one {qname}", name=qname, label=label)
            columns[qname] = [
                re.sub(r"\s+", "_", t) if (t := _fmt(v)) is not None else None for v in values
            ]
            continue
        sample = next((v for v in values if v is not None and v == v), None)
        if hasattr(sample, "hour") and hasattr(sample, "date"):
            xtype = "dateTime"
        elif hasattr(sample, "isoformat") and not hasattr(sample, "hour"):
            xtype = "date"
        elif hasattr(sample, "hour"):
            xtype = "time"
        elif isinstance(sample, int | float) or (
            sample is None and fmt_name.startswith(("F", "N", "%"))
        ):
            # a Stata file says how a number is stored (pyreadstat gives a byte, int or long as a
            # Python int): that decides, so that an export stores it alike; SPSS stores every
            # number as a double, and its values and format decide
            integral = all(v is None or v != v or float(v).is_integer() for v in values)
            decimals = re.search(r"\.(\d+)", fmt_name)
            if fmt == "stata-dta" and stored.get(var) in _STATA_INTEGERS:
                xtype = "integer"
            elif fmt == "stata-dta" and stored.get(var) in ("float", "double"):
                xtype = "decimal"
            else:
                xtype = (
                    "integer"
                    if integral and not (decimals and int(decimals.group(1)) > 0)
                    else "decimal"
                )
        else:
            xtype = "text"
        spec.add(type=xtype, name=qname, label=label)
        columns[qname] = [_fmt(v) for v in values]
        if fmt == "stata-dta" and stored.get(var) in _STATA_INTEGERS:
            integers.append(f"{var} ({_STATA_INTEGERS[stored[var]]})")
    columns.update(missing_columns)
    if integers:
        shown = ", ".join(integers[:20]) + (
            f" (+{len(integers) - 20})" if len(integers) > 20 else ""
        )
        notes.append(
            Text(
                "Stata-Ganzzahlen als Ganzzahlen gelesen: {shown}",
                "Stata integers read as integer numbers: {shown}",
            ).format(shown=shown)
        )
    if missing_count:
        how_many = count_of(
            missing_count,
            Text("benutzerdefiniert fehlender Wert", "user-missing value"),
            Text("benutzerdefiniert fehlende Werte", "user-missing values"),
        )
        if missing_columns:
            missing = Text(
                "{n} auf fehlend gesetzt, ihre Arten in {prefix}<Frage> aufbewahrt",
                "{n} set to missing, their kinds kept in {prefix}<question>",
            )
        else:
            missing = Text("{n} auf fehlend gesetzt", "{n} set to missing")
        notes.append(missing.format(n=how_many, prefix=MISSING_PREFIX))
    if not spec.survey:
        raise KlapptError(ErrorCode.INTEROP_009, path=p, count=0, displays=0)
    from klappt.interop.xlsform_writer import read_spec

    instrument, xlsform = read_spec(spec, source=str(p))
    raw = RawTable.from_records(
        list(columns), [list(r) for r in zip(*columns.values(), strict=True)], source=str(p)
    )
    summary = ImportSummary(
        source=str(p),
        format=fmt,
        skipped=tuple(skipped),
        renamed=dict(names.renamed),
        notes=tuple(notes),
    )
    return complete_import(fmt, instrument, raw, summary, xlsform)


def names_choice(var: str, taken: dict[str, str]) -> str:
    """A choice name for a dichotomy variable: its name, made unique within the list."""
    base = re.sub(r"\s+", "_", var)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def import_spss(path: Path, companion: Path | None, key: str) -> ConvertedFile:
    """The importers' table's reader (``.sav``, ``.zsav``, ``.dta`` carry their own structure)."""
    return read_spss(path)
