"""``scmap init``: a starter project (the demo's files and project.yaml) to edit."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import guard_output, overwrite_opt
from scmap.datasets import copy_demo


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@overwrite_opt
def command(directory: Path, overwrite: bool) -> None:
    """Write a starter project with the demo data into DIRECTORY, ready to edit.

    \b
    Example:
      scmap init my-city && scmap validate my-city/project.yaml
    """
    guard_output(directory / "project.yaml", overwrite, param_hint="DIRECTORY")
    project = copy_demo(directory)
    click.echo(str(project))
