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
from django.utils.translation import gettext_lazy as _lazy

from klappt.instrument.readers import FORM_SUFFIXES
from klappt.store.models import Program, Wave
from klappt.web.models import Role
from klappt.web.register import REGISTER_SUFFIXES


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
    name = forms.CharField(label=_lazy("Name of the program"), max_length=200)

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
    name = forms.CharField(label=_lazy("Name of the wave (e.g. 2024)"), max_length=100)
    form_file = forms.FileField(
        label=_lazy("Questionnaire (XLSForm: .xlsx, .xls, .csv or .md)"),
        help_text=_lazy("The form is checked right away; problems are named with sheet and row."),
    )
    deadline = forms.DateField(
        label=_lazy("Deadline (shown to the sites)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Please give the wave a name."))
        if Wave.objects.filter(program=self.program, name=name).exists():
            raise forms.ValidationError(_("This program has a wave of this name already."))
        return name

    def clean_form_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("form_file"), FORM_SUFFIXES)


class ReplaceFormForm(forms.Form):
    form_file = forms.FileField(label=_lazy("New questionnaire (XLSForm)"))

    def clean_form_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("form_file"), FORM_SUFFIXES)


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_lazy("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "short"}, format="%Y-%m-%d"),
    )


def deadline_datetime(day: Any) -> Any:
    """The end of the deadline's day in the server's time zone."""
    if day is None:
        return None
    import datetime as dt

    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class RegisterForm(forms.Form):
    register_file = forms.FileField(
        label=_lazy("Site register (CSV or Excel)"),
        help_text=_lazy(
            "One row per site with the columns name (required), site_id, typ, email and any "
            "further attributes."
        ),
    )

    def clean_register_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("register_file"), REGISTER_SUFFIXES)


class SiteForm(forms.Form):
    name = forms.CharField(label=_lazy("Name"), max_length=300)
    typ = forms.CharField(label=_lazy("Type"), max_length=100, required=False)
    email = forms.EmailField(label=_lazy("Contact e-mail"), required=False)


class MemberForm(forms.Form):
    username = forms.CharField(label=_lazy("User name"), max_length=150)
    password = forms.CharField(
        label=_lazy("Initial password (for a new account)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        min_length=10,
    )
    role = forms.ChoiceField(label=_lazy("Role"), choices=Role.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = (data.get("username") or "").strip()
        exists = get_user_model().objects.filter(username=name).exists()
        if name and not exists and not data.get("password"):
            raise forms.ValidationError(
                _("A new account needs an initial password (10 characters or more).")
            )
        return data
