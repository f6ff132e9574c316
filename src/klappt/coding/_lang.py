"""The language of user-facing text made in the coding modules (messages, sheet headers):
:func:`klappt.language.say`, the one helper for a text in both languages (German, English, lang)."""

from __future__ import annotations

from klappt.language import say as t

__all__ = ["t"]
