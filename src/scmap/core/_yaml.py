r"""Reading the YAML files people write (projects, catalogues, weights) without surprises.

- A key given twice in one mapping is an error naming both lines (PyYAML keeps the last silently).
- Scalars are read as YAML 1.2's core schema reads them: ``1:30`` is text,
  ``yes``/``no``/``on``/``off`` are text (only ``true``/``false`` are booleans), ``1e3`` is a
  number. PyYAML's YAML 1.1 would give 90, booleans and text.
- An integer written with a leading zero (``010``) stays text in a text field and is refused in
  a number field (see ``refused``): YAML 1.1 tools read it as 8, YAML 1.2 ones as 10; write
  ``10`` (or ``0o10``).
- Numbers keep the text they were written as (:class:`YamlInt`, :class:`YamlFloat`), so that a
  text field given ``12:30`` or ``2030`` or ``1.10`` keeps exactly that text.
- Merge keys (``<<: *defaults``) share settings between mappings; keys written in the mapping
  win over merged ones.
- The file must be a regular UTF-8 file of at most :data:`MAX_BYTES`, nested at most
  :data:`MAX_DEPTH` levels, at most :data:`MAX_NODES` values once aliases are expanded (an
  "alias bomb" of nested aliases is refused before it is built); anything else is one clear
  error naming the file.

Examples
--------
>>> loads("a: 10\nb: 1:30\nc: yes\nd: 1e3\ne: true\nf: .inf")
{'a': 10, 'b': '1:30', 'c': 'yes', 'd': 1000.0, 'e': True, 'f': inf}
>>> loads("base: &b {x: 1, y: 2}\nthis: {<<: *b, y: 3}")["this"]
{'x': 1, 'y': 3}
>>> loads("a: 010")["a"].refused  # doctest: +ELLIPSIS
'line 1: 010 has a leading zero (YAML 1.1 reads it as 8, YAML 1.2 as 10); write 10, or 0o10 for octal'
>>> loads("a: 1\nb: 2\na: 3")
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

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YamlFloat", "YamlInt", "dumps", "loads", "read_yaml"]

MAX_BYTES = 5_000_000
"""Largest project, catalogue or weights file read (bytes)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted."""
MAX_NODES = 200_000
"""Most values (scalars, lists, mappings) a document may hold with its aliases expanded."""


class YamlInt(int):
    """An integer read from YAML that remembers how it was written.

    An integer read from YAML that remembers how it was written (``source``); ``refused`` says
    why it cannot be used as a number (a leading zero, which YAML 1.1 and 1.2 read differently).
    """

    source: str
    refused: str | None = None


class YamlFloat(float):
    """A float read from YAML that remembers how it was written (``source``)."""

    source: str


def _remember(value: Any, source: str) -> Any:
    value.source = source
    return value


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
    if re.fullmatch(r"[-+]?0[0-9]+", text):  # kept as text in a text field, refused in a number field
        value = _remember(YamlInt(int(text)), text)
        value.refused = (
            f"line {node.start_mark.line + 1}: {text} has a leading zero (YAML 1.1 reads it as "
            f"{int(text, 8) if set(text.lstrip('+-')) <= set('01234567') else 'text'}, YAML 1.2 as {int(text)}); "
            f"write {int(text)}, or 0o{text.lstrip('+-').lstrip('0') or '0'} for octal"
        )
        return value
    if text.startswith("0o"):
        value = int(text[2:], 8)
    elif text.startswith("0x"):
        value = int(text[2:], 16)
    else:
        value = int(text)
    return _remember(YamlInt(value), text)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    lower = text.lower()
    if lower.endswith(".inf"):
        value = float("-inf") if lower.startswith("-") else float("inf")
    else:
        value = float("nan") if lower == ".nan" else float(lower)
    return _remember(YamlFloat(value), text)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ProjectError(f"line {line}: key {key!r} given twice (first on line {seen[key]})")
        seen[key] = line
    loader.flatten_mapping(node)  # merge keys: merged pairs first, the mapping's own win
    return dict(loader.construct_pairs(node, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _Dumper(yaml.SafeDumper):
    """Writes numbers read from a project as they were written there."""


def _as_source(tag: str) -> Any:
    def represent(dumper: yaml.SafeDumper, value: Any) -> yaml.ScalarNode:
        return dumper.represent_scalar(tag, value.source)

    return represent


_Dumper.add_representer(YamlInt, _as_source("tag:yaml.org,2002:int"))
_Dumper.add_representer(YamlFloat, _as_source("tag:yaml.org,2002:float"))


def dumps(value: Any) -> str:
    r"""YAML text for *value* (a project read by :func:`loads`), keys in their order, numbers as written.

    >>> dumps(loads("a: 1.50\nb: [0x10, x]"))
    'a: 1.50\nb:\n- 0x10\n- x\n'
    """
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _check_size(root: yaml.Node) -> None:
    """Refuse a document nested too deep or holding too many values.

    Refuse a document nested deeper than :data:`MAX_DEPTH` or holding more than
    :data:`MAX_NODES` values with its aliases expanded. Each node is visited once (an alias is
    the same node object again), so an alias bomb costs its size on disk, not its expansion.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise ProjectError(
                f"line {node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels; a project file is a few "
                "levels deep"
            )
        if id(node) in sizes and depths[id(node)] >= depth:
            continue
        children = _children(node)
        if not done:
            depths[id(node)] = depth
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children)
            continue
        sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
        if sizes[id(node)] > MAX_NODES:
            raise ProjectError(
                f"line {node.start_mark.line + 1}: more than {MAX_NODES:,} values once its aliases (*name) are "
                "expanded; a project file holds a few hundred"
            )


def loads(text: str) -> Any:
    """Parse YAML text with the rules above; errors are :class:`ProjectError` naming the line."""
    loader = None
    try:
        loader = _Loader(text)  # refuses control characters (a NUL...) at once
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    except RecursionError:
        raise ProjectError(f"nested deeper than {MAX_DEPTH} levels; a project file is a few levels deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
        if isinstance(exc, yaml.reader.ReaderError):
            where = f"line {text[: exc.position].count(chr(10)) + 1}: "
            problem = (
                f"character U+{exc.character:04X} is not allowed in YAML" if isinstance(exc.character, int) else problem
            )
        raise ProjectError(f"{where}not valid YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``_Loader``'s rules, read by libyaml's C parser where PyYAML has it.

    For the texts scmap ships (tested, trusted), not for a user's file, whose errors
    ``_Loader`` words better.
    """


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_FastLoader.yaml_constructors = dict(_Loader.yaml_constructors)


def loads_shipped(text: str) -> Any:
    r"""Parse YAML text scmap ships with the rules of :func:`loads` (duplicate keys refused too), faster.

    >>> loads_shipped("a: 0x10\nb: yes")
    {'a': 16, 'b': 'yes'}
    """
    loader = _FastLoader(text)
    try:
        return loader.get_single_data()
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
    """Read the YAML document in *path* with the rules above.

    The YAML document in *path*, read with the rules above; every problem is one *error*
    naming the file (and line).
    """
    path = Path(path)
    try:
        return loads(_text(path, what))
    except ProjectError as exc:
        message = str(exc)
        raise error(message if message.startswith(str(path)) else f"{path}: {message}") from None
