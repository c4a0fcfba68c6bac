"""MkDocs hook: the project file's reference written from scmap's own JSON Schema.

A page holding ``<!-- project-keys -->`` gets one table per part of the project file (the top
level first, then each ``$defs`` model): every key, its type, whether it is required, what it
means and an example, all from :func:`scmap.project_schema`, so the reference cannot drift
from what ``scmap validate`` accepts.
"""

from __future__ import annotations

import json
from typing import Any

MARK = "<!-- project-keys -->"


def _type(prop: dict[str, Any]) -> str:
    """A short type for a schema property: ``string``, ``number | null``, ``BasemapSpec``..."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " \\| ".join(dict.fromkeys(_type(p) for p in prop["anyOf"]))
    if prop.get("type") == "array" and "items" in prop:
        return f"list of {_type(prop['items'])}"
    if prop.get("type") == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"map of {_type(prop['additionalProperties'])}"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    return str(prop.get("type", "any"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(title: str, model: dict[str, Any]) -> str:
    required = set(model.get("required", ()))
    rows = [f"## {title}", "", _cell(model.get("description", "")), ""]
    rows += ["| key | type | meaning and example |", "|---|---|---|"]
    for key, prop in model.get("properties", {}).items():
        meaning = _cell(prop.get("description", ""))
        if prop.get("examples"):
            meaning += f"<br>Example: `{_cell(json.dumps(prop['examples'][0], ensure_ascii=False))}`"
        flag = " (required)" if key in required else ""
        rows.append(f"| `{key}`{flag} | {_type(prop)} | {meaning} |")
    return "\n".join(rows)


def project_keys_markdown() -> str:
    """Every key of the project file as Markdown tables, from the JSON Schema."""
    from scmap import project_schema

    schema = project_schema()
    parts = [_table("The top level", schema)]
    parts += [_table(name, model) for name, model in sorted(schema.get("$defs", {}).items())]
    return "\n\n".join(parts) + "\n"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Put the generated tables where a page asks for them."""
    return markdown.replace(MARK, project_keys_markdown()) if MARK in markdown else markdown
