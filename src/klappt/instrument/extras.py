"""What the web form reads from an XLSForm beyond :class:`~klappt.instrument.Instrument`: the
``default`` column, ``required_message``, the choices' extra columns a ``choice_filter`` compares
(``land`` in ``land = ${land}``), and ``repeat_count``.

The core's model does not hold these (yet), so we read them here from the same bytes with
pyxform's own sheet reader and its JSON step (about 0.2 s for the Arbeitshilfe, once per process
and form; no ODK Validate, no XForm). A form these details cannot be read from still works: it
just has no defaults, the generic required message and unfiltered choices.
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klappt.instrument.model import DEFAULT_LANG_KEY

log = logging.getLogger(__name__)

#: columns of the choices sheet that are not attributes a filter compares
_CHOICE_OWN = frozenset({"name", "label", "image", "big-image", "audio", "video", "media"})


@dataclass(frozen=True)
class FormExtras:
    defaults: dict[str, str] = field(default_factory=dict)  # question -> default as written
    required_messages: dict[str, dict[str, str]] = field(default_factory=dict)  # by language key
    #: list name -> choice name -> column -> text
    choice_columns: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    repeat_counts: dict[str, str] = field(default_factory=dict)  # repeat -> repeat_count


def _texts(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v not in (None, "")}
    return {DEFAULT_LANG_KEY: str(value)}


def extras_from_json(data: dict[str, Any]) -> FormExtras:
    """The details from pyxform's JSON of a form (``workbook_to_json``)."""
    defaults: dict[str, str] = {}
    messages: dict[str, dict[str, str]] = {}
    counts: dict[str, str] = {}
    calculations: dict[str, str] = {}

    def walk(children: list[dict[str, Any]]) -> None:
        for node in children:
            name = str(node.get("name") or "")
            if node.get("type") in ("group", "repeat"):
                count = (node.get("control") or {}).get("jr:count")
                if node.get("type") == "repeat" and count not in (None, ""):
                    counts[name] = str(count)
                walk(node.get("children") or [])
                continue
            if node.get("type") == "calculate":
                calc = (node.get("bind") or {}).get("calculate")
                if calc not in (None, ""):
                    calculations[name] = str(calc)
            default = node.get("default")
            if default not in (None, "") and not isinstance(default, dict):
                defaults[name] = str(default)
            msg = _texts((node.get("bind") or {}).get("jr:requiredMsg"))
            if msg:
                messages[name] = msg

    walk(data.get("children") or [])
    # pyxform turns a number in repeat_count into a calculate of its own (``kontakt_count``,
    # calculation "2"); a count that names a calculate is evaluated through its calculation
    for repeat, count in counts.items():
        ref = re.fullmatch(r"\s*\$\{([^}]+)\}\s*", count)
        if ref and ref.group(1) in calculations:
            counts[repeat] = f"({calculations[ref.group(1)]})"
    columns: dict[str, dict[str, dict[str, str]]] = {}
    for list_name, items in (data.get("choices") or {}).items():
        for item in items or ():
            attrs = {
                str(k): str(v)
                for k, v in item.items()
                if k not in _CHOICE_OWN and not isinstance(v, dict | list) and v is not None
            }
            if attrs:
                columns.setdefault(str(list_name), {})[str(item.get("name"))] = attrs
    return FormExtras(defaults, messages, columns, counts)


def read_extras(data: bytes, filename: str) -> FormExtras:
    """The details of an uploaded form (empty when pyxform cannot read them)."""
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    suffix = Path(filename).suffix.lower() or ".xlsx"
    try:
        with tempfile.TemporaryDirectory(prefix="klappt-web-extras-") as tmp:
            path = Path(tmp) / f"form{suffix}"
            path.write_bytes(data)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets = get_xlsform(xlsform=str(path))
                parsed = workbook_to_json(workbook_dict=sheets, warnings=[])
    except Exception as exc:  # the form itself was read by the core; these are extras only
        log.warning("form details not read from %s: %s", filename, exc)
        return FormExtras()
    return extras_from_json(parsed)
