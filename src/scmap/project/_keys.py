"""What each project-file key means, with an example (``project_keys.yaml`` beside this module)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["key_docs"]


@cache
def key_docs() -> dict[str, dict[str, tuple[str, Any]]]:
    """``{model name: {key: (description, example)}}``."""
    text = resources.files("scmap.project").joinpath("project_keys.yaml").read_text(encoding="utf-8")
    raw: dict[str, dict[str, list[Any]]] = yaml.safe_load(text)  # our own file: anchors and merges allowed
    return {model: {key: (str(v[0]), v[1]) for key, v in keys.items()} for model, keys in raw.items()}
