"""The project file's keys: a typed description of one scmap run (pydantic models).

The keys follow the contract in DESIGN.md; each model refuses unknown keys and wrong values.
:mod:`scmap.project.load` reads a file into these models and checks what they cannot see
(files, catalogue names, layers), reporting every problem together.

Examples
--------
>>> MapSpec().language, OverlapSpec().radius_m
('en', {})
"""

from __future__ import annotations

import codecs
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from scmap.core._limits import MAX_DISTANCE_M, MAX_PAIRS, MAX_SENSITIVITY_CELLS, MAX_UNITS, MAX_VERTICES
from scmap.core._yaml import YamlFloat, YamlInt
from scmap.core.catalogue import Catalogue, Rule
from scmap.core.i18n import LANGUAGE_TAG, Messages, load_messages
from scmap.project._basemaps import resolve_basemap
from scmap.project._paths import resolve_path
from scmap.project._weights import ahp_weights, consistency_problem, weights_problem
from scmap.sources._derive import DeriveError, columns_of, filter_columns
from scmap.sources._where import is_postgres, redact

__all__ = [
    "AHPSpec",
    "BasemapSpec",
    "ClassSpec",
    "CriterionSpec",
    "DistrictsSpec",
    "FileSpec",
    "LayerSpec",
    "LimitsSpec",
    "MapSpec",
    "ModelSpec",
    "OverlapSpec",
    "Project",
    "ProjectSpec",
    "SensitivitySpec",
    "SolutionSource",
    "SuitabilitySpec",
    "WeightSet",
]

Status = Literal["existing", "planned", "candidate"]


def _leaves(annotation: Any) -> set[Any]:
    """The scalar types a field's annotation admits (through Optional, unions and Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _leaves(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_leaves(a) for a in typing.get_args(annotation)))
    return {annotation}


def as_written(annotation: Any, value: Any) -> Any:
    """Return *value* as written, for a field of *annotation*.

    *value* for a field of *annotation*: numbers read from YAML become their text in text-only
    fields (and in text-valued mappings and lists); booleans are refused in number fields.
    """
    leaves = _leaves(annotation) - {type(None)}
    containers = [a for a in leaves if typing.get_origin(a) in (dict, list)]
    if len(containers) == 1 and isinstance(value, dict | list):
        inner, *_ = reversed(typing.get_args(containers[0]))
        if typing.get_origin(containers[0]) is dict and isinstance(value, dict):
            return {k: as_written(inner, v) for k, v in value.items()}
        if typing.get_origin(containers[0]) is list and isinstance(value, list):
            return [as_written(inner, v) for v in value]
    if isinstance(value, YamlInt | YamlFloat) and leaves == {str}:
        return value.source
    if isinstance(value, YamlInt) and value.refused:
        raise ValueError(value.refused)
    if isinstance(value, bool) and leaves and leaves <= {int, float}:
        raise ValueError(f"is a number, not {str(value).lower()}")
    return value


class _Strict(BaseModel):
    # every number finite: NaN and infinities are refused with the key path
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _as_written(cls, value: Any, info: ValidationInfo) -> Any:
        """Keep numbers as written in text fields; refuse booleans in number fields.

        A text field keeps a number as it was written (``title: 12:30``, ``name: 2030``); a
        number field refuses ``true``/``false`` (which pydantic would read as 1 and 0).
        """
        field = cls.model_fields.get(info.field_name or "")
        return value if field is None else as_written(field.annotation, value)


Distance = Annotated[float, Field(gt=0, le=MAX_DISTANCE_M, description="metres, at most 100 km")]
Weight = Annotated[float, Field(ge=0, le=1e6, description="relative weight (normalised to sum 1)")]


class JoinSpec(_Strict):
    """A table (CSV, XLSX, ODS, GeoPackage, DBF...) whose columns a source takes by a key."""

    path: str = Field(min_length=1, description="the table, relative to the project file")
    layer: str | None = Field(default=None, description="sheet or layer of the table")
    on: str = Field(min_length=1, description="the source's key column")
    key: str | None = Field(default=None, description="the table's key column (default: the same name as on:)")
    columns: list[str] | None = Field(default=None, description="the table's columns to add (default: all)")
    encoding: str | None = None


class FileSpec(_Strict):
    """Where a layer comes from: path, layer, and how to read it."""

    path: str = Field(
        min_length=1,
        description="a file relative to the project file, postgresql://user@host:port/db, or a web service URL",
    )
    layer: str | None = Field(default=None, description="layer of a file; WFS type name")
    table: str | None = Field(default=None, description="PostGIS table ([schema.]name)")
    sql: str | None = Field(default=None, description="PostGIS query (instead of table:)")
    crs: str | None = Field(default=None, description="CRS to assume (or to force) for this file")
    encoding: str | None = None
    lon: str | None = Field(default=None, description="CSV longitude column")
    lat: str | None = Field(default=None, description="CSV latitude column")
    wkt: str | None = Field(default=None, description="CSV WKT geometry column")
    coordinates: str | None = Field(
        default=None, description="CSV column holding both coordinates: '2.79,48.84', '[2.79, 48.84]', '43,45;28,55'"
    )
    coordinate_order: Literal["lon,lat", "lat,lon"] = Field(
        default="lon,lat", description="order of the two numbers in coordinates: (lat,lon when latitude comes first)"
    )
    max_rejected_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of rows that may be rejected before validate fails (districts 0.2, others 1)",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"{value!r} is not a text encoding; e.g. utf-8, cp1252, cp1251, latin-1") from None
        return value

    derive: dict[str, str] = Field(
        default_factory=dict,
        description='new columns computed from others: {population: "Homes + Dones"} (numbers, columns, + - * / ( ))',
    )

    where: str | None = Field(
        default=None,
        max_length=2000,
        description="keep only the rows this condition holds for: kind = 'solar' and power_mw >= 1",
    )
    join: list[JoinSpec] = Field(default_factory=list, description="tables whose columns are added by a key")

    @field_validator("where")
    @classmethod
    def _filter_grammar(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                filter_columns(value)
            except DeriveError as exc:
                raise ValueError(f"{value!r}: {exc}") from None
        return value

    @field_validator("join", mode="before")
    @classmethod
    def _one_join(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _database(self) -> FileSpec:
        if self.coordinates is not None and (self.lon or self.lat or self.wkt):
            raise ValueError("give coordinates: (one column holding both) or lon:/lat: or wkt:, not both")
        if is_postgres(self.path) and (self.table is None) == (self.sql is None):
            raise ValueError("a postgresql:// source needs table: or sql: (one of them)")
        if not is_postgres(self.path) and (self.table is not None or self.sql is not None):
            raise ValueError("table: and sql: are for postgresql:// sources; a file's layer is layer:")
        return self

    @field_validator("derive")
    @classmethod
    def _grammar(cls, value: dict[str, str]) -> dict[str, str]:
        for column, expr in value.items():
            try:
                columns_of(expr)
            except DeriveError as exc:
                raise ValueError(f"{column}: {expr!r}: {exc}") from None
        return value


Popup = list[str] | dict[str, str]
"""Columns a popup shows: a list, or {column: label}."""


def _ids(value: object) -> object:
    """A column name, or 2 to 4 different column names (one message for every other shape)."""
    if isinstance(value, str) and value.strip():
        return value
    names = value if isinstance(value, list) else []
    if 2 <= len(names) <= 4 and all(isinstance(v, str) and v.strip() for v in names) and len(set(names)) == len(names):
        return value
    raise ValueError(
        "give one column (id: code) or 2 to 4 different columns whose values are unique together "
        "(id: [C_Distri, C_SecCens])"
    )


Ids = Annotated[str | list[str], BeforeValidator(_ids)]
"""A column of ids, or 2 to 4 columns whose values together are the id (written ``A-B``)."""


class DistrictsSpec(FileSpec):
    """The district boundaries: a file (or database layer) with a unique id column and optional name."""

    id: Ids = Field(description="column with unique district ids, or columns unique together: [C_Distri, C_SecCens]")
    name: str | None = None
    popup: Popup = Field(default_factory=list, description="the file's own columns the popups show")


class LayerSpec(FileSpec):
    """A context layer: a file or database layer that criteria and constraints measure against."""


class SolutionSource(FileSpec):
    """A solution source: a file of solutions and how its rows name their sector and type."""

    sector_field: str | None = None
    solution_field: str | None = None
    sector: str | None = None
    solution: str | None = None
    id: Ids | None = Field(default=None, description="column with unique ids, or columns unique together: [A, B]")
    name: str | None = None
    status: str | None = Field(default=None, description="column holding existing|planned|candidate")
    default_status: Status = Field(default="existing", description="status where there is no status column or value")
    radius_field: str | None = Field(default=None, description="column with a per-row service radius in metres")
    id_prefix: str | None = Field(
        default=None, min_length=1, max_length=40, description="written before every id of this source: PREFIX:ID"
    )
    popup: Popup = Field(default_factory=list, description="the file's own columns the popups show")

    @model_validator(mode="after")
    def _one_way(self) -> SolutionSource:
        if self.solution is not None and self.solution_field is not None:
            raise ValueError("give either solution: or solution_field:, not both")
        if self.sector is not None and self.sector_field is not None:
            raise ValueError("give either sector: or sector_field:, not both")
        return self


_KINDS = ("attribute", "distance_to", "count_of", "coverage_of", "inside")
_STANDARDISATIONS = ("better", "fuzzy", "sigmoid", "categories", "breaks")


class SigmoidSpec(_Strict):
    mid: float = Field(description="value scored 0.5")
    scale: float = Field(description="spread in the value's units; negative when lower is better")

    @model_validator(mode="after")
    def _nonzero(self) -> SigmoidSpec:
        if self.scale == 0:
            raise ValueError("sigmoid.scale must not be 0")
        return self


class CriterionSpec(_Strict):
    """One criterion: how its raw value is measured (one kind) and standardised to [0, 1]."""

    attribute: str | None = None
    per_km2: StrictBool = False
    distance_to: str | None = None
    count_of: str | None = None
    coverage_of: str | None = None
    inside: str | None = None
    solution: str | None = Field(
        default=None, description="with distance_to/count_of/coverage_of: solutions, only this solution type"
    )
    sector: str | None = Field(
        default=None, description="with distance_to/count_of/coverage_of: solutions, only this sector"
    )
    radius_m: Distance | None = None
    exclude: StrictBool = False
    better: Literal["higher", "lower"] | None = None
    fuzzy: tuple[float, float] | None = None
    sigmoid: SigmoidSpec | None = None
    categories: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    default: Annotated[float, Field(ge=0, le=1)] = 0.0
    breaks: list[float] | None = None
    scores: list[Annotated[float, Field(ge=0, le=1)]] | None = None
    min: float | None = Field(default=None, description="with exclude: true, units below are excluded")
    max: float | None = Field(default=None, description="with exclude: true, units above are excluded")
    missing: Literal["error", "drop", "fill"] = "error"
    fill: float | None = None
    label: str | None = Field(default=None, max_length=80, description="what the map and report call it")

    @property
    def kind(self) -> str:
        """Return what the criterion measures: the first of its kind keys that is set."""
        return next(k for k in _KINDS if getattr(self, k) is not None)

    @property
    def layer_ref(self) -> str | None:
        """Return the layer the criterion measures against, or None for a district attribute."""
        return None if self.kind == "attribute" else getattr(self, self.kind)

    @property
    def is_constraint(self) -> bool:
        """Only excludes units (an inside: layer or an attribute condition), never scores."""
        return self.exclude

    @model_validator(mode="after")
    def _one_kind(self) -> CriterionSpec:
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a criterion has exactly one of attribute, distance_to, count_of, coverage_of, inside"
                + (f" (found {', '.join(kinds)})" if kinds else "")
            )
        ways = [k for k in _STANDARDISATIONS if getattr(self, k) is not None]
        if len(ways) > 1:
            raise ValueError(f"give one standardisation, not {' and '.join(ways)}")
        if self.fuzzy is not None and self.fuzzy[0] == self.fuzzy[1]:
            raise ValueError("fuzzy: [full, zero] needs two different values")
        if (self.breaks is None) != (self.scores is None):
            raise ValueError("breaks: and scores: go together")
        if self.breaks is not None and self.scores is not None:
            if len(self.scores) != len(self.breaks) + 1:
                raise ValueError("scores: needs one value more than breaks: (below the first break, ...)")
            if sorted(self.breaks) != self.breaks:
                raise ValueError("breaks: must be increasing")
        if self.exclude and kinds[0] not in ("inside", "attribute"):
            raise ValueError("exclude: true works with inside: LAYER or attribute: COLUMN with min:/max:")
        if self.exclude and kinds[0] == "attribute" and self.min is None and self.max is None:
            raise ValueError("an attribute constraint needs min: and/or max:")
        if (self.min is not None or self.max is not None) and not self.exclude:
            raise ValueError("min:/max: define a constraint: add exclude: true")
        if self.missing == "fill" and self.fill is None:
            raise ValueError("missing: fill needs fill: VALUE")
        if (self.solution or self.sector) and kinds[0] == "attribute":
            raise ValueError("solution:/sector: pick features of a layer: give distance_to/count_of/coverage_of")
        if self.categories is not None and kinds[0] != "attribute":
            raise ValueError("categories: maps attribute values to scores")
        return self


class AHPSpec(_Strict):
    """Weights from pairwise comparisons (Saaty's AHP): the criteria's order and the matrix."""

    order: list[str] = Field(min_length=2)
    matrix: list[list[float | str]]
    allow_inconsistent: StrictBool = False

    @model_validator(mode="after")
    def _checked(self) -> AHPSpec:
        if len(self.matrix) != len(self.order):
            raise ValueError(f"matrix: {len(self.matrix)} rows for {len(self.order)} criteria in order:")
        _, cr = ahp_weights(self.matrix, where="matrix")  # square, positive, finite, reciprocal
        problem = consistency_problem(cr, self.allow_inconsistent)
        if problem:
            raise ValueError(problem)
        return self


class WeightSet(_Strict):
    """One way to weight a model's criteria: direct weights, a ranking, or an AHP matrix."""

    weights: dict[str, Weight] | None = None
    rank: list[str] | None = Field(default=None, description="criteria from most to least important (ROC weights)")
    ahp: AHPSpec | None = None
    note: str | None = Field(default=None, description="who chose these weights and why")

    @model_validator(mode="after")
    def _one_way(self) -> WeightSet:
        ways = [k for k in ("weights", "rank", "ahp") if getattr(self, k) is not None]
        if len(ways) > 1:
            raise ValueError(f"give one of weights:, rank:, ahp:, not {' and '.join(ways)}")
        problem = weights_problem(self.weights) if self.weights else None
        if problem:
            raise ValueError(problem)
        return self


class ClassSpec(_Strict):
    """How scores are put into classes for the map's legend and the report."""

    method: Literal["quantiles", "natural_breaks", "equal_interval", "fixed"] = "quantiles"
    k: int = Field(default=5, ge=2, le=10)
    breaks: list[float] | None = Field(default=None, description="upper bounds of the classes (method: fixed)")


class ModelSpec(WeightSet):
    """A suitability model: criteria, weights, constraints, aggregation and classes."""

    criteria: dict[str, CriterionSpec] = Field(min_length=1)
    aggregation: Literal["wlc", "product", "owa"] = "wlc"
    owa: list[Weight] | None = Field(default=None, description="order weights, best criterion value first")
    weight_sets: dict[str, WeightSet] = Field(default_factory=dict, description="other stakeholders' weights")
    classes: ClassSpec = Field(default_factory=ClassSpec)

    @model_validator(mode="after")
    def _weights_match(self) -> ModelSpec:
        scored = [k for k, c in self.criteria.items() if not c.is_constraint]
        if not scored:
            raise ValueError("a model needs at least one criterion that scores (not only exclude: true)")
        for label, ws in [("", self), *((f"weight_sets.{n}.", w) for n, w in self.weight_sets.items())]:
            named = set(ws.weights or {}) | set(ws.rank or []) | set(ws.ahp.order if ws.ahp else [])
            unknown = named - set(self.criteria)
            if unknown:
                raise ValueError(
                    f"{label}weights name unknown criteria {sorted(unknown)}; criteria: {sorted(self.criteria)}"
                )
            constraints = named & {k for k, c in self.criteria.items() if c.is_constraint}
            if constraints:
                raise ValueError(f"{label}constraints (exclude: true) take no weight: {sorted(constraints)}")
            if named and set(scored) - named:
                raise ValueError(f"{label}criteria without a weight: {sorted(set(scored) - named)}")
        if self.aggregation == "owa":
            if self.owa is None or len(self.owa) != len(scored):
                raise ValueError(f"aggregation: owa needs owa: [{len(scored)} order weights]")
            problem = weights_problem(self.owa, "order weights")
            if problem:
                raise ValueError(f"owa: {problem}")
        elif self.owa is not None:
            raise ValueError("owa: order weights go with aggregation: owa")
        return self


class SensitivitySpec(_Strict):
    """How much a model's ranking moves when its weights are perturbed (Monte Carlo runs)."""

    runs: int = Field(default=200, ge=10, le=100_000)
    spread: float = Field(default=0.2, gt=0, lt=1, description="weights perturbed by up to +/- this share")
    seed: int = 12345
    top_k: int = Field(default=5, ge=1)
    sweep: list[Annotated[float, Field(ge=-1, le=10)]] = Field(
        default_factory=lambda: [-0.5, -0.25, 0.25, 0.5], description="one-at-a-time relative weight changes"
    )


class GridUnits(_Strict):
    grid_m: float = Field(ge=1, le=MAX_DISTANCE_M, description="cell size in metres")


class H3Units(_Strict):
    h3: int = Field(ge=0, le=15)


class SuitabilitySpec(_Strict):
    """Where each solution type fits: the units scored and the models that score them."""

    units: Literal["districts"] | GridUnits | H3Units = "districts"
    models: dict[str, ModelSpec] = Field(default_factory=dict)
    sensitivity: SensitivitySpec | None = None
    rollup_threshold: float = Field(default=0.6, ge=0, le=1, description="cell score counted as suitable")


class GetisOrdSpec(_Strict):
    """Getis-Ord Gi* hot spots of solutions on grid cells (esda)."""

    grid_m: float = Field(ge=1, le=MAX_DISTANCE_M, description="cell size in metres")
    permutations: int = Field(default=999, ge=99, le=99_999)
    seed: int = 12345
    alpha: float = Field(default=0.05, gt=0, lt=1)


class OverlapSpec(_Strict):
    """Service radii and rules for where solutions overlap, reinforce or conflict."""

    radius_m: dict[str, Distance] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    population: str | None = Field(default=None, description="district column with inhabitants, for gaps")
    getis_ord: GetisOrdSpec | None = None
    pair_geometry_limit: int = Field(
        default=50_000, ge=0, le=100_000_000, description="pairs up to which each overlap's polygon is kept"
    )


class BasemapSpec(_Strict):
    """One basemap of the switcher: a named provider, a city's XYZ/WMTS tiles or a WMS layer."""

    name: str | None = Field(default=None, description="an xyzservices provider name")
    url: str | None = Field(default=None, description="XYZ/WMTS tile URL template with {z}/{x}/{y}")
    wms: str | None = Field(default=None, description="WMS endpoint (with layers:)")
    layers: str | None = None
    format: str | None = None
    label: str | None = None
    attribution: str | None = None
    max_zoom: int | None = Field(default=None, ge=0, le=24)

    @model_validator(mode="after")
    def _one_source(self) -> BasemapSpec:
        given = [k for k in ("name", "url", "wms") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of name:, url: or wms:")
        if self.wms is not None and not self.layers:
            raise ValueError("a wms: basemap needs layers:")
        if self.name is not None:
            resolve_basemap(self.name)  # an unknown name or one that needs an API key is an error
        return self


class MapSpec(_Strict):
    """How the workshop map looks: title, basemap, language and what it shows."""

    title: str | None = None
    basemap: str = Field(default="osm", description="osm | light | dark | topo | imagery | none | an xyzservices name")
    basemaps: list[BasemapSpec] = Field(default_factory=list, description="more basemaps, with a switcher")
    show: list[str] | None = Field(default=None, description="sectors or layers visible at start")
    attribution: str | None = Field(default=None, description="credit for the data, shown on the map")

    @field_validator("basemap")
    @classmethod
    def _known_basemap(cls, value: str) -> str:
        if value != "none":
            resolve_basemap(value)
        return value

    assets: Literal["inline", "cdn"] = Field(
        default="inline", description="inline: works with no network but tiles; cdn: a smaller file"
    )
    max_html_mb: float = Field(default=25.0, gt=0, le=10_000, description="warn when map.html is larger (MB)")
    cluster_above: int = Field(default=400, ge=0, le=10_000_000, description="sectors with more points are clustered")
    cluster_crowded: bool = Field(
        default=True, description="also cluster a sector of 50 or more points whose icons mostly overlap at first"
    )
    icons_from_zoom: int = Field(default=15, ge=0, le=22, description="below, points are dots while a colouring shows")
    cluster_until_zoom: int = Field(default=17, ge=0, le=22, description="clusters break up from this zoom on")
    max_relations: int = Field(default=2000, ge=0, le=10_000_000, description="links drawn at most (closest first)")
    max_points: int = Field(
        default=200_000, ge=0, le=1_000_000_000, description="more solutions are counted per hexagon on the map"
    )
    max_area_vertices: int = Field(
        default=150_000, ge=0, le=1_000_000_000, description="heavier service areas and hotspots are drawn as a grid"
    )
    language: str = Field(
        default="en", pattern=LANGUAGE_TAG, description="en | es | ca | bg | nl | de | fr | it, or any IETF tag"
    )
    translations: list[str] = Field(default_factory=list, description="a city's own translation files (YAML)")


class LimitsSpec(_Strict):
    """Caps checked before the work starts.

    Caps checked before the work starts, so that a typo (h3: 15, runs: 100000) fails at once
    with the estimate instead of running for hours or exhausting memory.
    """

    max_units: int = Field(default=MAX_UNITS, ge=1, le=100_000_000, description="grid, H3 or Getis-Ord cells")
    max_sensitivity_cells: int = Field(
        default=MAX_SENSITIVITY_CELLS, ge=1, le=10_000_000_000, description="Monte Carlo runs x units"
    )
    max_pairs: int | None = Field(
        default=MAX_PAIRS,
        ge=1,
        le=1_000_000_000,
        description="overlapping service-area pairs (default: as many as fit in half of the available memory)",
    )
    max_vertices: int = Field(default=MAX_VERTICES, ge=1, le=1_000_000_000, description="vertices of one input layer")


class OutputSpec(_Strict):
    """Where results go besides the pack folder."""

    postgis: str | None = Field(default=None, description="postgresql://user@host:port/db to write the tables into")
    postgis_schema: str = Field(default="scmap", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="schema for them")

    @field_validator("postgis")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        if value is not None and not is_postgres(value):
            raise ValueError("a postgresql://user@host:port/db address")
        if value is not None and redact(value) != value:
            raise ValueError("no password in the project file: give it in PGPASSWORD or ~/.pgpass")
        return value


class MatchSpec(_Strict):
    """How ``scmap match`` profiles this project's districts (as lighthouse or follower)."""

    profile: list[str] = Field(
        default_factory=list, description="district columns added to each district's profile (e.g. built_up_share)"
    )
    indicators: list[str] | None = Field(
        default=None, description="as the follower: match on these indicators only (default: all both cities have)"
    )
    weights: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=dict, description="as the follower: indicator weights (1 each by default; 0 leaves one out)"
    )


class BatchSpec(_Strict):
    """How ``scmap batch`` compares the cities of a network."""

    standardise: Literal["network", "city"] = Field(
        default="network",
        description="network: the cross-city tables score every city on one scale; city: each city's own min-max",
    )


class WorkshopSpec(_Strict):
    """The workshop room of this project (``scmap workshop serve``) and its outcome in the pack."""

    store: str | None = Field(
        default=None, description="the room's store (a SQLite file or postgresql://...): scmap run adds what it decided"
    )
    votes_per_person: int = Field(default=5, ge=1, le=1000, description="votes each participant may give")

    @field_validator("store")
    @classmethod
    def _store(cls, value: str | None) -> str | None:
        if value is not None and is_postgres(value) and redact(value) != value:
            raise ValueError("no password in the project file: give it in PGPASSWORD or ~/.pgpass")
        return value


class ProjectSpec(_Strict):
    """One scmap project: districts, context layers, solutions, suitability, overlap, map and output."""

    name: str = Field(min_length=1)
    crs: str = "auto"
    districts: DistrictsSpec
    layers: dict[str, LayerSpec] = Field(default_factory=dict)
    solutions: list[SolutionSource] = Field(min_length=1)
    catalogue: str | None = None
    suitability: SuitabilitySpec | None = None
    overlap: OverlapSpec | None = None
    map: MapSpec = Field(default_factory=MapSpec)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)
    batch: BatchSpec = Field(default_factory=BatchSpec)
    match: MatchSpec = Field(default_factory=MatchSpec)
    workshop: WorkshopSpec = Field(default_factory=WorkshopSpec)


@dataclass(frozen=True)
class Project:
    """A loaded project: its validated spec, where it lives, and its catalogue."""

    spec: ProjectSpec
    path: Path
    catalogue: Catalogue
    workshop_weights: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Models whose weights came from a workshop's weights file: {model: {file, note, created}}."""
    refresh: StrictBool = False
    """Fetch web-service sources again instead of reading them from the project's cache."""

    @property
    def root(self) -> Path:
        """Return the folder that relative paths start from."""
        return self.path.parent

    @property
    def messages(self) -> Messages:
        """The words of the map, report and atlas in ``map.language`` (with ``map.translations``)."""
        extra = [str(resolve_path(p, self.root)) for p in self.spec.map.translations]
        return load_messages(self.spec.map.language, extra)

    @property
    def name(self) -> str:
        """Return the project's name."""
        return self.spec.name

    def resolve(self, relative: str) -> Path:
        """A path from the project file, relative to the project's folder."""
        return resolve_path(relative, self.root)


SOLUTIONS_LAYER = "solutions"
"""What a criterion calls the project's own solutions (unless a layer has that name)."""


def popup_labels(popup: Popup) -> dict[str, str]:
    """{column: label} of a ``popup:`` key (a list labels each column by its name)."""
    return dict(popup) if isinstance(popup, dict) else {c: c for c in popup}
