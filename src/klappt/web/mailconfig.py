"""The mail relay from the environment: ``KLAPPT_EMAIL_URL`` and ``KLAPPT_EMAIL_FROM``.

``KLAPPT_EMAIL_URL`` is parsed here with :mod:`urllib.parse` into Django's ``EMAIL_*`` settings:

* ``smtp://relay.example.org:25`` – plain SMTP (a relay in the same network, e.g. Postfix);
* ``smtp://user:password@relay.example.org:587?tls=starttls`` – STARTTLS (Exchange/Office 365
  submission port);
* ``smtps://user:password@relay.example.org:465`` – TLS from the first byte.

User and password are percent-decoded (``%40`` for an ``@`` in a user name). Query parameters:
``tls=starttls|none`` (smtp only) and ``timeout=SECONDS`` (default 30). Anything else is a
:class:`KlapptError` (``MAIL_001``) naming the problem, never a traceback. The web settings read
it once at start-up and keep the error, so a server with a broken URL still starts, says on every
mail screen that no mail can be sent, and ``klappt serve``/``klappt mail`` stop with the message.

No Django import here: the settings module uses it before Django is set up.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from klappt.errors import ErrorCode, KlapptError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_TIMEOUT = 30
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class MailConfig:
    """What the environment says about sending mail."""

    url: str = ""  # as given, for nothing but the message (never shown with its password)
    settings: dict[str, Any] = field(default_factory=dict)  # Django's EMAIL_* settings
    sender: str = ""
    error: KlapptError | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings) and self.error is None


def redact(url: str) -> str:
    """The URL without its password (for messages), also when it cannot be parsed."""
    head, sep, rest = url.partition("//")
    if not sep:
        head, rest = "", url
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        user, _at, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else netloc
    return head + sep + netloc + slash + tail


def _bad(url: str, detail: str) -> KlapptError:
    return KlapptError(ErrorCode.MAIL_001, url=redact(url), detail=detail)


def parse_email_url(url: str) -> dict[str, Any]:
    """Django's ``EMAIL_*`` settings for ``url``; ``KlapptError(MAIL_001)`` when it is malformed."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a port that is no number, a broken IPv6 address
        raise _bad(text, "port") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _bad(text, f"{parts.scheme or '(scheme)'}://")
    if not parts.hostname:
        raise _bad(text, "host=")
    if parts.path not in ("", "/"):
        raise _bad(text, parts.path)
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad(text, f"?{parts.query}") from None
    options = {k.lower(): v.strip().lower() for k, v in query}
    unknown = sorted(set(options) - {"tls", "timeout"})
    if unknown:
        raise _bad(text, f"{unknown[0]}=")
    tls = options.get("tls", "")
    if scheme == "smtps" and tls not in ("", "ssl", "tls"):
        raise _bad(text, f"smtps:// + tls={tls}")
    if scheme == "smtp" and tls not in ("", "none", "starttls"):
        raise _bad(text, f"tls={tls}")
    try:
        timeout = int(options.get("timeout", DEFAULT_TIMEOUT))
        if not 1 <= timeout <= 600:
            raise ValueError
    except ValueError:
        raise _bad(text, f"timeout={options.get('timeout')}") from None
    if port is not None and not 0 < port < 65536:
        raise _bad(text, f"port={port}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or DEFAULT_PORTS[scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp" and tls == "starttls",
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_TIMEOUT": timeout,
    }


def number(name: str, default: float) -> float:
    """A number from the environment; the default when it is unset or no number."""
    try:
        return float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return float(default)


def from_environment(env: dict[str, str] | None = None) -> MailConfig:
    """The relay and sender of ``env`` (default: the process's environment); never raises."""
    env = os.environ if env is None else env
    url = env.get("KLAPPT_EMAIL_URL", "").strip()
    sender = env.get("KLAPPT_EMAIL_FROM", "").strip()
    if not url:
        return MailConfig(sender=sender)
    try:
        settings = parse_email_url(url)
    except KlapptError as exc:
        return MailConfig(url=url, sender=sender, error=exc)
    plain = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    if not _ADDRESS.match(plain):
        error = KlapptError(ErrorCode.MAIL_011, value=sender)
        return MailConfig(url=url, settings=settings, sender=sender, error=error)
    return MailConfig(url=url, settings=settings, sender=sender)
