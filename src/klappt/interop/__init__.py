"""Interoperability: LimeSurvey, KoboToolbox/ODK label exports, REDCap, SPSS/Stata, exports.

Importers return an :class:`ImportResult` (instrument, returns, the XLSForm written for the
instrument, and an :class:`ImportSummary` ending with the validation report). Nothing here
prints or needs Django; the CLI and the store call these functions.
"""

from klappt.interop.base import ImportResult, ImportSummary
from klappt.interop.detect import FORMAT_NAMES, detect_format, read_any
from klappt.interop.export import EXPORT_FORMATS, export_wave, returns_csv
from klappt.interop.labels import apply_label_headers, label_header_map
from klappt.interop.lsa import lss_to_xlsform, read_limesurvey_responses, read_lsa, read_lss
from klappt.interop.redcap import read_redcap
from klappt.interop.spssread import read_spss
from klappt.interop.xlsform_writer import instrument_to_xlsform, write_xlsform

__all__ = [
    "EXPORT_FORMATS",
    "FORMAT_NAMES",
    "ImportResult",
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
