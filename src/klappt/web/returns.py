"""Saving a site's return: drafts, submissions, versions, and the official record in the store.

Every save is one database transaction: the working copy (:class:`SiteReturn`), a new
:class:`ReturnVersion` and, on submit, the store's :class:`~klappt.store.models.Return` and the
wave's summary fields. A process killed in the middle leaves the return as it was before.

Checks on submit are :class:`klappt.responses.one_return.Rules`: the rules of ``load_responses`` for one
return (``tests/web/test_checks.py`` holds them to the core's answers), so a return is checked in
well under a millisecond instead of the 0.3 s a one-row Polars load costs.

The store's Return holds the main table, exactly as a data file would (what ``klappt tabulate``
counts); the entries of repeat groups are kept with the return's versions here and exported as
one extra table per repeat (:mod:`klappt.web.exports`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klappt.instrument.model import pick_label
from klappt.responses.one_return import Rules
from klappt.store.models import Return, Site, Wave
from klappt.web import schedule
from klappt.web.answers import (
    MAX_TEXT,
    META_COLUMNS,
    answer_questions,
    cleaned,
    defaults,
    export_columns,
    first_values,
    fit_counts,
    prefill,
    text_of,
    values_from_post,
)
from klappt.web.models import ReturnVersion, SiteReturn, Status, VersionKind

__all__ = [
    "MAX_TEXT",
    "META_COLUMNS",
    "Saved",
    "answer_questions",
    "check",
    "cleaned",
    "defaults",
    "export_columns",
    "first_values",
    "fit_counts",
    "form_number",
    "may_edit",
    "message",
    "prefill",
    "refresh_wave",
    "save",
    "submitted_values",
    "values_from_post",
    "with_form_column",
    "working_copy",
    "write_official",
]


# --- checks ----------------------------------------------------------------------------------


def message(rules: Rules, code: str, question: str | None, lang: str | None) -> str:
    """The text of a problem in the page's language, with the form's own messages."""
    form = rules.form
    q = form.question(question or "")
    if code == "required_missing":
        own = rules.extras.required_messages.get(q.name) if q else None
        msg = pick_label(own, lang, form.default_language) if own else ""
        return msg or _("Please answer this question.")
    if code == "constraint":
        msg = q.constraint_message(lang, form.default_language) if q else ""
        return msg or _("This answer is not allowed here.")
    if code == "not_a_number" and q is not None and q.type == "integer":
        return _("Please enter a whole number.")
    if code == "not_a_number":
        return _("Please enter a number, for example 3 or 1,5.")
    if code == "not_an_integer":
        return _("Please enter a whole number.")
    if code == "not_a_date":
        return _("Please enter a date (DD.MM.YYYY).")
    if code == "unknown_choice":
        return _("Please choose one of the answers offered.")
    if code == "choice_filtered":
        return _(
            "This answer does not fit your earlier answers; please choose one of the answers offered."
        )
    return _("Please check this answer.")


def check(rules: Rules, record: Mapping[str, Any], lang: str | None) -> dict[str, list[str]]:
    """The problems of one cleaned return (see :func:`cleaned`) in the page's language, by
    input name (``q``, or ``projekte[2]/q`` for the second entry of a repeat); empty: all fine."""
    errors: dict[str, list[str]] = {}
    for key, codes in rules.problems(record).items():
        question = key.rsplit("/", 1)[-1]
        for code in codes:
            msg = message(rules, code, question, lang)
            if msg not in errors.setdefault(key, []):
                errors[key].append(msg)
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
    editor: str = "",
    may_replace: bool = False,
) -> Saved:
    """Save a draft (``submit=False``) or submit, in one transaction.

    Storage per return is bounded: with ``may_replace`` (an autosave of the page), the version
    is an autosave, and an autosave from the same browser (``editor``) right after its own
    autosave replaces it, unless it drops entries of a repeat (the earlier state is kept then);
    every explicit save, every submit and every change by another browser keeps a version. Of
    the drafts and autosaves, the newest ``KLAPPT_KEEP_DRAFTS`` are kept. Submitted versions are
    never replaced or removed.

    * the same ``request_key`` again (a double click, a resent form) → ``duplicate``, nothing new;
    * the wave closed → ``closed``; the stored version is not ``base_version`` → ``conflict``
      (another tab or colleague saved in between); nothing is written then.

    On submit, ``record`` (the answers as the data file holds them, see :func:`cleaned`) becomes
    the store's Return of the site, and the wave's ``columns``/``responses`` are brought up to date.
    """
    # only the id here: the row (with its answers, the largest column) is read once, locked
    pk = SiteReturn.objects.filter(wave=wave, site=site).values_list("pk", flat=True).first()
    sr = working_copy(wave, site) if pk is None else SiteReturn(pk=pk)
    try:
        with transaction.atomic():
            saved = _save_locked(
                sr,
                wave,
                site,
                values,
                base_version,
                request_key,
                submit,
                record,
                columns,
                editor if may_replace else "",
                editor,
            )
            if saved.status == "submitted":
                _receipt(saved.site_return)
            return saved
    except _ClosedMeanwhile:  # everything written in the transaction is rolled back
        return Saved("closed", SiteReturn.objects.get(pk=sr.pk))
    except IntegrityError:
        # the same request key committed by a parallel request: that request saved it
        sr.refresh_from_db()
        if request_key and sr.versions.filter(request_key=request_key).exists():
            return Saved("duplicate", sr, sr.versions.get(request_key=request_key))
        raise


def _receipt(sr: SiteReturn) -> None:
    """Queue the submit's receipt in the submit's own transaction (issue 16): a server killed
    right after the submit committed can then not lose it. A mail problem never fails the
    submit: the receipt's own savepoint is rolled back and the problem logged."""
    from klappt.web import mail

    try:
        with transaction.atomic():
            mail.receipt(sr)
    except Exception:
        logging.getLogger("klappt.web.mail").exception("receipt not queued")


class _ClosedMeanwhile(Exception):
    """The wave closed while the return was being written."""


def _open(w: Wave) -> bool:
    """Open, and its automatic closing time has not come (a page marks it closed when shown)."""
    return w.is_open and not schedule.due(w)


def may_edit(wave: Wave, sr: SiteReturn | None) -> bool:
    """Whether the site may save: the wave is open, or the coordinator re-opened its return."""
    return wave.is_open or (sr is not None and sr.reopened_at is not None)


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
    replace_for: str = "",
    editor: str = "",
) -> Saved:
    sr = SiteReturn.objects.select_for_update().get(pk=sr.pk)
    if request_key:
        done = sr.versions.filter(request_key=request_key).first()
        if done is not None:
            return Saved("duplicate", sr, done)
    # a first look without the lock, so that "closed" is said before "changed elsewhere"
    reopened = sr.reopened_at is not None
    if not reopened and not _open(
        Wave.objects.only("pk", "opened_at", "closed_at").get(pk=wave.pk)
    ):
        return Saved("closed", sr)
    if sr.version != base_version:
        return Saved("conflict", sr)
    now = timezone.now()
    sr.version += 1
    sr.values = values
    sr.form_number = form_number(wave)
    if submit:
        sr.status = Status.SUBMITTED
        sr.submitted_at = now
        sr.first_submitted_at = sr.first_submitted_at or now
        sr.submitted_version = sr.version
        sr.pending_changes = False
        sr.reopened_at = None
    elif sr.status == Status.SUBMITTED:
        sr.pending_changes = True
    sr.save()
    version = _store_version(sr, values, request_key, submit, editor, replace_for)
    if submit:
        assert record is not None and columns is not None
        columns = with_form_column(columns)
        ret, new_return = write_official(wave, site, sr, record, columns, now)
    # The wave's lock comes last and is held briefly (few round trips): every save of the wave
    # waits for it, while the rows above are the site's own. A wave closed by now (by hand, or
    # its closing time came) undoes the whole save; closing takes the same lock, so no save
    # slips in after it.
    w = Wave.objects.select_for_update(of=("self",)).select_related("web_schedule")
    # a draft needs only whether the wave is open; the header and report are a submit's
    w = (
        w.defer("form_file") if submit else w.only("pk", "opened_at", "closed_at", "web_schedule")
    ).get(pk=wave.pk)
    when = schedule.closes_at(w)
    if not reopened and (not w.is_open or (when is not None and when <= timezone.now())):
        raise _ClosedMeanwhile
    if submit:
        refresh_wave(w, columns, ret, new_return)
    return Saved("submitted" if submit else "saved", sr, version)


def form_number(wave: Wave) -> int:
    """The number of the wave's questionnaire now (see :mod:`klappt.web.formchange`)."""
    from klappt.web.formchange import current_number

    return current_number(wave)


#: the data column that says which questionnaire a return was made with
FORM_COLUMN = "_form_version"


def with_form_column(columns: list[str]) -> list[str]:
    """The wave's header with ``_form_version`` after the metadata."""
    if FORM_COLUMN in columns:
        return list(columns)
    out = list(columns)
    at = out.index("_version") + 1 if "_version" in out else len(out)
    out.insert(at, FORM_COLUMN)
    return out


def write_official(
    wave: Wave,
    site: Site,
    sr: SiteReturn,
    record: Mapping[str, Any],
    columns: list[str],
    now: Any,
    submitted_at: Any = None,
    form: int | None = None,
) -> tuple[Return, bool]:
    """The store's Return of the site from ``record`` (the main table only: the entries of
    repeats stay with the version); True when it is new."""
    full = {c: text_of(record.get(c)) for c in columns}
    when = submitted_at or now
    full.update(
        {
            "_id": site.site_id,
            "_submission_time": timezone.localtime(when).replace(microsecond=0).isoformat(),
            "_site_id": site.site_id,
            "_site_name": site.name,
            "_version": str(sr.version),
            FORM_COLUMN: str(form if form is not None else sr.form_number),
        }
    )
    ret = Return.objects.filter(wave_id=wave.pk, site=site).first()
    if ret is None:
        ret = Return(wave_id=wave.pk, site=site)
    ret.return_id = site.site_id
    ret.row = site.position + 2
    ret.values = full
    ret.submitted_at = when
    new_return = ret.pk is None
    ret.save()
    return ret, new_return


def _store_version(
    sr: SiteReturn,
    values: dict[str, Any],
    request_key: str | None,
    submit: bool,
    editor: str,
    replace_for: str,
) -> ReturnVersion:
    """The new version of the return: a new row, or the last draft replaced when it was saved
    by the browser ``replace_for`` (empty: never replace)."""
    autosave = not submit and bool(replace_for)
    kind = VersionKind.SUBMIT if submit else VersionKind.AUTOSAVE if autosave else VersionKind.DRAFT
    last = None
    if autosave:
        last = sr.versions.order_by("-number").first()
    if (
        last is not None
        and last.kind == VersionKind.AUTOSAVE
        and last.editor == replace_for
        and not _drops_entries(last.values, values)
    ):
        last.number, last.values, last.request_key = sr.version, values, request_key or None
        last.created_at = timezone.now()
        last.form_number = sr.form_number
        last.save(update_fields=["number", "values", "request_key", "created_at", "form_number"])
        return last
    version = ReturnVersion.objects.create(
        site_return=sr,
        number=sr.version,
        kind=kind,
        values=values,
        request_key=request_key or None,
        editor=editor,
        form_number=sr.form_number,
    )
    if not submit:
        keep = max(1, int(getattr(settings, "KLAPPT_KEEP_DRAFTS", 20)))
        old = list(
            sr.versions.filter(kind__in=(VersionKind.DRAFT, VersionKind.AUTOSAVE))
            .order_by("-number")
            .values_list("pk", flat=True)[keep:]
        )
        if old:
            ReturnVersion.objects.filter(pk__in=old).delete()
    return version


def _drops_entries(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when a repeat in ``after`` has fewer entries than in ``before``."""
    return any(
        isinstance(entries, list) and len(after.get(name) or []) < len(entries)
        for name, entries in before.items()
    )


def refresh_wave(w: Wave, columns: list[str], changed: Return, new_return: bool = True) -> None:
    """The wave's summary of its returns, as ``klappt tabulate --wave`` reads it: header, count,
    a marker of the returns' state (so the analysis snapshot is rebuilt), and an empty report
    (recomputed).

    The marker chains the previous one with the return that changed: re-hashing every return
    would hold the wave's lock longer the more sites have submitted (6 of 20 ms per submit on
    PostgreSQL with 54 returns), and every submit of the wave waits for that lock."""
    h = hashlib.sha256((w.data_sha256 or "").encode())
    h.update(
        json.dumps([changed.return_id, changed.values], sort_keys=True, ensure_ascii=False).encode()
    )
    # columns of an earlier questionnaire stay (its returns keep their answers in the data)
    w.columns = list(columns) + [c for c in (w.columns or []) if c not in columns]
    if new_return or not w.responses:  # a changed return does not change the count
        w.responses = Return.objects.filter(wave=w).count()
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
