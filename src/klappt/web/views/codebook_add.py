"""Adding a code while reading answers: a code book can be started and grown in the browser.

A coder who meets an answer no code fits adds a code (label, optionally a name, a description
and examples) from the coding screen; on the overview the first code of a text question starts
its code book. Each addition is stored as the next code book version, like an upload, so earlier
codings and versions stay and two coders adding at once each get their own version (the store
locks the wave row).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klappt.coding import Code, Codebook
from klappt.errors import KlapptError
from klappt.store import coding as store
from klappt.store.models import Program, Wave
from klappt.web import coding, instruments
from klappt.web.access import program_view

#: bounds of what one form may add: a code book is read by people, not a data store
MAX_LABEL = 200
MAX_DESCRIPTION = 2000
MAX_EXAMPLES = 20
MAX_EXAMPLE = 500
_VALID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _name_from(label: str, taken: tuple[str, ...]) -> str:
    """A code name from the label ("Sprache & Kultur" → ``sprache_kultur``), unique in the book."""
    base = slugify(label).replace("-", "_").strip("_")[:40] or "code"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


@require_POST
@program_view()
def add_code(request: Any, program: Program, wave: Wave, question: str) -> Any:
    """One new code at the end of the question's code book (or its first one): a new version."""
    form = instruments.instrument(wave)
    if question not in {q.name for q in coding.text_questions(form)}:
        raise Http404
    back_to = request.POST.get("back") == "screen"
    n = request.POST.get("n", "")
    screen = reverse("klappt_web:coding_screen", args=[program.slug, wave.pk, question])
    if back_to and n.isdigit():
        screen = f"{screen}?n={n}"
    back = redirect(
        screen if back_to else reverse("klappt_web:coding", args=[program.slug, wave.pk])
    )
    label = " ".join(request.POST.get("label", "").split())[:MAX_LABEL]
    if not label:
        messages.error(request, _("Please give the new code a label."))
        return back
    version = store.current_version(wave, question)
    book = store.codebook_of(version) if version is not None else Codebook(question, ())
    name = request.POST.get("code", "").strip()
    if not name:
        name = _name_from(label, book.names)
    elif not _VALID.match(name):
        text = _(
            "“%(name)s” cannot be a code name: letters, digits, _ . - and no spaces, at most 64."
        )
        messages.error(request, text % {"name": name[:64]})
        return back
    elif name in book.names:
        messages.error(
            request, _("The code book already has the code “%(name)s”.") % {"name": name}
        )
        return back
    lines = request.POST.get("examples", "").splitlines()
    examples = tuple(e.strip()[:MAX_EXAMPLE] for e in lines if e.strip())[:MAX_EXAMPLES]
    description = request.POST.get("description", "").strip()[:MAX_DESCRIPTION]
    code = Code(name, {_lang(): label}, description=description, examples=examples)
    grown = replace(book, codes=(*book.codes, code), source=_("code book in the browser"))
    try:
        saved = store.save_codebook(
            wave, grown.check(), form, by=request.user.get_username(), source="browser"
        )
    except KlapptError as exc:
        messages.error(request, exc.message(_lang()))
        return back
    values = {"label": label, "code": name, "n": saved.number}
    messages.success(
        request, _("Code “%(label)s” (%(code)s) added: code book version %(n)d.") % values
    )
    if not back_to:
        return redirect(screen)
    return back
