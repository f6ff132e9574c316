"""Parse XML from outside without trusting it: no DTDs, no entities, one clear error.

LimeSurvey files (``.lss``, ``.lsr``, ``.lst``) and REDCap project files are XML written by
another program and sometimes edited by hand. We parse them with defusedxml and forbid DTDs
altogether, so a "billion laughs" file or an external entity stops with a message instead of
filling the memory or reading local files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from klappt.errors import ErrorCode, KlapptError

_DECLARED = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def parse_xml(data: bytes, source: str | Path) -> Element:
    """The root element of ``data``; KlapptError ``INTEROP_001``/``INTEROP_002`` otherwise."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if not data.strip():
        raise KlapptError(ErrorCode.FILE_002, path=source)
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise KlapptError(ErrorCode.INTEROP_002, path=source, reason=type(exc).__name__) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":")[0]
        raise KlapptError(
            ErrorCode.INTEROP_001, path=source, line=line, column=column, reason=reason
        ) from None
    except (LookupError, ValueError) as exc:
        # expat looks the declared encoding up (LookupError for an unknown name) and refuses
        # multi-byte ones it cannot stream (ValueError); either way the declaration is the cause
        declared = _DECLARED.search(data[:200])
        encoding = declared.group(1).decode("ascii", "replace") if declared else type(exc).__name__
        raise KlapptError(ErrorCode.PARSE_002, path=source, encoding=encoding) from None


def table_rows(root: Element, name: str) -> list[dict[str, str]]:
    """Rows of a LimeSurvey export table ``<name><rows><row><col>…`` as dicts of text.

    Element names that start with a digit are written with a leading ``_`` (``_123X4X5``);
    we give them back without it. An empty element is an empty string.
    """
    table = root.find(name)
    if table is None:
        return []
    rows = table.find("rows")
    if rows is None:
        return []
    out: list[dict[str, str]] = []
    for row in rows:
        record: dict[str, str] = {}
        for cell in row:
            tag = cell.tag
            if tag.startswith("_") and len(tag) > 1 and tag[1].isdigit():
                tag = tag[1:]
            record[tag] = cell.text or ""
        out.append(record)
    return out


def table_fields(root: Element, name: str) -> list[str]:
    """The declared column names of a LimeSurvey export table, in order."""
    table = root.find(name)
    if table is None:
        return []
    fields = table.find("fields")
    return [f.text or "" for f in fields] if fields is not None else []
