"""pydantic's validation errors as the words a project file's author reads.

Each error names the file and the key path; an unknown key gets the closest accepted key and
the list of keys accepted there, a missing or mistyped one an example from ``project_keys.yaml``.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from scmap.project._keys import key_docs

__all__ = ["pydantic_problems"]


def _arms(annotation: Any) -> list[Any]:
    """The types an annotation may hold (Optional, unions and Annotated unwrapped)."""
    if typing.get_origin(annotation) is Annotated:
        return _arms(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for arm in typing.get_args(annotation) for t in _arms(arm)]
    return [annotation]


def _step(current: list[Any], part: str | int) -> list[Any]:
    """The types found one key or index further along an error location."""
    out = []
    for t in current:
        origin, args = typing.get_origin(t), typing.get_args(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            if isinstance(part, str) and part in t.model_fields:
                out += _arms(t.model_fields[part].annotation)
            elif part == t.__name__:  # pydantic names the union arm it tried
                out.append(t)
        elif origin is dict and isinstance(part, str):
            out += _arms(args[1])
        elif origin in (list, tuple) and isinstance(part, int):
            out += _arms(args[0])
    return out


def _model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    current: list[Any] = [root]
    for part in loc:
        current = _step(current, part) or current
    return next((t for t in current if isinstance(t, type) and issubclass(t, BaseModel)), None)


_ALIASES = {
    "type": ("solution", "solution_field"),
    "type_field": ("solution_field",),
    "type_column": ("solution_field",),
    "kind": ("solution", "solution_field"),
    "file": ("path",),
    "filename": ("path",),
    "lang": ("language",),
    "id_field": ("id",),
    "id_column": ("id",),
    "name_field": ("name",),
    "name_column": ("name",),
}
"""Words other tools use for a key, and scmap's keys for them (offered where they are accepted):
"type: ev_charging" is the natural guess for a solution file's type, but no near spelling of it."""


def _unknown_key(root: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    model = _model_at(root, loc[:-1])
    if model is None:
        return "unknown key"
    accepted = list(model.model_fields)
    key = str(loc[-1])
    close = [a for a in _ALIASES.get(key.lower(), ()) if a in accepted]
    close = close or difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"unknown key {str(loc[-1])!r}; {hint}accepted keys here: {', '.join(accepted)}"


def _example(root: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """Return the hint " (e.g. KEY: EXAMPLE)" for the key at *loc*, from project_keys.yaml."""
    model = _model_at(root, loc[:-1])
    doc = key_docs().get(model.__name__, {}).get(str(loc[-1])) if model else None
    return f" (e.g. {loc[-1]}: {json.dumps(doc[1], ensure_ascii=False)})" if doc else ""


def _message(root: type[BaseModel], err: Any, loc: tuple[str | int, ...]) -> str:
    msg = re.sub(r" or instance of \w+", "", err["msg"].removeprefix("Value error, "))
    if err["type"] == "extra_forbidden":
        return _unknown_key(root, loc)
    if err["type"] == "missing":
        return "required key is missing" + _example(root, loc)
    if len(loc) >= 2 and loc[-2] == "weights" and loc[-1] in ("ahp", "rank"):
        return f"{loc[-1]}: goes beside weights:, not inside it{_example(root, (*loc[:-2], loc[-1]))}"
    if err["type"] in ("model_type", "dict_type", "list_type", "float_parsing", "int_parsing", "string_type"):
        return msg + _example(root, loc)
    return msg


def pydantic_problems(exc: ValidationError, source: str, root: type[BaseModel]) -> list[str]:
    """Return each of pydantic's errors as one line naming *source* and the key path.

    *root* is the model that read the whole document, so that an unknown key lists the keys
    accepted where it was written (with the closest one) and a missing one an example.
    """
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not str(p).startswith(("function-after", "literal[")))
        shown = ".".join(str(p) for p in loc if p not in ("GridUnits", "H3Units"))
        msg = _message(root, err, loc)
        problems.append(f"{source}: {shown}: {msg}" if shown else f"{source}: {msg}")
    return list(dict.fromkeys(problems))
