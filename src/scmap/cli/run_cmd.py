"""``scmap run``: the whole workshop pack for a project."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import click

from scmap.cli.options import (
    cdn_opt,
    echo_warnings,
    engine_opt,
    language_opt,
    map_changes,
    one_warning_per_fact,
    outdir_opt,
    overwrite_opt,
    project_arg,
    scheduler_opt,
    workers_opt,
)


def _progress() -> tuple[Callable[[str], None], Callable[[], float]]:
    start = time.perf_counter()

    def say(step: str) -> None:
        click.echo(f"[{time.perf_counter() - start:6.1f} s] {step}...", err=True)

    def done() -> float:
        return time.perf_counter() - start

    return say, done


def run_into(
    project: Path,
    outdir: Path,
    *,
    overwrite: bool,
    engine: str = "pyogrio",
    weights: Path | None = None,
    cdn: bool = False,
    language: str | None = None,
    to: str | None = None,
    schema: str | None = None,
    refresh: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Shared by ``run`` and ``demo``: analyse, write the pack crash-safely, report where it is.

    The output folder is locked before the analysis starts, so a second run into it fails at once.
    """
    from scmap.core._text import counted
    from scmap.pipeline.results import CONTRACT_FILES, open_run_pack, run
    from scmap.project.load import apply_weights, load_project, with_map
    from scmap.sources._validate import left_out_rows

    existing = [n for n in CONTRACT_FILES if (outdir / n).exists()]
    if existing and not overwrite:
        raise click.BadParameter(
            f"{outdir} already holds {', '.join(existing)}; add --overwrite to replace them",
            param_hint="'-o' / '--output'",
        )
    say, done = _progress()
    loaded = load_project(project) if weights is None else apply_weights(load_project(project), weights)
    loaded = dataclasses.replace(with_map(loaded, **map_changes(cdn=cdn, language=language)), refresh=refresh)
    database = to or loaded.spec.output.postgis
    with open_run_pack(outdir, loaded, overwrite=overwrite) as tmp:
        with one_warning_per_fact():
            results = run(loaded, engine=engine, progress=say, workers=workers, scheduler=scheduler, pack_folder=tmp)  # type: ignore[arg-type]
            echo_warnings(results.inputs)
        results.write_files(tmp, progress=say, to=database, schema=schema, overwrite=overwrite)
        say("moving the complete pack into place")
    left_out = int(left_out_rows(results.rejected).sum())
    rows = counted(len(results.rejected) - left_out, "rejected row")
    rows += f", {left_out} left out by where:" if left_out else ""
    click.echo(
        f"done in {done():.1f} s: {counted(len(results.solutions), 'solution')}, "
        f"{counted(len(results.districts), 'district')}, "
        f"{rows}; open {outdir / 'map.html'} or {outdir / 'report.html'}",
        err=True,
    )
    click.echo(str((outdir / "map.html").resolve()))


@click.command("run")
@project_arg
@outdir_opt("Folder for map.html, suitability.gpkg/.csv, overlap.gpkg, summary.csv, report.html, rejected.csv.")
@overwrite_opt
@engine_opt
@cdn_opt
@language_opt
@click.option(
    "--to",
    "to",
    metavar="postgresql://USER@HOST:PORT/DB",
    default=None,
    help="Also write the pack's tables into this PostGIS database (output.postgis); password: PGPASSWORD, ~/.pgpass.",
)
@click.option("--schema", default=None, help="Database schema for --to (output.postgis_schema, default scmap).")
@click.option("--refresh", is_flag=True, help="Fetch web-service sources again instead of using .scmap-cache/.")
@workers_opt
@scheduler_opt
@click.option(
    "--weights",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A weights file exported from the map (Weights > Export weights): its weights replace the project's.",
)
def command(
    project: Path,
    outdir: Path,
    overwrite: bool,
    engine: str,
    cdn: bool,
    language: str | None,
    to: str | None,
    schema: str | None,
    refresh: bool,
    workers: int | None,
    scheduler: str | None,
    weights: Path | None,
) -> None:
    """Write the whole workshop pack of a project into a folder.

    \b
    Example:
      scmap run project.yaml -o workshop-pack
      scmap run project.yaml -o after-workshop --weights weights-ev_charging.json
      scmap run project.yaml -o pack-es --language es
      scmap run project.yaml -o pack --to postgresql://gis@db.city.org/city --schema workshop
    """
    run_into(
        project,
        outdir,
        overwrite=overwrite,
        engine=engine,
        weights=weights,
        cdn=cdn,
        language=language,
        to=to,
        schema=schema,
        refresh=refresh,
        workers=workers,
        scheduler=scheduler,
    )
