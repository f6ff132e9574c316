"""Numbers as readers expect them: ``39,1 %`` and ``1.234`` in German, ``39.1%`` and ``1,234`` in English."""

from __future__ import annotations


def fmt_number(value: float | int | None, lang: str = "de", decimals: int = 0) -> str:
    """Format a number with the language's separators.

    Example
    -------
    >>> fmt_number(1234.5, "de", 1), fmt_number(1234.5, "en", 1)
    ('1.234,5', '1,234.5')
    """
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_percent(value: float | None, lang: str = "de", decimals: int = 1) -> str:
    """``39.1`` -> ``"39,1 %"`` (German, with a no-break space) or ``"39.1%"`` (English).

    Example
    -------
    >>> fmt_percent(39.13, "de"), fmt_percent(39.13, "en")
    ('39,1\u00a0%', '39.1%')
    """
    if value is None:
        return "–"
    number = fmt_number(value, lang, decimals)
    return f"{number}%" if lang == "en" else f"{number}\u00a0%"
