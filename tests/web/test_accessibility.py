"""The accessibility scan (issue 17): axe-core in Debian's Chromium over every page of the form
and of the coordinator, in German (and the site's pages in English too), with 0 violations.

axe-core comes from npm: ``./run test`` installs it into ``.cache/axe`` (``npm install --prefix
.cache/axe axe-core@4.14.1``; ``KLAPPT_AXE`` names another ``axe.min.js``). It is injected through
the DevTools protocol, so the pages' Content-Security-Policy (scripts from 'self' only) stays as
it is served. Without npm's copy the test is skipped with that reason, as browser tests are
without Chromium.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from every_page import pages, seed

REPO = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("KLAPPT_AXE") or REPO / ".cache/axe/node_modules/axe-core/axe.min.js")
#: the rules of WCAG 2.1 A and AA and axe's best practices, as the hand scans of issue 17 used
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SCAN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


def _scan(page: Any, url: str) -> list[dict[str, Any]]:
    response = page.goto(url)
    assert response is not None and response.status in (200, 404), (url, response)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(page.evaluate(SCAN, TAGS))


@pytest.mark.web_live
def test_every_page_passes_the_axe_scan__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    if not AXE.is_file():
        pytest.skip(f"axe-core not installed at {AXE} (./run test installs it with npm)")
    from web_helpers import PASSWORD

    from klappt.web.models import Role

    wave = seed(web)
    web.user(Role.COORDINATOR, program=None, name="koordination")
    found: dict[str, list[dict[str, Any]]] = {}
    # the scan finds what it should: an image without a text, a field without a label
    probe = browser.new_page()
    probe.set_content('<html lang="de"><body><main><img src="x.png"><input></main></body></html>')
    probe.evaluate(AXE.read_text(encoding="utf-8"))
    assert {"image-alt", "label"} <= {v["id"] for v in probe.evaluate(SCAN, TAGS)}
    probe.close()
    for lang, who_scanned in (("de", ("coordinator", "site")), ("en", ("site",))):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=f"{lang}-DE")
        ctx.add_cookies([{"name": "klappt_lang", "value": lang, "url": live.url}])
        page = ctx.new_page()
        page.goto(live.url + "/login/")
        page.fill("#id_username", "koordination")
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit], form input[type=submit]").first.click()
        page.wait_for_load_state()
        assert "/login/" not in page.url, "not signed in"
        scanned = [(who, url) for who, url in pages(web, wave) if who in who_scanned]
        # the form with its messages: a submit with a required answer missing
        scanned.append(("site", f"/r/{web.token('kr')}/{wave.pk}/review/"))
        for _who, url in scanned:
            violations = _scan(page, live.url + url)
            assert "/login/" not in page.url or url == "/login/", url
            if violations:
                found[f"{lang} {url}"] = violations
        ctx.close()
    assert not found, "\n".join(f"{url}: {v}" for url, v in found.items())
