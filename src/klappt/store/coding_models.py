"""Code books, codings and suggestions of a wave's open answers.

Like the rest of the store these models hold data, not logic: a code book version keeps
:meth:`klappt.coding.Codebook.to_dict` as JSON, a coding is one row of
:class:`klappt.coding.Coding`. Deciding which codes count, agreement and tabulation happen in
:mod:`klappt.coding`; :mod:`klappt.store.coding` moves rows between the two.

Rules the models carry:

* A code book belongs to one text question of one wave. Storing a changed book makes a new
  version (1, 2, …); the old ones stay. The highest number is the current version.
* A coding names the version it was made with. Codes are matched by name across versions: a
  coding counts while its code is in the current version; a coding whose code was dropped is
  kept, listed and not counted.
* A coding names its answer by return id and segment, not by a foreign key to the return:
  re-importing a wave replaces its returns, and the codings must survive that. Codings whose
  answer is gone are kept and listed until the answer is back or someone removes them.
"""

from __future__ import annotations

from django.db import models

from klappt.store.models import Wave


class CodebookVersion(models.Model):
    """One version of the code book of a text question in a wave."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="codebooks")
    question = models.CharField(max_length=255)
    number = models.PositiveIntegerField(help_text="1, 2, … per wave and question.")
    label = models.CharField(
        max_length=100, blank=True, default="", help_text="The book's own 'version' as written."
    )
    title = models.CharField(max_length=500, blank=True, default="")
    content = models.JSONField(help_text="klappt.coding.Codebook.to_dict()")
    sha256 = models.CharField(max_length=64, help_text="Of the canonical JSON of the content.")
    source = models.CharField(max_length=255, blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("wave_id", "question", "number")
        constraints = (
            models.UniqueConstraint(
                fields=["wave", "question", "number"], name="klappt_codebook_version_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.question} v{self.number}"


class AnswerCoding(models.Model):
    """One code (or none: seen, nothing applies) that one coder gave one segment of an answer."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="codings")
    question = models.CharField(max_length=255)
    return_id = models.CharField(max_length=255)
    segment = models.PositiveIntegerField(help_text="1.. for parts of the answer, 0 = all of it.")
    coder = models.CharField(max_length=150, help_text="User name (web) or --coder (CLI).")
    code = models.CharField(max_length=100, blank=True, default="", help_text="'' = no code.")
    # RESTRICT: a version cannot go while codings refer to it, but may with its wave
    codebook = models.ForeignKey(CodebookVersion, on_delete=models.RESTRICT, related_name="codings")
    text = models.TextField(blank=True, default="", help_text="The segment as it was coded.")
    suggested = models.BooleanField(default=False, help_text="An accepted suggestion.")
    confidence = models.FloatField(null=True, blank=True)
    final = models.BooleanField(default=False, help_text="A resolution after a disagreement.")
    coded_at = models.DateTimeField()

    class Meta:
        ordering = ("wave_id", "question", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=["wave", "question", "return_id", "segment", "coder", "code", "final"],
                name="klappt_coding_unique",
            ),
        )
        indexes = (
            models.Index(fields=["wave", "question", "coder"], name="klappt_coding_coder"),
            models.Index(
                fields=["wave", "question", "return_id", "segment"], name="klappt_coding_unit"
            ),
        )

    def __str__(self) -> str:
        return f"{self.return_id}#{self.segment} {self.coder}: {self.code or '-'}"


class CodeSuggestion(models.Model):
    """A proposed code for one segment, for a person to accept or reject; never a code by itself."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="code_suggestions")
    question = models.CharField(max_length=255)
    return_id = models.CharField(max_length=255)
    segment = models.PositiveIntegerField()
    code = models.CharField(max_length=100)
    confidence = models.FloatField()
    source = models.CharField(max_length=20, help_text="model, rule or model+rule")
    rank = models.PositiveSmallIntegerField(default=1)
    codebook = models.ForeignKey(
        CodebookVersion, on_delete=models.CASCADE, related_name="suggestions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("wave_id", "question", "return_id", "segment", "rank")
        constraints = (
            models.UniqueConstraint(
                fields=["wave", "question", "return_id", "segment", "code"],
                name="klappt_suggestion_unique",
            ),
        )
        indexes = (
            models.Index(
                fields=["wave", "question", "return_id", "segment"], name="klappt_suggestion_unit"
            ),
        )

    def __str__(self) -> str:
        return f"{self.return_id}#{self.segment}: {self.code} ({self.confidence:.2f})"


class SuggestionRejection(models.Model):
    """A coder said no to a suggested code for a segment; it is not offered to them again."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="rejected_suggestions")
    question = models.CharField(max_length=255)
    return_id = models.CharField(max_length=255)
    segment = models.PositiveIntegerField()
    code = models.CharField(max_length=100)
    coder = models.CharField(max_length=150)
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["wave", "question", "return_id", "segment", "code", "coder"],
                name="klappt_rejection_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.return_id}#{self.segment} {self.coder}: not {self.code}"
