"""``scmap demo``: ``scmap run`` on the bundled demo (a schematic Sofia)."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import outdir_opt, overwrite_opt
from scmap.cli.run_cmd import run_into
from scmap.project.datasets import demo_project_path


@click.command("demo")
@outdir_opt("Folder to write the workshop pack into (created).")
@overwrite_opt
def command(outdir: Path, overwrite: bool) -> None:
    """Run scmap on the bundled demo (schematic Sofia) and write the workshop pack.

    \b
    Example:
      scmap demo -o demo-out
    """
    run_into(demo_project_path(), outdir, overwrite=overwrite)
