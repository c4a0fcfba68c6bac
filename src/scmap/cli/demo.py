"""``scmap demo``: the workshop map of the bundled Sofia demo."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import guard_output, overwrite_opt
from scmap.datasets import demo_project_path
from scmap.pipeline import load_inputs, project_map
from scmap.project import load_project


@click.command("demo")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write into (created).",
)
@overwrite_opt
def command(outdir: Path, overwrite: bool) -> None:
    """Run scmap on the bundled demo (schematic Sofia) and write map.html and rejected.csv.

    \b
    Example:
      scmap demo -o demo-out
    """
    guard_output(outdir / "map.html", overwrite)
    inputs = load_inputs(load_project(demo_project_path())).raise_for_errors()
    outdir.mkdir(parents=True, exist_ok=True)
    project_map(inputs).save(str(outdir / "map.html"))
    inputs.rejected.to_csv(outdir / "rejected.csv", index=False)
    assert inputs.districts is not None and inputs.solutions is not None
    click.echo(f"{len(inputs.solutions)} solutions in {len(inputs.districts.gdf)} districts", err=True)
    click.echo(str((outdir / "map.html").resolve()))
