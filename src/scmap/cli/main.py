"""The ``scmap`` command group: version, verbosity, and one error policy for every command.

Exit codes: 0 success; 1 bad input or failed analysis (message names file, layer, row, field);
2 usage error. Logs go to stderr, ``--json`` output to stdout.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from typing import Any

import click

from scmap._version import __version__
from scmap.errors import ScmapError


class _Group(click.Group):
    """Turns every error into a message and exit code 1: scmap's own errors as they are, anything
    else as one line naming the command and the failure (``--debug`` shows the traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except ScmapError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except MemoryError:
            click.echo(_unexpected(ctx, "ran out of memory: use larger units, fewer runs or a smaller area"), err=True)
            ctx.exit(1)
        except Exception as exc:
            if ctx.meta.get("scmap_debug"):
                raise
            click.echo(_unexpected(ctx, f"{type(exc).__name__}: {exc}".splitlines()[0][:500]), err=True)
            ctx.exit(1)


def _unexpected(ctx: click.Context, what: str) -> str:
    command = ctx.invoked_subcommand or "scmap"
    return (
        f"Error: scmap {command} failed unexpectedly: {what}. Run again with --debug for the details, and "
        "please report it with the project file"
    )


def _tolerant_console() -> None:
    """Output never fails on a console that cannot show a character (e.g. cp1252 on Windows)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    click.echo(f"Warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scmap")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an unexpected failure.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Prepare the solution map for a smart-city planning workshop.

    \b
    Example:
      scmap demo -o demo-out        # the bundled Sofia demo, then open demo-out/map.html
    """
    _tolerant_console()
    ctx.meta["scmap_debug"] = debug
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if quiet:
        warnings.simplefilter("ignore")
    else:
        warnings.showwarning = _show_warning


def _register() -> None:
    from scmap.cli import (
        batch_cmd,
        demo,
        info,
        init,
        map_cmd,
        overlap_cmd,
        print_cmd,
        run_cmd,
        schema_cmd,
        suitability_cmd,
        validate,
    )

    modules = (
        info,
        validate,
        suitability_cmd,
        overlap_cmd,
        map_cmd,
        print_cmd,
        run_cmd,
        batch_cmd,
        demo,
        init,
        schema_cmd,
    )
    for module in modules:
        cli.add_command(module.command)


_register()
