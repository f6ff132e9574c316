"""YAML with line numbers: the recipe's strings, mappings and sequences carry the line they start on.

A mistake in a recipe is reported with its line ("Rezept bericht.yaml, Zeile 14: …"), so
:mod:`klappt.report.recipe` reads the recipe with this loader, which is the bounded safe
loader of :mod:`klappt.yamlsafe` with line-keeping constructors.
"""

from __future__ import annotations

from typing import Any

import yaml

from klappt import yamlsafe

__all__ = ["DuplicateKey", "LineLoader", "YMap", "YSeq", "YStr", "line_of"]


class YStr(str):
    """A YAML string that remembers its line (1-based) and style ('|', '>', '"', ... or None)."""

    line: int | None = None
    style: str | None = None


class YMap(dict[Any, Any]):
    line: int | None = None
    key_lines: dict[Any, int | None]


class YSeq(list[Any]):
    line: int | None = None
    item_lines: list[int]


class LineLoader(yamlsafe.BoundedLoader):
    """The bounded safe loader whose strings, mappings and sequences carry their start line."""


def _str(loader: LineLoader, node: yaml.ScalarNode) -> YStr:
    s = YStr(loader.construct_scalar(node))
    s.line = node.start_mark.line + 1
    s.style = node.style
    return s


def _map(loader: LineLoader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    m = YMap()
    m.line = node.start_mark.line + 1
    m.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            )
        if key in m:
            raise DuplicateKey(str(key), key_node.start_mark.line + 1)
        m[key] = loader.construct_object(value_node, deep=True)
        m.key_lines[key] = key_node.start_mark.line + 1
    return m


def _seq(loader: LineLoader, node: yaml.SequenceNode) -> YSeq:
    s = YSeq(loader.construct_object(child, deep=True) for child in node.value)
    s.line = node.start_mark.line + 1
    s.item_lines = [child.start_mark.line + 1 for child in node.value]
    return s


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


LineLoader.add_constructor("tag:yaml.org,2002:str", _str)
LineLoader.add_constructor("tag:yaml.org,2002:map", _map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _seq)


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default
