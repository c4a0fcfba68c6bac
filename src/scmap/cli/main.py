"""The ``scmap`` command group: version, verbosity, and one error policy for every command.

Exit codes: 0 success; 1 bad input or failed analysis (message names file, layer, row, field);
2 usage error. Logs go to stderr, ``--json`` output to stdout.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import click

from scmap._version import __version__
from scmap.errors import ScmapError


class _Group(click.Group):
    """Turns scmap's own errors into a message and exit code 1 (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScmapError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    click.echo(f"Warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scmap")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Prepare the solution map for a smart-city planning workshop.

    \b
    Example:
      scmap demo -o demo-out        # the bundled Sofia demo, then open demo-out/map.html
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if quiet:
        warnings.simplefilter("ignore")
    else:
        warnings.showwarning = _show_warning


def _register() -> None:
    from scmap.cli import demo, info, init, map_cmd, overlap_cmd, run_cmd, suitability_cmd, validate

    for module in (info, validate, suitability_cmd, overlap_cmd, map_cmd, run_cmd, demo, init):
        cli.add_command(module.command)


_register()
