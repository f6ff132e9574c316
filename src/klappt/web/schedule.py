"""Dates that end access by themselves: a wave that closes some days after its deadline, and a
link that is valid until a day.

What we decided users expect (``src/klappt/web/README.md``): the deadline is what sites are
asked to keep, not a wall: late returns are normal and the program office chases them, so a
wave stays open after its deadline unless the coordinator asks for automatic closing "N days
after the deadline" (a grace period; 0 = at the end of the deadline's day). Then the wave's
``closed_at`` is set to that moment, exactly as if the coordinator had closed it: sites see the
"closed" message and their submitted answers, nothing can be saved. A link's expiry date ends
the link itself (all waves, also the read-only summary), like a revoked link: for links sent to
a person who leaves, or to keep old links in mailboxes from opening answers for ever.

Both are checked whenever a page needs them (no background job): :func:`close_due` closes the
waves whose time has come before a page shows a wave's state, and a save checks its wave under
the same lock as the closed-wave check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from klappt.store.models import Wave
from klappt.web.models import WaveSchedule

#: longest grace period a coordinator can set (days)
MAX_GRACE_DAYS = 365


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in the server's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def schedule_of(wave: Wave) -> WaveSchedule | None:
    """The wave's schedule (the one loaded with it by ``select_related("web_schedule")``)."""
    try:
        return wave.web_schedule
    except ObjectDoesNotExist:
        return None


def closes_at(wave: Wave) -> dt.datetime | None:
    """When the wave closes by itself (None: by hand only)."""
    s = schedule_of(wave)
    return s.closes_at if s is not None else None


def grace_days(wave: Wave) -> int | None:
    s = schedule_of(wave)
    return s.grace_days if s is not None else None


def set_grace(wave: Wave, days: int | None) -> dt.datetime | None:
    """Close ``wave`` by itself ``days`` days after its deadline (None: by hand); the closing
    moment follows the deadline when it changes. Returns the moment."""
    when = None
    if days is not None and wave.deadline is not None:
        when = end_of_day(timezone.localtime(wave.deadline).date() + dt.timedelta(days=days))
    WaveSchedule.objects.update_or_create(
        wave=wave, defaults={"grace_days": days, "closes_at": when}
    )
    return when


def close_due(now: dt.datetime | None = None) -> int:
    """Close the open waves whose closing moment has passed; returns how many were closed."""
    now = now or timezone.now()
    due = list(
        WaveSchedule.objects.filter(
            closes_at__lte=now, wave__opened_at__isnull=False, wave__closed_at__isnull=True
        ).values_list("wave_id", "closes_at")
    )
    closed = 0
    for wave_id, when in due:
        with transaction.atomic():
            # closed_at is the moment the wave closed, not the moment somebody looked
            closed += Wave.objects.filter(pk=wave_id, closed_at__isnull=True).update(
                closed_at=when, updated_at=now
            )
    return closed


def close_if_due(wave: Wave, now: dt.datetime | None = None) -> Wave:
    """``wave``, closed first if its closing moment has passed (no query when it has none or it
    is still ahead; load the wave with ``select_related("web_schedule")``)."""
    when = closes_at(wave)
    if wave.is_open and when is not None and when <= (now or timezone.now()):
        Wave.objects.filter(pk=wave.pk, closed_at__isnull=True).update(
            closed_at=when, updated_at=now or timezone.now()
        )
        wave.closed_at = Wave.objects.filter(pk=wave.pk).values_list("closed_at", flat=True).get()
    return wave


def due(wave: Any, now: dt.datetime | None = None) -> bool:
    """The wave's closing moment has passed (it may not be marked closed yet)."""
    return WaveSchedule.objects.filter(
        wave_id=wave.pk, closes_at__lte=now or timezone.now()
    ).exists()


def reopen(wave: Wave, now: dt.datetime | None = None) -> bool:
    """Before a closed wave is opened again: a closing moment in the past would close it at once,
    so it is switched off. Returns True when that happened."""
    now = now or timezone.now()
    return bool(
        WaveSchedule.objects.filter(wave=wave, closes_at__lte=now).update(
            grace_days=None, closes_at=None
        )
    )
