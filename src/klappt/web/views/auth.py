"""Log in and out (Django's authentication), with password guessing slowed down.

Failed logins count per client address and per account (user name), with growing delays (see
:mod:`klappt.web.ratelimit`). While a delay runs, a login attempt is refused with 429 *before*
the password is checked; otherwise an attacker could go on guessing and read "wrong" from the
429. So that the owner keeps working while someone guesses their password, a successful login
leaves a signed *device cookie* in the browser (one per account, a year): a browser that holds
one for the account it logs in to is not refused for the account's or the address's failures;
its own failures count to its cookie alone. A browser that never logged in to the account waits
like the attacker does (documented in the web README).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core import signing
from django.utils.translation import gettext as _

from klappt.web import ratelimit
from klappt.web.views.errors import problem

DEVICE_COOKIE = "klappt_device"
DEVICE_SALT = "klappt.web.login-device"
DEVICE_AGE = 365 * 24 * 3600
_MAX_ACCOUNTS = 5  # accounts remembered per browser (a shared office PC)


def _devices(request: Any) -> dict[str, str]:
    """The browser's device cookie: {account key: nonce}; empty when missing or forged."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


class LoginView(auth_views.LoginView):
    template_name = "klappt_web/login.html"
    redirect_authenticated_user = True

    def _keys(self) -> tuple[str, str, str | None]:
        """(address key, account key, this browser's device key for the account or None)."""
        account = ratelimit.account_key(self.request.POST.get("username", ""))
        nonce = _devices(self.request).get(account)
        device = f"device:{nonce}" if nonce else None
        return f"login:{ratelimit.client_address(self.request)}", account, device

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        address, account, device = self._keys()
        if device is not None:
            wait = ratelimit.retry_after(device)
        else:
            wait = max(ratelimit.retry_after(address), ratelimit.retry_after(account))
        if wait:
            response = problem(
                request,
                _("Too many attempts"),
                _(
                    "Too many failed logins for this account or from this address. Please try "
                    "again in %(seconds)d seconds. A browser that has logged in to the account "
                    "before is not held up."
                )
                % {"seconds": wait},
                429,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> Any:
        if self.request.method == "POST":
            address, account, device = self._keys()
            free = settings.KLAPPT_LOGIN_FAILURES
            if device is not None:  # the owner's browser mistyping: only its own counter
                ratelimit.fail(device, free)
            else:
                ratelimit.fail(address, free)
                ratelimit.fail(account, free)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> Any:
        _address, account, device = self._keys()
        if device is not None:
            ratelimit.reset(device)
        # the address's and the account's counters stay: an attacker at the same address keeps
        # their delay when the owner logs in
        devices = _devices(self.request)
        devices.pop(account, None)
        devices[account] = secrets.token_hex(16)
        devices = dict(list(devices.items())[-_MAX_ACCOUNTS:])
        response = super().form_valid(form)
        response.set_cookie(
            DEVICE_COOKIE,
            signing.dumps(devices, salt=DEVICE_SALT, compress=True),
            max_age=DEVICE_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
        )
        return response


class LogoutView(auth_views.LogoutView):
    pass
