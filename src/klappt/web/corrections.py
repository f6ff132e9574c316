"""The coordinator's changes to a return: a correction, a re-opening, and the history.

A site reports a typo by phone: the coordinator corrects the submitted return. A larger change
is the site's own: the coordinator re-opens the return, and the site changes and submits it
again through its link, also after the wave closed. Either way the change is a new
:class:`~klappt.web.models.ReturnVersion` with who (``author``), when and why (``reason``);
earlier versions are never changed, and any two versions can be compared (:func:`compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klappt.errors import ErrorCode, KlapptError
from klappt.responses.one_return import Rules
from klappt.store.models import Wave
from klappt.web import instruments
from klappt.web.answers import answer_questions, cleaned, export_columns
from klappt.web.formchange import form_of
from klappt.web.models import ReturnVersion, SiteReturn, Status, VersionKind
from klappt.web.returns import (
    check,
    refresh_wave,
    with_form_column,
    write_official,
)

#: longest reason kept (characters)
MAX_REASON = 2000


@dataclass(frozen=True)
class Corrected:
    version: ReturnVersion | None
    errors: dict[str, list[str]]
    changed: list[str]  # question names whose answer changed


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())[:MAX_REASON]
    if not reason:
        raise KlapptError(ErrorCode.RETURN_001)
    return reason


def correct(
    wave: Wave,
    sr: SiteReturn,
    answers: dict[str, Any],
    author: str,
    reason: str,
    lang: str | None = None,
    base_version: int | None = None,
) -> Corrected:
    """Correct the submitted return ``sr``: ``answers`` (question name → text; a repeat's name
    → its entries, each ``{question: text}``) replace those answers of the submitted version;
    a repeat not in ``answers`` keeps its entries. Entries are added, changed and removed so.

    The corrected return is checked as a site's submit is; with problems nothing is written and
    they are returned by question. Nothing changed → nothing written. Works on a closed wave
    too: a correction is the coordinator's, not the site's. ``base_version``: the submitted
    version the correction was made on; another one by now → ``RETURN_008``, nothing written."""
    reason = _reason(reason)
    with transaction.atomic():
        sr = SiteReturn.objects.select_for_update(of=("self",)).select_related("site").get(pk=sr.pk)
        if sr.submitted_version is None or sr.site is None:
            raise KlapptError(ErrorCode.RETURN_002, site=sr.site.name if sr.site else "–")
        if base_version is not None and sr.submitted_version != base_version:
            # corrected (or submitted again) since the page was loaded: its answers are stale
            raise KlapptError(ErrorCode.RETURN_008, site=sr.site.name)
        number, rules = rules_of(wave, sr)
        base = submitted(sr)
        values = dict(base)
        values.update(answers)
        record = cleaned(rules, values)
        errors = check(rules, record, lang)
        for name, value in answers.items():
            # an answer to a question that does not apply would be dropped: say so instead
            if isinstance(value, list):
                _entries_kept(name, value, record.get(name), errors)
            elif value not in (None, "") and record.get(name) is None and name in record:
                errors.setdefault(name, []).append(
                    _(
                        "This question does not apply to the other answers; the answer would "
                        "not be kept."
                    )
                )
        if errors:
            return Corrected(None, errors, [])
        before, after = _flat(cleaned(rules, base)), _flat(record)
        # ``projekte[2]/titel`` for an answer inside a repeat; an entry removed changes its keys
        changed = [k for k in {**before, **after} if before.get(k, "") != after.get(k, "")]
        changed += [
            r
            for r in rules.repeats
            if len(base.get(r) or []) != len(record.get(r) or []) and r not in changed
        ]
        if not changed:
            return Corrected(None, {}, [])
        now = timezone.now()
        sr.version += 1
        sr.submitted_version = sr.version
        if not sr.pending_changes:  # the site's unsent changes stay its working copy
            sr.values = record
            sr.form_number = number
        sr.save()
        version = ReturnVersion.objects.create(
            site_return=sr,
            number=sr.version,
            kind=VersionKind.CORRECTION,
            values=record,
            author=author,
            reason=reason,
            form_number=number,
        )
        w = Wave.objects.select_for_update(of=("self",)).defer("form_file").get(pk=wave.pk)
        columns = list(w.columns or [])
        columns += [c for c in with_form_column(export_columns(rules.form)) if c not in columns]
        ret, new_return = write_official(
            wave, sr.site, sr, record, columns, now, submitted_at=sr.submitted_at, form=number
        )
        refresh_wave(w, with_form_column(columns), ret, new_return)
    return Corrected(version, {}, changed)


def _entries_kept(repeat: str, given: list[Any], kept: Any, errors: dict[str, list[str]]) -> None:
    """An entry's answer to a question that does not apply in that entry would be dropped:
    named by its field (``projekte[2]/titel``) instead."""
    kept = kept if isinstance(kept, list) else []
    for i, entry in enumerate(given, start=1):
        if not isinstance(entry, dict):
            continue
        own = kept[i - 1] if i <= len(kept) and isinstance(kept[i - 1], dict) else {}
        for q, value in entry.items():
            if value not in (None, "") and own.get(q) is None and q in own:
                errors.setdefault(f"{repeat}[{i}]/{q}", []).append(
                    _(
                        "This question does not apply to the other answers; the answer would "
                        "not be kept."
                    )
                )


def rules_of(wave: Wave, sr: SiteReturn) -> tuple[int, Rules]:
    """The questionnaire the submitted return was made with (number, checks): a correction
    keeps the return in its form, also after the wave's form was replaced."""
    v = sr.versions.filter(number=sr.submitted_version).first()
    number = v.form_number if v is not None else sr.form_number
    return number, instruments.rules(form_of(wave, number))


def submitted(sr: SiteReturn) -> dict[str, Any]:
    v = sr.versions.filter(number=sr.submitted_version).first()
    return dict(v.values) if v is not None else dict(sr.values)


def reopen(sr: SiteReturn, author: str, reason: str) -> ReturnVersion:
    """Give the return back to its site: the site's link opens the form again (also when the
    wave is closed) until the site submits. The submitted data stay in the results until then."""
    reason = _reason(reason)
    with transaction.atomic():
        sr = SiteReturn.objects.select_for_update().get(pk=sr.pk)
        sr.version += 1
        sr.reopened_at = timezone.now()
        if sr.status == Status.SUBMITTED:
            sr.pending_changes = True
        sr.save()
        return ReturnVersion.objects.create(
            site_return=sr,
            number=sr.version,
            kind=VersionKind.REOPEN,
            values=sr.values,
            author=author,
            reason=reason,
            form_number=sr.form_number,
        )


@dataclass(frozen=True)
class Change:
    question: str
    label: str
    before: str
    after: str


def _flat(values: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (values or {}).items():
        if isinstance(value, list):
            for i, entry in enumerate(value, start=1):
                if isinstance(entry, dict):
                    for q, v in entry.items():
                        out[f"{name}[{i}]/{q}"] = "" if v is None else str(v)
        elif not isinstance(value, dict):
            out[name] = "" if value is None else str(value)
    return out


def compare(rules: Rules, a: ReturnVersion, b: ReturnVersion, lang: str | None) -> list[Change]:
    """The answers that differ between versions ``a`` and ``b``, in the form's order (answers
    of questions the form no longer has come last)."""
    fa, fb = _flat(a.values), _flat(b.values)
    order = {q.name: i for i, q in enumerate(rules.form.questions)}
    keys = [k for k in {*fa, *fb} if fa.get(k, "") != fb.get(k, "")]

    def place(key: str) -> tuple[int, str]:
        return (order.get(key.rsplit("/", 1)[-1], len(order)), key)

    out = []
    for key in sorted(keys, key=place):
        q = rules.form.question(key.rsplit("/", 1)[-1])
        label = (q.label(lang, rules.form.default_language) if q else "") or key
        out.append(Change(key, label, fa.get(key, ""), fb.get(key, "")))
    return out


def main_questions(rules: Rules) -> list[Any]:
    """The questions a correction may change: the main table's, without calculations."""
    return [q for q in answer_questions(rules.form) if q.type != "calculate"]


def history_rows(sr: SiteReturn) -> list[ReturnVersion]:
    return list(sr.versions.order_by("-number"))


def who(version: ReturnVersion) -> str:
    return version.author or _("the site")
