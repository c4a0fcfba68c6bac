"""``scmap map``: the interactive solution map of a project."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import engine_opt, guard_output, overwrite_opt, project_arg
from scmap.maps import save_html
from scmap.pipeline import load_inputs, project_map
from scmap.project import load_project


@click.command("map")
@project_arg
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="HTML file to write."
)
@overwrite_opt
@engine_opt
def command(project: Path, output: Path, overwrite: bool, engine: str) -> None:
    """Write the interactive map of a project to an HTML file.

    \b
    Example:
      scmap map project.yaml -o map.html
    """
    guard_output(output, overwrite)
    inputs = load_inputs(load_project(project), engine=engine).raise_for_errors()  # type: ignore[arg-type]
    for s in inputs.sources:
        for w in s.warnings:
            click.echo(f"Warning: {w}", err=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    save_html(project_map(inputs), output)
    click.echo(str(output))
