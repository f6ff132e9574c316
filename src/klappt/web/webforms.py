"""Django forms of the coordinator pages: what a request may contain, checked before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy  # not aliased: makemessages finds only this name

from klappt.instrument.readers import FORM_SUFFIXES
from klappt.store.models import Program, Wave
from klappt.web.models import Role
from klappt.web.passwords import problems
from klappt.web.register import REGISTER_SUFFIXES
from klappt.web.schedule import MAX_GRACE_DAYS, end_of_day


def _check_upload(f: Any, suffixes: tuple[str, ...]) -> Any:
    if f is None:
        return f
    limit = settings.KLAPPT_MAX_UPLOAD
    if f.size > limit:
        raise forms.ValidationError(
            _("The file is too large (%(size).1f MB; at most %(limit).0f MB).")
            % {"size": f.size / 1048576, "limit": limit / 1048576}
        )
    if Path(f.name).suffix.lower() not in suffixes:
        raise forms.ValidationError(
            _("Please upload a file of type %(types)s.") % {"types": ", ".join(suffixes)}
        )
    if f.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    return f


class ProgramForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the program"), max_length=200)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)[:100]
        if not slug:
            raise forms.ValidationError(_("Please use letters or digits in the name."))
        if Program.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A program with this name exists already."))
        self.cleaned_data["slug"] = slug
        return name


class WaveForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the wave (e.g. 2024)"), max_length=100)
    #: issue 16: a wave can start from an earlier wave's questionnaire (a copy, then replaced)
    from_wave = forms.TypedChoiceField(
        label=gettext_lazy("Start from the questionnaire of wave"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy(
            "A copy: change it later under “Replace the questionnaire”. Or upload a file below."
        ),
    )
    form_file = forms.FileField(
        label=gettext_lazy("Questionnaire (XLSForm: .xlsx, .xls, .csv or .md)"),
        help_text=gettext_lazy(
            "The form is checked right away; problems are named with sheet and row."
        ),
        required=False,
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline (shown to the sites)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        earlier = Wave.objects.filter(program=program).defer("form_file").order_by("-created_at")
        choices = [(w.pk, f"{w.name}: {w.form_title}") for w in earlier]
        if choices:
            self.fields["from_wave"].choices = [("", _("– none: upload a file –")), *choices]
        else:
            del self.fields["from_wave"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            not data.get("form_file")
            and not data.get("from_wave")
            and not self.errors.get("form_file")
        ):
            self.add_error(
                "form_file",
                _("Please upload a questionnaire or start from an earlier wave's.")
                if "from_wave" in self.fields
                else _("Please upload a questionnaire."),
            )
        return data

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please give the wave a name."))
        if Wave.objects.filter(program=self.program, name=name).exists():
            raise forms.ValidationError(_("This program has a wave of this name already."))
        return name

    def clean_form_file(self) -> Any:
        upload = self.cleaned_data.get("form_file")
        return _check_upload(upload, FORM_SUFFIXES) if upload else None


class ReplaceFormForm(forms.Form):
    form_file = forms.FileField(label=gettext_lazy("New questionnaire (XLSForm)"))

    def clean_form_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("form_file"), FORM_SUFFIXES)


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
    )
    grace_days = forms.IntegerField(
        label=gettext_lazy("Close the wave automatically this many days after the deadline"),
        help_text=gettext_lazy(
            "Empty: the wave stays open until you close it (late returns are still accepted). "
            "0: at the end of the deadline's day."
        ),
        required=False,
        min_value=0,
        max_value=MAX_GRACE_DAYS,
        widget=forms.NumberInput(attrs={"class": "short", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("grace_days") is not None and data.get("deadline") is None:
            self.add_error(
                "grace_days", _("Automatic closing needs a deadline: please set one first.")
            )
        return data


class LinkExpiryForm(forms.Form):
    expires = forms.DateField(
        label=gettext_lazy("Link valid until (empty: until it is revoked)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
    )

    def clean_expires(self) -> Any:
        day = self.cleaned_data.get("expires")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Please choose today or a later day."))
        return day


def deadline_datetime(day: Any) -> Any:
    """The end of the deadline's day in the server's time zone."""
    return None if day is None else end_of_day(day)


class RegisterForm(forms.Form):
    register_file = forms.FileField(
        label=gettext_lazy("Site register (CSV or Excel)"),
        help_text=gettext_lazy(
            "One row per site with the columns name (required), site_id, typ, email and any "
            "further attributes."
        ),
    )

    def clean_register_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("register_file"), REGISTER_SUFFIXES)


class SiteForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    typ = forms.CharField(label=gettext_lazy("Type"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("Contact e-mail"), required=False)


class MemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Initial password (for a new account)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = (data.get("username") or "").strip()
        exists = get_user_model().objects.filter(username=name).exists()
        if name and not exists and not data.get("password"):
            raise forms.ValidationError(
                _("A new account needs an initial password (10 characters or more).")
            )
        if name and not exists:  # the same policy as ``klappt createuser``
            wrong = problems(data["password"], get_user_model()(username=name))
            if wrong:
                self.add_error("password", wrong)
        return data
