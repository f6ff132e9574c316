"""A REDCap records export in klappt's layout: one row per record (or per record × event ×
repeat instance of a longitudinal project), checkboxes joined into one answer; used by
:func:`klappt.interop.redcap.read_redcap`.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.base import Note
from klappt.language import counted
from klappt.responses.io import RawTable

_META = re.compile(r"^(redcap_.*|.*_complete|.*_timestamp)$")


def _checkbox_key(code: str) -> str:
    """REDCap's column suffix for a checkbox code: lower case, ``-`` and ``.`` as ``_``."""
    return re.sub(r"[^a-z0-9_]", "_", code.lower())


def _units(
    frame: pl.DataFrame, rows: tuple[int, ...], record_id: str, event: str | None, source: str
) -> tuple[pl.DataFrame, tuple[int, ...], list[Note]]:
    """A longitudinal project's rows as returns: one per record × event (× repeat instance).

    All events in one wave: the return id is ``record/event`` (``record/event/instance`` for a
    repeating event), and ``_record`` keeps the record. One event as a wave (``event``): its
    rows only, the return id is the record, so that waves made of events line up by record.
    """
    if "redcap_event_name" not in frame.columns or record_id not in frame.columns:
        if event is not None:
            raise KlapptError(
                ErrorCode.INTEROP_017,
                path=source,
                format=Text(
                    "REDCap-Datensatzexport ohne Ereignisse", "REDCap records export without events"
                ),
            )
        return frame, rows, []
    events = frame["redcap_event_name"].cast(pl.String)
    counts = dict(
        events.fill_null("").value_counts(sort=False).iter_rows()  # in order of first occurrence
    )
    order = list(dict.fromkeys(events.fill_null("").to_list()))
    listing = Text(
        ", ".join(f"{e or '(keines)'} {counts[e]}" for e in order),
        ", ".join(f"{e or '(none)'} {counts[e]}" for e in order),
    )
    instance = (
        frame["redcap_repeat_instance"].cast(pl.String)
        if "redcap_repeat_instance" in frame.columns
        else pl.Series([None] * frame.height, dtype=pl.String)
    )
    record = pl.col(record_id).cast(pl.String)
    if event is not None:
        if event not in counts:
            raise KlapptError(
                ErrorCode.INTEROP_016, path=source, event=event, events=", ".join(order)
            )
        keep = (events == event).fill_null(False)
        rows = tuple(r for r, k in zip(rows, keep.to_list(), strict=True) if k)
        frame = frame.filter(keep)
        instance = instance.filter(keep)
        note = Text(
            "Längsschnittprojekt, Ereignisse: {listing}; Ereignis {event} als diese Welle "
            "importiert ({returns}, Rücklauf-ID = Datensatz)",
            "longitudinal project, events: {listing}; event {event} imported as this wave "
            "({returns}, return id = record)",
        ).format(
            listing=listing,
            event=event,
            returns=counted(frame.height, Text("Rücklauf", "return"), Text("Rückläufe", "returns")),
        )
        if instance.drop_nulls().len():
            frame = frame.with_columns(
                pl.concat_str(
                    [record, pl.Series(instance)], separator="/", ignore_nulls=True
                ).alias(record_id),
                record.alias("_record"),
            )
            note = Text(
                note.de + "; die Durchgänge eines wiederholten Ereignisses als Datensatz/Durchgang",
                note.en + "; a repeating event's instances as record/instance",
            )
        return frame, rows, [note]
    unit = pl.concat_str(
        [record, pl.col("redcap_event_name").cast(pl.String), pl.Series(instance)],
        separator="/",
        ignore_nulls=True,
    )
    frame = frame.with_columns(unit.alias(record_id), record.alias("_record"))
    repeated = bool(instance.drop_nulls().len())
    note = Text(
        "Längsschnittprojekt, Ereignisse: {listing}; jede Kombination Datensatz × Ereignis"
        + (" × Durchgang" if repeated else "")
        + " ist ein Rücklauf (Rücklauf-ID Datensatz/Ereignis, der Datensatz in _record); "
        "ein Ereignis als Welle: --event NAME",
        "longitudinal project, events: {listing}; each record × event"
        + (" × repeat instance" if repeated else "")
        + " is one return (return id record/event, the record in _record); one event as a "
        "wave: --event NAME",
    ).format(listing=listing)
    return frame, rows, [note]


def _records(
    raw: RawTable,
    fields: dict[str, dict],
    repeating: set[str],
    dpath: Path,
    record_id: str,
    event: str | None = None,
) -> tuple[RawTable, list[Note]]:
    """The records export in klappt's layout: one row per record, checkboxes joined."""
    notes: list[Note] = []
    frame = raw.frame
    rows = raw.file_rows or tuple(range(2, raw.height + 2))
    if repeating and "redcap_repeat_instrument" in frame.columns:
        keep = frame["redcap_repeat_instrument"].is_null()
        notes.append(
            Text(
                "{rows} wiederholter Instrumente ({names}) nicht in die Rückläufe übernommen",
                "{rows} of repeating instruments ({names}) left out of the returns",
            ).format(
                rows=counted(int((~keep).sum()), Text("Zeile", "row"), Text("Zeilen", "rows")),
                names=", ".join(sorted(repeating)),
            )
        )
        rows = tuple(r for r, k in zip(rows, keep.to_list(), strict=True) if k)
        frame = frame.filter(keep)
    frame, rows, unit_notes = _units(frame, rows, record_id, event, raw.source)
    notes.extend(unit_notes)
    columns = list(frame.columns)
    exprs: list[pl.Expr] = []
    out_names: list[str] = []
    matched = 0
    unknown: list[str] = []
    checkbox_cols: dict[str, list[tuple[str, str]]] = {}
    for col in columns:
        base, sep, code = col.partition("___")
        if sep and base in fields and fields[base]["kind"] == "select_multiple":
            by_key = {_checkbox_key(c): name for c, name in fields[base]["codes"].items()}
            if code in by_key:
                checkbox_cols.setdefault(base, []).append((col, by_key[code]))
                continue
    for col in columns:
        if col == record_id:
            exprs.append(pl.col(col).alias("_id"))
            out_names.append("_id")
            matched += 1
        elif col in fields and fields[col]["kind"] not in ("none",):
            info = fields[col]
            expr = pl.col(col)
            if info["kind"] == "select_one":
                mapping = {**{k.lower(): v for k, v in info["labels"].items()}}
                expr = pl.coalesce(
                    expr.replace_strict(info["codes"], default=None, return_dtype=pl.String),
                    expr.str.to_lowercase().replace_strict(
                        mapping, default=None, return_dtype=pl.String
                    ),
                    expr,
                )
            exprs.append(expr.alias(info["name"]))
            out_names.append(info["name"])
            matched += 1
        elif col.partition("___")[0] in checkbox_cols:
            base = col.partition("___")[0]
            if checkbox_cols[base][0][0] == col:
                parts = [
                    pl.when(pl.col(c).str.strip_chars().is_in(["1", "Checked", "checked"])).then(
                        pl.lit(n)
                    )
                    for c, n in checkbox_cols[base]
                ]
                joined = pl.concat_str(parts, separator=" ", ignore_nulls=True)
                # all boxes empty (not 0) means the instrument was not filled in
                filled = pl.any_horizontal(
                    [pl.col(c).is_not_null() for c, _ in checkbox_cols[base]]
                )
                exprs.append(
                    pl.when(filled & (joined != ""))
                    .then(joined)
                    .otherwise(None)
                    .alias(fields[base]["name"])
                )
                out_names.append(fields[base]["name"])
                matched += 1
        elif _META.match(col) or col == "_record":
            meta = col if col.startswith("_") else f"_{col}"
            exprs.append(pl.col(col).alias(meta))
            out_names.append(meta)
        else:
            unknown.append(col)
    if matched <= 1 or len(unknown) > matched:
        shown = ", ".join(unknown[:6]) + (" …" if len(unknown) > 6 else "")
        raise KlapptError(
            ErrorCode.INTEROP_008,
            path=raw.source,
            form=str(dpath),
            unknown=len(unknown),
            total=len(unknown) + matched,
            examples=shown or "-",
        )
    if unknown:
        notes.append(
            Text(
                "Spalten, die das Datenwörterbuch nicht kennt: {columns}",
                "columns not in the dictionary: {columns}",
            ).format(columns=", ".join(unknown[:10]))
        )
    table = RawTable(
        frame=frame.select(exprs),
        columns=tuple(out_names),
        file_rows=rows,
        source=raw.source,
        format="redcap-records",
        encoding=raw.encoding,
        separator=raw.separator,
        decimal_comma=False,
    )
    return table, notes


# -- readers of the importers' table (klappt.interop.importers) ----------------------------
