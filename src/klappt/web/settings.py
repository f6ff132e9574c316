"""Django settings of the web app: the store's settings plus what a public web server needs.

Use it as ``DJANGO_SETTINGS_MODULE=klappt.web.settings`` (``klappt serve``, ``klappt migrate``
and ``klappt createuser`` set it). Like the store's, everything comes from the environment:

* ``KLAPPT_PROJECT`` – the project folder (default: the current directory); the SQLite database
  lives in its ``.klappt/`` folder, or ``DATABASE_URL`` names another database.
* ``KLAPPT_SECRET_KEY`` – signs sessions and derives the sites' links. Without it the key is
  read from ``.klappt/secret_key`` (written with a random key on first use). Keep it: a new key
  makes every issued site link invalid.
* ``KLAPPT_ALLOWED_HOSTS`` – comma-separated host names (default: loopback only; ``klappt serve
  --host`` adds its host).
* ``KLAPPT_HTTPS=1`` – behind a TLS proxy: secure cookies, HSTS, ``X-Forwarded-Proto`` trusted.
* ``KLAPPT_BASE_URL`` – the public address used in the sites' links (default: the request's).
* ``KLAPPT_MAX_UPLOAD_MB`` – largest form or register upload (default 10).
* ``KLAPPT_TRUSTED_PROXIES`` – behind a reverse proxy: the number of proxies (``1``) or their
  addresses; only then is the client's address read from ``X-Forwarded-For``.
* ``KLAPPT_LINK_FAILURES`` / ``KLAPPT_LOGIN_FAILURES`` – free failures per address (and account)
  before the growing delays start (20 / 10); ``KLAPPT_KEEP_DRAFTS`` – draft versions kept per
  return (20).
* ``KLAPPT_DEBUG=1`` – Django's debug pages (never on a public server).
* ``KLAPPT_EMAIL_URL``, ``KLAPPT_EMAIL_FROM`` – the mail relay and sender (see
  :mod:`klappt.web.mailconfig`); ``KLAPPT_EMAIL_PER_MINUTE`` (30), ``KLAPPT_EMAIL_ATTEMPTS`` (5),
  ``KLAPPT_EMAIL_RETRY_SECONDS`` (60, doubled after each failure), ``KLAPPT_EMAIL_LEASE_SECONDS``
  (300): the outbox's pace, retries and how long a claimed message is held (``klappt.web.outbox``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from klappt.store import settings as _store
from klappt.store.settings import *  # noqa: F403 - the web app extends the store's settings

WEB_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(_store.KLAPPT_PROJECT_DIR)
SECRET_KEY_FILE = "secret_key"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "ja", "on")


def secret_key(project: Path) -> str:
    """``KLAPPT_SECRET_KEY``, else the project's key file (created on first use), else the store's.

    The key file is written with mode 0600 only when the project's ``.klappt`` folder exists,
    so importing these settings outside a project creates nothing.
    """
    env = os.environ.get("KLAPPT_SECRET_KEY", "").strip()
    if env:
        return env
    state = project / _store.STATE_DIR
    path = state / SECRET_KEY_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    if state.is_dir():
        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            return path.read_text(encoding="utf-8").strip() or key
        except OSError:
            return _store.SECRET_KEY
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        return key
    return _store.SECRET_KEY


def _database() -> dict[str, Any]:
    db = dict(_store.DATABASES["default"])
    # keep connections between requests: a new PostgreSQL connection costs milliseconds, a new
    # SQLite one repeats its set-up pragmas
    db.setdefault("CONN_MAX_AGE", 60)
    db["CONN_HEALTH_CHECKS"] = True
    return db


DEBUG = _flag("KLAPPT_DEBUG")
SECRET_KEY = secret_key(PROJECT_DIR)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("KLAPPT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
DATABASES = {"default": _database()}

INSTALLED_APPS = [
    *_store.INSTALLED_APPS,
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "klappt.web.apps.WebConfig",
]
MIDDLEWARE = [
    # outermost: compresses what every other middleware made (brotli or gzip, middleware.py)
    "klappt.web.middleware.CompressionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "klappt.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "klappt.web.middleware.LanguageMiddleware",
    "klappt.web.middleware.UploadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "klappt.web.permissions.PermissionMiddleware",  # the one table of who may use which URL
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "klappt.web.urls"
WSGI_APPLICATION = "klappt.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# German first, English second; the form's own languages are picked per page
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [str(WEB_DIR / "locale")]
# dates as klappt.formatting writes them: 31.01.2027 / 31 Jan 2027, a 24-hour clock in both
FORMAT_MODULE_PATH = ["klappt.web.formats"]
LANGUAGE_COOKIE_NAME = "klappt_lang"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

STATIC_URL = "/static/"
# served straight from the package by WhiteNoise: no collectstatic step, no STATIC_ROOT
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "klappt_web:login"
LOGIN_REDIRECT_URL = "klappt_web:home"
LOGOUT_REDIRECT_URL = "klappt_web:login"
SESSION_COOKIE_NAME = "klappt_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # a working day
CSRF_COOKIE_NAME = "klappt_csrf"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "klappt.web.views.errors.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

SECURE_CONTENT_TYPE_NOSNIFF = True
# the sites' links carry their token in the path: never send it to another origin
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _flag("KLAPPT_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith("[")]

#: Largest upload (form or register), in bytes; bigger requests are refused before parsing.
KLAPPT_MAX_UPLOAD = int(float(os.environ.get("KLAPPT_MAX_UPLOAD_MB", "10")) * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = KLAPPT_MAX_UPLOAD
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form posts without files
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# An upload read row by row stops with a message on the page before gunicorn's 60 s timeout
# would end the request in a 500 (klappt.limits reads it; the command line keeps its 600 s).
os.environ.setdefault("KLAPPT_MAX_SECONDS", "45")
# issue 18: seconds one request of the site reports' ZIP spends rendering (then it goes on
# with the next request), so that a large program stays within gunicorn's 60 s
KLAPPT_SITE_ZIP_SECONDS = float(os.environ.get("KLAPPT_SITE_ZIP_SECONDS", "30"))
KLAPPT_BASE_URL = os.environ.get("KLAPPT_BASE_URL", "").strip().rstrip("/")
#: Failures (unknown, revoked or expired site links; wrong passwords) a client address (and,
#: for logins, an account) may have before each further failure waits: KLAPPT_RATE_DELAY
#: seconds, doubled with every failure, at most KLAPPT_RATE_MAX_DELAY (see ratelimit.py).
KLAPPT_LINK_FAILURES = int(os.environ.get("KLAPPT_LINK_FAILURES", "20"))
KLAPPT_LOGIN_FAILURES = int(os.environ.get("KLAPPT_LOGIN_FAILURES", "10"))
KLAPPT_RATE_DELAY = 5
KLAPPT_RATE_MAX_DELAY = 3600
#: a key's failures are forgotten after this many quiet seconds (after its last delay ended)
KLAPPT_RATE_WINDOW = 15 * 60
#: Behind a reverse proxy: the number of proxies in front of klappt (``1``), or their addresses
#: (``10.0.0.5,10.0.0.6`` or networks); the client's address is then read from X-Forwarded-For.
#: Empty (the default): the header is ignored, every client is the connecting address.
KLAPPT_TRUSTED_PROXIES = os.environ.get("KLAPPT_TRUSTED_PROXIES", "").strip()
#: Draft versions kept per return (older ones are removed; submitted versions always stay).
KLAPPT_KEEP_DRAFTS = int(os.environ.get("KLAPPT_KEEP_DRAFTS", "20"))

# e-mail: parsed once; a malformed URL is kept as the error every mail screen and command shows
from klappt.web import mailconfig as _mailconfig  # noqa: E402 - Django-free

KLAPPT_MAIL = _mailconfig.from_environment()
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # nothing pretends to send
if KLAPPT_MAIL.configured:
    globals().update(KLAPPT_MAIL.settings)
DEFAULT_FROM_EMAIL = KLAPPT_MAIL.sender or "klappt@localhost"
KLAPPT_EMAIL_PER_MINUTE = max(1, int(_mailconfig.number("KLAPPT_EMAIL_PER_MINUTE", 30)))
KLAPPT_EMAIL_ATTEMPTS = max(1, int(_mailconfig.number("KLAPPT_EMAIL_ATTEMPTS", 5)))
KLAPPT_EMAIL_RETRY_SECONDS = max(0.0, _mailconfig.number("KLAPPT_EMAIL_RETRY_SECONDS", 60))
KLAPPT_EMAIL_LEASE_SECONDS = max(1.0, _mailconfig.number("KLAPPT_EMAIL_LEASE_SECONDS", 300))

# no link token in any line, one line for a refused request (see logmask.py)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_tokens": {"()": "klappt.web.logmask.MaskTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "klappt.web": {"handlers": ["console"], "level": "INFO"},
    },
}
