"""The catalogue of sectors, solution types, service radii, colours and synergy/conflict rules.

The built-in catalogue (``catalogue.yaml`` beside this module) covers energy, mobility and ICT.
A user catalogue extends it: an entry with an existing key replaces the fields it gives, a new
key adds a sector or solution type, rules are appended.

Examples
--------
>>> cat = load_catalogue()
>>> cat.solutions["ev_charging"].sector, cat.solutions["ev_charging"].radius_m
('mobility', 300.0)
>>> cat.match_solution("EV Charging Point")
'ev_charging'
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from scmap.core._limits import MAX_DISTANCE_M
from scmap.core._yaml import read_yaml
from scmap.errors import CatalogueError

__all__ = [
    "Catalogue",
    "ReferenceCase",
    "Rule",
    "Sector",
    "SolutionType",
    "builtin_labels",
    "builtin_texts",
    "load_catalogue",
]

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class _Strict(BaseModel):
    # every number finite: NaN and infinities are refused with the key path
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Sector(_Strict):
    """A sector of the catalogue (energy, mobility, ICT...): its label, colour and description."""

    label: str = Field(min_length=1)
    colour: str
    description: str = ""

    @field_validator("colour")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX.match(value):
            raise ValueError(f"colour must be #rrggbb, got {value!r}")
        return value.lower()


class ReferenceCase(_Strict):
    """A city where a solution type is already deployed, cited in the map and report."""

    name: str
    city: str | None = None
    note: str | None = None


class SolutionType(_Strict):
    """A solution type: its sector, label, service radius, icon, colour and aliases."""

    sector: str
    label: str = Field(min_length=1)
    radius_m: float = Field(gt=0, le=MAX_DISTANCE_M, description="default service radius in metres (at most 100 km)")
    icon: str = Field(default="●", max_length=4)
    symbol: str = Field(default="marker", pattern=r"^[a-z0-9-]{1,40}$", description="a Maki icon name, drawn as SVG")
    colour: str | None = None
    description: str = ""
    aliases: list[str] = Field(default_factory=list)
    reference_cases: list[ReferenceCase] = Field(default_factory=list)

    @field_validator("colour")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not _HEX.match(value):
            raise ValueError(f"colour must be #rrggbb, got {value!r}")
        return value.lower() if value else value


class Rule(_Strict):
    """A synergy or conflict between two solution types (or ``sector:NAME``) within a distance."""

    a: str
    b: str
    relation: Literal["synergy", "conflict"]
    within_m: float = Field(gt=0, le=MAX_DISTANCE_M, description="metres (at most 100 km)")
    note: str = ""


class Catalogue(_Strict):
    """The sectors, solution types and rules that scmap knows (built in, or a city's own file)."""

    version: str
    sectors: dict[str, Sector]
    solutions: dict[str, SolutionType]
    rules: list[Rule] = Field(default_factory=list)
    _lookup_cache: dict[str, str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        problems = []
        for key in [*self.sectors, *self.solutions]:
            if not _KEY.match(key):
                problems.append(f"key {key!r}: use lower-case letters, digits and _ (e.g. ev_charging)")
        for key, sol in self.solutions.items():
            if sol.sector not in self.sectors:
                problems.append(
                    f"solutions.{key}.sector: unknown sector {sol.sector!r}; allowed: {', '.join(self.sectors)}"
                )
        icons = maki_icons()
        for key, sol in self.solutions.items():
            if icons and sol.symbol not in icons:
                near = difflib.get_close_matches(sol.symbol, sorted(icons), n=4, cutoff=0.5) or ["marker"]
                problems.append(
                    f"solutions.{key}.symbol: {sol.symbol!r} is not a Maki icon scmap ships; nearest: "
                    f"{', '.join(near)} (every name: https://labs.mapbox.com/maki-icons)"
                )
        problems += self.rule_problems(self.rules, "rules")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def is_rule_target(self, value: str) -> bool:
        """Whether a rule's side names a solution type of this catalogue or ``sector:NAME`` of one of its sectors."""
        if value.startswith("sector:"):
            return value.removeprefix("sector:") in self.sectors
        return value in self.solutions

    def rule_problems(self, rules: Sequence[Rule], key: str) -> list[str]:
        """What is wrong with the sides of *rules* (the catalogue's own, a project's, or given in Python).

        The one check of rule targets: each message names ``KEY.I.a`` or ``KEY.I.b``.
        """
        problems = []
        for i, rule in enumerate(rules):
            for side in ("a", "b"):
                value = getattr(rule, side)
                if not self.is_rule_target(value):
                    problems.append(
                        f"{key}.{i}.{side}: unknown solution type {value!r}; allowed: solution types "
                        f"({', '.join(self.solutions)}) or sector:NAME ({', '.join(self.sectors)})"
                    )
        return problems

    def radius_problems(self, radius_m: Mapping[str, float], key: str) -> list[str]:
        """What is wrong with service radii given by solution type (a project's or given in Python).

        The one check of ``radius_m`` overrides: each names a solution type the catalogue knows and
        is more than 0 and at most 100 km; each message names ``KEY.TYPE``.
        """
        problems = []
        for sol, value in radius_m.items():
            if sol not in self.solutions:
                problems.append(f"{key}.{sol}: unknown solution type; allowed: {', '.join(self.solutions)}")
            elif not 0 < value <= MAX_DISTANCE_M:
                problems.append(f"{key}.{sol}: radius must be > 0 m and at most 100 km, got {value}")
        return problems

    def type_label(self, key: str) -> str:
        """A solution type's label (the key itself for a type the catalogue does not know)."""
        return self.solutions[key].label if key in self.solutions else key

    def sector_label(self, key: str) -> str:
        """A sector's label (the key itself for a sector the catalogue does not know)."""
        return self.sectors[key].label if key in self.sectors else key

    def colour(self, solution: str) -> str:
        """Return the marker colour of a solution type.

        Marker colour of a solution type: its own, else a shade of its sector's colour that tells
        it from the sector's other types (the first type keeps the sector's colour).

        Examples
        --------
        >>> cat = load_catalogue()
        >>> cat.colour("ev_charging"), cat.colour("bike_sharing")
        ('#1f78b4', '#16547e')
        """
        sol = self.solutions[solution]
        if sol.colour:
            return sol.colour
        siblings = [k for k, s in self.solutions.items() if s.sector == sol.sector and not s.colour]
        return _shade(self.sectors[sol.sector].colour, _SHADES[siblings.index(solution) % len(_SHADES)])

    def match_solution(self, value: object) -> str | None:
        """The solution-type key for a messy value ('EV charging point' -> 'ev_charging')."""
        return self._lookup().get(_norm(value))

    def match_sector(self, value: object) -> str | None:
        """Return the sector key for a messy value (a key, label or alias), or None."""
        norm = _norm(value)
        for key, sector in self.sectors.items():
            if norm in (key, _norm(sector.label)):
                return key
        return None

    def _lookup(self) -> dict[str, str]:
        if self._lookup_cache is None:
            cached: dict[str, str] = {}
            for key, sol in self.solutions.items():
                for name in (key, sol.label, *sol.aliases):
                    cached.setdefault(_norm(name), key)
            self._lookup_cache = cached
        return self._lookup_cache


_SHADES = (0.0, -0.3, 0.22, -0.5, 0.35, -0.65, 0.45)
"""How far each type of a sector moves from the sector's colour: toward black (< 0) or white (> 0)."""


def _shade(colour: str, amount: float) -> str:
    """*colour* (#rrggbb) mixed with black (amount < 0) or white (amount > 0)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _norm(value: object) -> str:
    """Lower case, no accents, words joined by "_": "Punt de recàrrega!" -> "punt_de_recarrega"."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[\W_]+", "_", text).strip("_")


def _builtin_raw() -> dict[str, Any]:
    text = resources.files("scmap.core").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return data


@functools.cache
def maki_icons() -> frozenset[str]:
    """The names of the Maki icons scmap ships (``maps/vendor/maki``), which ``symbol:`` may name."""
    folder = resources.files("scmap").joinpath("maps", "vendor", "maki")
    return frozenset(f.name.removesuffix(".svg") for f in folder.iterdir() if f.name.endswith(".svg"))


@functools.cache
def builtin_texts() -> dict[str, str]:
    """Return the built-in catalogue's English words by message id.

    The built-in catalogue's English words by message id: labels (``sector.KEY``, ``type.KEY``),
    descriptions (``about.sector.KEY``, ``about.type.KEY``), reference-case notes
    (``case.TYPE.N``, N counting from 0) and rule notes (``rule.A.B``). A text still equal to
    these is shown in the map's and report's language.
    """
    raw = _builtin_raw()
    texts = {f"sector.{k}": v["label"] for k, v in raw["sectors"].items()}
    texts |= {f"type.{k}": v["label"] for k, v in raw["solutions"].items()}
    texts |= {f"about.sector.{k}": v["description"] for k, v in raw["sectors"].items()}
    texts |= {f"about.type.{k}": v["description"] for k, v in raw["solutions"].items()}
    for key, sol in raw["solutions"].items():
        texts |= {f"case.{key}.{i}": c["note"] for i, c in enumerate(sol.get("reference_cases") or []) if c.get("note")}
    texts |= {f"rule.{r['a']}.{r['b']}": r["note"] for r in raw["rules"] if r.get("note")}
    return texts


def builtin_labels() -> dict[str, str]:
    """The built-in labels by message id (``sector.KEY``, ``type.KEY``)."""
    return {k: v for k, v in builtin_texts().items() if k.startswith(("sector.", "type."))}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for section in ("sectors", "solutions"):
        entries = {k: dict(v) for k, v in base.get(section, {}).items()}
        for key, value in (extra.get(section) or {}).items():
            if key in entries and isinstance(value, dict):
                entries[key].update(value)
            else:
                entries[key] = value
        merged[section] = entries
    merged["rules"] = list(base.get("rules", [])) + list(extra.get("rules") or [])
    if "version" in extra:
        merged["version"] = f"{base['version']}+{extra['version']}"
    return merged


def _errors(exc: ValidationError, source: str) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        out.append(f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}")
    return out


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The built-in catalogue, extended by the user catalogue at *path* if given.

    Raises
    ------
    CatalogueError
        Naming the file and key path of every problem.
    """
    base = _builtin_raw()
    source = "built-in catalogue"
    data = base
    if path is not None:
        path = Path(path)
        source = str(path)
        extra = read_yaml(path, what="catalogue file", error=CatalogueError) or {}
        if not isinstance(extra, dict):
            raise CatalogueError(f"{path}: a catalogue is a mapping with sectors:, solutions:, rules:")
        unknown = set(extra) - {"version", "sectors", "solutions", "rules"}
        if unknown:
            raise CatalogueError(
                f"{path}: unknown keys {', '.join(sorted(unknown))}; allowed: version, sectors, solutions, rules"
            )
        data = _merge(base, extra)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(f"{source}: invalid catalogue", _errors(exc, source)) from None
