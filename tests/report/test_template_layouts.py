"""A user's own master (issue 15): title, section and closing slides are made from the
template's layouts, found by their OOXML type whatever they are called; a template without
layouts for the title or the result slides fails with one message naming it, nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn

from klappt.errors import ErrorCode, KlapptError
from klappt.report import build_report, load_recipe, write_outputs
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data


@pytest.fixture(scope="module")
def built(here):
    spec = load_recipe(here / "recipe.yaml")
    return build_report(spec, load_data(spec))


def _house_template(path: Path) -> Path:
    """python-pptx's default master with the layouts renamed (as a German institute names them)
    and a coloured band on the title layout: the house design."""
    import copy

    prs = Presentation()
    scratch = prs.slides.add_slide(prs.slide_layouts[6])
    band = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, prs.slide_width, 400000)
    band.name = "Hausband"
    band.fill.solid()
    band.fill.fore_color.rgb = RGBColor(0x8B, 0x00, 0x3A)
    names = {
        "title": "Hausdesign Deckblatt",
        "secHead": "Hausdesign Kapiteltrenner",
        "titleOnly": "Hausdesign Inhalt",
        "obj": "Hausdesign Text",
    }
    for layout in prs.slide_layouts:
        kind = layout._element.get("type")
        layout.name = names.get(kind, f"Hausdesign {kind}")
        if kind == "title":
            layout.shapes._spTree.append(copy.deepcopy(band._element))
    sld_ids = prs.slides._sldIdLst
    for sld_id in list(sld_ids):  # the scratch slide only lent its shape
        prs.part.drop_rel(sld_id.rId)
        sld_ids.remove(sld_id)
    prs.save(str(path))
    return path


def test_title_section_and_closing_slides_use_the_templates_layouts__ok(built, tmp_path):
    template = _house_template(tmp_path / "haus.pptx")
    deck = Presentation(io.BytesIO(render_pptx(built, template)))
    layouts = [s.slide_layout.name for s in deck.slides]
    kinds = [s.kind for s in built.slides]
    assert layouts[0] == "Hausdesign Deckblatt"
    assert {lo for lo, k in zip(layouts, kinds, strict=True) if k == "section"} == {
        "Hausdesign Kapiteltrenner"
    }
    # an institute's master ends on its cover design
    assert layouts[kinds.index("closing")] == "Hausdesign Deckblatt"
    assert {lo for lo, k in zip(layouts, kinds, strict=True) if k == "result"} == {
        "Hausdesign Inhalt"
    }
    band = [sh.name for sh in deck.slides[0].slide_layout.shapes]
    assert "Hausband" in band


def test_a_layout_named_for_the_closing_slide_is_used__ok(built, tmp_path):
    template = _house_template(tmp_path / "haus.pptx")
    prs = Presentation(str(template))
    blank = next(lo for lo in prs.slide_layouts if lo._element.get("type") == "titleOnly")
    prs.slide_layouts[-1].name = "Abschluss"
    # the last layout must have a title to serve: give it the one of "title only"
    last = prs.slide_layouts[-1]
    if not any(ph.placeholder_format.type in (1, 3) for ph in last.placeholders):
        import copy

        title_sp = next(
            sp for sp in blank.shapes._spTree.iterchildren(qn("p:sp")) if sp.xpath(".//p:ph")
        )
        last.shapes._spTree.append(copy.deepcopy(title_sp))
    prs.save(str(template))
    deck = Presentation(io.BytesIO(render_pptx(built, template)))
    assert deck.slides[-1].slide_layout.name == "Abschluss"


def _without_titles(path: Path) -> Path:
    """A master whose layouts have no title placeholder (pictures only, as some hand-made ones)."""
    prs = Presentation()
    for layout in prs.slide_layouts:
        for sp in list(layout.shapes._spTree.iterchildren(qn("p:sp"))):
            ph = sp.find(".//" + qn("p:ph"))
            if ph is not None and ph.get("type") in ("title", "ctrTitle"):
                sp.getparent().remove(sp)
    prs.save(str(path))
    return path


def test_a_template_without_title_layouts_fails_and_writes_nothing__fail(built, tmp_path):
    template = _without_titles(tmp_path / "bild.pptx")
    outs = [tmp_path / "bericht.pptx", tmp_path / "bericht.html"]
    with pytest.raises(KlapptError) as exc:
        write_outputs(built, outs, template)
    assert exc.value.code is ErrorCode.REPORT_010
    message = exc.value.message("de")
    assert str(template) in message and "Titelfolie" in message and "Ergebnisfolien" in message
    assert "nichts geschrieben" in message
    assert "title slide" in exc.value.message("en")
    assert not any(p.exists() for p in outs)
