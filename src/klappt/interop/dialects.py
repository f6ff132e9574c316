"""Export dialects of the ODK family, read as the tool that wrote them meant them.

Each dialect is told from the file itself, and the validation report says what was read how
(``not_answered_marker`` and ``dialect_read`` notes; the import summary repeats them):

- **Ona** (formhub): ``n/a`` cells are not answered (below).
- **ODK Briefcase / Aggregate** split a geopoint into ``q-Latitude``, ``-Longitude``,
  ``-Altitude``, ``-Accuracy``: the four columns are read as the geopoint ``q``.
- **Flattened repeats** (``people[1]/age``, one column per instance): kept with each return as
  metadata ``_people[1]_age``; they are no answer of the question ``age`` of the main table.
- **Loops** (``begin loop over LIST``): a column ``loop/choice/q`` (any separator) is the
  question ``loop_choice_q`` that :mod:`klappt.instrument.readers` makes of it.
- **US dates** (``9/10/2015``, ``Sep 10, 2015``) in a date question: month first, unless a
  value of the file shows day first (a first number over 12); read as ISO dates.

Ona (and formhub, whose export it continued) writes ``n/a`` into every cell of a question that
was not asked or not answered. Read literally, each would be an invalid choice, number or date,
or an answer to a question that did not apply. An Ona export is told by the metadata columns
only Ona writes; its ``n/a`` cells are then read as not answered, and the validation report
says how many per column.

Hook for the core loader (``klappt.responses.dataset.load_responses``): call
``raw, dialect = read_as_exported(raw)`` before matching the headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

from klappt.language import Text
from klappt.responses.io import RawTable

if TYPE_CHECKING:
    from klappt.instrument.model import Instrument

#: Metadata columns of an Ona (formhub) export that KoboToolbox and ODK Central do not write.
ONA_COLUMNS = frozenset(
    {
        "_xform_id_string",
        "_bamboo_dataset_id",
        "_media_count",
        "_total_media",
        "_media_all_received",
        "_date_modified",
        "_duration",
    }
)
#: what Ona writes for a question that was not answered
ONA_NOT_ANSWERED = "n/a"


@dataclass(frozen=True)
class Dialect:
    """The export dialect recognised, and the cells read as not answered (column -> count)."""

    name: Text  # the tools' names, in both languages ("englische Datumsangaben" …)
    marker: str  # the text that meant "not answered"
    not_answered: dict[str, int]
    #: what else was read as its tool meant it: (column, what was done)
    read: tuple[tuple[str, Text], ...] = field(default=())


def read_as_exported(
    raw: RawTable, instrument: Instrument | None = None
) -> tuple[RawTable, Dialect | None]:
    """``raw`` read as its exporting tool meant it, and the dialects recognised (None: none).

    Without ``instrument`` only Ona's ``n/a`` is recognised; with it also split geopoints,
    flattened repeats, loops and US dates, which need to know the form's questions."""
    raw, ona = _ona(raw)
    if instrument is None:
        return raw, ona
    names = [ona.name] if ona is not None else []
    read: list[tuple[str, Text]] = []
    for step in (_split_geopoints, _loops, _flattened_repeats, _us_dates):
        raw, name, done = step(raw, instrument)
        if done and isinstance(name, Text):
            names.append(name)
            read.extend(done)
    if not names:
        return raw, None
    if ona is None:
        return raw, Dialect(_joined(names), "", {}, tuple(read))
    return raw, replace(ona, name=_joined(list(dict.fromkeys(names))), read=tuple(read))


def _joined(names: list[Text]) -> Text:
    return Text(", ".join(n.de for n in names), ", ".join(n.en for n in names))


_ONA = Text("Ona", "Ona")


def _ona(raw: RawTable) -> tuple[RawTable, Dialect | None]:
    """``raw`` with an Ona export's ``n/a`` cells empty, and the dialect (None: no Ona)."""
    if not ONA_COLUMNS & {c.lower() for c in raw.columns}:
        return raw, None
    frame = raw.frame
    texts = [c for c, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical)]
    if not texts or frame.height == 0:
        return raw, Dialect(_ONA, ONA_NOT_ANSWERED, {})
    counts = frame.select(
        (pl.col(c).cast(pl.String) == ONA_NOT_ANSWERED).sum().alias(c) for c in texts
    ).row(0, named=True)
    found = {c: int(n) for c, n in counts.items() if n}
    if found:
        frame = frame.with_columns(
            pl.when(pl.col(c).cast(pl.String) == ONA_NOT_ANSWERED)
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in found
        )
    return replace(raw, frame=frame), Dialect(_ONA, ONA_NOT_ANSWERED, found)


# -- the dialects that need the form ------------------------------------------------------

_SEPARATORS = "/-:."
Step = tuple[RawTable, Text | str, list[tuple[str, Text]]]


def _tail_of(header: str, name: str) -> bool:
    """``header`` is ``name``, or ends in it after a group separator (``grp/name``)."""
    return header == name or (header.endswith(name) and header[-len(name) - 1] in _SEPARATORS)


def _renamed(raw: RawTable, frame: pl.DataFrame) -> RawTable:
    return replace(raw, frame=frame, columns=tuple(frame.columns))


_GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")


def _split_geopoints(raw: RawTable, instrument: Instrument) -> Step:
    """ODK Briefcase / Aggregate: ``q-Latitude`` … ``q-Accuracy`` -> the geopoint ``q``."""
    names = [q.name for q in instrument.questions if q.type == "geopoint"]
    frame, done = raw.frame, []
    for name in names:
        heads = [c[: -len("-Latitude")] for c in frame.columns if c.endswith("-Latitude")]
        for head in heads:
            if not _tail_of(head, name) or f"{head}-Longitude" not in frame.columns:
                continue
            parts = [f"{head}-{p}" for p in _GEO_PARTS if f"{head}-{p}" in frame.columns]
            point = pl.concat_str(
                [pl.col(c).cast(pl.String).str.strip_chars() for c in parts],
                separator=" ",
                ignore_nulls=True,
            )
            frame = frame.with_columns(
                pl.when(
                    pl.col(f"{head}-Latitude").is_null() | pl.col(f"{head}-Longitude").is_null()
                )
                .then(None)
                .otherwise(point)
                .alias(head)
            ).drop(parts)
            done.append(
                (
                    head,
                    Text(
                        "{parts} als Geopunkt {name} gelesen", "{parts} read as the geopoint {name}"
                    ).format(parts=", ".join(parts), name=name),
                )
            )
    briefcase = Text("ODK Briefcase/Aggregate", "ODK Briefcase/Aggregate")
    return (_renamed(raw, frame) if done else raw), briefcase, done


_INSTANCE = re.compile(r"^(?:.*[/\-:.])?([A-Za-z_][\w.-]*)\[(\d+)\]([/\-:.].+)$")


def _flattened_repeats(raw: RawTable, instrument: Instrument) -> Step:
    """``people[1]/age``: an instance of a repeat, kept with the return as ``_people[1]_age``."""
    repeats = {g.name for g in instrument.repeats}
    if not repeats:
        return raw, "", []
    moved: dict[str, list[str]] = {}
    rename = {}
    for c in raw.frame.columns:
        m = _INSTANCE.match(c)
        if m and m.group(1) in repeats:
            # no group separator in the new name: no question's column is matched in it
            rename[c] = "_" + re.sub(r"[/\-:.]+", "_", c)
            moved.setdefault(m.group(1), []).append(m.group(2))
    if not rename:
        return raw, "", []
    done = [
        (
            name,
            Text(
                "Wiederholung {name}: {columns} Spalten von {instances} flach geschriebenen "
                "Durchgängen, bei jedem Rücklauf als _{name}[1]_… aufbewahrt "
                "(Wiederholungen werden nicht tabelliert)",
                "repeat {name}: {columns} columns of {instances} flattened instances "
                "kept with each return as _{name}[1]_… (repeats are not tabulated)",
            ).format(name=name, columns=len(cols), instances=len(set(cols))),
        )
        for name, cols in moved.items()
    ]
    flat = Text("flach geschriebene Wiederholungen", "flattened repeats")
    return _renamed(raw, raw.frame.rename(rename)), flat, done


def _loops(raw: RawTable, instrument: Instrument) -> Step:
    """A loop's column ``loop/choice/q`` (any separator) -> the question ``loop_choice_q``."""
    looped = {}
    for q in instrument.questions:
        path = q.group_path
        if len(path) >= 2 and q.name.startswith(f"{path[-2]}_{path[-1]}_"):
            child = q.name[len(path[-2]) + len(path[-1]) + 2 :]
            for sep in _SEPARATORS:
                looped[sep.join((path[-2], path[-1], child))] = q.name
    rename = {}
    for c in raw.frame.columns:
        if c in looped.values():
            continue
        hit = next((name for alias, name in looped.items() if _tail_of(c, alias)), None)
        if hit is not None and hit not in raw.frame.columns:
            rename[c] = hit
    if not rename:
        return raw, "", []
    done = [
        (
            new,
            Text(
                "Schleifen-Spalte {old} als {new} gelesen", "loop column {old} read as {new}"
            ).format(old=old, new=new),
        )
        for old, new in rename.items()
    ]
    loop = Text("ODK-Schleife", "ODK loop")
    return _renamed(raw, raw.frame.rename(rename)), loop, done


_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_WORDS = re.compile(r"^\s*([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b")


def _us_dates(raw: RawTable, instrument: Instrument) -> Step:
    """Dates as an English export writes them -> ISO. ``9/10/2015`` is month first unless a
    value in the file's date questions has a first number over 12 (then day first for all)."""
    dates = [q.name for q in instrument.questions if q.type == "date"]
    columns = [c for c in raw.frame.columns if any(_tail_of(c, n) for n in dates)]
    columns = [c for c in columns if raw.frame.schema[c] in (pl.String, pl.Categorical)]
    if not columns:
        return raw, "", []
    values = {
        c: raw.frame.get_column(c).cast(pl.String).drop_nulls().unique().to_list() for c in columns
    }
    slashed = [m for vs in values.values() for v in vs if (m := _SLASH.match(v))]
    day_first = any(int(m.group(1)) > 12 for m in slashed)
    month_first = any(int(m.group(2)) > 12 for m in slashed)
    if day_first and month_first:
        return raw, "", []  # no one order fits: the values are reported as they are
    order = "D/M/Y" if day_first else "M/D/Y"

    def iso(text: str) -> str | None:
        if m := _SLASH.match(text):
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            month, day = (b, a) if day_first else (a, b)
        elif (w := _WORDS.match(text)) and w.group(1).lower() in _MONTHS:
            month, day, y = _MONTHS[w.group(1).lower()], int(w.group(2)), int(w.group(3))
        else:
            return None
        return f"{y:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None

    frame, done = raw.frame, []
    for c in columns:
        mapping = {v: r for v in values[c] if (r := iso(v)) is not None}
        if not mapping:
            continue
        frame = frame.with_columns(pl.col(c).cast(pl.String).replace(mapping).alias(c))
        how = (
            Text("entschieden durch einen Wert über 12", "decided by a value over 12")
            if (day_first or month_first)
            else Text("angenommen, kein Wert entscheidet", "assumed, no value decides")
        )
        done.append(
            (
                c,
                Text(
                    "{n} Datumsangaben in {order} als JJJJ-MM-TT gelesen ({order} {how})",
                    "{n} dates in {order} read as YYYY-MM-DD ({order} {how})",
                ).format(n=len(mapping), order=order, how=how),
            )
        )
    name = Text("englische Datumsangaben ({order})", "English dates ({order})").format(order=order)
    return (_renamed(raw, frame) if done else raw), name, done
