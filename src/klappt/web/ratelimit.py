"""Failures counted per client address in fixed windows, in the database (all workers share it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from klappt.web.models import RateBucket


def client_address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _window() -> timedelta:
    return timedelta(seconds=getattr(settings, "KLAPPT_RATE_WINDOW", 900))


def blocked(key: str, limit: int) -> bool:
    """True when ``key`` has ``limit`` or more failures in the current window."""
    b = RateBucket.objects.filter(key=key).first()
    return b is not None and timezone.now() - b.window_start < _window() and b.count >= limit


def fail(key: str) -> None:
    """Count one failure for ``key``."""
    now = timezone.now()
    start = now - _window()
    with transaction.atomic():
        if RateBucket.objects.filter(key=key, window_start__gt=start).update(count=F("count") + 1):
            return
        if RateBucket.objects.filter(key=key).update(window_start=now, count=1):
            return
        try:
            with transaction.atomic():
                RateBucket.objects.create(key=key, window_start=now, count=1)
        except IntegrityError:
            RateBucket.objects.filter(key=key).update(count=F("count") + 1)


def reset(key: str) -> None:
    RateBucket.objects.filter(key=key).delete()
