"""The WSGI application of ``klappt serve`` (gunicorn loads ``klappt.web.wsgi:application``)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klappt.web.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
