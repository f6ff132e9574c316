"""The instrument as JSON: to keep a parsed form beside a wave's snapshot or in the form cache."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any

from klappt.instrument.model import Instrument


def instrument_to_json(instrument: Instrument) -> str:
    """The instrument as a JSON text (every field, labels in every language).

    Example
    -------
    >>> from klappt.instrument.model import Question
    >>> form = Instrument(title="T", form_id="t", questions=(Question(name="q", type="text"),))
    >>> instrument_from_json(instrument_to_json(form)) == form
    True
    """
    return json.dumps(dataclasses.asdict(instrument), ensure_ascii=False)


def instrument_from_json(text: str) -> Instrument:
    """Rebuild an Instrument from :func:`instrument_to_json`, guided by the type hints.

    Nested dataclasses (questions, choices, groups) are rebuilt wherever the annotations name
    them; JSON lists become the tuples the frozen model uses.
    """
    return _revive(Instrument, json.loads(text))


def _revive(cls: type, values: dict[str, Any]) -> Any:
    kwargs = {
        name: _revive_value(hint, values[name]) for name, hint in _fields(cls) if name in values
    }
    return cls(**kwargs)


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's init fields with their type hints, worked out once per class (resolving
    the hints of every question and choice anew took most of a stored wave's load time)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls) if f.init)


def _revive_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _revive(hint, value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None) and (
                (
                    isinstance(arg, type)
                    and dataclasses.is_dataclass(arg)
                    and isinstance(value, dict)
                )
                or typing.get_origin(arg) in (tuple, list, dict)
            ):
                return _revive_value(arg, value)
        return value
    if origin in (tuple, list) and isinstance(value, list | tuple):
        inner = args[0] if args else Any
        items = [_revive_value(inner, v) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict and isinstance(value, dict):
        inner = args[1] if len(args) == 2 else Any
        return {k: _revive_value(inner, v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(value)
    return value
