"""Friendly pages for refused requests (CSRF, 400/403/404/500), in the page's language."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext as _


def problem(request: Any, title: str, text: str, status: int, **extra: Any) -> Any:
    return render(
        request, "klappt_web/problem.html", {"title": title, "text": text, **extra}, status=status
    )


def csrf_failure(request: Any, reason: str = "") -> Any:
    return problem(
        request,
        _("The page was open for too long"),
        _(
            "For your security we could not accept this request. Please go back with your "
            "browser's back button: your entries are still there. Then reload the page and send "
            "it again."
        ),
        403,
    )


def bad_request(request: Any, exception: Any = None) -> Any:
    return problem(request, _("Bad request"), _("The request could not be understood."), 400)


def forbidden(request: Any, exception: Any = None) -> Any:
    return problem(request, _("Access denied"), _("You do not have access to this page."), 403)


def not_found(request: Any, exception: Any = None) -> Any:
    return problem(request, _("Page not found"), _("There is no page at this address."), 404)


def server_error(request: Any) -> Any:
    return problem(
        request,
        _("Something went wrong"),
        _("The server could not complete the request. Nothing was changed; please try again."),
        500,
    )
