"""The release of a wave's site reports (issue 18), their rendered bytes and who fetched them.

A :class:`SiteReportRelease` is the coordinator's decision that the sites may now fetch their
own report of a wave; the latest release of a wave is the one in force. A new release (after
late returns or corrections) makes new reports: the cached bytes (:class:`SiteReportFile`) are
keyed by the release, so the old ones are never served again. Every download by a site's link
is one :class:`SiteReportDownload` (the coordinator's "who has fetched theirs, when").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from klappt.store.models import Site, Wave


class Absent(models.TextChoices):
    """What a site without a submitted return gets (the coordinator chooses at release)."""

    PROGRAM = "program", _("a short report of the program's results, without own answers")
    NONE = "none", _("no report")


class SiteReportRelease(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="site_report_releases")
    number = models.PositiveIntegerField()
    absent = models.CharField(max_length=10, choices=Absent.choices, default=Absent.PROGRAM)
    released_at = models.DateTimeField(auto_now_add=True)
    released_by = models.CharField(max_length=150, blank=True, default="")
    #: the language the reports are written in (the coordinator's page at release)
    lang = models.CharField(max_length=5, default="de")
    #: the register's site ids that get a report under this release (fixed at release)
    site_ids = models.JSONField(default=list)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["wave", "number"], name="klappt_sitereport_release"),
        )

    def __str__(self) -> str:
        return f"{self.wave_id} #{self.number}"


class SiteReportFile(models.Model):
    """Rendered bytes of one site's report (or of the ZIP of all, ``site`` empty)."""

    release = models.ForeignKey(SiteReportRelease, on_delete=models.CASCADE, related_name="files")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE)
    fmt = models.CharField(max_length=10)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["release", "site", "fmt"], name="klappt_sitereport_file"
            ),
        )


class SiteReportDownload(models.Model):
    """One download of a site's own report through its link."""

    release = models.ForeignKey(
        SiteReportRelease, on_delete=models.CASCADE, related_name="downloads"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="site_report_downloads")
    fmt = models.CharField(max_length=10)
    downloaded_at = models.DateTimeField(auto_now_add=True, db_index=True)
