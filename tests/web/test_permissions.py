"""The permission table (klappt.web.permissions.TABLE) against the URLs and the views.

Every URL pattern has a row and every row a URL; every URL requested as every kind of visitor
answers as its row says. Runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

from typing import Any

REFUSED_BY_LOGIN = "login"


def _urls(patterns: Any, namespace: str = "", params: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Every URL pattern's view name with the names of its parameters."""
    from django.urls import URLPattern, URLResolver

    found: dict[str, tuple[str, ...]] = {}
    for p in patterns:
        here = params + tuple(getattr(p.pattern, "converters", {}))
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found.update(_urls(p.url_patterns, inner, here))
        elif isinstance(p, URLPattern):
            assert p.name, f"a URL without a name cannot have a row: {p.pattern}"
            found[namespace + p.name] = here
    return found


def test_every_url_has_a_row_and_every_row_a_url__ok(web: Any, web_backend: str) -> None:
    from django.urls import get_resolver

    from klappt.web.permissions import TABLE, WHO

    urls = _urls(get_resolver().url_patterns)
    assert len(urls) > 30
    assert sorted(urls.keys() - TABLE.keys()) == [], "URLs without a row in permissions.TABLE"
    assert sorted(TABLE.keys() - urls.keys()) == [], "rows in permissions.TABLE without a URL"
    for name, rule in TABLE.items():
        assert rule.who in WHO, name
        assert rule.methods and rule.methods <= {"GET", "HEAD", "POST"}, name


IDENTITIES = ("anonymous", "site", "outsider", "analyst", "coordinator", "all_programs")
#: who each kind of row lets in; the others are sent to the login page or refused (403)
LETS_IN = {
    "public": set(IDENTITIES),
    "site_link": set(IDENTITIES),
    "signed_in": {"outsider", "analyst", "coordinator", "all_programs"},
    "create": {"all_programs"},
    "read": {"analyst", "coordinator", "all_programs"},
    "coordinate": {"coordinator", "all_programs"},
}


#: let in, the view itself finds nothing: no repeat "keine", an empty POST names no answer part
NOT_FOUND_INSIDE = {
    ("klappt_web:repeat_csv", "GET"): {"404"},
    ("klappt_web:coding_screen", "POST"): {"404"},
    ("klappt_web:coding_agreement", "POST"): {"404"},
    # a site report is not found before its release (and "html" is no site format)
    ("klappt_web:respond_site_report", "GET"): {"404"},
}


class _Visitors:
    """A fresh client per request: a logout or a revoked link does not leak into the next."""

    def __init__(self, web: Any) -> None:
        from klappt.store.models import Program
        from klappt.web.models import Role

        self.web = web
        other = Program.objects.create(name="Ein anderes Programm", slug="anders")
        self.users = {
            "outsider": web.user(Role.COORDINATOR, program=other),
            "analyst": web.user(Role.ANALYST),
            "coordinator": web.user(Role.COORDINATOR),
            "all_programs": web.user(Role.COORDINATOR, program=None),
        }
        self.site_url = f"/r/{web.token('mk')}/"

    def client(self, identity: str) -> Any:
        if identity == "site":  # a site that has just used its own link
            c = self.web.client()
            assert c.get(self.site_url).status_code in (200, 302)
            return c
        return self.web.client(self.users.get(identity))


def _outcome(response: Any) -> str:
    if response.status_code == 302 and response["Location"].startswith("/login/?next="):
        return REFUSED_BY_LOGIN
    return str(response.status_code)


def test_every_url_answers_every_visitor_as_its_row_says__ok(web: Any, web_backend: str) -> None:
    from django.test import override_settings
    from django.urls import get_resolver, reverse
    from test_coding_views import _coded_wave

    from klappt.web.permissions import SITE_LINK, TABLE

    wave = _coded_wave(web)  # returns with open answers and a code book: the coding screens open
    visitors = _Visitors(web)
    values = {
        "slug": web.program.slug,
        "wave_id": wave.pk,
        "site_pk": web.site("e").pk,
        "question": "notwendigkeit_text",
        "repeat": "keine",  # the reference form has no repeat: 404 once let in
        "fmt": "html",
        "token": web.token("gt"),
        # a mapping between two waves of the program (the proposal, none is kept)
        "source_id": wave.pk,
        "target_id": web.make_wave("2023").pk,
        "ext": "yaml",
    }
    urls = _urls(get_resolver().url_patterns)
    # the sites' links first: later rows revoke and reissue links
    order = sorted(TABLE, key=lambda name: TABLE[name].who != SITE_LINK)
    wrong = []
    # the site reports' ZIP renders one report per request then (issue 18)
    with override_settings(KLAPPT_LINK_FAILURES=10_000, KLAPPT_SITE_ZIP_SECONDS=0):
        for name in order:
            rule = TABLE[name]
            url = reverse(name, kwargs={p: values[p] for p in urls[name]})
            for method in ("GET", "POST"):
                for identity in IDENTITIES:
                    r = getattr(visitors.client(identity), method.lower())(url)
                    got = _outcome(r)
                    if method not in rule.methods:
                        expected = {"405"}
                    elif identity not in LETS_IN[rule.who]:
                        expected = {
                            REFUSED_BY_LOGIN if identity in ("anonymous", "site") else "403"
                        }
                    else:
                        expected = {"200", "302", "400", "409"} | NOT_FOUND_INSIDE.get(
                            (name, method), set()
                        )
                    if got not in expected:
                        wrong.append((name, method, identity, got, sorted(expected)))
            if rule.who == SITE_LINK:  # an unknown link is not found, whoever asks
                unknown = reverse(
                    name, kwargs={**{p: values[p] for p in urls[name]}, "token": "z" * 43}
                )
                for identity in ("anonymous", "coordinator"):
                    got = _outcome(visitors.client(identity).get(unknown))
                    if got != "404":
                        wrong.append((name, "GET unknown link", identity, got, ["404"]))
    assert wrong == [], "\n".join(map(str, wrong))


def test_a_screen_without_a_row_is_closed_and_named__error(web: Any, web_backend: str) -> None:
    from django.test import override_settings
    from django.urls import get_resolver

    from klappt.web.permissions import TABLE

    with override_settings(ROOT_URLCONF="unlisted_urls"):
        assert sorted(_urls(get_resolver().url_patterns).keys() - TABLE.keys()) == ["unlisted"]
        for client in (web.client(), web.coordinator(), web.client(web.user(program=None))):
            r = client.get("/unlisted/")
            assert r.status_code == 403 and "offen für alle" not in r.content.decode()
