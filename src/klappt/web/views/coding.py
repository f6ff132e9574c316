"""Coding open answers in the browser: per wave and text question, for coordinators and analysts.

* **overview**: the wave's text questions with their code book (upload a new version) and how
  far coding is;
* **screen**: one answer part at a time with its context; codes are toggled by keys or clicks.
  With JavaScript (``static/klappt_web/coding.js``) every keystroke is one small request whose
  answer replaces the part's HTML; without, the same page is a plain form;
* **review**: every part coded with one code, with coder and time;
* **agreement**: kappa per code, alpha overall, the disagreements; resolving one writes final
  codes.

Every user codes on their own: the screen shows and changes only the user's own codes. A
suggestion becomes a code only by a person's click or key, recorded as an accepted suggestion.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.coding import Codebook, agreement, final_codes
from klappt.errors import KlapptError
from klappt.formatting import fmt_number, fmt_percent
from klappt.store import coding as store
from klappt.store.coding_models import AnswerCoding, CodeSuggestion
from klappt.store.models import Program, Return, Wave
from klappt.web import coding, instruments
from klappt.web.access import program_view

CODEBOOK_SUFFIXES = (".yaml", ".yml", ".xlsx")


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _units(wave: Wave, question: str) -> coding.Units:
    try:
        return coding.units(wave, question, _lang())
    except KlapptError:  # not a text question of this wave's form
        raise Http404 from None


def _screen_url(program: Program, wave: Wave, question: str, position: int | None = None) -> str:
    url = reverse("klappt_web:coding_screen", args=[program.slug, wave.pk, question])
    return url if position is None else f"{url}?n={position + 1}"


def _position(request: Any, u: coding.Units, coder: str, wave: Wave) -> int:
    """The part asked for (``answer`` id or 1-based ``n``), else the coder's first open one."""
    answer = request.GET.get("answer") or request.POST.get("answer")
    if answer and answer in u.index:
        return u.index[answer]
    raw = request.GET.get("n") or request.POST.get("n")
    if raw and raw.isdigit() and 1 <= int(raw) <= len(u):
        return int(raw) - 1
    return coding.first_open(u, coding.coded_by(wave, u.question, coder))


# --- overview ---------------------------------------------------------------------------


@never_cache
@program_view()
def overview(request: Any, program: Program, wave: Wave) -> Any:
    """The wave's text questions: code book, parts, coded by me, coded, open disagreements."""
    form = instruments.instrument(wave)
    lang = _lang()
    coder = request.user.get_username()
    versions = store.current_versions(wave)
    rows = []
    for q in coding.text_questions(form):
        u = coding.units(wave, q.name, lang)
        v = versions.get(q.name)
        row: dict[str, Any] = {"q": q, "label": u.label, "parts": len(u), "version": v}
        if v is not None:
            cs = store.stored_codings(wave, q.name)
            fc = final_codes(cs)
            row.update(
                {
                    "codes": len(v.content.get("codes", [])),
                    "mine": len(coding.coded_by(wave, q.name, coder)),
                    "coded": len(fc.codes),
                    "open": len(fc.unresolved),
                    "coders": len(cs.coders),
                }
            )
        rows.append(row)
    waves = Wave.objects.filter(program=program).defer("form_file").order_by("-created_at")
    empty = not Return.objects.filter(wave=wave).exists()
    return render(
        request,
        "klappt_web/coding_overview.html",
        {"program": program, "wave": wave, "rows": rows, "waves": waves, "empty": empty},
    )


@program_view()
def codebook_upload(request: Any, program: Program, wave: Wave) -> Any:
    """A code book (YAML or XLSX): stored as the next version for the text question it names."""
    from klappt.coding import read_codebook

    back = redirect("klappt_web:coding", slug=program.slug, wave_id=wave.pk)
    upload = request.FILES.get("codebook")
    form = instruments.instrument(wave)
    if upload is None:
        messages.error(request, _("Please choose a code book file (YAML or Excel)."))
        return back
    name = instruments.safe_filename(upload.name, "codebuch.yaml")
    if Path(name).suffix.lower() not in CODEBOOK_SUFFIXES:
        messages.error(request, _("A code book is a .yaml or .xlsx file."))
        return back
    data = upload.read()
    with tempfile.TemporaryDirectory(prefix="klappt-codebook-") as tmp:
        path = Path(tmp) / name
        try:
            path.write_bytes(data)
            book: Codebook = read_codebook(path)
            saved = store.save_codebook(
                wave, book, form, by=request.user.get_username(), source=name
            )
        except KlapptError as exc:  # named by the upload's name, not the temporary file's
            messages.error(request, exc.message(_lang()).replace(str(path), name))
            return back
    values = {"n": saved.number, "question": book.question}
    if saved.status == "unchanged":
        messages.info(request, _("Code book of %(question)s unchanged (version %(n)d).") % values)
    else:
        text = _(
            "Code book of %(question)s stored as version %(n)d; earlier versions and their codings stay."
        )
        messages.success(request, text % values)
    return back


# --- the coding screen -------------------------------------------------------------------


def _version(wave: Wave, question: str) -> Any:
    v = store.current_version(wave, question)
    if v is None:
        raise Http404
    return v


def _unit_html(request: Any, program: Program, wave: Wave, v: Any, u: Any, position: int) -> str:
    ctx = coding.unit_context(wave, v, u, position, request.user.get_username(), _lang())
    ctx.update(
        {
            "program": program,
            "wave": wave,
            "question": u.question,
            "screen_url": _screen_url(program, wave, u.question),
        }
    )
    return render_to_string("klappt_web/_coding_unit.html", ctx, request=request)


def _announce(u: Any, position: int) -> str:
    return _("Answer part %(n)s of %(total)s") % {"n": position + 1, "total": len(u)}


def _progress(wave: Wave, u: Any, coder: str) -> str:
    done = coding.coded_count(wave, u.question, coder)
    return _("%(n)s of %(total)s parts coded by you") % {"n": done, "total": len(u)}


def _json(
    request: Any, program: Program, wave: Wave, v: Any, u: Any, position: int, announce: str
) -> Any:
    coder = request.user.get_username()
    return JsonResponse(
        {
            "html": _unit_html(request, program, wave, v, u, position),
            "n": position + 1,
            "announce": announce,
            "progress": _progress(wave, u, coder),
        }
    )


def _label(v: Any, code: str) -> str:
    book = store.codebook_of(v)
    c = book.code(code)
    return c.label(_lang()) if c else code


@never_cache
@program_view()
def screen(request: Any, program: Program, wave: Wave, question: str) -> Any:
    """One answer part with its context and the codes; GET ``?partial=1`` gives JSON for the JS."""
    u = _units(wave, question)
    v = _version(wave, question)
    coder = request.user.get_username()
    if not len(u):
        return render(
            request,
            "klappt_web/coding_screen.html",
            {"program": program, "wave": wave, "question": question, "u": u, "version": v},
        )
    if request.method == "POST":
        return _post(request, program, wave, u, v, coder)
    position = _position(request, u, coder, wave)
    if request.GET.get("partial"):
        return _json(request, program, wave, v, u, position, _announce(u, position))
    mine = coding.coded_by(wave, question, coder)
    return render(
        request,
        "klappt_web/coding_screen.html",
        {
            "program": program,
            "wave": wave,
            "question": question,
            "u": u,
            "version": v,
            "unit_html": _unit_html(request, program, wave, v, u, position),
            "mine": len(mine & set(u.index)),
            "keys_next": coding.NAV_NEXT,
            "suggested_at": CodeSuggestion.objects.filter(wave=wave, question=question)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first(),
        },
    )


def _post(request: Any, program: Program, wave: Wave, u: Any, v: Any, coder: str) -> Any:
    """The keystroke (``action`` set/none/accept/reject, JSON back) or the plain form (save)."""
    answer = request.POST.get("answer", "")
    if answer not in u.index:
        raise Http404
    position = u.index[answer]
    seg = u.segments[position]
    action = request.POST.get("action") or ("reject" if request.POST.get("reject") else "save")
    # the plain form's reject button names its code; its ticked boxes are "code" too
    code = request.POST.get("reject") or request.POST.get("code") or ""
    announce = ""
    try:
        if action == "set":
            on = request.POST.get("on") == "1"
            store.set_code(wave, v, answer, coder, code, on, seg.text)
            label = _label(v, code)
            announce = (_("%(code)s given") if on else _("%(code)s taken back")) % {"code": label}
        elif action == "none":
            on = request.POST.get("on") == "1"
            store.set_code(wave, v, answer, coder, None, on, seg.text)
            announce = _("No code applies") if on else _("“No code applies” taken back")
        elif action == "accept":
            s = _suggestion(wave, u.question, answer, code)
            store.set_code(wave, v, answer, coder, code, True, seg.text, s.confidence, True)
            announce = _("Suggestion %(code)s accepted") % {"code": _label(v, code)}
        elif action == "reject":
            _suggestion(wave, u.question, answer, code)
            if not request.POST.get("ajax"):
                _save_form(request, wave, u, v, coder, answer, seg.text)
            store.reject_suggestion(wave, u.question, answer, code, coder)
            announce = _("Suggestion %(code)s rejected") % {"code": _label(v, code)}
        elif action == "save":
            _save_form(request, wave, u, v, coder, answer, seg.text)
            if not request.POST.get("ajax"):
                nxt = position + 1 if position + 1 < len(u) else position
                messages.success(request, _("Saved."))
                return redirect(_screen_url(program, wave, u.question, nxt))
        else:
            raise Http404
    except KlapptError as exc:
        if request.POST.get("ajax"):
            return JsonResponse({"error": exc.message(_lang())}, status=400)
        messages.error(request, exc.message(_lang()))
        return redirect(_screen_url(program, wave, u.question, position))
    if request.POST.get("ajax"):
        return _json(request, program, wave, v, u, position, announce)
    messages.success(request, announce)
    return redirect(_screen_url(program, wave, u.question, position))


def _suggestion(wave: Wave, question: str, answer: str, code: str) -> Any:
    from klappt.coding import parse_answer_id

    rid, seg = parse_answer_id(answer)
    s = CodeSuggestion.objects.filter(
        wave=wave, question=question, return_id=rid, segment=seg, code=code
    ).first()
    if s is None:  # nothing was suggested: accepting it would record a false "suggestion"
        raise Http404
    return s


def _save_form(
    request: Any, wave: Wave, u: Any, v: Any, coder: str, answer: str, text: str
) -> None:
    """The plain form: the ticked codes and accepted suggestions replace the coder's codes."""
    from klappt.coding import parse_answer_id

    rid, seg = parse_answer_id(answer)
    offered = {
        s.code: s.confidence
        for s in CodeSuggestion.objects.filter(
            wave=wave, question=u.question, return_id=rid, segment=seg
        )
    }
    before = store.unit_codes(wave, u.question, answer, coder)
    accepted = {c: offered[c] for c in request.POST.getlist("accept") if c in offered}
    ticked = [c for c in request.POST.getlist("code") if c]
    # a code accepted earlier keeps its mark while it stays ticked
    for c in ticked:
        if c in before and before[c].suggested:
            accepted.setdefault(c, before[c].confidence)
    if not ticked and not accepted and not request.POST.get("none"):
        store.clear_codes(wave, u.question, answer, coder)  # nothing ticked: not coded (yet)
        return
    store.set_unit_codes(wave, v, answer, coder, ticked, text, accepted=accepted)


@program_view()
def suggest(request: Any, program: Program, wave: Wave, question: str) -> Any:
    """Train on what is coded so far and store suggestions for the parts not coded yet."""
    u = _units(wave, question)
    _version(wave, question)
    n = 0
    if len(u):  # a wave without returns has nothing to suggest for
        rs = store.responses_from_records(wave, instruments.instrument(wave))
        n = store.refresh_suggestions(wave, question, rs)
    text = _(
        "Suggestions computed for %(n)d answer parts. They are proposals only: a code counts when you accept it."
    )
    messages.success(request, text % {"n": n})
    return redirect(_screen_url(program, wave, question))


# --- review by code ----------------------------------------------------------------------


@never_cache
@program_view()
def review(request: Any, program: Program, wave: Wave, question: str) -> Any:
    """Every part coded with one code (any coder, and final codes), newest first."""
    u = _units(wave, question)
    v = _version(wave, question)
    book = store.codebook_of(v)
    lang = _lang()
    rows = AnswerCoding.objects.filter(wave=wave, question=question)
    counts: dict[str, int] = {}
    # order_by(): the model's ordering would add the primary key to the DISTINCT
    for code, _rid, _seg in rows.order_by().values_list("code", "return_id", "segment").distinct():
        counts[code] = counts.get(code, 0) + 1
    codes = [
        {"code": c.code, "label": c.label(lang), "n": counts.get(c.code, 0)} for c in book.ordered()
    ]
    chosen = request.GET.get("code")
    if chosen is None and codes:
        chosen = next((c["code"] for c in codes if c["n"]), codes[0]["code"])
    if chosen not in {c["code"] for c in codes} | {""}:
        raise Http404
    items = []
    for r in rows.filter(code=chosen).order_by("return_id", "segment", "final", "coder"):
        answer = f"{r.return_id}#{r.segment}"
        seg = u.segments[u.index[answer]] if answer in u.index else None
        items.append(
            {
                "row": r,
                "answer": answer,
                "text": seg.text if seg else r.text,
                "site": u.site(seg) if seg else "",
                "gone": seg is None,
                "url": _screen_url(program, wave, question, u.index[answer]) if seg else None,
                "confidence": fmt_percent(r.confidence * 100, lang, 0) if r.confidence else None,
            }
        )
    label = next((c["label"] for c in codes if c["code"] == chosen), _("No code applies"))
    return render(
        request,
        "klappt_web/coding_review.html",
        {
            "program": program,
            "wave": wave,
            "question": question,
            "u": u,
            "version": v,
            "codes": codes,
            "none_n": counts.get("", 0),
            "chosen": chosen,
            "chosen_label": label,
            "items": items,
        },
    )


# --- agreement ---------------------------------------------------------------------------


@never_cache
@program_view()
def agreement_page(request: Any, program: Program, wave: Wave, question: str) -> Any:
    """Kappa per code, alpha overall and the disagreements; POST resolves one (final codes)."""
    u = _units(wave, question)
    v = _version(wave, question)
    book = store.codebook_of(v)
    lang = _lang()
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in u.index:
            raise Http404
        seg = u.segments[u.index[answer]]
        codes = [c for c in request.POST.getlist("code") if c]
        try:
            store.set_unit_codes(
                wave, v, answer, request.user.get_username(), codes, seg.text, final=True
            )
        except KlapptError as exc:
            messages.error(request, exc.message(lang))
        else:
            messages.success(request, _("Resolved: these codes are final."))
        return redirect("klappt_web:coding_agreement", program.slug, wave.pk, question)
    cs = store.stored_codings(wave, question)
    result = agreement(cs, codes=book.names)
    labels = {c.code: c.label(lang) for c in book.codes}
    per_code = [
        {
            "code": c.code,
            "label": labels.get(c.code, c.code),
            "n": c.n,
            "kappa": fmt_number(c.kappa, lang, 3),
            "alpha": fmt_number(c.alpha, lang, 3),
            "agreement": fmt_number(c.agreement * 100, lang, 1) if c.agreement is not None else "–",
        }
        for c in result.codes
    ]
    disagreements = []
    for d in result.disagreements:
        seg = u.segments[u.index[d.answer]] if d.answer in u.index else None
        sets = [set(x) for x in d.codes.values()]
        common = set.intersection(*sets) if sets else set()
        disagreements.append(
            {
                "d": d,
                "text": seg.text if seg else d.text,
                "site": u.site(seg) if seg else "",
                "gone": seg is None,
                "given": [
                    (coder, [labels.get(c, c) for c in given] or [_("no code")])
                    for coder, given in d.codes.items()
                ],
                "options": [
                    {"code": c.code, "label": labels[c.code], "checked": c.code in common}
                    for c in book.ordered()
                ],
            }
        )
    return render(
        request,
        "klappt_web/coding_agreement.html",
        {
            "program": program,
            "wave": wave,
            "question": question,
            "u": u,
            "version": v,
            "result": result,
            "alpha": fmt_number(result.alpha, lang, 3),
            "per_code": per_code,
            "disagreements": disagreements,
            "coders": ", ".join(result.coders),
        },
    )
