"""Numbers and dates as readers expect them: ``39,1 %``, ``1.234`` and ``31.01.2027`` in German,
``39.1%``, ``1,234`` and ``31 Jan 2027`` in English. The one home of these forms in the core;
the web app's templates use Django's formats, set to the same (``klappt/web/formats``)."""

from __future__ import annotations

import datetime as dt


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


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: dt.date | str | None, lang: str = "de") -> str:
    """A date as the language writes it: ``31.01.2027`` (German) or ``31 Jan 2027`` (English).
    A text starting with an ISO date is read as one; any other text is returned as it is.

    The web app's Django formats (``klappt/web/formats``) say the same, for its templates.

    Example
    -------
    >>> fmt_date(dt.date(2027, 1, 31), "de"), fmt_date("2027-01-31", "en")
    ('31.01.2027', '31 Jan 2027')
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
        return fmt_date(day, lang)
    if lang == "en":
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def fmt_datetime(value: dt.datetime | None, lang: str = "de") -> str:
    """A moment in local time (the caller converts): ``31.01.2027, 13:50`` or ``31 Jan 2027, 13:50``
    -- a 24-hour clock in both languages, so no "p.m." meets the full stop of a sentence.

    Example
    -------
    >>> fmt_datetime(dt.datetime(2027, 1, 31, 13, 50), "en")
    '31 Jan 2027, 13:50'
    """
    if value is None:
        return "–"
    return f"{fmt_date(value.date(), lang)}, {value:%H:%M}"
