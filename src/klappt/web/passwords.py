"""One password policy for every place a password is set: Django's ``AUTH_PASSWORD_VALIDATORS``
(settings: at least 10 characters, not like the user name, not a common password, not only
digits), with Django's messages in the page's or the command's language."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation


def problems(password: str, user: Any, lang: str | None = None) -> list[str]:
    """What is wrong with ``password`` for ``user`` (an unsaved user with its name will do);
    empty when the policy accepts it. ``lang``: ``de``/``en`` (default: the active language)."""
    with translation.override(lang or translation.get_language() or "de"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    return []
