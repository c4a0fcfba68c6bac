"""Reading the YAML files people write (projects, catalogues, weights) without surprises.

- A key given twice in one mapping is an error naming both lines (PyYAML keeps the last silently).
- Scalars are read as YAML 1.2's core schema reads them: ``010`` is ten, ``1:30`` is text,
  ``yes``/``no``/``on``/``off`` are text (only ``true``/``false`` are booleans), ``1e3`` is a
  number. PyYAML's YAML 1.1 would give 8, 90, booleans and text.
- The file must be a regular UTF-8 file of at most :data:`MAX_BYTES`, nested at most
  :data:`MAX_DEPTH` levels; anything else is one clear error naming the file.

Examples
--------
>>> loads("a: 010\\nb: 1:30\\nc: yes\\nd: 1e3\\ne: true\\nf: .inf")
{'a': 10, 'b': '1:30', 'c': 'yes', 'd': 1000.0, 'e': True, 'f': inf}
>>> loads("a: 1\\nb: 2\\na: 3")
Traceback (most recent call last):
...
scmap.errors.ProjectError: line 3: key 'a' given twice (first on line 1)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scmap.errors import ProjectError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "loads", "read_yaml"]

MAX_BYTES = 5_000_000
"""Largest project, catalogue or weights file read (bytes)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and duplicate keys refused."""


# drop YAML 1.1's implicit bool/int/float resolvers, add YAML 1.2 core ones
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)  # YAML 1.2: leading zeros are decimal


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ProjectError(f"line {line}: key {key!r} given twice (first on line {seen[key]})")
        seen[key] = line
    return dict(loader.construct_pairs(node, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _depth(node: yaml.Node, limit: int) -> None:
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            line = current.start_mark.line + 1
            raise ProjectError(f"line {line}: nested deeper than {limit} levels; a project file is a few levels deep")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in current.value for child in pair)


def loads(text: str) -> Any:
    """Parse YAML text with the rules above; errors are :class:`ProjectError` naming the line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _depth(node, MAX_DEPTH)
        return loader.construct_document(node)
    except RecursionError:
        raise ProjectError(f"nested deeper than {MAX_DEPTH} levels; a project file is a few levels deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProjectError(f"{where}not valid YAML: {problem}") from None
    finally:
        loader.dispose()


def _text(path: Path, what: str) -> str:
    try:
        if not path.exists():
            raise ProjectError(f"{path}: {what} not found")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder; give the {what} (a .yaml file) inside it")
        if not path.is_file():
            raise ProjectError(f"{path}: is not a regular file (a pipe or device?); give a .yaml file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ProjectError(
                f"{path}: {size / 1e6:.1f} MB is too large for a {what} (at most {MAX_BYTES / 1e6:g} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:  # symlink loops, permissions
        raise ProjectError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProjectError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the {what} as UTF-8 "
            "(most editors: Save as... > Encoding: UTF-8)"
        ) from None


def read_yaml(path: str | Path, *, what: str = "project file", error: type[ProjectError] = ProjectError) -> Any:
    """The YAML document in *path*, read with the rules above; every problem is one *error*
    naming the file (and line)."""
    path = Path(path)
    try:
        return loads(_text(path, what))
    except ProjectError as exc:
        message = str(exc)
        raise error(message if message.startswith(str(path)) else f"{path}: {message}") from None
