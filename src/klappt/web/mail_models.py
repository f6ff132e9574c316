"""The program's mail: editable templates, a few settings, and the outbox that is also the log.

Every message klappt sends is one :class:`OutboxMessage`: queued by the coordinator (or by a
submit, or by the schedule), claimed by one sender, handed to the relay, marked sent or failed.
The row stays as the log (to whom, which template, when, delivered to the relay or the error).
The link is not in the stored body: it is put in by the sender from the site's active link and
the secret key, so a copy of the database still opens no form.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from klappt.store.models import Program, Site, Wave


class MailKind(models.TextChoices):
    INVITE = "invite", _("Invitation")
    REMIND = "remind", _("Reminder")
    RECEIPT = "receipt", _("Receipt")
    RESULTS = "results", _("Release of results")


class MailTemplate(models.Model):
    """A program's own wording of one kind of message in one language (absent: the default)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="mail_templates")
    kind = models.CharField(max_length=20, choices=MailKind.choices)
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["program", "kind", "language"], name="klappt_web_mail_template_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.program_id} {self.kind} {self.language}"


class MailSettings(models.Model):
    """The coordinator's contact (a placeholder of every template) and the reminder schedule."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="mail_settings")
    contact = models.TextField(blank=True, default="")
    #: days before the deadline on which the open sites are reminded, e.g. "14,3" ("" = by hand)
    reminder_days = models.CharField(max_length=100, blank=True, default="")
    #: a site that submits gets a receipt
    receipts = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"mail settings of {self.program_id}"


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    #: the sender stopped after handing the message to the relay and before it heard back
    UNCERTAIN = "uncertain", _("Delivery uncertain")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="outbox")
    wave = models.ForeignKey(
        Wave, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox"
    )
    kind = models.CharField(max_length=20, choices=MailKind.choices)
    language = models.CharField(max_length=5, default="de")
    recipient = models.CharField(max_length=320)
    subject = models.CharField(max_length=300)
    #: the text with the link (and the printable copy's link) still to be put in by the sender
    body = models.TextField()
    #: what made it: "hand", "schedule:14", "submit:3", ...
    trigger = models.CharField(max_length=50, blank=True, default="hand")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(
        max_length=20, choices=MailStatus.choices, default=MailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    #: set (and committed) just before the message goes to the relay's DATA command
    handed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    message_id = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")
        indexes = (models.Index(fields=["wave", "site", "kind"], name="klappt_web_outbox_site"),)

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.status}"
