"""The respondent's first visit: the browser's language picks the form's language.

Everywhere else German stays the default unless the user chose English (the language cookie;
an English office browser in a German program still gets German). A site opening its link for
the first time (no cookie yet) gets the first language of its browser's ``Accept-Language``
that both the web app and the site's form speak; the choice is kept in the cookie, and the
language switch on the page changes it as before. A form in German only stays German, so a
screen never mixes an English frame with German questions.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.translation import trans_real

#: /r/<token>/ and /r/<token>/<wave>/… (the site's pages)
_SITE_PAGE = re.compile(r"^/r/(?P<token>[^/]+)/(?:(?P<wave>\d+)/)?")


def first_visit_language(request: Any) -> str | None:
    """The browser's language for a site page on a first visit, when the form has it; else None."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return None
    found = _SITE_PAGE.match(request.path_info or "")
    header = request.headers.get("Accept-Language", "")
    if found is None or not header:
        return None
    ours = {code for code, _name in settings.LANGUAGES}
    wanted = []
    for code, _q in trans_real.parse_accept_lang_header(header)[:8]:  # bounded: a long header
        base = code.split("-")[0].lower()
        if base in ours and base not in wanted:
            wanted.append(base)
    if not wanted or wanted[0] == settings.LANGUAGE_CODE:
        return None
    spoken = _form_languages(found.group("token"), found.group("wave"))
    return next((code for code in wanted if code in spoken), None)


def _form_languages(token: str, wave_id: str | None) -> set[str]:
    """The languages of the forms this link opens (one wave, or every wave of the landing page)."""
    from klappt.store.models import Wave
    from klappt.web import instruments, links

    link = links.resolve(token)
    if link is None or link.revoked_at is not None or link.expired():
        return set()
    waves = Wave.objects.filter(program=link.site.program, opened_at__isnull=False)
    if wave_id is not None:
        waves = waves.filter(pk=int(wave_id))
    spoken: set[str] = set()
    for wave in waves[:20]:
        try:
            spoken.update(instruments.instrument(wave).language_codes)
        except Exception:  # a form that no longer reads: its page says so, in the default language
            continue
    return spoken
