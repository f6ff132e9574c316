"""Moved to :mod:`klappt.responses.one_return` (the checks of one return, beside the checks of
whole tables they must agree with); this name stays until ``returns.py`` and ``exports.py``
import from there."""

from klappt.responses.one_return import Rules

__all__ = ["Rules"]
