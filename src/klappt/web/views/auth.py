"""Log in and out (Django's authentication), with failed logins rate-limited per address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _

from klappt.web import ratelimit
from klappt.web.views.errors import problem


class LoginView(auth_views.LoginView):
    template_name = "klappt_web/login.html"
    redirect_authenticated_user = True

    def _key(self) -> str:
        return f"login:{ratelimit.client_address(self.request)}"

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if ratelimit.blocked(self._key(), settings.KLAPPT_LOGIN_FAILURES):
            return problem(
                request,
                _("Too many attempts"),
                _("Too many failed logins from this address. Please wait 15 minutes."),
                429,
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> Any:
        ratelimit.fail(self._key())
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> Any:
        ratelimit.reset(self._key())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    pass
