"""The coding screen and its pages: every view, every permission, keystrokes, several coders,
suggestions accepted only by a person, review by code, agreement and resolving.

Every test runs on SQLite and on PostgreSQL (see conftest.py). The wave: six sites of the
reference pack submit their Arbeitshilfe online; the reference code book of
``notwendigkeit_text`` is stored with the wave.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

QUESTION = "notwendigkeit_text"
#: sites of the reference pack whose notwendigkeit_text is not empty
SITES = ("mk", "rs", "bm", "vie", "ob", "bor")
PAGES = [
    ("/p/{slug}/w/{wave}/coding/", "get"),
    ("/p/{slug}/w/{wave}/coding/{q}/", "get"),
    ("/p/{slug}/w/{wave}/coding/{q}/?partial=1", "get"),
    ("/p/{slug}/w/{wave}/coding/{q}/review/", "get"),
    ("/p/{slug}/w/{wave}/coding/{q}/agreement/", "get"),
    ("/p/{slug}/w/{wave}/coding/{q}/suggest/", "post"),
    ("/p/{slug}/w/{wave}/coding/{q}/codes/", "post"),
    ("/p/{slug}/w/{wave}/codebooks/", "post"),
]


def _coded_wave(web: Any, sites: tuple[str, ...] = SITES, codebook: bool = True) -> Any:
    """The reference register, an open 2022 wave, returns of ``sites``, the code book stored."""
    from klappt.coding import read_codebook
    from klappt.reference import reference_path
    from klappt.store.coding import save_codebook
    from klappt.web import instruments

    wave = web.setup()
    sender = web.coordinator()  # the sites' links need no login; any client will do
    for site in sites:
        r = web.submit_reference(sender, wave, site)
        assert r.status_code == 302, r.content[:500]
    wave.refresh_from_db()
    if codebook:
        book = read_codebook(reference_path(f"codebook_{QUESTION}.yaml"))
        save_codebook(wave, book, instruments.instrument(wave), by="koordination")
    return wave


def _url(web: Any, wave: Any, tail: str = "") -> str:
    return f"/p/{web.program.slug}/w/{wave.pk}/coding/{QUESTION}/{tail}"


def _unit(html: str) -> str:
    m = re.search(r'id="unit" data-answer="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _press(client: Any, web: Any, wave: Any, answer: str, **fields: str) -> dict[str, Any]:
    r = client.post(_url(web, wave), {"ajax": "1", "answer": answer, **fields})
    assert r.status_code == 200, r.content[:500]
    return json.loads(r.content)


def _mine(wave: Any, coder: str) -> set[tuple[str, str, bool]]:
    from klappt.store.coding_models import AnswerCoding

    return {
        (f"{r.return_id}#{r.segment}", r.code, r.suggested)
        for r in AnswerCoding.objects.filter(wave=wave, coder=coder, final=False)
    }


# --- access --------------------------------------------------------------------------------


def test_coding_pages_need_a_login_and_a_role_in_the_program__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Program
    from klappt.web.models import Role

    wave = _coded_wave(web, sites=("mk",))
    anonymous = web.client()
    stranger = web.client(web.user(role=None))
    other = Program.objects.create(name="Anderes", slug="anderes")
    elsewhere = web.client(web.user(Role.COORDINATOR, program=other))
    coordinator = web.coordinator()
    analyst = web.analyst()
    for template, method in PAGES:
        url = template.format(slug=web.program.slug, wave=wave.pk, q=QUESTION)
        r = getattr(anonymous, method)(url)
        assert r.status_code == 302 and "/login/" in r["Location"], template
        assert getattr(stranger, method)(url).status_code == 403, template
        assert getattr(elsewhere, method)(url).status_code == 403, template
        for client in (coordinator, analyst):  # both may code
            r = getattr(client, method)(url)
            assert r.status_code in (200, 302), (template, r.status_code)


def test_unknown_or_non_text_question_and_unknown_answer__error(web: Any, web_backend: str) -> None:
    wave = _coded_wave(web, sites=("mk",))
    c = web.coordinator()
    base = f"/p/{web.program.slug}/w/{wave.pk}/coding/"
    assert c.get(base + "gibtsnicht/").status_code == 404
    assert c.get(base + "lebenswelt/").status_code == 404  # a select_one
    assert c.get(base + "mehrwert_text/").status_code == 404  # text, but no code book yet
    assert c.get(f"/p/{web.program.slug}/w/99999/coding/").status_code == 404
    r = c.post(_url(web, wave), {"ajax": "1", "answer": "zz#9", "action": "set", "code": "x"})
    assert r.status_code == 404


# --- overview and code book ------------------------------------------------------------------


def test_overview_lists_text_questions_and_stores_codebook_versions__ok(
    web: Any, web_backend: str, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.reference import reference_path
    from klappt.store.coding_models import CodebookVersion

    wave = _coded_wave(web, sites=("mk", "rs"), codebook=False)
    c = web.coordinator()
    page = c.get(f"/p/{web.program.slug}/w/{wave.pk}/coding/").content.decode()
    rows = re.findall(r'<tr>\n<th scope="row">(.*?)</tr>', page, flags=re.S)
    assert len(rows) == 8  # the Arbeitshilfe's text questions
    assert all("Noch kein Codebuch." in r for r in rows)

    text = reference_path(f"codebook_{QUESTION}.yaml").read_bytes()
    url = f"/p/{web.program.slug}/w/{wave.pk}/codebooks/"
    r = c.post(url, {"codebook": SimpleUploadedFile("codebuch.yaml", text)}, follow=True)
    html = r.content.decode()
    assert f"Codebuch von {QUESTION} als Version 1 gespeichert" in html
    row = next(
        x
        for x in re.findall(r'<tr>\n<th scope="row">(.*?)</tr>', html, flags=re.S)
        if QUESTION in x
    )
    assert "Codebuch Version 1 mit 5 Codes" in row and f"/coding/{QUESTION}/" in row
    r = c.post(url, {"codebook": SimpleUploadedFile("codebuch.yaml", text)}, follow=True)
    assert f"Codebuch von {QUESTION} unverändert (Version 1)" in r.content.decode()
    changed = text.replace(b"Beratungs- und Begleitungsstrukturen", b"Beratung und Begleitung")
    r = c.post(url, {"codebook": SimpleUploadedFile("neu.yaml", changed)}, follow=True)
    assert "als Version 2 gespeichert" in r.content.decode()
    assert list(
        CodebookVersion.objects.filter(wave=wave).values_list("number", "source", "created_by")
    )[1][:2] == (2, "neu.yaml")

    # mistakes: one message naming the file (never the temporary copy), nothing stored
    broken = b"question: notwendigkeit_text\ncodes:\n- code: a\n- code: a\n"
    r = c.post(url, {"codebook": SimpleUploadedFile("doppelt.yaml", broken)}, follow=True)
    html = r.content.decode()
    assert "Codebuch doppelt.yaml, Zeile 4: der Code &#x27;a&#x27; kommt doppelt vor" in html
    assert "/tmp/" not in html
    other = text.replace(b"question: notwendigkeit_text", b"question: lebenswelt")
    r = c.post(url, {"codebook": SimpleUploadedFile("falsch.yaml", other)}, follow=True)
    assert "Die Frage &#x27;lebenswelt&#x27; ist keine Textfrage" in r.content.decode()
    r = c.post(url, {"codebook": SimpleUploadedFile("codes.txt", text)}, follow=True)
    assert "YAML- oder Excel-Datei" in r.content.decode()
    r = c.post(url, {}, follow=True)
    assert "Bitte wählen Sie eine Codebuch-Datei" in r.content.decode()
    assert CodebookVersion.objects.filter(wave=wave).count() == 2


# --- the screen --------------------------------------------------------------------------------


def test_screen_shows_one_part_with_site_question_and_the_whole_answer__ok(
    web: Any, web_backend: str
) -> None:
    wave = _coded_wave(web, sites=("mk",))
    c = web.analyst()
    html = c.get(_url(web, wave)).content.decode()
    assert _unit(html) == "mk#1"
    assert "Antwortteil 1 von 2" in html
    assert "Märkischer Kreis" in html  # the site's name from the register
    assert "Welche besonderen Strukturen" in html or "notwendig" in html  # the question's label
    assert "Begleitung zu Behörden und Beratungsstellen" in html
    assert "Zusammenarbeit im Bündnis verstetigen" in html  # the other part of the answer
    assert '<kbd aria-hidden="true">1</kbd> Beratungs- und Begleitungsstrukturen' in html
    assert 'data-key="0"' in html
    assert 'src="/static/klappt_web/coding.js"' in html
    assert "<script>" not in html  # no inline script under the CSP
    part2 = c.get(_url(web, wave) + "?n=2").content.decode()
    assert _unit(part2) == "mk#2"
    assert 'aria-current="true" class="current">Zusammenarbeit im Bündnis verstetigen' in part2


def test_keystrokes_without_a_page_load_and_the_plain_form__ok(web: Any, web_backend: str) -> None:
    wave = _coded_wave(web, sites=("mk", "rs"))
    c = web.client(web.user(name="anna"))
    data = _press(c, web, wave, "mk#1", action="set", code="beratung", on="1")
    assert data["announce"] == "Beratungs- und Begleitungsstrukturen gesetzt"
    assert 'value="beratung" id="code-1" data-key="1" checked' in data["html"]
    assert data["progress"] == "1 von 4 Antwortteilen von Ihnen codiert"
    _press(c, web, wave, "mk#1", action="set", code="kooperation", on="1")
    _press(c, web, wave, "mk#1", action="set", code="beratung", on="0")
    assert _mine(wave, "anna") == {("mk#1", "kooperation", False)}
    data = _press(c, web, wave, "mk#1", action="none", on="1")
    assert data["announce"] == "Kein Code zutreffend"
    assert _mine(wave, "anna") == {("mk#1", "", False)}
    r = c.post(
        _url(web, wave), {"ajax": "1", "answer": "mk#1", "action": "set", "code": "x", "on": "1"}
    )
    assert r.status_code == 400 and "unbekannter Code 'x'" in json.loads(r.content)["error"]
    nxt = json.loads(c.get(_url(web, wave) + "?partial=1&n=2").content)
    # parts in register order: Remscheid (rs) before the Märkischer Kreis (mk)
    assert (nxt["n"], _unit(nxt["html"]), nxt["announce"]) == (2, "rs#2", "Antwortteil 2 von 4")

    # without JavaScript: tick boxes, "Save and next"
    r = c.post(
        _url(web, wave),
        {"answer": "mk#2", "n": "2", "code": ["kooperation", "angebote"], "action": "save"},
    )
    assert r.status_code == 302 and r["Location"].endswith("?n=4")  # mk#2 is the last part
    assert {(a, code) for a, code, _s in _mine(wave, "anna")} == {
        ("mk#1", ""),
        ("mk#2", "kooperation"),
        ("mk#2", "angebote"),
    }
    # the next open part when coming back
    assert _unit(c.get(_url(web, wave)).content.decode()) == "rs#1"
    # coded_at and coder recorded
    from klappt.store.coding_models import AnswerCoding

    row = AnswerCoding.objects.get(coder="anna", return_id="mk", segment=2, code="angebote")
    assert row.coded_at is not None and row.codebook.number == 1 and not row.final


def test_several_coders_code_independently__ok(web: Any, web_backend: str) -> None:
    wave = _coded_wave(web, sites=("mk",))
    anna = web.client(web.user(name="anna"))
    ben = web.client(web.user(name="ben"))
    _press(anna, web, wave, "mk#1", action="set", code="beratung", on="1")
    html = ben.get(_url(web, wave) + "?n=1").content.decode()
    assert (
        'value="beratung" id="code-1" data-key="1" aria-describedby="code-1-about">' in html
    )  # not ticked for ben
    _press(ben, web, wave, "mk#1", action="set", code="angebote", on="1")
    assert _mine(wave, "anna") == {("mk#1", "beratung", False)}
    assert _mine(wave, "ben") == {("mk#1", "angebote", False)}


def test_suggestions_are_shown_with_confidence_and_count_only_when_accepted__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.formatting import fmt_percent
    from klappt.store.coding_models import AnswerCoding, CodeSuggestion

    wave = _coded_wave(web, sites=("mk", "rs"))
    c = web.client(web.user(name="anna"))
    r = c.post(_url(web, wave, "suggest/"), follow=True)
    assert "Vorschläge für 4 Antwortteile berechnet" in r.content.decode()
    assert not AnswerCoding.objects.exists()  # never applied by themselves
    top = CodeSuggestion.objects.get(return_id="mk", segment=1, rank=1)
    assert top.code == "beratung"  # the code book's example, word for word
    html = c.get(_url(web, wave) + "?answer=mk%231").content.decode()
    assert "Übernehmen: Beratungs- und Begleitungsstrukturen" in html
    assert f"Sicherheit {fmt_percent(top.confidence * 100, 'de', 0)}" in html

    data = _press(c, web, wave, "mk#1", action="accept", code="beratung")
    assert data["announce"] == "Vorschlag Beratungs- und Begleitungsstrukturen übernommen"
    row = AnswerCoding.objects.get(coder="anna", return_id="mk", segment=1)
    assert (row.code, row.suggested, row.confidence) == ("beratung", True, top.confidence)
    assert "übernommener Vorschlag" in data["html"]
    # rejecting: gone for this coder, nothing stored as a code
    second = CodeSuggestion.objects.filter(return_id="mk", segment=2).order_by("rank").first()
    data = _press(c, web, wave, "mk#2", action="reject", code=second.code)
    assert f'data-accept="{second.code}"' not in data["html"]
    assert not AnswerCoding.objects.filter(return_id="mk", segment=2).exists()
    # accepting something never suggested is refused
    r = c.post(
        _url(web, wave), {"ajax": "1", "answer": "rs#1", "action": "accept", "code": "flankierend"}
    )
    assert r.status_code == 404
    # the plain form: the ticked "accept" box records an accepted suggestion too
    rs_top = CodeSuggestion.objects.get(return_id="rs", segment=1, rank=1)
    c.post(_url(web, wave), {"answer": "rs#1", "accept": [rs_top.code], "action": "save"})
    row = AnswerCoding.objects.get(coder="anna", return_id="rs", segment=1)
    assert (row.code, row.suggested) == (rs_top.code, True)
    # the plain form's reject button: the ticked boxes are saved, the suggestion is gone for anna
    from klappt.store.coding_models import SuggestionRejection

    rs2 = CodeSuggestion.objects.filter(return_id="rs", segment=2).order_by("rank").first()
    r = c.post(_url(web, wave), {"answer": "rs#2", "code": ["flankierend"], "reject": rs2.code})
    assert r.status_code == 302 and r["Location"].endswith("?n=2")  # the same part again
    assert _mine(wave, "anna") >= {("rs#2", "flankierend", False)}
    assert SuggestionRejection.objects.filter(coder="anna", return_id="rs", code=rs2.code).exists()


def test_review_by_code_lists_every_part_with_its_coder__ok(web: Any, web_backend: str) -> None:
    wave = _coded_wave(web, sites=("mk", "rs"))
    anna = web.client(web.user(name="anna"))
    ben = web.client(web.user(name="ben"))
    _press(anna, web, wave, "mk#1", action="set", code="beratung", on="1")
    _press(ben, web, wave, "mk#1", action="set", code="beratung", on="1")
    _press(anna, web, wave, "rs#1", action="set", code="beratung", on="1")
    _press(anna, web, wave, "rs#2", action="set", code="zugaenge", on="1")
    html = anna.get(_url(web, wave, "review/") + "?code=beratung").content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, flags=re.S)
    assert len(rows) == 3
    assert (
        sum("<td>anna</td>" in r for r in rows) == 2 and sum("<td>ben</td>" in r for r in rows) == 1
    )
    assert "Beratungs- und Begleitungsstrukturen (2)" in html  # parts with the code
    assert "Zugänge (1)" in html
    assert "zugaenge" not in "".join(rows)
    assert anna.get(_url(web, wave, "review/") + "?code=gibtsnicht").status_code == 404


def test_agreement_page_figures_disagreements_and_resolving__ok(web: Any, web_backend: str) -> None:
    from klappt.coding import agreement, read_codebook
    from klappt.formatting import fmt_number
    from klappt.reference import reference_path
    from klappt.store.coding import coded_responses, responses_from_records, stored_codings
    from klappt.store.coding_models import AnswerCoding
    from klappt.web import instruments

    wave = _coded_wave(web, sites=("mk", "rs"))
    anna = web.client(web.user(name="anna"))
    ben = web.client(web.user(name="ben"))
    for client, codes in (
        (anna, ("beratung", "kooperation", "angebote", "zugaenge")),
        (ben, ("beratung", "kooperation", "angebote", "angebote")),
    ):
        for answer, code in zip(("mk#1", "mk#2", "rs#1", "rs#2"), codes, strict=True):
            _press(client, web, wave, answer, action="set", code=code, on="1")
    book = read_codebook(reference_path(f"codebook_{QUESTION}.yaml"))
    expected = agreement(stored_codings(wave, QUESTION), codes=book.names)
    html = anna.get(_url(web, wave, "agreement/")).content.decode()
    assert f'<dd id="agreement-alpha">{fmt_number(expected.alpha, "de", 3)}</dd>' in html
    assert '<dd id="agreement-n">4</dd>' in html
    zug = next(c for c in expected.codes if c.code == "zugaenge")
    assert f'<td class="num">{fmt_number(zug.kappa, "de", 3)}</td>' in html
    assert html.count('class="panel disagreement"') == 1
    assert "Zugang zu Ausbildung und Arbeit erleichtern" in html

    r = anna.post(
        _url(web, wave, "agreement/"), {"answer": "rs#2", "code": ["zugaenge"]}, follow=True
    )
    assert "endgültig" in r.content.decode()
    final = AnswerCoding.objects.get(final=True)
    assert (final.coder, final.return_id, final.segment, final.code) == (
        "anna",
        "rs",
        2,
        "zugaenge",
    )
    html = anna.get(_url(web, wave, "agreement/")).content.decode()
    assert "Keine offenen Abweichungen." in html
    rs = responses_from_records(wave, instruments.instrument(wave))
    coded = coded_responses(wave, rs)
    assert coded.summaries[QUESTION].unresolved == 0
    assert coded.summaries[QUESTION].coded == 4


def test_free_text_is_inert_on_every_coding_page__ok(web: Any, web_backend: str) -> None:
    from reference_data import post_data

    from klappt.store.coding import refresh_suggestions, responses_from_records
    from klappt.web import instruments

    wave = _coded_wave(web, sites=())
    answers = web.answers_of("mk")
    answers[QUESTION] = '<script>alert("x")</script>\n<img src=x onerror=alert(1)>'
    sender = web.coordinator()
    r = web.post(sender, wave, post_data(answers, web.multiple(wave)), action="submit", site="mk")
    assert r.status_code == 302
    wave.refresh_from_db()
    refresh_suggestions(wave, QUESTION, responses_from_records(wave, instruments.instrument(wave)))
    c = web.client(web.user(name="anna"))
    _press(c, web, wave, "mk#1", action="set", code="beratung", on="1")
    _press(
        web.client(web.user(name="ben")), web, wave, "mk#1", action="set", code="angebote", on="1"
    )
    for tail in ("", "?partial=1&n=1", "review/?code=beratung", "agreement/"):
        html = c.get(
            _url(web, wave, tail) if not tail.startswith("?") else _url(web, wave) + tail
        ).content.decode()
        if tail.startswith("?"):
            html = json.loads(html)["html"]
        assert "<script>alert" not in html and "<img src=x" not in html, tail
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, tail


def test_coding_screen_in_english__ok(web: Any, web_backend: str) -> None:
    from django.conf import settings

    wave = _coded_wave(web, sites=("mk",))
    c = web.coordinator()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(_url(web, wave)).content.decode()
    assert "Answer part 1 of 2" in html and "no code applies" in html
    assert "Counselling and support structures" in html  # the code book's English labels
    assert "Keyboard shortcuts" in html


def test_a_keystroke_without_csrf_token_is_refused__error(web: Any, web_backend: str) -> None:
    wave = _coded_wave(web, sites=("mk",))
    c = web.client(web.user(name="anna"), enforce_csrf_checks=True)
    r = c.post(
        _url(web, wave),
        {"ajax": "1", "answer": "mk#1", "action": "set", "code": "beratung", "on": "1"},
    )
    assert r.status_code == 403
    assert _mine(wave, "anna") == set()


def test_results_and_deck_of_the_web_count_the_stored_codes__ok(web: Any, web_backend: str) -> None:
    import io

    from pptx import Presentation

    # three returns: fewer than the minimum cell size would give a deck without any figure
    wave = _coded_wave(web, sites=("mk", "rs", "bm"))
    c = web.client(web.user(name="anna"))
    for answer, code in (
        ("mk#1", "beratung"),
        ("mk#2", "kooperation"),
        ("rs#1", "angebote"),
        ("rs#2", "zugaenge"),
    ):
        _press(c, web, wave, answer, action="set", code=code, on="1")
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/results/").content.decode()
    assert f'id="t-{QUESTION}__codes"' in html
    deck = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    texts = [
        sh.text_frame.text
        for s in Presentation(io.BytesIO(deck.content)).slides
        for sh in s.shapes
        if sh.has_text_frame
    ]
    # the deck charts the stored codes
    charts = [sh.name for s in Presentation(io.BytesIO(deck.content)).slides for sh in s.shapes]
    assert f"Chart {QUESTION}__codes" in charts, charts
    note = "Codierte Freitexte: 4 Codes, davon 0 aus angenommenen Vorschlägen"
    # issue 15, defect 10: the coding's method note belongs in the workbook (the method record),
    # not on a slide nor in the published HTML
    assert not any(note in t for t in texts)
    report = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html").content.decode()
    assert note not in report


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_coding_string_is_translated__ok(lang: str) -> None:
    """Strings of the coding templates and views are in both catalogues (runs outside Django)."""
    import gettext
    from pathlib import Path

    web_dir = Path(__file__).resolve().parents[2] / "src" / "klappt" / "web"
    sources = sorted((web_dir / "templates" / "klappt_web").glob("*coding*.html"))
    sources += [web_dir / "views" / "coding.py"]
    msgids: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for msgid, context in re.findall(
            r'\{% translate "([^"]+)"(?: context "([^"]+)")? %\}', text
        ):
            msgids.add(f"{context}\x04{msgid}" if context else msgid)
        msgids |= set(re.findall(r"\{% translate '([^']+)' %\}", text))
        msgids |= set(re.findall(r'(?<![\w.])_\(\s*"([^"]+)"', text))
        blocks = re.findall(
            r"\{% blocktranslate(?: [^%]*)? %\}(.*?)\{% endblocktranslate %\}", text, flags=re.S
        )
        for block in blocks:
            singular = block.split("{% plural %}")[0]
            msgids.add(re.sub(r"\{\{ (\w+) \}\}", r"%(\1)s", singular))
    assert len(msgids) > 60
    with (web_dir / "locale" / lang / "LC_MESSAGES" / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    if lang == "de":
        catalog = {k if isinstance(k, str) else k[0] for k in mo._catalog}
        missing = sorted(m for m in msgids if m not in catalog)
    else:  # English is the source language: every msgstr stays empty, the msgid must be there
        po = (web_dir / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        missing = sorted(m for m in msgids if f'msgid "{m.split(chr(4))[-1]}"' not in po)
    assert not missing, missing
