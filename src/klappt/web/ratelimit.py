"""Failures counted per key (a client address, an account, a browser) with growing delays.

The first ``free`` failures of a key cost nothing. From then on each failure sets a delay that
doubles with every further failure (``KLAPPT_RATE_DELAY`` seconds, then twice that, ... at most
``KLAPPT_RATE_MAX_DELAY``); while it runs, the callers refuse that key's next *failure* with 429
and ``Retry-After``. A key is forgotten after ``KLAPPT_RATE_WINDOW`` seconds without a failure
(counted from the end of its last delay). The counters live in the database, so every worker
shares them.

Callers check the credential first and count only failures: a valid link is never refused
because its address failed (see ``views.respondent``), and a login from a browser that logged
in to the account before is not refused for the account's or the address's failures
(``views.auth``). The client address is ``REMOTE_ADDR``, or with ``KLAPPT_TRUSTED_PROXIES`` the
address the trusted proxies put into ``X-Forwarded-For``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from klappt.web.models import RateBucket


@lru_cache(maxsize=8)
def _trusted(setting: str) -> int | tuple[Any, ...]:
    """``KLAPPT_TRUSTED_PROXIES``: a number of proxy hops, or the proxies' addresses/networks."""
    text = setting.strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()
    )


def _is_ip_in(addr: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


def client_address(request: Any) -> str:
    """The client's address: ``REMOTE_ADDR``; behind trusted proxies the one they forwarded.

    With ``N`` hops the N-th entry of ``X-Forwarded-For`` from the right is the client (each
    proxy appends the address it was connected from; what a client sends itself stands further
    left and is ignored). With a list of proxy addresses, the right-most entry that is not one
    of them. Without the setting the header is ignored: anyone could send it.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    trusted = _trusted(str(getattr(settings, "KLAPPT_TRUSTED_PROXIES", "") or ""))
    if not trusted:
        return remote
    chain = [p.strip()[:64] for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    chain = [p for p in chain if p]
    if isinstance(trusted, int):
        return chain[-trusted] if len(chain) >= trusted else remote
    if not _is_ip_in(remote, trusted):
        return remote
    for hop in reversed(chain):
        if not _is_ip_in(hop, trusted):
            return hop
    return chain[0] if chain else remote


def account_key(username: str) -> str:
    """The key of an account's failures (hashed: any text a client sends fits the column)."""
    name = str(username or "").strip().lower()
    return "account:" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:40]


def _window() -> timedelta:
    return timedelta(seconds=getattr(settings, "KLAPPT_RATE_WINDOW", 900))


def _delay(over: int) -> timedelta:
    """The delay after the ``over``-th failure beyond the free ones (0 = the last free one)."""
    base = float(getattr(settings, "KLAPPT_RATE_DELAY", 5))
    cap = float(getattr(settings, "KLAPPT_RATE_MAX_DELAY", 3600))
    return timedelta(seconds=min(cap, base * 2 ** min(over, 30)))


def _forgotten(b: RateBucket, now: datetime) -> bool:
    last = max(b.last_at or b.window_start, b.blocked_until or b.window_start)
    return now - last > _window()


def retry_after(key: str) -> int:
    """Seconds until ``key`` may fail again; 0 when its failures are not delayed now."""
    now = timezone.now()
    until = (
        RateBucket.objects.filter(key=key, blocked_until__gt=now)
        .values_list("blocked_until", flat=True)
        .first()
    )
    return max(1, math.ceil((until - now).total_seconds())) if until is not None else 0


def fail(key: str, free: int) -> None:
    """Count one failure for ``key``; from the ``free``-th on, delay its next failure."""
    now = timezone.now()
    with transaction.atomic():
        b = RateBucket.objects.select_for_update().filter(key=key).first()
        if b is None:
            try:
                with transaction.atomic():
                    b = RateBucket.objects.create(key=key, window_start=now, count=0)
            except IntegrityError:  # a parallel request created it
                b = RateBucket.objects.select_for_update().get(key=key)
        if b.count and _forgotten(b, now):
            b.count, b.window_start, b.blocked_until = 0, now, None
        b.count += 1
        b.last_at = now
        if b.count >= free:
            b.blocked_until = now + _delay(b.count - free)
        b.save()
    # counters nobody has failed with for a long time are dropped (an attacker trying many
    # names would otherwise grow the table)
    stale = now - _window() - timedelta(seconds=getattr(settings, "KLAPPT_RATE_MAX_DELAY", 3600))
    RateBucket.objects.filter(last_at__lt=stale).delete()


def reset(key: str) -> None:
    RateBucket.objects.filter(key=key).delete()
