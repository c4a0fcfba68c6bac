"""``scmap init``: a starter project (the demo's data and a fully commented project.yaml)."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import guard_output, overwrite_opt
from scmap.project.datasets import init_project


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@overwrite_opt
def command(directory: Path, overwrite: bool) -> None:
    """Write a starter project (demo data and an explained project.yaml).

    Write a starter project into DIRECTORY: the demo data and a project.yaml with every key
    explained, ready to point at your own city's files.

    \b
    Example:
      scmap init my-city && scmap validate my-city/project.yaml
    """
    guard_output(directory / "project.yaml", overwrite, param_hint="DIRECTORY")
    click.echo(str(init_project(directory)))
