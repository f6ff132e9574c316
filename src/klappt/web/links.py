"""The sites' personal links: long random tokens, derived from a nonce and the secret key.

A token is ``HMAC-SHA256(secret key, nonce)`` in URL-safe base64 (43 characters, 256 bits; the
nonce alone holds 256 random bits). The database keeps the nonce and the token's SHA-256, so
coordinators can list the links again for a mail merge, while a copy of the database without the
secret key opens no form. Changing the secret key invalidates every link (they show as
"reissue needed").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from klappt.web.models import SiteLink

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_TOUCH_EVERY = timedelta(hours=1)


def token_for(nonce: str) -> str:
    mac = hmac.new(
        settings.SECRET_KEY.encode(), b"klappt-site-link:" + nonce.encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def token_of(link: SiteLink) -> str | None:
    """The link's token, or None when the secret key changed since it was issued."""
    token = token_for(link.nonce)
    return token if hmac.compare_digest(token_hash(token), link.token_hash) else None


def issue(site: Any) -> SiteLink:
    """A new link for ``site``; its current one (if any) is revoked in the same transaction.
    The new link keeps the old one's expiry date when that is still ahead (a link reissued
    because it was passed on should not outlive the date the coordinator set)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                now = timezone.now()
                old = SiteLink.objects.filter(site=site, revoked_at__isnull=True).first()
                expires = old.expires_at if old is not None and not old.expired(now) else None
                SiteLink.objects.filter(site=site, revoked_at__isnull=True).update(revoked_at=now)
                nonce = secrets.token_hex(32)
                return SiteLink.objects.create(
                    site=site,
                    nonce=nonce,
                    token_hash=token_hash(token_for(nonce)),
                    expires_at=expires,
                )
        except IntegrityError:  # a parallel issue for the same site: try again
            continue
    raise RuntimeError("could not issue a link")


def active(site: Any) -> SiteLink | None:
    return SiteLink.objects.filter(site=site, revoked_at__isnull=True).first()


def set_expiry(links: Any, day: Any) -> int:
    """Let the active links in ``links`` (a SiteLink queryset) open nothing after ``day`` (None:
    valid until revoked); returns how many were changed."""
    from klappt.web.schedule import end_of_day

    when = end_of_day(day) if day is not None else None
    return links.filter(revoked_at__isnull=True).update(expires_at=when)


def ensure(sites: Any) -> int:
    """Issue a link for every site that has no active one; returns how many were issued."""
    have = set(
        SiteLink.objects.filter(site__in=sites, revoked_at__isnull=True).values_list(
            "site_id", flat=True
        )
    )
    n = 0
    for site in sites:
        if site.pk not in have:
            issue(site)
            n += 1
    return n


def resolve(token: str) -> SiteLink | None:
    """The link of ``token`` (active or revoked), or None."""
    if not TOKEN_RE.match(token or ""):
        return None
    link = (
        SiteLink.objects.select_related("site", "site__program")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return None
    now = timezone.now()
    if link.revoked_at is None and (
        link.last_used_at is None or now - link.last_used_at > _TOUCH_EVERY
    ):
        SiteLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def url(request: Any, link: SiteLink) -> str | None:
    """The full address of the link (``KLAPPT_BASE_URL`` or the request's host)."""
    token = token_of(link)
    if token is None:
        return None
    path = reverse("klappt_web:respond", args=[token])
    base = getattr(settings, "KLAPPT_BASE_URL", "")
    return f"{base}{path}" if base else request.build_absolute_uri(path)
