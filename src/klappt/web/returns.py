"""Saving a site's return: drafts, submissions, versions, and the official record in the store.

Every save is one database transaction: the working copy (:class:`SiteReturn`), a new
:class:`ReturnVersion` and, on submit, the store's :class:`~klappt.store.models.Return` and the
wave's summary fields. A process killed in the middle leaves the return as it was before.

Checks on submit reuse the core: the answers become a one-row
:class:`~klappt.responses.io.RawTable`, :func:`~klappt.responses.dataset.load_responses` checks
them, and its validation report gives the problems per question.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klappt.instrument import Instrument
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable
from klappt.store.models import Return, Site, Wave
from klappt.web.logic import (
    Evaluator,
    compile_condition,
    parse_date,
    parse_number,
    relevant_questions,
)
from klappt.web.models import ReturnVersion, SiteReturn, Status, VersionKind

#: Metadata columns of every exported return, before the questions.
META_COLUMNS = ("_id", "_submission_time", "_site_id", "_site_name", "_version")
#: Longest answer we keep (characters); a longer text is cut, never refused.
MAX_TEXT = 20000
#: Question names that hold the site itself (as in the store's linking of returns).
SITE_QUESTIONS = ("site_id", "site", "kommune", "gemeinde", "standort", "ags", "kreis", "stadt")
TYPE_QUESTIONS = ("typ", "gebietstyp", "type")


def answer_questions(form: Instrument) -> list[Any]:
    """The questions that hold an answer: everything but notes and repeats."""
    return [q for q in form.questions if q.type != "note" and not q.in_repeat]


def export_columns(form: Instrument) -> list[str]:
    """The header of a wave's data: metadata, then the questions in form order."""
    return [*META_COLUMNS, *(q.name for q in answer_questions(form))]


def values_from_post(form: Instrument, post: Any) -> dict[str, str | None]:
    """The answers in a POST, by question name (select_multiple: choice names joined by spaces)."""
    out: dict[str, str | None] = {}
    for q in answer_questions(form):
        if q.type == "calculate":
            continue
        if q.type == SELECT_MULTIPLE:
            picked = [v for v in post.getlist(q.name) if v]
            known = [c.name for c in q.choices if c.name in picked]
            unknown = [v for v in picked if q.choice(v) is None]
            out[q.name] = " ".join(known + unknown) or None
            continue
        raw = post.get(q.name)
        text = None if raw is None else str(raw).replace("\r\n", "\n").strip()
        out[q.name] = text[:MAX_TEXT] if text else None
    return out


def prefill(form: Instrument, site: Site) -> dict[str, str | None]:
    """Answers we know from the register: the site's own code, its type, its attributes."""
    out: dict[str, str | None] = {}
    attrs = {str(k).strip().lower(): v for k, v in (site.attributes or {}).items()}
    for q in answer_questions(form):
        name = q.name.lower()
        value: str | None = None
        if name in SITE_QUESTIONS:
            value = site.site_id
        elif name in TYPE_QUESTIONS and site.typ:
            value = site.typ
        elif name in attrs and attrs[name] not in (None, ""):
            value = str(attrs[name])
        if value is None:
            continue
        if q.type == SELECT_ONE and q.choice(value) is None:
            continue
        if q.type in ("select_one", "select_multiple", "text") or q.type == "integer":
            out[q.name] = value
    return out


def applicable(form: Instrument, values: Mapping[str, str | None], trees: Any) -> set[str]:
    """The questions that apply to these answers (``trees``: the form spec's relevance chains)."""
    return relevant_questions(form, values, trees)


def _normal(q: Any, text: str | None) -> str | None:
    """The answer as the data file holds it: ``1.5`` not ``1,5``, ISO dates, choices in list order."""
    if text is None or text == "":
        return None
    if q.type in ("integer", "decimal"):
        x = parse_number(text)
        if not math.isfinite(x):
            return text  # not a number: the check names it
        if x == math.floor(x) and abs(x) < 1e15:
            return str(int(x))
        return repr(x)
    if q.type == "date":
        d = parse_date(text)
        return d.isoformat() if d else text
    if q.type == SELECT_MULTIPLE:
        tokens = text.split()
        return " ".join(
            [c.name for c in q.choices if c.name in tokens]
            + [t for t in tokens if q.choice(t) is None]
        )
    return text


def cleaned(
    form: Instrument, values: Mapping[str, str | None], relevant: set[str]
) -> dict[str, str | None]:
    """Answers of the questions that apply, normalised, with calculations filled in."""
    out: dict[str, str | None] = {}
    ev = Evaluator(form, out)
    for q in answer_questions(form):
        if q.type == "calculate":
            tree = compile_condition(q.calculation, form) if q.calculation else None
            try:
                out[q.name] = (ev._str(ev.eval(tree)) or None) if tree is not None else None
            except (ValueError, ZeroDivisionError, OverflowError):
                out[q.name] = None
            continue
        out[q.name] = _normal(q, values.get(q.name)) if q.name in relevant else None
    return out


# --- checks ----------------------------------------------------------------------------------


def _message(form: Instrument, code: str, question: str | None, lang: str | None) -> str:
    q = form.question(question or "")
    if code == "required_missing":
        return _("Please answer this question.")
    if code == "constraint":
        msg = q.constraint_message(lang, form.default_language) if q else ""
        return msg or _("This answer is not allowed here.")
    if code == "not_a_number":
        return _("Please enter a number, for example 3 or 1,5.")
    if code == "not_an_integer":
        return _("Please enter a whole number.")
    if code == "not_a_date":
        return _("Please enter a date (DD.MM.YYYY).")
    if code == "unknown_choice":
        return _("Please choose one of the answers offered.")
    return _("Please check this answer.")


def check(
    form: Instrument, values: Mapping[str, str | None], lang: str | None
) -> dict[str, list[str]]:
    """The problems of one return, per question, in the page's language (empty: all fine).

    ``values`` are the cleaned answers (those of questions that do not apply already removed).
    """
    questions = answer_questions(form)
    columns = ["_id", *(q.name for q in questions)]
    record = ["web", *(values.get(q.name) for q in questions)]
    _rs, report = load_responses(form, RawTable.from_records(columns, [record], source="web"))
    errors: dict[str, list[str]] = {}
    for issue in report.problems:
        if issue.code == "not_relevant" or issue.question is None:
            continue  # answers of questions that do not apply were removed before
        msg = _message(form, issue.code, issue.question, lang)
        if msg not in errors.setdefault(issue.question, []):
            errors[issue.question].append(msg)
    return errors


# --- saving ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    status: str  # saved | submitted | duplicate | conflict | closed
    site_return: SiteReturn
    version: ReturnVersion | None = None


def working_copy(wave: Wave, site: Site) -> SiteReturn:
    """The site's return in the wave, created empty on first use."""
    try:
        sr, _created = SiteReturn.objects.get_or_create(wave=wave, site=site)
    except IntegrityError:  # created by a parallel request in the meantime
        sr = SiteReturn.objects.get(wave=wave, site=site)
    return sr


def save(
    wave: Wave,
    site: Site,
    values: dict[str, str | None],
    base_version: int,
    request_key: str | None,
    submit: bool = False,
    record: dict[str, str | None] | None = None,
    columns: list[str] | None = None,
) -> Saved:
    """Save a draft (``submit=False``) or submit, in one transaction.

    * the same ``request_key`` again (a double click, a resent form) → ``duplicate``, nothing new;
    * the wave closed → ``closed``; the stored version is not ``base_version`` → ``conflict``
      (another tab or colleague saved in between); nothing is written then.

    On submit, ``record`` (the answers as the data file holds them, see :func:`cleaned`) becomes
    the store's Return of the site, and the wave's ``columns``/``responses`` are brought up to date.
    """
    sr = working_copy(wave, site)
    try:
        with transaction.atomic():
            return _save_locked(
                sr, wave, site, values, base_version, request_key, submit, record, columns
            )
    except IntegrityError:
        # the same request key committed by a parallel request: that request saved it
        sr.refresh_from_db()
        if request_key and sr.versions.filter(request_key=request_key).exists():
            return Saved("duplicate", sr, sr.versions.get(request_key=request_key))
        raise


def _save_locked(
    sr: SiteReturn,
    wave: Wave,
    site: Site,
    values: dict[str, str | None],
    base_version: int,
    request_key: str | None,
    submit: bool,
    record: dict[str, str | None] | None,
    columns: list[str] | None,
) -> Saved:
    sr = SiteReturn.objects.select_for_update().get(pk=sr.pk)
    if request_key:
        done = sr.versions.filter(request_key=request_key).first()
        if done is not None:
            return Saved("duplicate", sr, done)
    w = Wave.objects.select_for_update().defer("form_file").get(pk=wave.pk)
    if not w.is_open:
        return Saved("closed", sr)
    if sr.version != base_version:
        return Saved("conflict", sr)
    now = timezone.now()
    sr.version += 1
    sr.values = values
    if submit:
        sr.status = Status.SUBMITTED
        sr.submitted_at = now
        sr.first_submitted_at = sr.first_submitted_at or now
        sr.submitted_version = sr.version
        sr.pending_changes = False
    elif sr.status == Status.SUBMITTED:
        sr.pending_changes = True
    sr.save()
    version = ReturnVersion.objects.create(
        site_return=sr,
        number=sr.version,
        kind=VersionKind.SUBMIT if submit else VersionKind.DRAFT,
        values=values,
        request_key=request_key or None,
    )
    if submit:
        assert record is not None and columns is not None
        full = {c: None for c in columns}
        full.update(record)
        full.update(
            {
                "_id": site.site_id,
                "_submission_time": timezone.localtime(now).replace(microsecond=0).isoformat(),
                "_site_id": site.site_id,
                "_site_name": site.name,
                "_version": str(sr.version),
            }
        )
        ret = Return.objects.filter(wave=w, site=site).first()
        if ret is None:
            ret = Return(wave=w, site=site)
        ret.return_id = site.site_id
        ret.row = site.position + 2
        ret.values = full
        ret.submitted_at = now
        ret.save()
        refresh_wave(w, columns)
    return Saved("submitted" if submit else "saved", sr, version)


def refresh_wave(w: Wave, columns: list[str]) -> None:
    """The wave's summary of its returns, as ``klappt tabulate --wave`` reads it: header, count,
    a content hash (so the analysis snapshot is rebuilt), and an empty report (recomputed)."""
    rows = list(
        Return.objects.filter(wave=w)
        .order_by("row", "return_id")
        .values_list("return_id", "values")
    )
    h = hashlib.sha256()
    for rid, values in rows:
        h.update(json.dumps([rid, values], sort_keys=True, ensure_ascii=False).encode())
    w.columns = list(columns)
    w.responses = len(rows)
    w.data_sha256 = h.hexdigest()
    w.data_filename = w.data_filename or "web"
    w.report = {}
    w.imported_at = timezone.now()
    w.save(
        update_fields=[
            "columns",
            "responses",
            "data_sha256",
            "data_filename",
            "report",
            "imported_at",
            "updated_at",
        ]
    )


def submitted_values(sr: SiteReturn) -> dict[str, Any]:
    """The answers of the submitted version (the working copy may hold newer, unsent changes)."""
    if not sr.pending_changes or sr.submitted_version is None:
        return dict(sr.values)
    v = sr.versions.filter(number=sr.submitted_version).first()
    return dict(v.values) if v else dict(sr.values)
