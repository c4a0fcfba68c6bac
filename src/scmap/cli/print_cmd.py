"""``scmap print``: the atlas of a project, for paper."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import (
    echo_warnings,
    engine_opt,
    guard_output,
    language_opt,
    map_changes,
    one_warning_per_fact,
    overwrite_opt,
    project_arg,
)
from scmap.core._atomic import atomic_file


@click.command("print")
@project_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF to write.")
@click.option("--paper", type=click.Choice(["a4", "a3"]), default="a4", show_default=True, help="Landscape page size.")
@overwrite_opt
@engine_opt
@language_opt
def command(project: Path, output: Path, paper: str, overwrite: bool, engine: str, language: str | None) -> None:
    """Write the printable atlas (PDF) of a project.

    Write the atlas: one landscape page per colouring (each suitability model, district
    roll-ups, coverage gaps) and a solutions overview, each with legend, scale bar, north arrow,
    date, attribution and district labels.

    \b
    Example:
      scmap print project.yaml -o atlas.pdf --paper a3
    """
    from scmap.outputs.atlas import write_atlas
    from scmap.pipeline.results import run
    from scmap.project.load import load_project, with_map

    if output.suffix.lower() != ".pdf":
        raise click.BadParameter("the atlas is a PDF: name it *.pdf", param_hint="'-o' / '--output'")
    guard_output(output, overwrite)
    loaded = with_map(load_project(project), **map_changes(language=language))
    with atomic_file(output, overwrite=overwrite) as tmp:
        with one_warning_per_fact():
            results = run(loaded, engine=engine)  # type: ignore[arg-type]
            echo_warnings(results.inputs)
        write_atlas(results.report_input(), tmp, paper=paper)  # type: ignore[arg-type]
    click.echo(str(output))
