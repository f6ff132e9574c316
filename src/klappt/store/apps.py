"""The Django app of the klappt store (label ``klappt_store``)."""

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "klappt.store"
    label = "klappt_store"
    verbose_name = "klappt"
    default_auto_field = "django.db.models.BigAutoField"
