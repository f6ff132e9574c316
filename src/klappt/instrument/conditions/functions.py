"""The one table of the functions the condition language knows: name, how many arguments, and
where they may be used (in every condition, or only in a ``choice_filter``).

The parser (:mod:`.parse`) refuses any other function and any other number of arguments, so the
back ends (:mod:`.to_polars`, :mod:`.evaluate` and the browser's ``form.js``) see only these.
``tests/instrument/test_conditions.py`` holds the table to the README's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: where a function may be used: ``condition`` = relevant, required, constraint, calculation,
#: repeat_count and choice_filter; ``choice_filter`` = only there (the whole-table checks do
#: not evaluate choice filters)
Where = Literal["condition", "choice_filter"]


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    where: Where = "condition"
    #: the argument (0-based) that a tree for one return needs written out (a literal; in a
    #: choice filter also a column of the choice): the whole-table checks cannot evaluate a
    #: computed one there, and one return must be decided as the whole table is
    written: int | None = None
    #: what counts as written out there in a choice filter
    written_in_filter: tuple[str, ...] = ("lit",)

    def takes(self, n: int) -> bool:
        return self.min_args <= n and (self.max_args is None or n <= self.max_args)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("selected", 2, 2, written=1, written_in_filter=("lit", "col")),
        Function("count-selected", 1, 1),
        Function("not", 1, 1),
        Function("true", 0, 0),
        Function("false", 0, 0),
        Function("boolean", 1, 1),
        Function("string-length", 1, 1),
        Function("number", 1, 1),
        Function("int", 1, 1),
        Function("round", 1, 2),
        Function("string", 1, 1),
        Function("concat", 0, None),
        Function("regex", 2, 2, written=1),
        Function("if", 3, 3),
        Function("coalesce", 2, 2),
        Function("today", 0, 0),
        Function("date", 1, 1),
        Function("contains", 2, 2, where="choice_filter"),
        Function("starts-with", 2, 2, where="choice_filter"),
    )
}


def function(name: str, choice_filter: bool = False) -> Function | None:
    """The function ``name`` where it may be used (in a choice filter with ``choice_filter``)."""
    f = FUNCTIONS.get(name)
    if f is None or (f.where == "choice_filter" and not choice_filter):
        return None
    return f
