"""Replacing a wave's questionnaire after sites have started (issue 16).

A new version of the form is read and checked first (a form that fails to parse changes
nothing). Then every return already there is held against it: answers are carried over by
question name; what no longer fits (a question removed, a choice removed, a changed type, an
answer the new form's checks refuse) is listed per site, and only then does the coordinator
confirm. Nothing is dropped silently: each return keeps the version it was made with (its
earlier :class:`~klappt.web.models.ReturnVersion` rows are never touched), a carried-over
working copy is a new version of kind ``form`` naming what did not fit, and submitted returns
keep the form number they were made with (``_form_version`` in the data).

The uploaded form waits as a :class:`~klappt.web.models.FormVersion` with number 0 (staged)
between the check and the confirmation, so the confirmation applies exactly the file shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE
from klappt.responses.one_return import Rules
from klappt.store.models import Wave
from klappt.web import instruments
from klappt.web.answers import answer_questions, cleaned
from klappt.web.choicechanges import ChoiceChange, choice_changes
from klappt.web.models import FormVersion, ReturnVersion, SiteReturn, Status, VersionKind

#: the number of a form uploaded and checked, not yet confirmed
STAGED = 0
#: the problems of the new form's checks that mean "the carried answer no longer fits"
MISFIT_CODES = frozenset(
    {"unknown_choice", "not_a_number", "not_an_integer", "not_a_date", "constraint"}
)


@dataclass(frozen=True)
class Misfit:
    question: str  # the question's name (``projekte[2]/q`` inside a repeat)
    label: str
    value: str
    problem: str  # in the page's language


@dataclass
class SitePlan:
    site_return: SiteReturn
    carried: int = 0  # answers carried over unchanged
    misfits: list[Misfit] = field(default_factory=list)
    #: submitted and unchanged since: the submitted return stays with its form number
    keeps_form: bool = False

    @property
    def site_name(self) -> str:
        site = self.site_return.site
        return site.name if site is not None else "–"


@dataclass
class Plan:
    """What replacing the form would do."""

    new_number: int
    title: str
    sites: list[SitePlan]
    added: list[str]  # question names new in the form
    removed: list[str]  # question names no longer in it
    #: per question in both forms: choices added, removed, renamed, relabelled
    choices: list[ChoiceChange] = field(default_factory=list)

    @property
    def misfits(self) -> int:
        return sum(len(s.misfits) for s in self.sites)


def current_number(wave: Wave) -> int:
    """The number of the wave's questionnaire now (1 for a wave never replaced)."""
    last = (
        FormVersion.objects.filter(wave=wave, number__gt=STAGED)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return last or 1


def form_of(wave: Wave, number: int) -> Any:
    """The questionnaire ``number`` of the wave, as :mod:`klappt.web.instruments` reads it
    (the wave itself for its current form)."""
    if number == current_number(wave):
        return wave
    kept = FormVersion.objects.filter(wave=wave, number=number).first()
    return kept if kept is not None else wave


def shown_number(wave: Wave, sr: SiteReturn | None) -> int:
    """The questionnaire a return's page shows it in: that of its submitted version (the one
    the data hold), else that of its working copy."""
    if sr is None:
        return current_number(wave)
    if sr.submitted_version is not None:
        v = sr.versions.filter(number=sr.submitted_version).values_list("form_number", flat=True)
        return v.first() or sr.form_number
    return sr.form_number


def staged(wave: Wave) -> FormVersion | None:
    return FormVersion.objects.filter(wave=wave, number=STAGED).first()


def stage(wave: Wave, data: bytes, filename: str, author: str) -> FormVersion:
    """Read and check the new form (``KlapptError`` and nothing written when it is broken),
    then keep it as the staged form of the wave (replacing an earlier staged one)."""
    form = instruments.read_form_bytes(data, filename)
    with transaction.atomic():
        FormVersion.objects.filter(wave=wave, number=STAGED).delete()
        return FormVersion.objects.create(
            wave=wave,
            number=STAGED,
            form_file=data,
            form_filename=instruments.safe_filename(filename, "form.xlsx"),
            form_sha256=instruments.sha256(data),
            form_title=form.title,
            form_version=form.version or "",
            author=author,
        )


def _label(rules: Rules, name: str, lang: str | None) -> str:
    q = rules.form.question(name)
    return (q.label(lang, rules.form.default_language) if q else "") or name


def _answers(values: dict[str, Any]) -> dict[str, str]:
    """The answered questions of a working copy: ``q`` and ``repeat[i]/q`` → text."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, list):
            for i, entry in enumerate(value, start=1):
                if isinstance(entry, dict):
                    for q, v in entry.items():
                        if v not in (None, ""):
                            out[f"{name}[{i}]/{q}"] = str(v)
        elif value not in (None, ""):
            out[name] = str(value)
    return out


def _type_name(q: Any) -> str:
    return f"{q.type} {q.list_name}" if q.type in (SELECT_ONE, SELECT_MULTIPLE) else q.type


def check_site(old: Rules, new: Rules, sr: SiteReturn, lang: str | None) -> SitePlan:
    """What the site's working copy keeps and what no longer fits under ``new``."""
    plan = SitePlan(sr, keeps_form=sr.status == Status.SUBMITTED and not sr.pending_changes)
    values = dict(sr.values or {})
    answers = _answers(values)
    problems = new.problems(cleaned(new, carry(new, values)))
    for key, text in answers.items():
        name = key.rsplit("/", 1)[-1]
        before, after = old.form.question(name), new.form.question(name)
        if after is None:
            plan.misfits.append(
                Misfit(
                    key,
                    _label(old, name, lang),
                    text,
                    _(
                        "The question is no longer in the form; the answer stays in the earlier version."
                    ),
                )
            )
            continue
        found = []
        codes = [c for c in problems.get(key, ()) if c in MISFIT_CODES]
        # a number still fits when only the kind of number changed and it is one of the new
        # kind (a decimal question become an integer one and the answer "2"); judged on the
        # value itself, since the new form's checks skip a question it does not ask
        renumbered = (
            before is not None
            and {before.type, after.type} <= set(NUMERIC_TYPES)
            and not codes
            and (after.type == "decimal" or re.fullmatch(r"[-+]?\d+", text.strip()) is not None)
        )
        if before is not None and _type_name(before) != _type_name(after) and not renumbered:
            found.append(
                _("The type changed from %(old)s to %(new)s.")
                % {"old": _type_name(before), "new": _type_name(after)}
            )
        if after.type in (SELECT_ONE, SELECT_MULTIPLE):
            gone = [t for t in text.split() if after.choice(t) is None]
            if gone:
                found.append(
                    _("Choice no longer offered: %(choices)s.") % {"choices": ", ".join(gone)}
                )
        if codes and not found:
            found.append(
                _("The new form does not accept this answer (%(codes)s).")
                % {"codes": ", ".join(codes)}
            )
        if found:
            plan.misfits.append(Misfit(key, _label(new, name, lang), text, " ".join(found)))
        else:
            plan.carried += 1
    return plan


def carry(new: Rules, values: dict[str, Any]) -> dict[str, Any]:
    """The answers the new form has a question for, by name (each repeat's entries likewise)."""
    main = {q.name for q in answer_questions(new.form)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list) and name in new.entries:
            inner = {r.name for r in new.entries[name]}
            out[name] = [
                {k: v for k, v in e.items() if k in inner} for e in value if isinstance(e, dict)
            ]
        elif name in main:
            out[name] = value
    return out


def plan(wave: Wave, new_form: Any, lang: str | None) -> Plan:
    """Hold every return of the wave against ``new_form`` (a staged :class:`FormVersion`)."""
    old, new = instruments.rules(wave), instruments.rules(new_form)
    rets = (
        SiteReturn.objects.filter(wave=wave, version__gt=0)
        .select_related("site")
        .order_by("site__position", "site__site_id")
    )
    old_names = {q.name for q in old.form.questions if q.type != "note"}
    new_names = {q.name for q in new.form.questions if q.type != "note"}
    return Plan(
        new_number=current_number(wave) + 1,
        title=new.form.title,
        sites=[check_site(old, new, sr, lang) for sr in rets],
        added=[q.name for q in new.form.questions if q.type != "note" and q.name not in old_names],
        removed=[
            q.name for q in old.form.questions if q.type != "note" and q.name not in new_names
        ],
        choices=choice_changes(old.form, new.form, lang),
    )


def apply(wave: Wave, new_form: FormVersion, author: str, lang: str | None) -> Plan:
    """Make the staged form the wave's: the earlier form is kept with its number, every
    working copy in progress is carried over (a new version naming what did not fit), a
    submitted return without newer changes keeps its form number. One transaction."""
    result = plan(wave, new_form, lang)
    with transaction.atomic():
        w = Wave.objects.select_for_update().get(pk=wave.pk)
        number = current_number(w)
        if not FormVersion.objects.filter(wave=w, number=number).exists():
            FormVersion.objects.create(
                wave=w,
                number=number,
                form_file=bytes(w.form_file),
                form_filename=w.form_filename,
                form_sha256=w.form_sha256,
                form_title=w.form_title,
                form_version=w.form_version,
            )
        new = instruments.rules(new_form)
        FormVersion.objects.filter(pk=new_form.pk).update(
            number=number + 1, author=author, created_at=timezone.now()
        )
        w.form_file = bytes(new_form.form_file)
        w.form_filename = new_form.form_filename
        w.form_sha256 = new_form.form_sha256
        w.form_title = new.form.title
        w.form_id = new.form.form_id
        w.form_version = new.form.version or ""
        # the stored validation report was made against the old form: recomputed on next use
        # (``klappt tabulate --wave``), so it names what the new form cannot count
        w.report = {}
        w.save()
        for site_plan in result.sites:
            if site_plan.keeps_form:
                continue
            sr = SiteReturn.objects.select_for_update().get(pk=site_plan.site_return.pk)
            sr.version += 1
            sr.values = carry(new, dict(sr.values or {}))
            sr.form_number = number + 1
            sr.save()
            reason = "; ".join(f"{m.question}: {m.problem.rstrip('.')}" for m in site_plan.misfits)
            ReturnVersion.objects.create(
                site_return=sr,
                number=sr.version,
                kind=VersionKind.FORM,
                values=sr.values,
                author=author,
                reason=reason,
                form_number=number + 1,
            )
    result.new_number = number + 1
    return result
