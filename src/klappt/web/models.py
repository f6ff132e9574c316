"""What the web app adds to the store: roles, the sites' links, the returns as they are filled in.

The store keeps the official returns (:class:`klappt.store.models.Return`, one row per submitted
site return, in the data-file conventions the analysis reads). Here we keep the working copy a
site edits (:class:`SiteReturn`), its saved states (:class:`ReturnVersion`), the sites'
personal links (:class:`SiteLink`), when a wave closes by itself (:class:`WaveSchedule`), who may
do what (:class:`Membership`) and the counters of the rate limit (:class:`RateBucket`). Like the
store, these models hold data, not survey logic.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klappt.store.models import Program, Site, Wave


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")


class Membership(models.Model):
    """A user's role in one program, or in every program when ``program`` is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="klappt_memberships"
    )
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["user", "program"], name="klappt_web_member_unique"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(program__isnull=True),
                name="klappt_web_member_global_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.program or '*'}"


class SiteLink(models.Model):
    """A site's personal link. The token is derived from ``nonce`` and the secret key; the
    database holds only the nonce and the token's SHA-256, so a copy of the database alone
    opens no form. A revoked link stays (for the message "this link was replaced")."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="links")
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    #: the link opens nothing after this moment (empty: valid until revoked)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("site_id", "-created_at")
        constraints = (
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(revoked_at__isnull=True),
                name="klappt_web_one_active_link",
            ),
        )

    def __str__(self) -> str:
        return f"link {self.pk} of {self.site_id}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def expired(self, now: Any = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class WaveSchedule(models.Model):
    """A wave that closes by itself some days after its deadline (the store's Wave has the
    deadline and ``closed_at``; this says when the web app sets ``closed_at`` on its own)."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="web_schedule")
    #: days after the deadline's day; None: the coordinator closes the wave by hand
    grace_days = models.PositiveSmallIntegerField(null=True, blank=True)
    #: the end of the last day of grace, kept with the deadline it was computed from
    closes_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.wave_id} closes {self.closes_at or 'by hand'}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class SiteReturn(models.Model):
    """One site's return in one wave as it is being filled in: the working copy.

    ``values`` maps question names to the text entered (select_multiple: choice names separated
    by spaces). ``version`` counts the saved states; a save must name the version it started
    from, so a stale tab cannot silently overwrite a newer state.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="web_returns")
    # SET_NULL: a site removed from the register (also by ``klappt register``) keeps its history
    site = models.ForeignKey(Site, null=True, on_delete=models.SET_NULL, related_name="web_returns")
    values = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    #: a submitted return with saved changes that are not submitted yet
    pending_changes = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_version = models.PositiveIntegerField(null=True, blank=True)
    #: the number of the wave's questionnaire (:class:`FormVersion`) the working copy is made with
    form_number = models.PositiveIntegerField(default=1)
    #: the coordinator gave the return back to its site: the site may change and submit it
    #: again, also after the wave closed (cleared by the next submit)
    reopened_at = models.DateTimeField(null=True, blank=True)
    #: the key of the section the site last worked on (the link opens there again)
    last_step = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ("wave_id", "site_id")
        constraints = (
            models.UniqueConstraint(fields=["wave", "site"], name="klappt_web_return_per_site"),
        )

    def __str__(self) -> str:
        return f"{self.site_id}@{self.wave_id} v{self.version}"


class VersionKind(models.TextChoices):
    DRAFT = "draft", _("Draft saved")
    SUBMIT = "submit", _("Submitted")
    CORRECTION = "correction", _("Corrected by the coordinator")
    REOPEN = "reopen", _("Re-opened for the site")
    FORM = "form", _("Carried over to a new questionnaire")
    #: saved by itself while the site works: replaced by the same browser's next autosave
    AUTOSAVE = "autosave", _("Saved automatically")


class ReturnVersion(models.Model):
    """The saved states of a return. A submitted version is never changed or removed; a draft
    is replaced by the same browser's next plain draft save, and only the newest
    ``KLAPPT_KEEP_DRAFTS`` drafts are kept (see ``returns.save``). ``request_key`` is the
    form's one-time key: the same request arriving twice (a double click) is stored once."""

    site_return = models.ForeignKey(SiteReturn, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=VersionKind.choices)
    values = models.JSONField(default=dict)
    request_key = models.CharField(max_length=64, null=True, blank=True)
    #: who saved it: a hash of the saving browser's CSRF cookie (empty: unknown); a draft saved
    #: again from the same browser replaces this one (see ``returns.save``)
    editor = models.CharField(max_length=32, blank=True, default="")
    #: the coordinator who made this version (empty: the site, through its link)
    author = models.CharField(max_length=150, blank=True, default="")
    #: why the coordinator changed the return (required for a correction and a re-opening)
    reason = models.TextField(blank=True, default="")
    #: the questionnaire (:class:`FormVersion` number) the answers were given in
    form_number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("site_return_id", "number")
        constraints = (
            models.UniqueConstraint(
                fields=["site_return", "number"], name="klappt_web_version_unique"
            ),
            models.UniqueConstraint(
                fields=["site_return", "request_key"],
                condition=models.Q(request_key__isnull=False),
                name="klappt_web_version_request_once",
            ),
        )

    def __str__(self) -> str:
        return f"v{self.number} {self.kind}"


class FormVersion(models.Model):
    """A questionnaire a wave has had. The wave's current form is the store's ``Wave.form_file``;
    when it is replaced after opening, the earlier and the new file are kept here, numbered
    1, 2, … (a wave never replaced has no rows: its form is number 1). Returns keep the number
    of the form they were made with (``ReturnVersion.form_number``, ``_form_version`` in the
    data)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField()
    form_file = models.BinaryField()
    form_filename = models.CharField(max_length=255)
    form_sha256 = models.CharField(max_length=64)
    form_title = models.CharField(max_length=500, blank=True, default="")
    form_version = models.CharField(max_length=100, blank=True, default="")
    #: who replaced the form (a coordinator's user name, or "cli")
    author = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("wave_id", "number")
        constraints = (
            models.UniqueConstraint(fields=["wave", "number"], name="klappt_web_form_number"),
        )

    def __str__(self) -> str:
        return f"{self.wave_id} form {self.number}"


class WaveRecipe(models.Model):
    """The storyline of a wave's deck (a recipe, YAML as ``klappt report --recipe`` reads it),
    uploaded by a coordinator: the deck downloaded in the web app is then the program's own."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="web_recipe")
    text = models.TextField()
    filename = models.CharField(max_length=255)
    author = models.CharField(max_length=150, blank=True, default="")
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"recipe of {self.wave_id}"


class RateBucket(models.Model):
    """Failures counted per key (a client address, an account, a browser) since
    ``window_start``; ``blocked_until``: the key's next failure is refused until then
    (see :mod:`klappt.web.ratelimit`)."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True, db_index=True)
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


# the program's mail (templates, settings, the outbox) lives in a module of its own
from klappt.web.mail_models import (  # noqa: E402 - after the models above
    MailKind,
    MailSettings,
    MailStatus,
    MailTemplate,
    OutboxMessage,
)

# the site reports' release, cache and download log (issue 18) too
from klappt.web.site_report_models import (  # noqa: E402 - after the models above
    Absent,
    SiteReportDownload,
    SiteReportFile,
    SiteReportRelease,
)

__all__ = [
    "Absent",
    "FormVersion",
    "MailKind",
    "MailSettings",
    "MailStatus",
    "MailTemplate",
    "Membership",
    "OutboxMessage",
    "RateBucket",
    "ReturnVersion",
    "Role",
    "SiteLink",
    "SiteReportDownload",
    "SiteReportFile",
    "SiteReportRelease",
    "SiteReturn",
    "Status",
    "VersionKind",
    "WaveRecipe",
    "WaveSchedule",
]
