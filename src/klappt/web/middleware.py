"""Security headers Django 5.2 does not set itself: a strict Content Security Policy.

Every script and style comes from our own static files, so the policy allows nothing inline
(no ``unsafe-inline``), no other origin, no framing and no plug-ins. Data for the form's
script travels in a ``<script type="application/json">`` block, which is never executed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # static files leave through WhiteNoise before Django's clickjacking middleware sees them
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class UploadLimitMiddleware:
    """Refuse a request body larger than the upload limit before Django reads it (413)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.KLAPPT_MAX_UPLOAD + 256 * 1024:
            from django.utils.translation import gettext as _

            from klappt.web.views.errors import problem

            return problem(
                request,
                _("File too large"),
                _("The upload is larger than %(mb)d MB and was not read.")
                % {"mb": settings.KLAPPT_MAX_UPLOAD // (1024 * 1024)},
                413,
            )
        return self.get_response(request)


class LanguageMiddleware:
    """German unless the user chose English: the language cookie decides, not the browser's
    Accept-Language (an English office browser in a German program still gets German). Only a
    site's first visit to its form takes the browser's language, when the form has it
    (:mod:`klappt.web.browser_language`)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings
        from django.utils import translation

        from klappt.language import use_language
        from klappt.web.browser_language import first_visit_language

        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        browser = first_visit_language(request)  # a site's first visit: its browser's language
        if code not in dict(settings.LANGUAGES):
            code = browser or settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
        use_language(request.LANGUAGE_CODE)  # the core's texts (klappt.language) speak it too
        try:
            response = self.get_response(request)
        finally:
            use_language("")
        if browser:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                browser,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


#: already compressed: zipping them again costs time and saves nothing
_PACKED = (
    "application/vnd.openxmlformats",
    "application/zip",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "font/woff",
)


def _brotli() -> Any:
    try:
        import brotli  # in the lock through weasyprint
    except ImportError:  # pragma: no cover - then gzip only
        return None
    return brotli


class CompressionMiddleware:
    """Pages, CSV and static files compressed where the client accepts it: brotli when the
    client says ``br`` (and the ``brotli`` module is there), else gzip (Django's
    :class:`~django.middleware.gzip.GZipMiddleware`, with its defence against BREACH).
    Workbooks, decks and images are zip or compressed already and go out as they are."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from django.middleware.gzip import GZipMiddleware

        self.get_response = get_response
        self.gzip = GZipMiddleware(lambda request: None)
        self.brotli = _brotli()

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith(_PACKED) or response.has_header("Content-Encoding"):
            return response
        if self.brotli is not None and not response.streaming and _accepts_br(request):
            return self._brotli(response)
        return self.gzip.process_response(request, response)

    def _brotli(self, response: Any) -> Any:
        from django.utils.cache import patch_vary_headers

        patch_vary_headers(response, ("Accept-Encoding",))
        if len(response.content) < 200:
            return response
        packed = self.brotli.compress(response.content, quality=5)
        if len(packed) >= len(response.content):
            return response
        response.content = packed
        response.headers["Content-Length"] = str(len(packed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):  # as Django's gzip: the bytes differ now
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "br"
        return response


def _accepts_br(request: Any) -> bool:
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    for part in accepted.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == "br":
            q = params.replace(" ", "").lower()
            return not (q.startswith("q=0") and q.strip("q=0.") == "")
    return False
