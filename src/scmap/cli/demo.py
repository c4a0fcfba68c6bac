"""``scmap demo``: ``scmap run`` on the bundled demo (a schematic Sofia)."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import overwrite_opt
from scmap.cli.run_cmd import run_into
from scmap.datasets import demo_project_path


@click.command("demo")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the workshop pack into (created).",
)
@overwrite_opt
def command(outdir: Path, overwrite: bool) -> None:
    """Run scmap on the bundled demo (schematic Sofia) and write the workshop pack.

    \b
    Example:
      scmap demo -o demo-out
    """
    run_into(demo_project_path(), outdir, overwrite=overwrite)
