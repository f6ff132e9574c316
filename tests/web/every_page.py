"""Every page of the web app, for the tests that look at all of them (one language per screen,
the accessibility scan): the reference program with three returns submitted and one draft, and
the coordinator's and the site's pages of it."""

from __future__ import annotations

from typing import Any

#: a free-text question of the reference form, for the coding pages
QUESTION = "mehrwert_text"
#: the sites that submitted their reference return; Krefeld ("kr") has a draft
SUBMITTED = ("gt", "e", "mk")


def seed(web: Any) -> Any:
    """The reference register and 2022 wave, three returns submitted and one draft."""
    wave = web.setup()
    sender = web.client()
    for kommune in SUBMITTED:
        assert web.submit_reference(sender, wave, kommune).status_code == 302
    draft = web.post(sender, wave, {"thm_anzahl": "2", "thm_vze": "1.5"}, site="kr")
    assert draft.status_code == 302
    return wave


def pages(web: Any, wave: Any) -> list[tuple[str, str]]:
    """("coordinator" or "site", URL) of every page: each view with a GET, the 404 page, the login."""
    slug, w, site = web.program.slug, wave.pk, web.site("gt").pk
    coordinator = [
        "/",
        "/programs/new/",
        "/account/password/",
        "/account/reset/",
        f"/p/{slug}/",
        f"/p/{slug}/sites/",
        f"/p/{slug}/sites/upload/",
        f"/p/{slug}/sites/{site}/",
        f"/p/{slug}/members/",
        f"/p/{slug}/waves/new/",
        f"/p/{slug}/mail/templates/",
        f"/p/{slug}/w/{w}/",
        f"/p/{slug}/w/{w}/?status=missing",
        f"/p/{slug}/w/{w}/mail/",
        f"/p/{slug}/w/{w}/settings/",
        f"/p/{slug}/w/{w}/preview/",
        f"/p/{slug}/w/{w}/results/",
        f"/p/{slug}/w/{w}/sites/{site}/",
        f"/p/{slug}/w/{w}/sites/{site}/history/",
        f"/p/{slug}/w/{w}/sites/{site}/correct/",
        f"/p/{slug}/w/{w}/form/",
        f"/p/{slug}/w/{w}/recipe/",
        f"/p/{slug}/w/{w}/coding/",
        f"/p/{slug}/w/{w}/coding/{QUESTION}/",
        f"/p/{slug}/w/{w}/coding/{QUESTION}/review/",
        f"/p/{slug}/w/{w}/coding/{QUESTION}/agreement/",
        f"/p/{slug}/w/{w}/nothing-here/",  # the 404 page
    ]
    token = web.token("kr")  # a site with a draft
    done = web.token("gt")  # a site that submitted
    site_pages = [
        f"/r/{token}/",
        f"/r/{token}/{w}/",
        f"/r/{token}/{w}/?step=1",
        f"/r/{token}/{w}/review/",
        f"/r/{done}/{w}/summary/",
        "/r/unknown-token-000000000000/",
        "/login/",
    ]
    return [("coordinator", u) for u in coordinator] + [("site", u) for u in site_pages]
