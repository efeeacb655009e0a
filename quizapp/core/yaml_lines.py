"""YAML parsing that remembers the line every mapping key and list item came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


class LineDict(dict):
    line: int = 1
    key_lines: dict[Any, int]


class LineList(list):
    line: int = 1
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str, *, first_line: int = 1) -> Any:
    """Parse one YAML document; raise YamlSyntaxError with the (file) line of the fault."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line if mark else 0) + first_line
        raise YamlSyntaxError(line, f"invalid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(first_line, f"invalid YAML: {error}") from None


def line_of(data: Any, location: Sequence[Any], default: int = 1) -> int:
    """The line of the deepest part of `location` (a path of keys and indexes) found in data.

    Parts that are not in the data, such as a validator's name for a union member, are
    skipped, so the line is that of the nearest enclosing item that exists.
    """
    line = getattr(data, "line", default)
    node = data
    for part in location:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines[part]
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
    return line
