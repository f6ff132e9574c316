"""Reports: a storyline (recipe) filled with the numbers of one or more waves, as a deck,
an HTML page, a PDF and a workbook.

Example
-------
>>> from klappt.report import build_report, default_spec, write_outputs
>>> # built = build_report(default_spec(form), ReportData.single(form, rs))
>>> # write_outputs(built, ["bericht.pptx", "bericht.html"])
"""

from klappt.report.build import build_report
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide, DataTable, Series
from klappt.report.data import ReportData, WaveData
from klappt.report.output import RENDERERS, write_outputs
from klappt.report.recipe import load_recipe, parse_recipe
from klappt.report.spec import (
    AgendaSlide,
    ChartPanel,
    ClosingSlide,
    CompareItem,
    ComparisonSlide,
    ReportSpec,
    ResultSlide,
    SectionSlide,
    Text,
    TextSlide,
    TitleSlide,
)
from klappt.report.storyline import default_spec, dump_recipe

__all__ = [
    "RENDERERS",
    "AgendaSlide",
    "BuiltPanel",
    "BuiltReport",
    "BuiltSlide",
    "ChartPanel",
    "ClosingSlide",
    "CompareItem",
    "ComparisonSlide",
    "DataTable",
    "ReportData",
    "ReportSpec",
    "ResultSlide",
    "SectionSlide",
    "Series",
    "Text",
    "TextSlide",
    "TitleSlide",
    "WaveData",
    "build_report",
    "default_spec",
    "dump_recipe",
    "load_recipe",
    "parse_recipe",
    "write_outputs",
]
