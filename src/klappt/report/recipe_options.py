"""The report-wide settings of a recipe: ``options`` (decimals, source line) and
``disclosure`` (the minimum cell size), each checked with the recipe line of a mistake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from klappt.errors import KlapptError
from klappt.report.recipe_yaml import YMap

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["check_options", "read_min_cell"]


class Reader(Protocol):
    """What these checks use of the recipe reader."""

    def fail(self, line: int | None, de: str, en: str) -> KlapptError: ...

    def mapping(self, value: Any, line: int | None, what: str) -> YMap: ...

    def check_keys(self, m: YMap, allowed: Iterable[str], what: str) -> None: ...


def check_options(r: Reader, options: dict[str, Any], line: int | None) -> None:
    """``decimals`` (0–3, the percentages' decimals, default 1; ``auto``: none under a base
    of 100, else one), ``source_line`` (a text with {survey}, {wave}, {n}, or false) and
    ``missing_kinds`` (``show``: refused, don't know … as categories of their own) and
    ``abbreviations`` (abbreviation: text written out, explained in a footnote of each slide
    that uses it, :mod:`klappt.report.abbreviations`)."""
    lines = getattr(options, "key_lines", {})
    decimals = options.get("decimals")
    if (
        decimals is not None
        and decimals != "auto"
        and (isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 3)
    ):
        raise r.fail(
            lines.get("decimals", line),
            f"options.decimals: eine ganze Zahl von 0 bis 3 oder 'auto', nicht '{decimals}'.",
            f"options.decimals: a whole number from 0 to 3 or 'auto', not '{decimals}'.",
        )
    kinds = options.get("missing_kinds")
    if kinds is not None and kinds not in ("missing", "show"):
        raise r.fail(
            lines.get("missing_kinds", line),
            f"options.missing_kinds: 'missing' (Vorgabe) oder 'show', nicht '{kinds}'.",
            f"options.missing_kinds: 'missing' (the default) or 'show', not '{kinds}'.",
        )
    glossary = options.get("abbreviations")
    if glossary is not None and (
        not isinstance(glossary, dict)
        or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
            for k, v in glossary.items()
        )
    ):
        raise r.fail(
            lines.get("abbreviations", line),
            "options.abbreviations: je Abkürzung ihr ausgeschriebener Text "
            "(zum Beispiel 'THM: Teilhabemanagement').",
            "options.abbreviations: each abbreviation with its text written out "
            "(for example 'THM: Teilhabemanagement').",
        )
    source = options.get("source_line")
    if source is not None and source is not False and not isinstance(source, str):
        raise r.fail(
            lines.get("source_line", line),
            "options.source_line muss ein Text sein (mit {survey}, {wave}, {n}) oder false.",
            "options.source_line must be a text (with {survey}, {wave}, {n}) or false.",
        )


def read_min_cell(r: Reader, m: YMap) -> int | None:
    """``disclosure: {min_cell: 3}``: the minimum cell size of this report (at least 1)."""
    value = m.get("disclosure")
    if value is None:
        return None
    d = r.mapping(value, m.key_lines.get("disclosure"), "disclosure")
    r.check_keys(d, ("min_cell",), "disclosure")
    k = d.get("min_cell")
    if k is None:
        return None
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise r.fail(
            d.key_lines.get("min_cell", d.line),
            f"Mindestfallzahl '{k}' ungültig: eine ganze Zahl ab 1 wird erwartet (Standard 3).",
            f"minimum cell size '{k}' is invalid: a whole number of at least 1 is expected "
            "(default 3).",
        )
    return k
