"""The PDF is printed with a user-agent stylesheet of only the rules its elements need
(``klappt.report.pdf.UA_RULES``, for speed): its pages must look exactly as with WeasyPrint's
whole stylesheet. Both are rendered to pixels and compared page by page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.pdf import _fetcher, render_pdf
from klappt.report.print_pages import render_pages, slide_size
from klappt.report.sources import load_data


def _pages(pdf: bytes, where: Path) -> list[bytes]:
    where.mkdir()
    (where / "x.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(where / "x.pdf"), str(where / "p")], check=True
    )
    return [p.read_bytes() for p in sorted(where.glob("p-*.png"))]


def _every_kind(folder: Path) -> Path:
    # the recipe of every chart kind × question type (statistics tables among them)
    import importlib.util

    found = importlib.util.spec_from_file_location(
        "kinds_cases", Path(__file__).with_name("test_kinds.py")
    )
    assert found is not None and found.loader is not None
    cases = importlib.util.module_from_spec(found)
    found.loader.exec_module(cases)
    return cases._recipe(folder, cases.RENDERED)


@pytest.mark.parametrize("which", ["reference", "every kind"])
def test_pdf_pages_look_as_with_weasyprints_whole_stylesheet__ok(tmp_path: Path, which: str):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from klappt.report.fonts import font_faces, font_urls

    if which == "reference":
        spec = load_recipe(reference_path("recipe_2022.yaml"))
    else:
        spec = load_recipe(_every_kind(tmp_path))
    built = build_report(spec, load_data(spec), mark="Demo – synthetische Daten")
    ours = render_pdf(built)
    page = render_pages(built, slide_size(built.template))
    # the same fonts as render_pdf, with WeasyPrint's whole user-agent stylesheet
    fetcher = _fetcher(font_urls())
    fonts = FontConfiguration()
    faces = font_faces()
    sheets = [CSS(string=faces, font_config=fonts, url_fetcher=fetcher)] if faces else []
    whole = HTML(string=page, url_fetcher=fetcher, base_url=None).write_pdf(
        stylesheets=sheets, font_config=fonts
    )
    a, b = _pages(ours, tmp_path / "lean"), _pages(whole, tmp_path / "whole")
    assert len(a) == len(b) == len(built.slides)
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True), start=1) if x != y]
    assert not differ, f"pages that look different: {differ}"
