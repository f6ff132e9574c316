"""The one table of who may use which URL of the web app, and how (HTTP methods).

Every URL pattern (its ``view_name``, e.g. ``klappt_web:dashboard``) has exactly one row here;
``tests/web/test_permissions.py`` fails for a URL without a row and for a row without a URL, and
requests every URL as every kind of visitor to check that the answer is the row's.

:class:`PermissionMiddleware` applies a row before the view runs: a method not in the row → 405,
not signed in where a sign-in is needed → the login page, no right to create programs → 403.
The program roles (``read``: analysts and coordinators of the program; ``coordinate``:
coordinators only) are checked by :func:`klappt.web.access.program_view`, which reads the row's
need from here, because it needs the program named in the URL (unknown → 404 before 403).
A site link (``/r/<token>/``) is its own credential: the view checks the token (and counts
failed guesses), so the table only fixes its methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: anyone, signed in or not (the login page, the language switch)
PUBLIC = "public"
#: a site's link in the URL; the link is checked by the view
SITE_LINK = "site_link"
#: any signed-in user
SIGNED_IN = "signed_in"
#: a user who may create programs (a coordinator of every program, or a superuser)
CREATE = "create"
#: an analyst or coordinator of the program in the URL
READ = "read"
#: a coordinator of the program in the URL
COORDINATE = "coordinate"

WHO = (PUBLIC, SITE_LINK, SIGNED_IN, CREATE, READ, COORDINATE)

PAGE = frozenset({"GET", "HEAD", "POST"})  # a page with a form posting to itself
SHOW = frozenset({"GET", "HEAD"})  # read only: a page or a download
ACT = frozenset({"POST"})  # an action behind a button


@dataclass(frozen=True)
class Rule:
    who: str
    methods: frozenset[str]


TABLE: dict[str, Rule] = {
    # Django's language switch (``/i18n/setlang/``)
    "set_language": Rule(PUBLIC, PAGE),
    "klappt_web:login": Rule(PUBLIC, PAGE),
    "klappt_web:logout": Rule(PUBLIC, ACT),
    "klappt_web:home": Rule(SIGNED_IN, PAGE),
    # passwords (issue 16): one's own; another's by an administrator (may create programs)
    "klappt_web:password_change": Rule(SIGNED_IN, PAGE),
    "klappt_web:password_reset_other": Rule(CREATE, PAGE),
    "klappt_web:program_new": Rule(CREATE, PAGE),
    "klappt_web:program": Rule(READ, SHOW),
    # the register and the sites' links
    "klappt_web:sites": Rule(COORDINATE, PAGE),
    "klappt_web:register_upload": Rule(COORDINATE, PAGE),
    "klappt_web:links_csv": Rule(COORDINATE, SHOW),
    "klappt_web:links_issue_all": Rule(COORDINATE, ACT),
    "klappt_web:site_edit": Rule(COORDINATE, PAGE),
    "klappt_web:site_reissue": Rule(COORDINATE, ACT),
    "klappt_web:site_revoke": Rule(COORDINATE, ACT),
    "klappt_web:site_expiry": Rule(COORDINATE, ACT),
    "klappt_web:members": Rule(COORDINATE, PAGE),
    # waves
    "klappt_web:wave_new": Rule(COORDINATE, PAGE),
    "klappt_web:wave_settings": Rule(COORDINATE, PAGE),
    "klappt_web:wave_open": Rule(COORDINATE, ACT),
    "klappt_web:wave_close": Rule(COORDINATE, ACT),
    "klappt_web:dashboard": Rule(READ, SHOW),
    "klappt_web:preview": Rule(READ, SHOW),
    "klappt_web:reminders_csv": Rule(COORDINATE, SHOW),
    # e-mail to the sites
    "klappt_web:mail_templates": Rule(COORDINATE, PAGE),
    "klappt_web:wave_mail": Rule(COORDINATE, PAGE),
    # results and data
    "klappt_web:data_csv": Rule(READ, SHOW),
    "klappt_web:data_xlsx": Rule(READ, SHOW),
    "klappt_web:repeat_csv": Rule(READ, SHOW),
    "klappt_web:results": Rule(READ, SHOW),
    "klappt_web:trends": Rule(READ, SHOW),
    "klappt_web:trends_mapping": Rule(READ, SHOW),
    "klappt_web:trends_mapping_upload": Rule(COORDINATE, ACT),
    "klappt_web:report": Rule(READ, SHOW),
    "klappt_web:site_return": Rule(READ, SHOW),
    # the coordinator manages the returns (issue 16)
    "klappt_web:return_history": Rule(READ, SHOW),
    "klappt_web:return_correct": Rule(COORDINATE, PAGE),
    "klappt_web:return_reopen": Rule(COORDINATE, ACT),
    "klappt_web:replace_form": Rule(COORDINATE, PAGE),
    "klappt_web:wave_recipe": Rule(COORDINATE, PAGE),
    # issue 18: releasing the site reports, and all of them as a ZIP
    "klappt_web:site_reports_release": Rule(COORDINATE, ACT),
    "klappt_web:site_reports_zip": Rule(COORDINATE, SHOW),
    # coding open answers: analysts code too
    "klappt_web:coding": Rule(READ, SHOW),
    "klappt_web:coding_codebook": Rule(READ, ACT),
    "klappt_web:coding_screen": Rule(READ, PAGE),
    "klappt_web:coding_suggest": Rule(READ, ACT),
    "klappt_web:coding_add_code": Rule(READ, ACT),
    "klappt_web:coding_review": Rule(READ, SHOW),
    "klappt_web:coding_agreement": Rule(READ, PAGE),
    # the sites' links
    # the link shows the form itself when one wave is open, and the form posts back to it
    "klappt_web:respond": Rule(SITE_LINK, PAGE),
    "klappt_web:respond_wave": Rule(SITE_LINK, frozenset({"GET", "POST"})),
    "klappt_web:respond_summary": Rule(SITE_LINK, SHOW),
    # issue 17: autosave (JSON) and the review before submitting
    # (a GET of the autosave address goes to the form: an unknown link is not found there too)
    "klappt_web:respond_autosave": Rule(SITE_LINK, frozenset({"GET", "POST"})),
    "klappt_web:respond_review": Rule(SITE_LINK, SHOW),
    # issue 18: the link's own site report (the site comes from the token, never the URL)
    "klappt_web:respond_site_report": Rule(SITE_LINK, SHOW),
}


def rule_of(request: Any) -> Rule | None:
    """The row of the URL the request resolved to (None: not resolved, or no row)."""
    match = getattr(request, "resolver_match", None)
    return None if match is None else TABLE.get(match.view_name)


class PermissionMiddleware:
    """Apply the table before any view: methods, sign-in, the right to create programs.

    A resolved URL without a row is refused (403): a new screen is closed until it has one.
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_view(self, request: Any, view: Any, args: Any, kwargs: Any) -> Any:
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseNotAllowed
        from django.utils.cache import add_never_cache_headers

        from klappt.web import access

        rule = rule_of(request)
        if rule is None:
            raise PermissionDenied
        if request.method not in rule.methods:
            response = HttpResponseNotAllowed(sorted(rule.methods))
            add_never_cache_headers(response)
            return response
        if rule.who in (PUBLIC, SITE_LINK):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if rule.who == CREATE and not access.may_create_programs(request.user):
            raise PermissionDenied
        return None
