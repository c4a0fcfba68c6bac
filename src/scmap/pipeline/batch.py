"""Many cities, one run.

One project template over a list of cities, each city's pack, and a
cross-city pack that compares them and adds up their demand.

The cities file (CSV or YAML) gives each city's name and what differs from the template, as
project keys: ``districts.path``, ``districts.id``, ``solutions.0.path``, ``map.title``... (the
shorthands ``districts`` and ``solutions`` mean ``districts.path`` and ``solutions.0.path``). Paths
in the template are relative to the template, paths in the cities file to the cities file.

A city that fails (a missing file, a bad column) is reported with its message and the others go
on; the exit code says so. Cities run in this process, or as tasks on a Dask cluster
(:mod:`scmap.pipeline.distributed`): ``workers=N`` starts a local one, ``scheduler=ADDRESS`` uses yours.
"""

from __future__ import annotations

import copy
import csv
import re
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scmap._version import __version__
from scmap.core._atomic import MANIFEST
from scmap.core._yaml import dumps, loads, read_yaml
from scmap.core.catalogue import load_catalogue
from scmap.core.i18n import load_messages
from scmap.errors import InputError, ProjectError, ScmapError, ScmapWarning
from scmap.outputs.network import TOP_K, Standardise, write_network
from scmap.pipeline.results import Results, run
from scmap.project._paths import resolve_path
from scmap.project.load import load_project, with_map
from scmap.project.spec import Project
from scmap.sources._where import is_postgres, is_service

__all__ = ["BatchResult", "CityRun", "read_cities", "run_batch"]

NETWORK = "network"
"""The cross-city pack's folder inside the batch's output folder."""
_SHORTHAND = {"districts": "districts.path", "solutions": "solutions.0.path"}


@dataclass
class CityRun:
    """What one city's run gave: its pack, or the message of its failure; the figures the cross-city pack compares."""

    city: str
    slug: str
    ok: bool
    seconds: float = 0.0
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    top: list[dict[str, Any]] = field(default_factory=list)
    outline: Any = None
    """The city's districts dissolved, in EPSG:4326 (for the map of the cities)."""
    scoring: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per suitability model, what re-scoring on the network's scale needs (see
    :func:`scmap.outputs.network.network_scores`)."""
    warnings: list[str] = field(default_factory=list)
    """The city's warnings about its data, each fact once (they are in its report too)."""


@dataclass
class BatchResult:
    """The cities of a batch run, each with its outcome, and the folder they were written into."""

    cities: list[CityRun]
    outdir: Path

    @property
    def failed(self) -> list[CityRun]:
        """Return the cities whose run failed."""
        return [c for c in self.cities if not c.ok]


def _plain(char: str) -> str:
    """A Latin letter without its accent (é -> e); any other letter as it is (й stays й)."""
    parts = unicodedata.normalize("NFKD", char)
    return parts.encode("ascii", "ignore").decode("ascii") if parts[:1].isascii() else char


def slug(name: str) -> str:
    """Return a folder name for a city.

    A folder name for a city: its letters in their own script (Latin ones without accents),
    digits and dashes, lower case, at most 80 characters.

    >>> slug("Sant Cugat del Vallès"), slug("Велико Търново"), slug("Θεσσαλονίκη"), slug("الرباط")
    ('sant-cugat-del-valles', 'велико-търново', 'θεσσαλονίκη', 'الرباط')
    """
    text = "".join(_plain(c) for c in unicodedata.normalize("NFC", name))
    return re.sub(r"[\W_]+", "-", text).strip("-").lower()[:80].strip("-") or "city"


def _set(tree: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    keys = dotted.split(".")
    node: Any = tree
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) > len(node):
                raise ProjectError(f"{where}: {dotted}: {key!r} is not an item of the list (0-{len(node) - 1})")
            if int(key) == len(node):
                node.append({})
            if last:
                node[int(key)] = value
            node = node[int(key)]
        else:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, [] if keys[i + 1].isdigit() else {})


def read_cities(path: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """The cities of a cities file: (name, {dotted project key: value})."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = read_yaml(path, what="cities file")
        items = raw.items() if isinstance(raw, dict) else ((c.pop("city", None), c) for c in raw or [])
        rows = [(str(name), _flatten(values or {})) for name, values in items if name]
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.DictReader(fh))
        if table and "city" not in table[0]:
            raise InputError(f"{path}: the cities file needs a 'city' column; columns: {', '.join(table[0])}")
        rows = [
            (r.pop("city").strip(), {k: loads(v) for k, v in r.items() if k and v not in (None, "")}) for r in table
        ]
    else:
        raise InputError(f"{path}: a cities file is .csv (a 'city' column and project keys) or .yaml")
    names = [name for name, _ in rows]
    if not rows or any(not n for n in names) or len(set(names)) != len(names):
        raise InputError(f"{path}: every city needs a name of its own (found: {', '.join(names) or 'none'})")
    folders: dict[str, str] = {}
    for name in names:
        other = folders.setdefault(slug(name), name)
        if other != name:
            raise InputError(
                f"{path}: the cities {other!r} and {name!r} would share the folder {slug(name)}/; rename one"
            )
    return [(name, {_SHORTHAND.get(k, k): v for k, v in values.items()}) for name, values in rows]


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flatten(value, f"{dotted}.")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out |= _flatten(item, f"{dotted}.{i}.")
        else:
            out[dotted] = value
    return out


def _absolute(value: Any, folder: Path) -> Any:
    if not isinstance(value, str) or is_postgres(value) or is_service(value):
        return value
    return str(resolve_path(value, folder).resolve())


def _absolute_paths(tree: Any, folder: Path) -> Any:
    """Every ``path:`` (and catalogue, translations) of a project tree made absolute."""
    if isinstance(tree, list):
        return [_absolute_paths(v, folder) for v in tree]
    if not isinstance(tree, dict):
        return tree
    out = {}
    for key, value in tree.items():
        if key in ("path", "catalogue"):
            out[key] = _absolute(value, folder)
        elif key == "translations" and isinstance(value, list):
            out[key] = [_absolute(v, folder) for v in value]
        else:
            out[key] = _absolute_paths(value, folder)
    return out


def city_project(template: Path, city: str, overrides: dict[str, Any], cities_dir: Path, folder: Path) -> Path:
    """Write the city's project file (the template with the city's keys) into *folder*."""
    spec = _absolute_paths(copy.deepcopy(read_yaml(template, what="project template")), template.parent)
    spec["name"] = city
    for key, value in overrides.items():
        last = key.rsplit(".", 1)[-1]
        shown = _absolute(value, cities_dir) if last in ("path", "catalogue") else value
        _set(spec, key, shown, f"{city}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug(city)}.yaml"
    path.write_text(dumps(spec), encoding="utf-8")
    return path


def run_city(project_file: str, city: str, outdir: str, overwrite: bool, language: str | None) -> CityRun:
    """Run one city and write its pack; a failure becomes the city's message (never raised)."""
    start = time.perf_counter()
    name = slug(city)
    try:
        project = load_project(project_file)
        project = with_map(project, language=language) if language else project
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScmapWarning)
            results = run(project)
            results.save(Path(outdir) / name, overwrite=overwrite)
    except ScmapError as exc:
        lines = [line.strip(" -") for line in str(exc).splitlines() if line.strip()]
        return CityRun(city, name, False, time.perf_counter() - start, "; ".join(lines)[:800])
    except Exception as exc:  # a city never stops the others; the message says what broke
        return CityRun(city, name, False, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:500])
    city_run = _summarise(results, city, name, time.perf_counter() - start)
    city_run.warnings = _city_warnings(results, caught)
    return city_run


def _city_warnings(results: Results, caught: list[warnings.WarningMessage]) -> list[str]:
    """The city's warnings, each fact once: its files' own, then the run's that they did not say.

    The run's warning that solutions lie outside every district is left out when the files'
    warnings counted as many (see :func:`scmap.cli.options.one_warning_per_fact`).
    """
    from scmap.sources._validate import said_per_file

    sources = results.inputs.sources
    found = [w for s in sources for w in s.warnings]
    found += [
        str(w.message) for w in caught if issubclass(w.category, ScmapWarning) and not said_per_file(w.message, sources)
    ]
    return list(dict.fromkeys(found))


def _summarise(results: Results, city: str, name: str, seconds: float) -> CityRun:
    """The figures the cross-city pack needs from a city's results (small enough to send back from a Dask worker)."""
    import shapely

    summary, cat, suit = results.summary, results.project.catalogue, results.suitability
    area = summary["area_m2"].to_numpy(dtype=float)
    stats: dict[str, Any] = {"city": city, "districts": len(results.districts), "solutions": len(results.solutions)}
    stats["area_km2"] = float(area.sum() / 1e6)
    for sector in cat.sectors:
        stats[f"n_{sector}"] = int((results.solutions["sector"] == sector).sum())
        if f"covered_{sector}" in summary.columns:
            stats[f"covered_{sector}"] = float((summary[f"covered_{sector}"] * area).sum() / area.sum())
    top: list[dict[str, Any]] = []
    threshold = results.project.spec.suitability.rollup_threshold if results.project.spec.suitability else 0.6
    for key in suit.models:
        scores = suit.units[f"{key}_score"]
        stats[f"{key}_mean_score"] = float(scores.mean())
        stats[f"{key}_suitable_units"] = int((scores >= threshold).sum())
        best = suit.units.loc[suit.units[f"{key}_rank"].notna()].sort_values(f"{key}_rank").head(TOP_K)
        top += [
            {"solution": key, "city": city, "rank": int(r[f"{key}_rank"]), "unit_id": str(r["unit_id"]),
             "district": str(r.get("district_name", r["district_id"])), "score": float(r[f"{key}_score"])}
            for _, r in best.iterrows()
        ]  # fmt: skip
    for status in ("existing", "planned", "candidate"):
        counts = results.solutions.loc[results.solutions["status"] == status, "solution"].value_counts()
        stats |= {f"{status}:{k}": int(v) for k, v in counts.items()}
    outline = shapely.union_all(results.districts.to_crs(4326).geometry.make_valid().to_numpy())
    return CityRun(city, name, True, seconds, stats=stats, top=top, outline=outline, scoring=_scoring(results))


def _scoring(results: Results) -> dict[str, dict[str, Any]]:
    """Return each model's inputs as the map's live scoring has them.

    Each model's inputs as the map's live scoring has them (raw values of min-max criteria,
    standardised values of the others), its units still in play, weights and aggregation.
    """
    suit = results.suitability
    units = suit.units
    names = units["district_name"] if "district_name" in units.columns else units["district_id"]
    out = {}
    for key, m in suit.models.items():
        if m.live is None:
            continue
        out[key] = {
            "criteria": list(m.criteria),
            "values": np.asarray(m.live.values, dtype=float),
            "minmax": list(m.live.minmax),
            "usable": ~np.asarray(m.excluded, dtype=bool),
            "weights": np.asarray(m.weights, dtype=float),
            "aggregation": m.live.aggregation,
            "owa": m.live.owa,
            "unit_id": units["unit_id"].astype(str).to_numpy(),
            "district": names.astype(str).to_numpy(),
            "score_city": np.asarray(m.score, dtype=float),
        }
    return out


Progress = Callable[[str], None]


def run_batch(
    template: str | Path,
    cities: str | Path,
    outdir: str | Path,
    *,
    overwrite: bool = False,
    language: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    standardise: Standardise | None = None,
) -> BatchResult:
    """Run *template* for every city of *cities* and write the cross-city pack.

    Run *template* for every city of *cities* into ``OUTDIR/<city>/`` and write the cross-city
    pack into ``OUTDIR/network/``; see the module's description. *standardise* (default the
    template's ``batch.standardise``, network) puts the cross-city scores on one scale.
    """
    template, outdir = Path(template), Path(outdir)
    _check_template(template)  # a broken template fails at once, for every city
    rows = read_cities(cities)
    folder = outdir / ".projects"
    files = [(city, str(city_project(template, city, values, Path(cities).parent, folder))) for city, values in rows]
    project = _first_loadable([f for _, f in files], language)
    say = progress or (lambda _: None)
    tasks = [(f, city, str(outdir), overwrite, language) for city, f in files]
    done = list(_execute(tasks, workers=workers, scheduler=scheduler, say=say, total=len(tasks)))
    order = {city: i for i, (city, _) in enumerate(rows)}
    done.sort(key=lambda c: order[c.city])
    if not any(c.ok for c in done) and (outdir / NETWORK / MANIFEST).exists():
        say(f"no city ran: the previous cross-city pack in {outdir / NETWORK} is kept as it was")
        return BatchResult(done, outdir)
    name = str(read_yaml(template, what="project template").get("name", template.stem))
    messages = project.messages if project else load_messages(language or "en")
    write_network(
        [vars(c) for c in done],
        outdir / NETWORK,
        catalogue=project.catalogue if project else load_catalogue(),
        messages=messages,
        title=messages("batch.title", name=name, cities=messages("batch.n_cities", n=len(done))),
        standardise=standardise or (project.spec.batch.standardise if project else "network"),
        threshold=project.spec.suitability.rollup_threshold if project and project.spec.suitability else 0.6,
        manifest={"scmap_version": __version__, "project": name, "template": str(template.resolve()),
                  "cities": [c.city for c in done]},
    )  # fmt: skip
    return BatchResult(done, outdir)


def _check_template(template: Path) -> None:
    """Check the template's keys and values before any city runs.

    The template's keys and values, checked before any city runs (its files may be placeholders
    that every city replaces).
    """
    from pydantic import ValidationError

    from scmap.project._messages import pydantic_problems
    from scmap.project.spec import ProjectSpec

    data = read_yaml(template, what="project template")
    try:
        ProjectSpec.model_validate(data)
    except ValidationError as exc:
        raise ProjectError(
            f"{template}: invalid project template", pydantic_problems(exc, str(template), ProjectSpec)
        ) from None


def _first_loadable(files: list[str], language: str | None) -> Project | None:
    """The project of the first city that loads (for the catalogue and language of the cross-city pack)."""
    for file in files:
        try:
            project = load_project(file)
        except ScmapError:
            continue
        return with_map(project, language=language) if language else project
    return None


def _execute(
    tasks: list[tuple[str, str, str, bool, str | None]],
    *,
    workers: int | None,
    scheduler: str | None,
    say: Progress,
    total: int,
) -> Iterable[CityRun]:
    if workers is None and scheduler is None:
        for i, task in enumerate(tasks, 1):
            city_run = run_city(*task)
            say(_line(i, total, city_run))
            yield city_run
        return
    from dask.distributed import as_completed

    from scmap.pipeline.distributed import cluster

    with cluster(workers=workers, scheduler=scheduler) as client:
        futures = [client.submit(run_city, *task, pure=False) for task in tasks]
        for i, future in enumerate(as_completed(futures), 1):
            city_run = future.result()
            say(_line(i, total, city_run))
            yield city_run


CITY_WARNINGS_SHOWN = 8
"""How many of a city's warnings the progress lines show (all of them are in its report)."""


def _line(i: int, total: int, city: CityRun) -> str:
    if not city.ok:
        return f"[{i}/{total}] {city.city}: FAILED: {city.message}"
    lines = [f"[{i}/{total}] {city.city}: done in {city.seconds:.1f} s ({city.stats.get('solutions', 0)} solutions)"]
    lines += [f"    Warning: {w}" for w in city.warnings[:CITY_WARNINGS_SHOWN]]
    if len(city.warnings) > CITY_WARNINGS_SHOWN:
        lines.append(f"    and {len(city.warnings) - CITY_WARNINGS_SHOWN} more warnings (in {city.slug}/report.html)")
    return "\n".join(lines)
