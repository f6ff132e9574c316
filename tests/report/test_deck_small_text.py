"""Two things read at the ministry in the rendered decks (issue 15, look of 7 Dec):

- the demo mark at the foot of the agenda, section and closing slides was 11 pt, under the
  12 pt that is the smallest text of a deck;
- on the derived deck's data slide the sub-item dash touched its text at 22 pt
  ("–kreisfreie Städte …"): the hanging indent was 14 pt whatever the size.
"""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.util import Pt

from klappt.reference import load_reference, reference_path
from klappt.report import ReportData, build_report, default_spec, load_recipe
from klappt.report.coverage import DeckContext, coverage, read_register
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data

MARK = "Demo – synthetische Daten"
QN = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def test_the_demo_mark_is_never_under_12_pt__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    deck = Presentation(io.BytesIO(render_pptx(build_report(spec, load_data(spec), mark=MARK))))
    sizes = [
        r.font.size
        for slide in deck.slides
        for sh in slide.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        for r in p.runs
        if r.text == MARK
    ]
    assert len(sizes) >= len(deck.slides)
    assert all(s is not None and s >= Pt(12) for s in sizes), sorted({s.pt for s in sizes})


@pytest.fixture(scope="module")
def derived_deck():
    form, rs, _ = load_reference("2022")
    context = DeckContext(
        wave="2022",
        period="Februar bis März 2022",
        date="07.12.2026",
        coverage=coverage(rs, read_register(reference_path("register.csv"))),
        returns=rs.height,
    )
    spec = default_spec(form, "de", "2022", context)
    built = build_report(spec, ReportData.single(form, rs, "2022"))
    return Presentation(io.BytesIO(render_pptx(built)))


def test_a_bullet_keeps_a_quarter_em_before_its_text__ok(derived_deck):
    seen = 0
    for slide in derived_deck.slides:
        for sh in slide.shapes:
            if not sh.has_text_frame:
                continue
            for p in sh.text_frame.paragraphs:
                ppr = p._p.pPr
                if ppr is None or ppr.find(f"{QN}buChar") is None or not p.runs:
                    continue
                size = p.runs[0].font.size.pt
                hang = -int(ppr.get("indent")) / 12700
                # the bullet (half an em for a dash) plus a quarter em of room
                assert hang >= size * 0.75 - 0.01, (p.text, size, hang)
                seen += 1
    assert seen >= 3  # the data slide's period, response and response by type
