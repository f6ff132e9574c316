"""The web app's deck is the derived deck (issue 15): its title slide names the field period,
its data slide the response of the program's register."""

from __future__ import annotations

import io
from typing import Any

from pptx import Presentation


def test_the_web_deck_gives_the_response_of_the_register__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    site_client = web.client()
    for kommune in ("gt", "e", "mk"):
        assert web.submit_reference(site_client, wave, kommune).status_code == 302
    r = web.analyst().get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    assert r.status_code == 200, r.content[-1500:]
    slides = Presentation(io.BytesIO(r.content)).slides
    texts = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    data = next(t for t in texts if "Datengrundlage" in t)
    assert "Rücklauf: 3 von 54 Standorten (6\u202f%)" in data
    assert "Stand: " in texts[0]
