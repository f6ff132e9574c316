"""Text that every database stores alike: without NUL and the other C0 control characters.

PostgreSQL refuses a NUL byte in text and in JSON (a 500, and the site's answers lost), SQLite
stores it; other control characters (except tab, line feed and carriage return) are invisible
and break exports. Everything a site or a file brings is cleaned here before it is stored, on
both databases alike. Used by the web form (answers), the web register upload and the store's
imports (registers, data files).
"""

from __future__ import annotations

import re
from typing import Any

#: the characters removed: C0 controls except tab (09), line feed (0A) and carriage return (0D)
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_CONTROL = re.compile(CONTROL)


def scrub(text: str) -> str:
    """``text`` without control characters (see :data:`CONTROL`)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def scrub_tree(value: Any) -> Any:
    """Strings in ``value`` cleaned, also inside lists and dicts (keys too); the rest as it is."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_tree(k): scrub_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_tree(v) for v in value)
    return value


def scrub_frame(frame: Any) -> Any:
    """A Polars frame with its text columns cleaned (one vectorised pass per column)."""
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(pl.col(text).str.replace_all(CONTROL, ""))
