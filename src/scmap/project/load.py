"""Reading a project file: the schema's checks, then what the schema cannot see.

:func:`load_project` validates the YAML against :class:`~scmap.project.spec.ProjectSpec` and then
checks files, catalogue names, layers and rules, reporting every problem together, each naming
the file and the key path. :func:`apply_weights` and :func:`with_map` derive a changed project
(the workshop's exported weights, ``map:`` options from the command line).

Examples
--------
>>> from scmap.project.datasets import demo_project_path
>>> project = load_project(demo_project_path())
>>> project.spec.districts.id, len(project.spec.solutions)
('district_id', 2)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from scmap.core._yaml import read_yaml
from scmap.core.catalogue import Catalogue, load_catalogue
from scmap.errors import CatalogueError, ProjectError, ScmapError
from scmap.project._messages import pydantic_problems
from scmap.project._paths import resolve_path
from scmap.project.spec import (
    SOLUTIONS_LAYER,
    CriterionSpec,
    FileSpec,
    ModelSpec,
    OverlapSpec,
    Project,
    ProjectSpec,
    Weight,
    _Strict,
)
from scmap.sources._where import is_postgres, is_service, redact

__all__ = ["WorkshopModel", "WorkshopWeights", "apply_weights", "load_project", "with_map"]


def _semantic_problems(spec: ProjectSpec, catalogue: Catalogue, source: str, root: Path) -> list[str]:
    """What the schema cannot see: files that are not there, names the catalogue does not know."""
    problems = _file_problems(spec, source, root)
    problems += _source_problems(spec, catalogue, source, root)
    types = ", ".join(catalogue.solutions)
    if spec.suitability is not None:
        for sol, model in spec.suitability.models.items():
            if sol not in catalogue.solutions:
                problems.append(f"{source}: suitability.models.{sol}: unknown solution type; allowed: {types}")
            for cname, crit in model.criteria.items():
                problems += _criterion_problems(
                    spec, catalogue, crit, f"{source}: suitability.models.{sol}.criteria.{cname}"
                )
    if spec.overlap is not None:
        problems += _overlap_problems(spec.overlap, catalogue, source)
    return problems


def _file_problems(spec: ProjectSpec, source: str, root: Path) -> list[str]:
    """Every file a source or a join names exists; no password is written in an address."""
    problems: list[str] = []
    keyed: list[tuple[str, FileSpec]] = [("districts", spec.districts)]
    keyed += [(f"layers.{name}", layer) for name, layer in spec.layers.items()]
    keyed += [(f"solutions.{i}", src) for i, src in enumerate(spec.solutions)]
    paths = []
    for key, s in keyed:
        paths += [(f"{key}.path", s.path), *((f"{key}.join.{j}.path", join.path) for j, join in enumerate(s.join))]
    for key, rel in paths:
        if is_postgres(rel) or is_service(rel):
            if redact(rel) != rel:
                problems.append(
                    f"{source}: {key}: a password in the project file would end up in reports and logs; "
                    "remove it and give it in PGPASSWORD or ~/.pgpass"
                )
            continue
        p = resolve_path(rel, root)
        if not p.exists():
            problems.append(f"{source}: {key}: file not found: {p}")
    return problems


def _source_problems(spec: ProjectSpec, catalogue: Catalogue, source: str, root: Path) -> list[str]:
    """Each solutions source once, with a solution type and sector the catalogue knows and that agree."""
    problems: list[str] = []
    types, sectors = ", ".join(catalogue.solutions), ", ".join(catalogue.sectors)
    seen_sources: dict[tuple[str, str | None, str | None], int] = {}
    for i, src in enumerate(spec.solutions):
        key = f"solutions.{i}"
        where = (str(resolve_path(src.path, root).resolve()), src.layer, src.where)
        if where in seen_sources:
            problems.append(
                f"{source}: {key}.path: the same file{' and layer' if src.layer else ''} as "
                f"solutions.{seen_sources[where]}: each source once (or tell them apart with where:)"
            )
        seen_sources.setdefault(where, i)
        solution = catalogue.match_solution(src.solution) if src.solution is not None else None
        sector = catalogue.match_sector(src.sector) if src.sector is not None else None
        if src.solution is not None and solution is None:
            problems.append(f"{source}: {key}.solution: unknown solution type {src.solution!r}; allowed: {types}")
        if src.sector is not None and sector is None:
            problems.append(f"{source}: {key}.sector: unknown sector {src.sector!r}; allowed: {sectors}")
        if solution is not None and sector is not None and catalogue.solutions[solution].sector != sector:
            problems.append(
                f"{source}: {key}.sector: {solution} belongs to sector "
                f"{catalogue.solutions[solution].sector!r} in the catalogue, not {sector!r}"
            )
    return problems


def _overlap_problems(overlap: OverlapSpec, catalogue: Catalogue, source: str) -> list[str]:
    """Radii and rules name solution types (or ``sector:NAME``) the catalogue knows."""
    problems: list[str] = []
    problems += [f"{source}: {p}" for p in catalogue.radius_problems(overlap.radius_m, "overlap.radius_m")]
    problems += [f"{source}: {p}" for p in catalogue.rule_problems(overlap.rules, "overlap.rules")]
    return problems


def _criterion_problems(spec: ProjectSpec, catalogue: Catalogue, crit: CriterionSpec, where: str) -> list[str]:
    ref, problems = crit.layer_ref, []
    if ref is not None and ref not in spec.layers and ref != SOLUTIONS_LAYER:
        allowed = ", ".join([*spec.layers, SOLUTIONS_LAYER])
        problems.append(f"{where}.{crit.kind}: unknown layer {ref!r}; allowed: {allowed}")
    if (crit.solution or crit.sector) and (ref != SOLUTIONS_LAYER or ref in spec.layers):
        problems.append(f"{where}: solution:/sector: pick from the project's solutions: {crit.kind}: solutions")
    for key, value, keys in (
        ("solution", crit.solution, catalogue.solutions),
        ("sector", crit.sector, catalogue.sectors),
    ):
        if value is not None and value not in keys:
            match = catalogue.match_solution(value) if key == "solution" else catalogue.match_sector(value)
            hint = f"write {match} (the catalogue key)" if match else f"allowed: {', '.join(keys)}"
            problems.append(f"{where}.{key}: {value!r} is not a {key} key of the catalogue; {hint}")
    return problems


def _spec_problems(exc: ValidationError, data: dict[str, Any], path: Path) -> list[str]:
    """Return pydantic's problems as lines; a districts: without id: gets the file's columns that could be one."""
    problems = pydantic_problems(exc, str(path), ProjectSpec)
    if not any(e["type"] == "missing" and tuple(e["loc"]) == ("districts", "id") for e in exc.errors()):
        return problems
    hint = _id_candidates(data.get("districts"), path.parent)
    return [p + hint if p.startswith(f"{path}: districts.id: ") else p for p in problems]


def _id_candidates(districts: object, root: Path) -> str:
    """Return "; columns of FILE with a unique value in every row: ..." for a districts file, if readable."""
    from scmap.sources._readers import read_raw
    from scmap.sources._validate import id_hint

    if not isinstance(districts, dict):
        return ""
    where, layer = districts.get("path"), districts.get("layer")
    if not isinstance(where, str) or is_postgres(where) or is_service(where):
        return ""
    try:
        raw = read_raw(resolve_path(where, root), layer=layer if isinstance(layer, str) else None)
    except (ScmapError, OSError, ValueError):  # the file's own problem is said once the project is valid
        return ""
    hint = id_hint(raw)
    return f"; columns of {where} with a unique value in every row: {hint}" if hint else ""


def load_project(path: str | Path) -> Project:
    """Read and validate a project file (YAML).

    Raises
    ------
    ProjectError
        Listing every problem found, each with the file and key path.
    """
    path = Path(path)
    source = str(path)
    data: Any = read_yaml(path, what="project file")
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: a project file is a YAML mapping with name:, districts:, solutions:")
    try:
        spec = ProjectSpec.model_validate(data)
    except ValidationError as exc:
        raise ProjectError(f"{path}: invalid project file", _spec_problems(exc, data, path)) from None
    catalogue_path = None if spec.catalogue is None else resolve_path(spec.catalogue, path.parent)
    try:
        catalogue = load_catalogue(catalogue_path)
    except CatalogueError as exc:
        raise ProjectError(f"{path}: catalogue: {exc}") from None
    problems = _semantic_problems(spec, catalogue, source, path.parent)
    if problems:
        raise ProjectError(f"{path}: invalid project file", problems)
    project = Project(spec=spec, path=path.resolve(), catalogue=catalogue)
    try:
        _ = project.messages  # the language's texts and the city's translation files, checked now
    except ProjectError as exc:
        raise ProjectError(f"{path}: {exc}") from None
    return project


class WorkshopModel(_Strict):
    """One model's weights as the map's "export weights" writes them."""

    weights: dict[str, Weight]
    constraints_off: list[str] = Field(default_factory=list)
    note: str | None = None


class WorkshopWeights(_Strict):
    """A weights file exported from the map (``scmap run PROJECT --weights FILE``)."""

    scmap_weights: int = 1
    created: str | None = None
    models: dict[str, WorkshopModel] = Field(min_length=1)


def _with_model_weights(spec: ModelSpec, entry: WorkshopModel, where: str) -> ModelSpec:
    constraints = [k for k, c in spec.criteria.items() if c.is_constraint]
    unknown = [c for c in entry.constraints_off if c not in constraints]
    if unknown:
        raise ProjectError(
            f"{where}.constraints_off: {unknown} are not constraints of the model; constraints: {constraints}"
        )
    data = spec.model_dump(exclude_none=True)
    for gone in ("rank", "ahp"):
        data.pop(gone, None)
    data["weights"] = dict(entry.weights)
    for name in entry.constraints_off:
        data["criteria"].pop(name)
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as exc:
        raise ProjectError(
            f"{where}: these weights do not fit the model", pydantic_problems(exc, where, ModelSpec)
        ) from None


def apply_weights(project: Project, path: str | Path) -> Project:
    """Return *project* with the weights of a weights file that the map exported.

    *project* with the models' weights (and switched-off constraints) of a weights file that the
    map exported: the workshop's choice, reproduced in the pack and named in the report.

    Raises
    ------
    ProjectError
        When the file is not a weights file, names a model the project does not have, or its
        weights do not match the model's criteria.
    """
    path = Path(path)
    try:
        chosen = WorkshopWeights.model_validate(read_yaml(path, what="weights file"))
    except ValidationError as exc:
        raise ProjectError(f"{path}: not a weights file", pydantic_problems(exc, str(path), WorkshopWeights)) from None
    suit = project.spec.suitability
    models = dict(suit.models) if suit else {}
    unknown = sorted(set(chosen.models) - set(models))
    if suit is None or unknown:
        raise ProjectError(f"{path}: models {unknown} are not in the project; models: {sorted(models)}")
    record = dict(project.workshop_weights)
    for key, entry in chosen.models.items():
        models[key] = _with_model_weights(models[key], entry, f"{path}: models.{key}")
        record[key] = {"file": str(path), "note": entry.note or "", "created": chosen.created or ""}
    spec = project.spec.model_copy(update={"suitability": suit.model_copy(update={"models": models})})
    return Project(spec=spec, path=project.path, catalogue=project.catalogue, workshop_weights=record)


def with_map(project: Project, **changes: Any) -> Project:
    """*project* with some ``map:`` keys changed (e.g. ``assets="cdn"`` from the command line)."""
    spec = project.spec.model_copy(update={"map": project.spec.map.model_copy(update=changes)})
    changed = dataclasses.replace(project, spec=spec)
    _ = changed.messages  # a language without texts fails here, before any work
    return changed
