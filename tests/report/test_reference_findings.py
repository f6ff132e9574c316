"""The reference deck's "Mehrwert" slide: the most frequent free-text mention is what its
lead-in "Häufigste Einzelnennung im Freitext:" announces, so it is one item below it, not a
second point of the same rank (seen in the rendered deck, 7 Dec)."""

from __future__ import annotations

import io

from pptx import Presentation

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data

LEAD = "Häufigste Einzelnennung im Freitext:"


def test_the_top_mention_is_a_sub_item_of_its_lead_in__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    slide = next(s for s in built.slides if LEAD in s.bullets)
    after = slide.bullets[slide.bullets.index(LEAD) + 1]
    assert after.startswith("- ") and after.endswith("(n=14)"), after
    deck = Presentation(io.BytesIO(render_pptx(built)))
    paras = [
        p
        for s in deck.slides
        for sh in s.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        if p.text == LEAD or p.text.endswith("(n=14)")
    ]
    lead, mention = paras
    assert mention.text == after[2:]  # the marker is the bullet, not text
    margin = [int(p._p.pPr.get("marL")) for p in (lead, mention)]
    assert margin[1] > margin[0]
