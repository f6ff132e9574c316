"""The Django app of the klappt collection web app (label ``klappt_web``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "klappt.web"
    label = "klappt_web"
    verbose_name = _("klappt collection")
    default_auto_field = "django.db.models.BigAutoField"
