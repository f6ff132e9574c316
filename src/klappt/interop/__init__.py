"""Interoperability: LimeSurvey, KoboToolbox/ODK label exports, REDCap, SPSS/Stata, exports.

Importers return a :class:`ConvertedFile` (instrument, returns, the XLSForm written for the
instrument, and an :class:`ImportSummary` ending with the validation report). Nothing here
prints or needs Django; the CLI and the store call these functions.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Loaded on first use: reading a plain CSV (which asks only ``labels``) does not pay for the
# LimeSurvey, REDCap and SPSS readers.
_LAZY = {
    "ConvertedFile": "klappt.interop.base",
    "ImportSummary": "klappt.interop.base",
    "FORMAT_NAMES": "klappt.interop.detect",
    "detect_format": "klappt.interop.detect",
    "read_any": "klappt.interop.detect",
    "EXPORT_FORMATS": "klappt.interop.export",
    "export_wave": "klappt.interop.export",
    "returns_csv": "klappt.interop.export",
    "apply_label_headers": "klappt.interop.labels",
    "label_header_map": "klappt.interop.labels",
    "lss_to_xlsform": "klappt.interop.limesurvey.read",
    "read_limesurvey_responses": "klappt.interop.limesurvey.read",
    "read_lsa": "klappt.interop.limesurvey.read",
    "read_lss": "klappt.interop.limesurvey.read",
    "read_redcap": "klappt.interop.redcap",
    "read_spss": "klappt.interop.spss.read",
    "instrument_to_xlsform": "klappt.interop.xlsform_writer",
    "write_xlsform": "klappt.interop.xlsform_writer",
}

__all__ = [
    "EXPORT_FORMATS",
    "FORMAT_NAMES",
    "ConvertedFile",
    "ImportSummary",
    "apply_label_headers",
    "detect_format",
    "export_wave",
    "instrument_to_xlsform",
    "label_header_map",
    "lss_to_xlsform",
    "read_any",
    "read_limesurvey_responses",
    "read_lsa",
    "read_lss",
    "read_redcap",
    "read_spss",
    "returns_csv",
    "write_xlsform",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'klappt.interop' has no attribute {name!r}")
