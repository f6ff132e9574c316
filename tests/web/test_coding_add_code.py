"""Issue 17: the coding screen shows each code's description and examples, and a coder adds a
code while reading; a code book can be started in the browser, not only uploaded.

Runs on SQLite and PostgreSQL (conftest.py), with the reference pack's returns.
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from tests.web.test_coding_views import QUESTION, _coded_wave, _unit, _url


def _about(page: str) -> dict[str, str]:
    """Code name → the text shown under its label (description and examples)."""
    out = {}
    for m in re.finditer(
        r'<input type="checkbox" name="code" value="([^"]+)"[^>]*aria-describedby="([^"]+)"', page
    ):
        about = re.search(rf'<div class="code-about muted" id="{m.group(2)}">(.*?)</div>', page)
        assert about, m.group(2)
        out[m.group(1)] = htmllib.unescape(re.sub(r"<[^>]+>", "", about.group(1)))
    return out


def test_coding_screen_shows_each_codes_description_and_examples__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.store.coding import codebook_of, current_version

    wave = _coded_wave(web, sites=("mk", "rs"))
    book = codebook_of(current_version(wave, QUESTION))
    described = [c for c in book.codes if c.description or c.examples]
    assert described  # the reference code book describes its codes
    page = web.coordinator().get(_url(web, wave)).content.decode()
    about = _about(page)
    for c in described:
        assert c.description in about[c.code]
        for e in c.examples:
            assert e in about[c.code]
        if c.examples:
            assert "Beispiele:" in about[c.code]


def test_a_coder_adds_a_code_while_reading_and_codes_with_it__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.store.coding import codebook_of, current_version

    wave = _coded_wave(web, sites=("mk", "rs", "bm"))
    from klappt.web.models import Role

    c = web.client(web.user(Role.ANALYST, name="analyse1"))  # analysts code too
    first = c.get(_url(web, wave) + "?n=2").content.decode()
    assert 'action="' + _url(web, wave, "codes/") + '"' in first
    answer = _unit(first)
    before = current_version(wave, QUESTION)
    r = c.post(
        _url(web, wave, "codes/"),
        {
            "label": "Sprache & Kultur",
            "description": "Deutschkurse, Dolmetschen",
            "examples": "Deutschkurs\n\n Dolmetscher \n",
            "back": "screen",
            "n": "2",
        },
        follow=True,
    )
    page = r.content.decode()
    assert r.redirect_chain[-1][0].endswith("?n=2") and _unit(page) == answer  # same part
    assert "Code „Sprache &amp; Kultur“ (sprache_kultur) hinzugefügt: Codebuch Version 2." in page
    after = current_version(wave, QUESTION)
    assert after.number == before.number + 1 and after.created_by == "analyse1"
    added = codebook_of(after).code("sprache_kultur")
    assert added is not None and added.examples == ("Deutschkurs", "Dolmetscher")
    assert codebook_of(after).names[:-1] == codebook_of(before).names  # appended, rest kept
    assert _about(page)["sprache_kultur"].startswith("Deutschkurse, Dolmetschen")
    # the new code is given like any other
    r = c.post(
        _url(web, wave), {"ajax": "1", "answer": answer, "action": "set", "code": "sprache_kultur"}
    )
    assert r.status_code == 200 and 'value="sprache_kultur"' in r.json()["html"]

    # mistakes: one message each, nothing stored
    for fields, message in (
        ({"label": "  "}, "Bitte geben Sie dem neuen Code eine Bezeichnung."),
        (
            {"label": "X", "code": "sprache_kultur"},
            "Das Codebuch hat den Code „sprache_kultur“ schon.",
        ),
        ({"label": "X", "code": "mit leerzeichen"}, "„mit leerzeichen“ taugt nicht als Codename"),
    ):
        r = c.post(_url(web, wave, "codes/"), {**fields, "back": "screen"}, follow=True)
        assert message in htmllib.unescape(r.content.decode()), fields
    assert current_version(wave, QUESTION).number == after.number


def test_a_code_book_is_started_in_the_browser_and_english_speaks_english__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.store.coding import codebook_of, current_version

    wave = _coded_wave(web, sites=("mk",), codebook=False)
    c = web.coordinator()
    overview = f"/p/{web.program.slug}/w/{wave.pk}/coding/"
    page = c.get(overview).content.decode()
    assert page.count("Codebuch hier beginnen") == 8  # every text question without a code book
    assert c.get(_url(web, wave)).status_code == 404  # no code book, no screen yet
    r = c.post(
        _url(web, wave, "codes/"),
        {"label": "Fachkräfte", "code": "staff", "back": "overview"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert r.redirect_chain[-1][0].endswith(f"/coding/{QUESTION}/")  # straight to coding
    v = current_version(wave, QUESTION)
    assert v is not None and v.number == 1 and codebook_of(v).names == ("staff",)
    assert 'value="staff"' in r.content.decode()
    assert c.get(overview).content.decode().count("Codebuch hier beginnen") == 7

    c.post("/i18n/setlang/", {"language": "en", "next": overview})
    page = c.get(_url(web, wave)).content.decode()
    assert "Add a code" in page and "Code hinzufügen" not in page
