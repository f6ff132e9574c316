"""The web app's URLs plus one screen without a row in the permission table (test_permissions)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path

from klappt.web.urls import urlpatterns as app_patterns


def unlisted(request: Any) -> HttpResponse:
    return HttpResponse("offen für alle")


urlpatterns = [*app_patterns, path("unlisted/", unlisted, name="unlisted")]
