"""The coordinator manages the returns (issue 16): one return's history and comparison, a
correction, a re-opening for the site, and replacing the questionnaire after opening."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.errors import ErrorCode, KlapptError
from klappt.store.models import Program, Site, Wave
from klappt.web import correctform, corrections, formchange, instruments
from klappt.web.access import program_view
from klappt.web.choicechanges import grouped
from klappt.web.models import SiteReturn, Status
from klappt.web.views.coordinator import _form_error
from klappt.web.webforms import ReplaceFormForm


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


class _NoReturn(Exception):
    """The site has not started: nothing to show or change."""

    def __init__(self, site: Site) -> None:
        self.site = site


def _site_return(program: Program, wave: Wave, site_pk: int) -> tuple[Site, SiteReturn]:
    site = Site.objects.filter(program=program, pk=site_pk).first()
    if site is None:
        raise Http404
    sr = SiteReturn.objects.filter(wave=wave, site=site, version__gt=0).first()
    if sr is None:
        raise _NoReturn(site)
    return site, sr


def _no_return(view: Any) -> Any:
    """A site that has not started: its page says so (instead of an empty history)."""

    @wraps(view)
    def wrapper(request: Any, program: Program, wave: Wave, site_pk: int) -> Any:
        try:
            return view(request, program, wave, site_pk)
        except _NoReturn as exc:
            messages.info(
                request, _("%(site)s has not started this wave yet.") % {"site": exc.site.name}
            )
            return redirect(
                "klappt_web:site_return", slug=program.slug, wave_id=wave.pk, site_pk=exc.site.pk
            )

    return wrapper


def _number(text: Any, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


@never_cache
@program_view()
@_no_return
def history(request: Any, program: Program, wave: Wave, site_pk: int) -> Any:
    """Every version of the return with who, when, why; two of them compared."""
    site, sr = _site_return(program, wave, site_pk)
    versions = corrections.history_rows(sr)
    by_number = {v.number: v for v in versions}
    newest = versions[0].number if versions else 0
    older = versions[1].number if len(versions) > 1 else newest
    a = by_number.get(_number(request.GET.get("a"), older))
    b = by_number.get(_number(request.GET.get("b"), newest))
    rules = instruments.rules(wave)
    lang = instruments.form_language(rules.form, get_language() or "de")
    changes = corrections.compare(rules, a, b, lang) if a and b else []
    return render(
        request,
        "klappt_web/return_history.html",
        {
            "program": program,
            "wave": wave,
            "site": site,
            "site_return": sr,
            "versions": [(v, corrections.who(v)) for v in versions],
            "a": a,
            "b": b,
            "changes": changes,
            "role": request.klappt_role,
            # a draft in an open wave is the site's already: nothing to re-open
            "may_reopen": sr.reopened_at is None
            and (sr.submitted_version is not None or not wave.is_open),
        },
    )


@never_cache
@program_view()
@_no_return
def correct(request: Any, program: Program, wave: Wave, site_pk: int) -> Any:
    """The coordinator corrects a submitted return (with a reason)."""
    site, sr = _site_return(program, wave, site_pk)
    if sr.submitted_version is None:
        messages.error(request, KlapptError(ErrorCode.RETURN_002, site=site.name).message(_lang()))
        return redirect(
            "klappt_web:return_history", slug=program.slug, wave_id=wave.pk, site_pk=site.pk
        )
    _number_of_form, rules = corrections.rules_of(wave, sr)
    lang = instruments.form_language(rules.form, get_language() or "de")
    values = corrections.submitted(sr)
    errors: dict[str, list[str]] = {}
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        answers, action = correctform.answers_from_post(rules, request.POST)
        values = {**values, **answers}
        if action is None:  # "add an entry" and "remove an entry" only show the page again
            saved = _save_correction(request, program, wave, site, sr, answers, reason, lang)
            if not isinstance(saved, dict):
                return saved
            errors = saved
    fields = correctform.fields(rules, values, lang)
    blocks = correctform.repeat_blocks(rules, values, lang)
    correctform.mark_errors(fields, blocks, errors)
    return render(
        request,
        "klappt_web/return_correct.html",
        {
            "program": program,
            "wave": wave,
            "site": site,
            "site_return": sr,
            "fields": fields,
            "repeats": blocks,
            "reason": reason,
            "reason_errors": errors.get("reason", []),
            "has_errors": bool(errors),
        },
        status=422 if errors else 200,
    )


def _save_correction(
    request: Any,
    program: Program,
    wave: Wave,
    site: Site,
    sr: SiteReturn,
    answers: dict[str, Any],
    reason: str,
    lang: str | None,
) -> Any:
    """Save the correction: a redirect to the history when done (or nothing changed, or the
    page was stale), else the problems by field."""
    history = redirect(
        "klappt_web:return_history", slug=program.slug, wave_id=wave.pk, site_pk=site.pk
    )
    base = _number(request.POST.get("base"), -1)
    try:
        done = corrections.correct(
            wave, sr, answers, request.user.get_username(), reason, lang, base_version=base
        )
    except KlapptError as exc:
        if exc.code == ErrorCode.RETURN_008:
            messages.error(request, exc.message(_lang()))
            return history
        return {"reason": [exc.message(_lang())]}
    if done.errors:
        return done.errors
    if done.version is None:
        messages.info(request, _("Nothing was changed: the answers are as submitted."))
    else:
        messages.success(
            request,
            _("Correction saved as version %(n)d (%(k)d answers changed).")
            % {"n": done.version.number, "k": len(done.changed)},
        )
    return history


@program_view()
@_no_return
def reopen(request: Any, program: Program, wave: Wave, site_pk: int) -> Any:
    """Give the return back to its site (with a reason)."""
    site, sr = _site_return(program, wave, site_pk)
    try:
        corrections.reopen(sr, request.user.get_username(), request.POST.get("reason", ""))
    except KlapptError as exc:
        messages.error(request, exc.message(_lang()))
    else:
        messages.success(
            request,
            _(
                "The return is open again for %(site)s: the site can change and submit it "
                "through its link, also after the wave closed."
            )
            % {"site": site.name},
        )
    return redirect(
        "klappt_web:return_history", slug=program.slug, wave_id=wave.pk, site_pk=site.pk
    )


@never_cache
@program_view()
def replace_form(request: Any, program: Program, wave: Wave) -> Any:
    """A new version of the questionnaire: upload and check, see what fits, then confirm."""
    upload_form = ReplaceFormForm(
        request.POST if request.POST.get("what") == "upload" else None,
        request.FILES if request.POST.get("what") == "upload" else None,
    )
    form_error = None
    author = request.user.get_username()
    here = redirect("klappt_web:replace_form", slug=program.slug, wave_id=wave.pk)
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "upload" and upload_form.is_valid():
            upload = upload_form.cleaned_data["form_file"]
            try:
                formchange.stage(wave, upload.read(), upload.name, author)
            except KlapptError as exc:
                form_error = _form_error(exc)
            except Exception as exc:  # pyxform and the spreadsheet readers raise many kinds
                form_error = _("The questionnaire cannot be read: %(reason)s") % {
                    "reason": str(exc)[:300]
                }
            else:
                return here
        elif what == "discard":
            formchange.FormVersion.objects.filter(wave=wave, number=formchange.STAGED).delete()
            messages.info(request, _("The uploaded questionnaire was discarded; nothing changed."))
            return here
        elif what == "confirm":
            pending = formchange.staged(wave)
            if pending is None or pending.form_sha256 != request.POST.get("sha256"):
                messages.error(
                    request,
                    _("The questionnaire shown is no longer the one uploaded; please check again."),
                )
                return here
            lang = instruments.form_language(
                instruments.instrument(pending), get_language() or "de"
            )
            done = formchange.apply(wave, pending, author, lang)
            messages.success(
                request,
                _(
                    "The questionnaire was replaced (version %(n)d). %(carried)d returns were carried "
                    "over; submitted returns keep the version they were made with."
                )
                % {"n": done.new_number, "carried": sum(1 for s in done.sites if not s.keeps_form)},
            )
            return redirect("klappt_web:wave_settings", slug=program.slug, wave_id=wave.pk)
    pending = formchange.staged(wave)
    plan = None
    if pending is not None:
        lang = instruments.form_language(instruments.instrument(pending), get_language() or "de")
        plan = formchange.plan(wave, pending, lang)
    return render(
        request,
        "klappt_web/replace_form.html",
        {
            "program": program,
            "wave": wave,
            "upload_form": upload_form,
            "form_error": form_error,
            "pending": pending,
            "plan": plan,
            "choice_lines": grouped(plan.choices if plan else [], get_language() or "de"),
            "current": formchange.current_number(wave),
            "history": list(
                formchange.FormVersion.objects.filter(wave=wave, number__gt=0)
                .defer("form_file")
                .order_by("-number")
            ),
            "submitted_status": Status.SUBMITTED,
        },
        status=422 if form_error else 200,
    )


@never_cache
@program_view()
def recipe(request: Any, program: Program, wave: Wave) -> Any:
    """The wave's recipe (the deck's storyline): upload, check, remove."""
    from klappt.web import recipes

    problem, status = None, 200
    if request.method == "POST":
        if request.POST.get("what") == "remove":
            recipes.remove(wave)
            messages.info(
                request, _("The recipe was removed: the deck follows the default storyline.")
            )
            return redirect("klappt_web:wave_recipe", slug=program.slug, wave_id=wave.pk)
        upload = request.FILES.get("recipe_file")
        status = 422
        if upload is None:
            problem, status = _("Please choose a recipe file (.yaml)."), 400
        else:
            try:
                recipes.save(wave, upload, request.user.get_username(), _lang())
            except KlapptError as exc:
                problem = exc.message(_lang())
            else:
                messages.success(
                    request,
                    _("The recipe was saved: the deck of this wave follows it from now on."),
                )
                return redirect("klappt_web:wave_recipe", slug=program.slug, wave_id=wave.pk)
    return render(
        request,
        "klappt_web/wave_recipe.html",
        {
            "program": program,
            "wave": wave,
            "current": recipes.of(wave),
            "problem": problem,
        },
        status=status if problem else 200,
    )
