"""``{% form_item item %}``: one question or grid of the form, built by :mod:`klappt.web.widgets`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from klappt.web import widgets

register = template.Library()


@register.simple_tag
def form_item(item: Any) -> SafeString:
    if item.kind == "grid":
        return widgets.grid(item)
    return widgets.field(item)
