"""The typed table's columns: which columns and dtypes each question of a form gives.

A ``select_one`` is one ``Enum`` column of its choice names, a ``select_multiple`` one Boolean
column per choice (``question/choice``), numbers ``Int64``/``Float64``, dates ``Date``, every
other type text; a note gives no column.
"""

from __future__ import annotations

import polars as pl

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question


def main_questions(instrument: Instrument) -> tuple[Question, ...]:
    """The questions with columns in the table of returns, in form order, each name once: a
    question of a repeat that reuses a name of the main form has its answers in the repeat's
    entries, and the name's column is the main form's (:meth:`Instrument.question`)."""
    return tuple(q for q in instrument.questions if instrument.question(q.name) is q)


def is_text(q: Question) -> bool:
    """Typed as text: every type that is no choice, number or date."""
    return q.type not in (SELECT_ONE, SELECT_MULTIPLE, *NUMERIC_TYPES, "date")


def empty_frame(instrument: Instrument, height: int = 0) -> pl.DataFrame:
    """A typed frame of nulls with the columns the form implies."""
    cols: dict[str, pl.Series] = {}
    for q in main_questions(instrument):
        for name, dtype in columns_of(q):
            cols[name] = pl.Series(name, [None] * height, dtype=dtype)
    return pl.DataFrame(cols)


def choice_enum(q: Question) -> pl.Enum:
    """The dtype of a ``select_one`` column: its choices, in list order.

    A category is stored as a small integer, so comparing and counting never touch strings:
    that is most of the speed of loading and tabulating a million returns.
    """
    return pl.Enum(list(dict.fromkeys(c.name for c in q.choices)))


def columns_of(q: Question) -> list[tuple[str, pl.DataType]]:
    if q.type == "note":
        return []
    if q.type == SELECT_ONE:
        return [(q.name, choice_enum(q))]
    if q.type == SELECT_MULTIPLE:
        return [(f"{q.name}/{c.name}", pl.Boolean()) for c in q.choices]
    if q.type == "integer":
        return [(q.name, pl.Int64())]
    if q.type in ("decimal", "range"):
        return [(q.name, pl.Float64())]
    if q.type == "date":
        return [(q.name, pl.Date())]
    return [(q.name, pl.String())]
