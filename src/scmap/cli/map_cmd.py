"""``scmap map``: the interactive solution map of a project."""

from __future__ import annotations

from pathlib import Path

import click

from scmap._atomic import atomic_file
from scmap.cli.options import engine_opt, guard_output, load_checked, overwrite_opt, project_arg
from scmap.maps import save_html
from scmap.pipeline import project_map


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
    with atomic_file(output, overwrite=overwrite) as tmp:
        inputs = load_checked(project, engine)
        save_html(project_map(inputs), tmp)
    click.echo(str(output))
