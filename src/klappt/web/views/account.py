"""The signed-in user's own password, and an administrator's reset of another's (issue 16).

Changing one's own password is Django's :class:`~django.contrib.auth.views.PasswordChangeView`
(the old password first; the session stays signed in, other sessions of the account end). An
administrator -- a user who may create programs: a coordinator of every program or a superuser
-- sets a new password for another account by its user name (``klappt password NAME`` does the
same on the command line); the account's sessions end with it. Both use the one password policy
(:mod:`klappt.web.passwords`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from klappt.web.passwords import problems


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "klappt_web/account_password.html"
    success_url = reverse_lazy("klappt_web:home")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response

    def get_context_data(self, **kwargs: Any) -> Any:
        from klappt.web import access

        context = super().get_context_data(**kwargs)
        context["may_reset"] = access.may_create_programs(self.request.user)
        return context


class ResetForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, actor: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = (data.get("username") or "").strip()
        user = get_user_model().objects.filter(username=name).first() if name else None
        if name and user is None:
            self.add_error("username", _("There is no account with this user name."))
        elif user is not None and user.is_superuser and not self.actor.is_superuser:
            # no way up: only a superuser resets a superuser's password
            self.add_error("username", _("Only a superuser may reset this account's password."))
            user = None
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first and user is not None:
            wrong = problems(first, user)
            if wrong:
                self.add_error("password1", wrong)
        data["user"] = user
        return data


@never_cache
def reset_other(request: Any) -> Any:
    """An administrator sets a new password for another account."""
    form = ResetForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        user.set_password(form.cleaned_data["password1"])
        user.save(update_fields=["password"])
        messages.success(
            request,
            _("The password of %(name)s was reset; their open sessions have ended.")
            % {"name": user.get_username()},
        )
        return redirect("klappt_web:password_reset_other")
    return render(request, "klappt_web/account_reset.html", {"form": form})
