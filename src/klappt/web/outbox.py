"""Sending the outbox: one message at a time, paced, retried, and never sent twice.

The outbox is a table (:class:`~klappt.web.models.OutboxMessage`), no broker: ``klappt serve``
starts one sender process (:mod:`klappt.web.mailworker`) that polls it, and ``klappt mail …``
drains it directly; several senders may run at once.

**Once, and what happens at the crash point.** A sender claims a message in a transaction (the
update only succeeds while the message is still ``queued``: two senders never claim the same
one) and holds it with a lease. Just before the relay's ``DATA`` command it commits
``handed_at`` – again only while its own claim holds, so a sender that was too slow and lost the
lease stops there. After the relay accepted (250) the message is marked ``sent``.
When a sender dies (SIGKILL, power loss) its claim's lease runs out, and the next sender looks at
the message:

* ``handed_at`` empty – the relay never got the message's end (an SMTP relay discards a message
  without it): it is queued again and sent once.
* ``handed_at`` set – the relay may or may not have it (the sender died between handing it over
  and writing down the answer). It is **not** resent: it is marked ``uncertain`` and shown to the
  coordinator, who can check the mailbox and send it again by hand (``klappt mail retry``).

So delivery is *at most once* in that one window of a few milliseconds per message, and exactly
once everywhere else: a site may miss a mail (which the screens name), but never gets two
invitations because the server restarted.

A failed delivery (relay unreachable, 4xx) is tried again after ``KLAPPT_EMAIL_RETRY_SECONDS``,
doubled each time, up to ``KLAPPT_EMAIL_ATTEMPTS`` attempts; then it is ``failed`` with the
error. A permanent refusal (5xx) fails at once. The pace is ``KLAPPT_EMAIL_PER_MINUTE`` messages
per minute over all senders (counted from the claims of the last minute).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend
from django.db import transaction
from django.db.models import F, Min
from django.urls import reverse
from django.utils import timezone

from klappt.web import links, mail
from klappt.web.models import MailKind, MailStatus, OutboxMessage

RATE_WINDOW = dt.timedelta(minutes=1)


class LostClaim(Exception):
    """Our lease ran out and the message is no longer ours: do not hand it over."""


def _smtp_class(base: type[smtplib.SMTP]) -> type[smtplib.SMTP]:
    class Marked(base):  # type: ignore[misc,valid-type]
        #: called right before DATA; raises LostClaim to stop
        before_data: Callable[[], None] | None = None

        def data(self, msg: Any) -> Any:
            if self.before_data is not None:
                self.before_data()
            return super().data(msg)

    return Marked


_SMTP = _smtp_class(smtplib.SMTP)
_SMTP_SSL = _smtp_class(smtplib.SMTP_SSL)


class MarkedBackend(EmailBackend):
    """Django's SMTP backend whose connection tells us when the message goes to DATA."""

    def __init__(self, before_data: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(fail_silently=False, **kwargs)
        self.before_data = before_data

    @property
    def connection_class(self) -> Any:
        return _SMTP_SSL if self.use_ssl else _SMTP

    def open(self) -> bool | None:
        opened = super().open()
        if self.connection is not None:
            self.connection.before_data = self.before_data
        return opened


@dataclass
class Event:
    message: OutboxMessage
    outcome: str  # "sent", "retry", "failed", "uncertain"
    error: str = ""


@dataclass
class Drained:
    events: list[Event] = field(default_factory=list)
    waiting: int = 0  # still queued (retries later than the drain waits)
    next_at: dt.datetime | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.events if e.outcome == outcome)


def _now() -> dt.datetime:
    return timezone.now()


def recover(now: dt.datetime | None = None) -> tuple[int, int]:
    """Messages whose sender died: back to the queue when they never reached DATA, ``uncertain``
    when they did. Returns (requeued, uncertain)."""
    now = now or _now()
    stale = OutboxMessage.objects.filter(status=MailStatus.SENDING, lease_until__lt=now)
    with transaction.atomic():
        requeued = stale.filter(handed_at__isnull=True).update(
            status=MailStatus.QUEUED, lease_until=None, next_attempt_at=now
        )
        uncertain = stale.filter(handed_at__isnull=False).update(
            status=MailStatus.UNCERTAIN,
            lease_until=None,
            last_error="Der Versand brach ab, nachdem die Nachricht dem Mailserver übergeben "
            "war; sie wird nicht automatisch erneut gesendet. / Sending stopped after the "
            "message was handed to the relay; it is not resent automatically.",
        )
    return requeued, uncertain


def _rate_wait(now: dt.datetime) -> float:
    """Seconds until another message may be claimed (0: now)."""
    window = OutboxMessage.objects.filter(claimed_at__gt=now - RATE_WINDOW)
    if window.count() < settings.KLAPPT_EMAIL_PER_MINUTE:
        return 0.0
    oldest = window.aggregate(t=Min("claimed_at"))["t"]
    return max(0.05, (oldest + RATE_WINDOW - now).total_seconds()) if oldest else 0.05


def claim(now: dt.datetime | None = None) -> OutboxMessage | None:
    """The next due message, now ours (``sending`` with a lease), or None."""
    now = now or _now()
    lease = dt.timedelta(seconds=settings.KLAPPT_EMAIL_LEASE_SECONDS)
    for _attempt in range(5):
        with transaction.atomic():
            pk = (
                OutboxMessage.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                return None
            won = OutboxMessage.objects.filter(pk=pk, status=MailStatus.QUEUED).update(
                status=MailStatus.SENDING,
                claimed_at=now,
                lease_until=now + lease,
                handed_at=None,
                attempts=F("attempts") + 1,
                message_id=f"<{uuid.uuid4().hex}@klappt>",
            )
        if won:
            return OutboxMessage.objects.select_related("site", "wave", "program").get(pk=pk)
    return None


def _urls(msg: OutboxMessage) -> tuple[str, str] | None:
    """The site's link and its printable copy's address (None: no active link)."""
    link = links.active(msg.site) if msg.site is not None else None
    token = links.token_of(link) if link is not None else None
    if token is None:
        return None
    base = settings.KLAPPT_BASE_URL
    copy = (
        base + reverse("klappt_web:respond_summary", args=[token, msg.wave_id])
        if msg.wave_id
        else ""
    )
    return base + reverse("klappt_web:respond", args=[token]), copy


def _finish(msg: OutboxMessage, **fields: Any) -> bool:
    """Write the outcome, only while the claim is still ours."""
    fields.setdefault("lease_until", None)
    return bool(
        OutboxMessage.objects.filter(
            pk=msg.pk, status=MailStatus.SENDING, claimed_at=msg.claimed_at
        ).update(**fields)
    )


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{to}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for to, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def send(msg: OutboxMessage) -> Event:
    """Hand one claimed message to the relay and write down what happened."""
    urls = _urls(msg)
    if urls is None:
        error = "Der Standort hat keinen gültigen Link mehr. / The site has no valid link."
        _finish(msg, status=MailStatus.FAILED, last_error=error)
        return Event(msg, "failed", error)
    body = mail.show_links(msg.body, *urls)
    handed = {"at": None}

    def before_data() -> None:
        now = _now()
        if not _finish(msg, handed_at=now, lease_until=msg.lease_until):
            raise LostClaim
        handed["at"] = now

    email = EmailMessage(
        subject=msg.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[a.strip() for a in msg.recipient.split(",") if a.strip()],
        headers={"Message-ID": msg.message_id, "Auto-Submitted": "auto-generated"},
    )
    try:
        MarkedBackend(before_data).send_messages([email])
    except LostClaim:
        return Event(msg, "lost")
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        error = _describe(exc)[:1000]
        if handed["at"] is not None and not isinstance(exc, smtplib.SMTPResponseException):
            _finish(msg, status=MailStatus.UNCERTAIN, last_error=error)
            return Event(msg, "uncertain", error)
        if _permanent(exc) or msg.attempts >= settings.KLAPPT_EMAIL_ATTEMPTS:
            _finish(msg, status=MailStatus.FAILED, last_error=error)
            return Event(msg, "failed", error)
        delay = settings.KLAPPT_EMAIL_RETRY_SECONDS * 2 ** max(0, msg.attempts - 1)
        _finish(
            msg,
            status=MailStatus.QUEUED,
            last_error=error,
            handed_at=None,
            next_attempt_at=_now() + dt.timedelta(seconds=delay),
        )
        return Event(msg, "retry", error)
    except Exception as exc:  # a message Django cannot build (e.g. a bad header): never retried
        error = _describe(exc)[:1000]
        status = MailStatus.UNCERTAIN if handed["at"] is not None else MailStatus.FAILED
        _finish(msg, status=status, last_error=error)
        return Event(msg, str(status), error)
    _finish(msg, status=MailStatus.SENT, sent_at=_now(), last_error="")
    return Event(msg, "sent")


def drain(
    max_wait: float = 120.0,
    on_event: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Drained:
    """Send what is due until nothing is left that falls due within ``max_wait`` seconds
    (0: only what is due now). Waits for the pace and for retries and stale claims due soon."""
    result = Drained()
    while not (should_stop and should_stop()):
        now = _now()
        recover(now)
        wait = _rate_wait(now)
        msg = claim(now) if wait == 0 else None
        if msg is not None:
            event = send(msg)
            result.events.append(event)
            if on_event is not None:
                on_event(event)
            continue
        pending = OutboxMessage.objects.filter(status=MailStatus.QUEUED).aggregate(
            t=Min("next_attempt_at")
        )["t"]
        leased = OutboxMessage.objects.filter(status=MailStatus.SENDING).aggregate(
            t=Min("lease_until")
        )["t"]
        due = min((t for t in (pending, leased) if t is not None), default=None)
        if due is None:
            break
        if wait == 0:
            wait = max(0.05, (due - now).total_seconds())
        if wait > max_wait or (max_wait == 0):
            result.next_at = due
            break
        time.sleep(min(wait, 1.0))
    result.waiting = OutboxMessage.objects.filter(status=MailStatus.QUEUED).count()
    return result


def retry(ids: list[int] | None = None, wave: Any = None) -> int:
    """Queue failed and uncertain messages again (by id, or all of a wave); returns how many."""
    qs = OutboxMessage.objects.filter(status__in=(MailStatus.FAILED, MailStatus.UNCERTAIN))
    if ids:
        qs = qs.filter(pk__in=ids)
    if wave is not None:
        qs = qs.filter(wave=wave)
    return qs.update(status=MailStatus.QUEUED, attempts=0, handed_at=None, next_attempt_at=_now())


def counts(wave: Any) -> dict[str, dict[str, int]]:
    """{kind: {status: n}} of a wave's messages."""
    out: dict[str, dict[str, int]] = {k: {} for k in MailKind.values}
    for kind, status in OutboxMessage.objects.filter(wave=wave).values_list("kind", "status"):
        out[kind][status] = out[kind].get(status, 0) + 1
    return out
