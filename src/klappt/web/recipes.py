"""A wave's recipe in the web app: the storyline of its deck (issue 16).

The coordinator uploads the recipe the program's deck is made from (the YAML of
``klappt report --recipe``); the deck and the HTML report downloaded in the web app then follow
it instead of the default storyline. A recipe is checked before it is kept: read (a YAML or
recipe error names its line), then a report is built with it from the wave's returns, all in a
transaction rolled back on failure, so a recipe that cannot make this wave's deck changes
nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason
from klappt.web.instruments import safe_filename
from klappt.web.models import WaveRecipe

RECIPE_SUFFIXES = (".yaml", ".yml")


def of(wave: Any) -> WaveRecipe | None:
    return WaveRecipe.objects.filter(wave_id=wave.pk).first()


def spec_of(wave: Any) -> Any:
    """The wave's own storyline (a ``ReportSpec``), or None for the default one."""
    from klappt.report import parse_recipe

    kept = of(wave)
    return parse_recipe(kept.text, kept.filename) if kept is not None else None


def remove(wave: Any) -> None:
    WaveRecipe.objects.filter(wave_id=wave.pk).delete()


class _TrialOnly(Exception):
    """Undo the trial save after the trial build."""


def save(wave: Any, upload: Any, author: str, lang: str) -> WaveRecipe:
    """Check and keep an uploaded recipe (``KlapptError`` naming the file and the problem)."""
    from klappt.report import parse_recipe
    from klappt.web import exports, instruments

    name = safe_filename(getattr(upload, "name", "recipe.yaml"), "recipe.yaml")
    if Path(name).suffix.lower() not in RECIPE_SUFFIXES:
        raise KlapptError(ErrorCode.FILE_003, path=name, reason=Reason.YAML_ONLY())
    if upload.size > settings.KLAPPT_MAX_UPLOAD:
        raise KlapptError(ErrorCode.FILE_003, path=name, reason=Reason.UPLOAD_TOO_LARGE())
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KlapptError(ErrorCode.FILE_003, path=name, reason=str(exc)[:200]) from None
    parse_recipe(text, name)
    try:
        with transaction.atomic():
            WaveRecipe.objects.update_or_create(
                wave_id=wave.pk, defaults={"text": text, "filename": name, "author": author}
            )
            exports.report_bytes(wave, instruments.instrument(wave), ".html", lang)
            raise _TrialOnly
    except _TrialOnly:
        pass
    kept, _created = WaveRecipe.objects.update_or_create(
        wave_id=wave.pk, defaults={"text": text, "filename": name, "author": author}
    )
    return kept
