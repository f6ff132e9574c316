"""Programs, sites, waves and returns.

The models hold bytes and JSON, not survey logic: a wave keeps the form file it was
imported with (to rebuild the :class:`~klappt.instrument.Instrument`), and every return keeps
the raw record exactly as it was in the data file. Typing, validation and counting happen in
the core (``klappt.responses``, ``klappt.analysis``), never here.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Program(models.Model):
    """An evaluation program: the register of sites and the waves it sends out."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A municipality (or other unit) in a program's register."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sites")
    site_id = models.CharField(max_length=100, help_text="The code of the site, e.g. an AGS.")
    name = models.CharField(max_length=300)
    typ = models.CharField(max_length=100, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Row order in the register file.")

    class Meta:
        ordering = ("program_id", "position", "site_id")
        constraints = (
            models.UniqueConstraint(fields=["program", "site_id"], name="klappt_site_unique_id"),
        )

    def __str__(self) -> str:
        return f"{self.site_id} {self.name}"


class Wave(models.Model):
    """One round of the questionnaire: the instrument as imported and (through Return) its returns."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(max_length=100, help_text='e.g. "2022"')

    # the instrument, as the file it was imported from
    form_file = models.BinaryField()
    form_filename = models.CharField(max_length=255)
    form_sha256 = models.CharField(max_length=64)
    form_title = models.CharField(max_length=500, blank=True, default="")
    form_id = models.CharField(max_length=255, blank=True, default="")
    form_version = models.CharField(max_length=100, blank=True, default="")

    # the returns, as the file they were imported from
    data_filename = models.CharField(max_length=255, blank=True, default="")
    data_sha256 = models.CharField(max_length=64, blank=True, default="")
    columns = models.JSONField(default=list, help_text="Headers of the data file, in file order.")
    data_format = models.JSONField(
        default=dict,
        help_text="How the data file was read: format, encoding, separator, decimal_comma.",
    )
    responses = models.PositiveIntegerField(default=0, help_text="Number of returns.")
    report = models.JSONField(default=dict, help_text="ValidationReport.to_dict() of the import.")
    site_column = models.CharField(
        max_length=255, blank=True, default="", help_text="Data column that names the site."
    )
    imported_at = models.DateTimeField(null=True, blank=True)

    # for the web app: when the wave is open for returns
    deadline = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("program_id", "name")
        constraints = (
            models.UniqueConstraint(fields=["program", "name"], name="klappt_wave_unique_name"),
        )

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None


class RecordField(models.JSONField):  # type: ignore[type-arg]
    """A JSON field stored as ``json`` on PostgreSQL, not ``jsonb``: the record as text.

    A return's record is written once by the import and read whole (the web app, the exports)
    or by one key (``relink``: ``->>``, which ``json`` has as well); nothing compares, indexes
    or groups by it. ``jsonb`` parsed each ~770-byte record into its binary form on the way in:
    on 200k returns by ``COPY`` 8.2–8.7 s of the server's CPU against 3.9–4.0 s as ``json``.
    ``json`` keeps the text as written, so the keys come back in the file's order (as on
    SQLite). On SQLite the field is Django's JSONField unchanged.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql" or value is None:
            return super().get_db_prep_value(value, connection, prepared)
        from django.db.backends.postgresql.operations import get_json_dumps
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=get_json_dumps(self.encoder))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # psycopg decodes ``json`` itself (Django registers its text loader for ``jsonb`` only)
        if value is not None and not isinstance(value, str | bytes | bytearray):
            return value
        return super().from_db_value(value, expression, connection)


class Return(models.Model):
    """One returned questionnaire: the raw record {column header: text or null} as in the file."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="returns")
    return_id = models.CharField(max_length=255)
    row = models.PositiveIntegerField(help_text="Spreadsheet row in the data file (header = 1).")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    values = RecordField(default=dict)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("wave_id", "row")
        constraints = (
            models.UniqueConstraint(fields=["wave", "return_id"], name="klappt_return_unique_id"),
        )
        indexes = (models.Index(fields=["wave", "row"], name="klappt_return_wave_row"),)

    def __str__(self) -> str:
        return self.return_id


# the open answers' code books and codings live in a module of their own
from klappt.store.coding_models import (  # noqa: E402 - after Wave, which they refer to
    AnswerCoding,
    CodebookVersion,
    CodeSuggestion,
    SuggestionRejection,
)

__all__ = [
    "AnswerCoding",
    "CodeSuggestion",
    "CodebookVersion",
    "Program",
    "Return",
    "Site",
    "SuggestionRejection",
    "Wave",
]
