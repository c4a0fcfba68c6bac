"""The project file: a typed, validated description of one scmap run.

The keys follow the contract in DESIGN.md; unknown keys, wrong values, missing files, unknown
sectors or solution types are errors naming the file, the key path and the allowed values. All
problems found are reported together.

Examples
--------
>>> from scmap.datasets import demo_project_path
>>> project = load_project(demo_project_path())
>>> project.spec.districts.id, len(project.spec.solutions)
('district_id', 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scmap.catalogue import Catalogue, Rule, load_catalogue
from scmap.errors import CatalogueError, ProjectError

__all__ = [
    "CriterionSpec",
    "DistrictsSpec",
    "FileSpec",
    "LayerSpec",
    "MapSpec",
    "ModelSpec",
    "OverlapSpec",
    "Project",
    "ProjectSpec",
    "SolutionSource",
    "SuitabilitySpec",
    "load_project",
]

Status = Literal["existing", "planned", "candidate"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSpec(_Strict):
    """Where a layer comes from: path, layer, and how to read it."""

    path: str = Field(min_length=1, description="relative to the project file")
    layer: str | None = None
    crs: str | None = Field(default=None, description="CRS to assume (or to force) for this file")
    encoding: str | None = None
    lon: str | None = Field(default=None, description="CSV longitude column")
    lat: str | None = Field(default=None, description="CSV latitude column")
    wkt: str | None = Field(default=None, description="CSV WKT geometry column")


class DistrictsSpec(FileSpec):
    id: str = Field(min_length=1, description="column with unique district ids")
    name: str | None = None


class LayerSpec(FileSpec):
    pass


class SolutionSource(FileSpec):
    sector_field: str | None = None
    solution_field: str | None = None
    sector: str | None = None
    solution: str | None = None
    id: str | None = None
    name: str | None = None
    status: str | None = Field(default=None, description="column holding existing|planned|candidate")
    default_status: Status = Field(default="existing", description="status where there is no status column or value")
    radius_field: str | None = Field(default=None, description="column with a per-row service radius in metres")

    @model_validator(mode="after")
    def _one_way(self) -> SolutionSource:
        if self.solution is None and self.solution_field is None:
            raise ValueError("give solution: TYPE (one type for every row) or solution_field: COLUMN")
        if self.solution is not None and self.solution_field is not None:
            raise ValueError("give either solution: or solution_field:, not both")
        if self.sector is not None and self.sector_field is not None:
            raise ValueError("give either sector: or sector_field:, not both")
        return self


class CriterionSpec(_Strict):
    attribute: str | None = None
    per_km2: bool = False
    distance_to: str | None = None
    count_of: str | None = None
    coverage_of: str | None = None
    inside: str | None = None
    radius_m: Annotated[float, Field(gt=0)] | None = None
    exclude: bool = False
    better: Literal["higher", "lower"] | None = None
    fuzzy: tuple[float, float] | None = None

    @property
    def kind(self) -> str:
        return next(
            k for k in ("attribute", "distance_to", "count_of", "coverage_of", "inside") if getattr(self, k) is not None
        )

    @property
    def layer_ref(self) -> str | None:
        return None if self.kind == "attribute" else getattr(self, self.kind)

    @model_validator(mode="after")
    def _one_kind(self) -> CriterionSpec:
        kinds = [
            k for k in ("attribute", "distance_to", "count_of", "coverage_of", "inside") if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "a criterion has exactly one of attribute, distance_to, count_of, coverage_of, inside"
                + (f" (found {', '.join(kinds)})" if kinds else "")
            )
        if self.fuzzy is not None and self.better is not None:
            raise ValueError("give either better: or fuzzy:, not both")
        if self.fuzzy is not None and self.fuzzy[0] == self.fuzzy[1]:
            raise ValueError("fuzzy: [full, zero] needs two different values")
        return self


class AHPSpec(_Strict):
    order: list[str] = Field(min_length=2)
    matrix: list[list[float]]
    allow_inconsistent: bool = False


class ModelSpec(_Strict):
    criteria: dict[str, CriterionSpec] = Field(min_length=1)
    weights: dict[str, float] | None = None
    ahp: AHPSpec | None = None
    aggregation: Literal["wlc", "product", "owa"] = "wlc"

    @model_validator(mode="after")
    def _weights_match(self) -> ModelSpec:
        if self.weights is not None and self.ahp is not None:
            raise ValueError("give either weights: or ahp:, not both")
        scored = {k for k, c in self.criteria.items() if not (c.kind == "inside" and c.exclude)}
        named = set(self.weights or {}) | set(self.ahp.order if self.ahp else [])
        unknown = named - set(self.criteria)
        if unknown:
            raise ValueError(f"weights name unknown criteria {sorted(unknown)}; criteria: {sorted(self.criteria)}")
        if self.weights is not None:
            bad = {k: v for k, v in self.weights.items() if not v >= 0}
            if bad:
                raise ValueError(f"weights must be >= 0 and not NaN: {bad}")
            if scored and not any(self.weights.get(k, 0) > 0 for k in scored):
                raise ValueError("all weights are zero")
        return self


class GridUnits(_Strict):
    grid_m: float = Field(gt=0)


class H3Units(_Strict):
    h3: int = Field(ge=0, le=15)


class SuitabilitySpec(_Strict):
    units: Literal["districts"] | GridUnits | H3Units = "districts"
    models: dict[str, ModelSpec] = Field(default_factory=dict)


class OverlapSpec(_Strict):
    radius_m: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    population: str | None = Field(default=None, description="district column with inhabitants, for gaps")


class MapSpec(_Strict):
    title: str | None = None
    basemap: Literal["osm", "light", "dark", "none"] = "osm"
    show: list[str] | None = Field(default=None, description="sectors or layers visible at start")
    attribution: str | None = Field(default=None, description="credit for the data, shown on the map")


class ProjectSpec(_Strict):
    name: str = Field(min_length=1)
    crs: str = "auto"
    districts: DistrictsSpec
    layers: dict[str, LayerSpec] = Field(default_factory=dict)
    solutions: list[SolutionSource] = Field(min_length=1)
    catalogue: str | None = None
    suitability: SuitabilitySpec | None = None
    overlap: OverlapSpec | None = None
    map: MapSpec = Field(default_factory=MapSpec)


@dataclass(frozen=True)
class Project:
    """A loaded project: its validated spec, where it lives, and its catalogue."""

    spec: ProjectSpec
    path: Path
    catalogue: Catalogue

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def name(self) -> str:
        return self.spec.name

    def resolve(self, relative: str) -> Path:
        """A path from the project file, relative to the project's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p


def _pydantic_problems(exc: ValidationError, source: str) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = ".".join(
            str(p) for p in err["loc"] if not str(p).startswith(("function-after", "literal[", "GridUnits", "H3Units"))
        )
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        problems.append(f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}")
    return list(dict.fromkeys(problems))


def _semantic_problems(spec: ProjectSpec, catalogue: Catalogue, source: str, root: Path) -> list[str]:
    problems: list[str] = []
    types = ", ".join(catalogue.solutions)
    sectors = ", ".join(catalogue.sectors)

    def exists(key: str, rel: str) -> None:
        p = Path(rel).expanduser()
        p = p if p.is_absolute() else root / p
        if not p.exists():
            problems.append(f"{source}: {key}: file not found: {p}")

    exists("districts.path", spec.districts.path)
    for name, layer in spec.layers.items():
        exists(f"layers.{name}.path", layer.path)
    seen_sources: dict[tuple[str, str | None], int] = {}
    for i, src in enumerate(spec.solutions):
        key = f"solutions.{i}"
        exists(f"{key}.path", src.path)
        where = (str((root / Path(src.path).expanduser()).resolve()), src.layer)
        if where in seen_sources:
            problems.append(
                f"{source}: {key}.path: the same file{' and layer' if src.layer else ''} as "
                f"solutions.{seen_sources[where]}: each source once"
            )
        seen_sources.setdefault(where, i)
        if src.solution is not None and catalogue.match_solution(src.solution) != src.solution:
            problems.append(f"{source}: {key}.solution: unknown solution type {src.solution!r}; allowed: {types}")
        if src.sector is not None and src.sector not in catalogue.sectors:
            problems.append(f"{source}: {key}.sector: unknown sector {src.sector!r}; allowed: {sectors}")
        if (
            src.solution in catalogue.solutions
            and src.sector in catalogue.sectors
            and catalogue.solutions[src.solution].sector != src.sector
        ):
            problems.append(
                f"{source}: {key}.sector: {src.solution} belongs to sector "
                f"{catalogue.solutions[src.solution].sector!r} in the catalogue, not {src.sector!r}"
            )
    if spec.suitability is not None:
        for sol, model in spec.suitability.models.items():
            if sol not in catalogue.solutions:
                problems.append(f"{source}: suitability.models.{sol}: unknown solution type; allowed: {types}")
            for cname, crit in model.criteria.items():
                ref = crit.layer_ref
                if ref is not None and ref not in spec.layers:
                    allowed = ", ".join(spec.layers) or "(no layers: defined under layers:)"
                    problems.append(
                        f"{source}: suitability.models.{sol}.criteria.{cname}.{crit.kind}: unknown layer "
                        f"{ref!r}; allowed: {allowed}"
                    )
    if spec.overlap is not None:
        for sol in spec.overlap.radius_m:
            if sol not in catalogue.solutions:
                problems.append(f"{source}: overlap.radius_m.{sol}: unknown solution type; allowed: {types}")
        for i, rule in enumerate(spec.overlap.rules):
            for side in ("a", "b"):
                value = getattr(rule, side)
                if not catalogue.is_rule_target(value):
                    problems.append(
                        f"{source}: overlap.rules.{i}.{side}: unknown solution type {value!r}; allowed: "
                        f"{types}, or sector:NAME with NAME in {sectors}"
                    )
    return problems


def load_project(path: str | Path) -> Project:
    """Read and validate a project file (YAML).

    Raises
    ------
    ProjectError
        Listing every problem found, each with the file and key path.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found") from None
    except IsADirectoryError:
        raise ProjectError(f"{path}: is a folder; give the project YAML file inside it") from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: a project file is a YAML mapping with name:, districts:, solutions:")
    try:
        spec = ProjectSpec.model_validate(data)
    except ValidationError as exc:
        raise ProjectError(f"{path}: invalid project file", _pydantic_problems(exc, source)) from None
    catalogue_path = None
    if spec.catalogue is not None:
        catalogue_path = Path(spec.catalogue)
        catalogue_path = catalogue_path if catalogue_path.is_absolute() else path.parent / catalogue_path
    try:
        catalogue = load_catalogue(catalogue_path)
    except CatalogueError as exc:
        raise ProjectError(f"{path}: catalogue: {exc}") from None
    problems = _semantic_problems(spec, catalogue, source, path.parent)
    if problems:
        raise ProjectError(f"{path}: invalid project file", problems)
    return Project(spec=spec, path=path.resolve(), catalogue=catalogue)
