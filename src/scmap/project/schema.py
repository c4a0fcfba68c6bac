"""The project file's JSON Schema, for editors (completion, checks) and other tools.

Generated from the pydantic models that read the project file, with a description and an example
for every key (``project_keys.yaml``); ``additionalProperties: false`` wherever the project file
refuses unknown keys.

Examples
--------
>>> schema = project_schema()
>>> schema["$schema"], schema["additionalProperties"], sorted(schema["required"])
('https://json-schema.org/draft/2020-12/schema', False, ['districts', 'name', 'solutions'])
>>> schema["$defs"]["CriterionSpec"]["properties"]["count_of"]["examples"]
['trams']
"""

from __future__ import annotations

import json
from typing import Any

from scmap.project._keys import key_docs
from scmap.project.spec import ProjectSpec

__all__ = ["project_schema", "schema_text"]


def _annotate(model: str, node: dict[str, Any], docs: dict[str, dict[str, tuple[str, Any]]]) -> None:
    for key, prop in node.get("properties", {}).items():
        description, example = docs[model][key]
        prop["description"] = description
        prop["examples"] = [example]


def project_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the project file."""
    schema = ProjectSpec.model_json_schema(mode="validation")
    docs = key_docs()
    for name, node in schema.get("$defs", {}).items():
        _annotate(name, node, docs)
    _annotate("ProjectSpec", schema, docs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "scmap project file",
        "description": "One scmap run: districts, context layers, solutions, suitability, overlap, map.",
    }


def schema_text() -> str:
    """:func:`project_schema` as indented JSON text."""
    return json.dumps(project_schema(), indent=2, ensure_ascii=False) + "\n"
