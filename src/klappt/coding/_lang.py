"""The language of user-facing text made in the coding modules (messages, sheet headers)."""

from __future__ import annotations

from klappt.errors import current_language


def t(de: str, en: str, lang: str | None = None) -> str:
    """``de`` or ``en``: ``lang`` when given, else the language of messages (``KLAPPT_LANG``)."""
    return en if (lang or current_language()) == "en" else de
