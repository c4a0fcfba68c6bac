"""``scmap overlap``: service-area overlaps, co-location, hotspots, synergies/conflicts, gaps."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import engine_opt, guard_output, load_checked, one_warning_per_fact, overwrite_opt, project_arg
from scmap.core._atomic import atomic_file


@click.command("overlap")
@project_arg
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="GeoPackage to write (layers pairs, districts, hotspots, relations, gaps, ...).",
)
@overwrite_opt
@engine_opt
def command(project: Path, output: Path, overwrite: bool, engine: str) -> None:
    """Find where service areas overlap, which rules match and which districts are left out.

    \b
    Example:
      scmap overlap project.yaml -o overlap.gpkg
    """
    from scmap.analysis.overlap import overlap_project
    from scmap.outputs.qgis import style_geopackage

    if output.suffix.lower() != ".gpkg":
        raise click.BadParameter("the output is a GeoPackage: name it *.gpkg", param_hint="'-o' / '--output'")
    guard_output(output, overwrite)
    with atomic_file(output, overwrite=overwrite) as tmp:
        with one_warning_per_fact():
            inputs = load_checked(project, engine)
            result = overlap_project(inputs)
        result.save(tmp)
        style_geopackage(tmp, inputs.project.catalogue, inputs.project.messages)
    click.echo(
        f"{len(result.pairs)} overlapping pairs, {len(result.relations)} rule matches, "
        f"{len(result.hotspots)} hotspot areas",
        err=True,
    )
    click.echo(str(output))
