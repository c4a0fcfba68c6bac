"""The whole workshop pack: one call from a project to every table, the map and the report.

Examples
--------
>>> import scmap
>>> results = scmap.run(scmap.demo_project_path())
>>> len(results.summary), sorted(results.overlap.layers())[:3]
(24, ['coverage', 'districts', 'duplicates'])
"""

from __future__ import annotations

import html
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from scmap._version import __version__
from scmap.analysis.overlap import OverlapResult, duplicates_note, outside_note, overlap_project
from scmap.analysis.suitability import SuitabilityResult, make_units, suitability_project
from scmap.core._atomic import open_pack, sha256
from scmap.core._beside import Beside
from scmap.core._text import write_csv
from scmap.errors import OutputError, ScmapWarning
from scmap.project._paths import resolve_path
from scmap.project.inputs import Inputs, load_inputs
from scmap.project.load import apply_weights, load_project
from scmap.project.spec import Project
from scmap.sources._readers import Engine
from scmap.sources._validate import SourceReport, outside_said
from scmap.sources._where import is_postgres, redact
from scmap.workshop.store import room_store_problem

if TYPE_CHECKING:
    from scmap.outputs.report import ReportInput
    from scmap.outputs.workshop import Outcome

__all__ = ["CONTRACT_FILES", "Results", "pack_manifest", "run"]

log = logging.getLogger(__name__)

ATLAS_BESIDE_BELOW = 200_000
"""Service areas below which the atlas is drawn in a process of its own beside the report even
while overlap.gpkg is still being written beside them: above, that third process would hold its
own share of a heap of gigabytes (a million solutions: 6.8 GB for the three processes, 6.2 GB
for two), and the atlas drawn after the report (2.4 s there) still ends before overlap.gpkg does."""

CONTRACT_FILES = (
    "map.html",
    "suitability.gpkg",
    "suitability.csv",
    "overlap.gpkg",
    "summary.csv",
    "report.html",
    "rejected.csv",
    "atlas.pdf",
)
"""What :meth:`Results.save` (and ``scmap run``) writes into the output folder."""

Progress = Callable[[str], None]


@dataclass
class Results:
    """Everything scmap computed for a project; ``.save(outdir)`` writes the workshop pack."""

    project: Project
    inputs: Inputs
    suitability: SuitabilityResult
    overlap: OverlapResult
    summary: pd.DataFrame
    provenance: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    early_layers: _EarlyLayers | None = field(default=None, init=False, repr=False, compare=False)
    """overlap.gpkg's pairs and service areas, being written since the run (``run(pack_folder=...)``)."""

    @property
    def districts(self) -> gpd.GeoDataFrame:
        """Return the districts the run used."""
        assert self.inputs.districts is not None
        return self.inputs.districts.gdf

    @property
    def solutions(self) -> gpd.GeoDataFrame:
        """Return the solutions the run used."""
        assert self.inputs.solutions is not None
        return self.inputs.solutions

    @property
    def rejected(self) -> pd.DataFrame:
        """Every input row not used, with file, layer, role, row, id, field and reason."""
        return self.inputs.rejected

    def map(self) -> folium.Map:
        """The interactive workshop map (title, basemap and visible layers from ``map:``)."""
        from scmap.maps.project_map import project_map

        has_models = bool(self.suitability.models)
        return project_map(self.inputs, suitability=self.suitability if has_models else None, overlap=self.overlap)

    def save(
        self,
        outdir: str | Path,
        *,
        overwrite: bool = False,
        progress: Progress | None = None,
        to: str | None = None,
        schema: str | None = None,
    ) -> dict[str, Path]:
        """Write the workshop pack into *outdir*.

        Write the workshop pack into *outdir*: the contract files plus ``manifest.json`` (written
        last, with every file's SHA-256). The pack is written beside *outdir* and moved into place
        when complete; an existing pack is replaced only with *overwrite*, and only then. With *to*
        (``postgresql://...``) the pack's tables also go into that database's *schema* (the
        project's ``output.postgis_schema`` by default) in one transaction, before the pack is
        moved into place.

        Raises
        ------
        OutputError
            When *outdir* holds a pack (without *overwrite*), a workshop room's store or other
            files, or another run is writing it.
        """
        outdir = Path(outdir)
        with open_run_pack(outdir, self.project, overwrite=overwrite) as tmp:
            written = self.write_files(tmp, progress=progress, to=to, schema=schema, overwrite=overwrite)
        return {name: outdir / name for name in written}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return every table of the pack by the name it gets in a database.

        Every table of the pack by the name it gets in a database: ``summary``, ``rejected``,
        ``suitability`` and ``suitability_<table>``, ``overlap_<layer>`` (empty tables left out).
        Service areas a run has released (``scmap run``; see :attr:`OverlapResult.service_areas`)
        are drawn again whole here, 1.85 GB for a million: :meth:`to_postgis` and :meth:`save`
        write them a part at a time instead.
        """
        return self._tables(batched=False)

    def _tables(self, *, batched: bool) -> dict[str, Any]:
        """:meth:`tables`; with *batched*, released service areas as their parts (see ``OverlapResult.layers``)."""
        out: dict[str, Any] = {}
        for name, table in self.suitability.tables().items():
            out[name if name == "suitability" else f"suitability_{name}"] = table
        out |= {f"overlap_{name}": table for name, table in self.overlap.layers(batched=batched).items()}
        geometry = self.overlap.districts.set_index("district_id").geometry if len(self.overlap.districts) else None
        summary = self.summary
        if geometry is not None and "district_id" in summary.columns:
            outlines = summary["district_id"].map(geometry).to_numpy()
            summary = gpd.GeoDataFrame(summary, geometry=outlines, crs=self.overlap.districts.crs)
        out |= {"summary": summary, "rejected": self.rejected}
        return {name: table for name, table in out.items() if not isinstance(table, pd.DataFrame) or len(table.columns)}

    def to_postgis(self, url: str, *, schema: str = "scmap", overwrite: bool = False) -> list[str]:
        """Write :meth:`tables` into *schema* of a PostGIS database in one transaction.

        Write :meth:`tables` into *schema* of a PostGIS database in one transaction (a failed or
        killed write leaves the previous tables as they were); existing tables are replaced only
        with *overwrite*. Returns the table names.
        """
        from scmap.sources._postgis import write_postgis

        return write_postgis(self._tables(batched=True), url, schema=schema, overwrite=overwrite)

    def write_files(
        self,
        folder: Path,
        *,
        progress: Progress | None = None,
        to: str | None = None,
        schema: str | None = None,
        overwrite: bool = False,
    ) -> dict[str, Path]:
        """Write the contract files into an existing *folder* as they are.

        Write the contract files into an existing *folder* as they are (no checks, no manifest),
        and the tables into the PostGIS database *to* when given (see :meth:`save`): :meth:`save`
        and ``scmap run`` call it on a temporary folder.
        """
        say = progress or (lambda _: None)
        paths = {name: folder / name for name in CONTRACT_FILES}
        say("writing tables")
        overlap, written = self._start_overlap(paths["overlap.gpkg"])
        try:
            self._write_rest(folder, paths, say, overlap)
            if written:  # the pairs and service areas are there: the other layers after them
                _save_styled(self.overlap, paths["overlap.gpkg"], self.project, written)
        finally:
            overlap.stop()
        if to:
            target = schema or self.project.spec.output.postgis_schema
            say(f"writing the tables into {redact(to)}, schema {target} (one transaction)")
            self.to_postgis(to, schema=target, overwrite=overwrite)
        return paths

    def _start_overlap(self, path: Path) -> tuple[Beside, tuple[str, ...]]:
        """Start writing overlap.gpkg (millions of pairs for a large region) beside the other files.

        All of it; or, when the run started its pairs and service areas (``run(pack_folder=...)``)
        and that is done, the other layers after them; or, while those are still being written,
        nothing more: the names of those layers then, the others to be added here once they are done.
        """
        early, self.early_layers = self.early_layers, None
        if early is None or early.writer is None or not early.fits(self.overlap, path):
            if early is not None:
                early.stop()
            return Beside(_save_styled, self.overlap, path, self.project), ()
        if not early.writer.done():
            return early.writer, early.names
        early.writer.wait()
        return Beside(_save_styled, self.overlap, path, self.project, early.names), ()

    def _write_rest(self, folder: Path, paths: dict[str, Path], say: Progress, overlap: Beside) -> None:
        """Every file of the pack but overlap.gpkg, then wait for *overlap* (written beside)."""
        from scmap.maps import save_html
        from scmap.outputs.atlas import write_atlas
        from scmap.outputs.report import write_report

        _save_styled(self.suitability, paths["suitability.gpkg"], self.project)
        self.suitability.save(paths["suitability.csv"])
        write_csv(self.summary, paths["summary.csv"])
        write_csv(self.rejected, paths["rejected.csv"])
        say("writing map.html")
        fmap = self.map()
        spec = self.project.spec.map
        save_html(fmap, paths["map.html"], inline=spec.assets == "inline", max_mb=spec.max_html_mb)
        tables = self.report_input()
        if tables.workshop is not None:
            from scmap.outputs.workshop import write_workshop_files

            say("writing the workshop's outcome")
            for name in write_workshop_files(tables.workshop.room, folder, self.project.messages):
                paths[name] = folder / name
        # drawn beside the report when it can be, but not as a third process while a large overlap.gpkg is written
        beside = overlap.done() or self.overlap.service_area_count < ATLAS_BESIDE_BELOW
        atlas = Beside(write_atlas, tables, paths["atlas.pdf"]) if beside else None
        try:
            say("writing report.html")
            write_report(tables, paths["report.html"], fmap=fmap)
            say("writing atlas.pdf")
            if atlas is not None:
                atlas.wait()
            else:
                write_atlas(tables, paths["atlas.pdf"])
        finally:
            if atlas is not None:
                atlas.stop()
        say("writing overlap.gpkg")
        overlap.wait()

    def report_input(self) -> ReportInput:
        """The tables the report draws."""
        from scmap.outputs.report import ReportInput

        return ReportInput(
            project=self.project,
            districts=self.districts,
            solutions=self.solutions,
            suitability=self.suitability,
            overlap=self.overlap,
            summary=self.summary,
            rejected=self.rejected,
            provenance=self.provenance,
            warnings=self.notes(beside_tables=True),
            workshop=self.workshop(),
        )

    def notes(self, *, beside_tables: bool = False) -> list[str]:
        """What the input checks and the analysis noted, each fact once.

        The overlap's note that solutions lie outside every district is left out when the input
        files' own notes counted as many (see :func:`scmap.sources._validate.outside_said`).

        Parameters
        ----------
        beside_tables
            Also leave out what the report's data-quality tables say, in the report's language:
            each file's summary of its rejected rows and count of solutions outside every district,
            and the note on solutions repeated at one place.
        """
        sources, outside, duplicates = self.inputs.sources, self.overlap.outside, self.overlap.duplicates
        again = {outside_note(outside)} if len(outside) and outside_said(len(outside), sources) else set()
        if beside_tables:
            again |= {note for s in sources for note in (s.summary, s.outside_note) if note}
            again |= {duplicates_note(duplicates)} if len(duplicates) else set()
        return [w for s in sources for w in s.warnings if w not in again] + [
            n for n in self.overlap.warnings if n not in again
        ]

    def workshop(self) -> Outcome | None:
        """Return what the project's workshop room decided, or None.

        What the project's workshop room decided (``workshop.store``), or None without one; a
        store named but not there yet (the workshop has not happened) is a warning.
        """
        from scmap.outputs.workshop import outcome
        from scmap.workshop.state import room_of

        where = self.project.spec.workshop.store
        if where is None:
            return None
        if not is_postgres(where):
            where = str(resolve_path(where, self.project.root))
            if not Path(where).is_file():
                warnings.warn(f"workshop.store {where}: no such store yet; the pack has no workshop outcome",
                              ScmapWarning, stacklevel=2)  # fmt: skip
                return None
        return outcome(room_of(where), self.project.messages)

    def _repr_html_(self) -> str:
        spec = self.project.spec
        rows = "".join(
            f"<tr><td>{html.escape(s.role)}</td><td>{html.escape(Path(s.path).name)}</td><td>{s.rows}</td>"
            f"<td>{s.loaded}</td><td>{s.rejected}</td></tr>"
            for s in self.inputs.sources
        )
        models = ", ".join(html.escape(k) for k in self.suitability.models) or "none"
        top = self.summary.head(10).to_html(index=False, float_format=lambda v: f"{v:.3g}", escape=True)
        return (
            f"<div><h3>{html.escape(spec.name)}</h3>"
            f"<p>{len(self.solutions)} solutions in {len(self.districts)} districts; suitability models: {models}; "
            f"{len(self.overlap.pairs)} overlapping pairs, {len(self.overlap.relations)} rule matches, "
            f"{len(self.rejected)} rejected rows. Use <code>.map()</code> for the map, "
            f"<code>.save(folder)</code> for the workshop pack.</p>"
            f"<table><tr><th>role</th><th>file</th><th>rows</th><th>loaded</th><th>rejected</th></tr>{rows}</table>"
            f"<details><summary>Districts (first 10)</summary>{top}</details></div>"
        )


def _save_styled(
    result: SuitabilityResult | OverlapResult, path: Path, project: Project, but: Sequence[str] = ()
) -> None:
    """A result's GeoPackage, with the layer styles QGIS opens it with (those of the map).

    With *but* (layers already written into *path*, in a pack's temporary folder), the other
    layers are added to it, and the layers put in the order :meth:`OverlapResult.layers` gives.
    """
    from scmap.core._gpkg import add_layers, order_layers
    from scmap.outputs.qgis import style_geopackage

    if not but:
        result.save(path)
    else:
        assert isinstance(result, OverlapResult)
        add_layers(path, result.layers(but=but, batched=True))
        order_layers(path, list(result.layers(batched=True)))
    style_geopackage(path, project.catalogue, project.messages)


@dataclass
class _EarlyLayers:
    """overlap.gpkg's pairs and service areas, written beside the run from the moment they are known.

    The run then keeps its service areas as their table and centres only
    (:meth:`OverlapResult.release_service_areas`): they are in the file already.
    """

    folder: Path
    pairs: gpd.GeoDataFrame | None = None
    names: tuple[str, ...] = ()
    writer: Beside | None = None

    def start(self, layers: dict[str, gpd.GeoDataFrame]) -> None:
        from scmap.core._gpkg import add_layers

        self.pairs = layers["pairs"]
        if len(self.pairs.columns):
            self.names = tuple(name for name, table in layers.items() if len(table.columns))
            self.writer = Beside(add_layers, self.folder / "overlap.gpkg", {n: layers[n] for n in self.names})

    def release(self, result: OverlapResult, centres: np.ndarray) -> None:
        """Let *result* keep its service areas' table and centres only, when they are being written here."""
        if self.writer is not None and "service_areas" in self.names and result.pairs is self.pairs:
            result.release_service_areas(centres)

    def fits(self, result: OverlapResult, path: Path) -> bool:
        """Whether what was started is *result*'s pairs and service areas, at *path*."""
        areas = "service_areas" not in self.names or result.service_areas_released
        return result.pairs is self.pairs and areas and path == self.folder / "overlap.gpkg"

    def stop(self) -> None:
        """End the writer if it is still working (the run failed, or its pack goes elsewhere)."""
        if self.writer is not None:
            self.writer.stop()


def open_run_pack(outdir: Path, project: Project, *, overwrite: bool) -> AbstractContextManager[Path]:
    """The temporary folder of a run's pack, moved into *outdir* when complete (:func:`open_pack`).

    Refused (:class:`OutputError`) when *outdir* holds a workshop room's store, which replacing the
    folder would delete.
    """
    from scmap.outputs.workshop import WORKSHOP_FILES

    problem = room_store_problem(outdir)
    if problem is not None:
        raise OutputError(problem)
    known = (*CONTRACT_FILES, *WORKSHOP_FILES)
    return open_pack(outdir, overwrite=overwrite, known=known, **pack_manifest(project))


def pack_manifest(project: Project) -> dict[str, object]:
    """What ``manifest.json`` says besides the files: versions and the project."""
    return {"scmap_version": __version__, "project": project.spec.name, "project_file": str(project.path)}


def _no_suitability(inputs: Inputs) -> SuitabilityResult:
    """The suitability result of a project without models: its units, nothing scored."""
    assert inputs.districts is not None
    spec = inputs.project.spec.suitability
    units = make_units(inputs.districts.gdf, spec.units if spec else "districts")
    empty = pd.DataFrame
    return SuitabilityResult(
        units=units[["unit_id", "district_id", "area_m2", "geometry"]].copy(),
        weights=empty(),
        sensitivity=empty(),
        oat=empty(),
        weight_sets=empty(),
        districts=empty(),
    )


def _overlap(inputs: Inputs, workers: int | None, scheduler: str | None, early: _EarlyLayers | None) -> OverlapResult:
    """The overlap stage, its pairs and service areas handed to *early* (whose writer is stopped if the stage fails)."""
    on_early = early.start if early is not None else None
    try:
        if workers is None and scheduler is None:
            result = overlap_project(inputs, on_early=on_early)
        else:
            from scmap.pipeline.distributed import cluster, mapper

            with cluster(workers=workers, scheduler=scheduler) as client:
                result = overlap_project(inputs, mapper=mapper(client), on_early=on_early)
    except BaseException:
        if early is not None:
            early.stop()
        raise
    if early is not None:
        assert inputs.solutions is not None
        early.release(result, np.asarray(inputs.solutions.geometry.array, dtype=object))
    return result


def _input_sha256(source: SourceReport) -> str | None:
    """A file's SHA-256, or for a PostGIS table or web service the hash of its content."""
    if source.remote:
        return str(source.remote.get("sha256") or "") or None
    path = Path(source.path)
    return sha256(path) if path.exists() else None


def _summary(inputs: Inputs, suit: SuitabilityResult, over: OverlapResult) -> pd.DataFrame:
    """One row per district: counts per sector, scores, coverage and gaps."""
    table = pd.DataFrame(over.districts.drop(columns=over.districts.geometry.name))
    per_district = len(suit.units) == len(table) and suit.units["unit_id"].tolist() == table["district_id"].tolist()
    units = suit.units.drop(columns=suit.units.geometry.name)
    for key in suit.models:
        if per_district:
            table[f"{key}_score"] = units[f"{key}_score"].to_numpy()
            table[f"{key}_rank"] = units[f"{key}_rank"].to_numpy()
            table[f"{key}_excluded"] = units[f"{key}_excluded"].to_numpy()
        else:
            roll = suit.districts.set_index("district_id")
            for stat in ("mean", "max", "share_above"):
                table[f"{key}_{stat}"] = table["district_id"].map(roll[f"{key}_{stat}"]).to_numpy()
    return table


def run(
    project: Project | str | Path,
    *,
    engine: Engine = "pyogrio",
    progress: Progress | None = None,
    weights: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    pack_folder: str | Path | None = None,
) -> Results:
    """Load, check and analyse a project: suitability (if configured), overlap, summary.

    *weights* is a weights file exported from the map: its models' weights replace the project's
    (see :func:`scmap.project.load.apply_weights`). With *workers* (a local Dask cluster of that many
    processes) or *scheduler* (the address of a running one), the overlap's district chunks run
    as Dask tasks; the results are the same as in this process. *pack_folder* is the empty
    folder the pack will be written into with :meth:`Results.write_files` (``scmap run`` passes
    its temporary one): overlap.gpkg's pairs layer, millions of rows for a region, is written
    there beside the rest of the run from the moment it is known.

    Raises
    ------
    InputError
        When an input cannot be used (the message names file, layer, row and field).
    """
    say = progress or (lambda _: None)
    timings: dict[str, float] = {}
    if not isinstance(project, Project):
        project = load_project(project)
    if weights is not None:
        project = apply_weights(project, weights)

    def step(name: str, fn: Callable[[], object]) -> object:
        say(name)
        start = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - start
        log.info("%s: %.2f s", name, timings[name])
        return out

    inputs = step("reading and checking inputs", lambda: load_inputs(project, engine=engine))
    assert isinstance(inputs, Inputs)
    inputs.raise_for_errors()
    spec = project.spec
    if spec.suitability is not None and spec.suitability.models:
        suit = step("scoring suitability", lambda: suitability_project(inputs))
    else:
        suit = _no_suitability(inputs)
    early = _EarlyLayers(Path(pack_folder)) if pack_folder is not None else None
    over = step("analysing overlaps and gaps", lambda: _overlap(inputs, workers, scheduler, early))
    assert isinstance(suit, SuitabilityResult)
    assert isinstance(over, OverlapResult)
    results = Results(project, inputs, suit, over, _summary(inputs, suit, over), _provenance(project, inputs), timings)
    results.early_layers = early
    return results


def _provenance(project: Project, inputs: Inputs) -> dict[str, object]:
    """Versions, the project file and every input with its hash (or remote record)."""
    files = [
        {
            "role": s.role,
            "name": s.name,
            "path": s.path,
            "layer": s.layer,
            "rows": s.rows,
            "loaded": s.loaded,
            "rejected": s.rejected,
            "sha256": _input_sha256(s),
            "fetched": s.remote.get("fetched") if s.remote else None,
        }
        for s in inputs.sources
    ]
    provenance: dict[str, object] = {
        "scmap_version": __version__,
        "catalogue_version": project.catalogue.version,
        "project_file": str(project.path),
        "project_sha256": sha256(project.path),
        "project_text": project.path.read_text(encoding="utf-8"),
        "workshop_weights": {
            key: {**info, "sha256": sha256(Path(info["file"]))} for key, info in project.workshop_weights.items()
        },
        "analysis_crs": inputs.crs.to_string() if inputs.crs is not None else None,
        "inputs": files,
    }
    return provenance
