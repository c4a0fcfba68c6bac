"""``scmap suitability``: where each solution type fits, per unit, explained and stress-tested."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import engine_opt, guard_output, load_checked, overwrite_opt, project_arg
from scmap.core._atomic import atomic_file


@click.command("suitability")
@project_arg
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="A .gpkg (layers suitability, weights, sensitivity, oat, weight_sets, districts) or a .csv.",
)
@overwrite_opt
@engine_opt
def command(project: Path, output: Path, overwrite: bool, engine: str) -> None:
    """Score every model of the project's suitability: section on its units.

    \b
    Example:
      scmap suitability project.yaml -o suitability.gpkg
    """
    from scmap.analysis.suitability import suitability_project
    from scmap.outputs.qgis import style_geopackage

    if output.suffix.lower() not in (".gpkg", ".csv"):
        raise click.BadParameter("write to a .gpkg or a .csv file", param_hint="'-o' / '--output'")
    guard_output(output, overwrite)
    with atomic_file(output, overwrite=overwrite) as tmp:
        inputs = load_checked(project, engine)
        result = suitability_project(inputs)
        result.save(tmp)
        if output.suffix.lower() == ".gpkg":
            style_geopackage(tmp, inputs.project.catalogue, inputs.project.messages)
    for key, m in result.models.items():
        cr = f", AHP consistency ratio {m.consistency_ratio:.3f}" if m.consistency_ratio is not None else ""
        click.echo(
            f"{key}: {int((~m.excluded).sum())} units scored, {int(m.excluded.sum())} excluded, weights {m.method}{cr}",
            err=True,
        )
    click.echo(str(output))
