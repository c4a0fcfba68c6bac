"""The ``scmap`` command group: version, verbosity, and one error policy for every command.

Exit codes: 0 success; 1 bad input or failed analysis (message names file, layer, row, field);
2 usage error. Logs go to stderr, ``--json`` output to stdout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import warnings
from typing import Any

import click

from scmap._version import __version__
from scmap.core._stop import Interrupted, forget_stop, quiet_unraisable, raise_if_stopped, stop_now
from scmap.errors import ScmapError


class _Group(click.Group):
    """A click group that turns every error and signal into a message and exit code.

    Turns every error into a message and exit code 1: scmap's own errors as they are, anything
    else as one line naming the command and the failure (``--debug`` shows the traceback); a
    signal into exit 128 + its number. Commands are imported when used, after the signal
    handlers are in place.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is None:
            return None
        import importlib

        command: click.Command = importlib.import_module(f"scmap.cli.{module}").command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        previous, hook = _stop_on_signals(), sys.unraisablehook
        sys.unraisablehook = quiet_unraisable(hook)  # a stop Python swallowed is honoured, not printed
        try:
            return self._invoke(ctx)
        finally:
            sys.unraisablehook = hook
            for number, handler in previous.items():
                with contextlib.suppress(ValueError, OSError, TypeError):
                    signal.signal(number, handler)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            raise_if_stopped()  # a stop whose raise Python swallowed (in an at-fork handler, a __del__)
            sys.stdout.flush()  # a full disk or closed pipe behind stdout is seen here, not at exit
            return result
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Interrupted as exc:
            click.echo(f"Error: stopped by {exc.name}; each output is as it was before, or complete", err=True)
            ctx.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("Error: stopped by Ctrl-C; each output is as it was before, or complete", err=True)
            ctx.exit(130)
        except ScmapError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # `scmap schema | head`: the reader has what it wanted
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stdout until exit
            ctx.exit(1)
        except OSError as exc:
            if ctx.meta.get("scmap_debug"):
                raise
            where = f"{exc.filename}: " if exc.filename else "the output: "
            click.echo(f"Error: {where}cannot be read or written ({exc.strerror or exc})", err=True)
            ctx.exit(1)
        except MemoryError:
            click.echo(_unexpected(ctx, "ran out of memory: use larger units, fewer runs or a smaller area"), err=True)
            ctx.exit(1)
        except Exception as exc:
            if ctx.meta.get("scmap_debug"):
                raise
            click.echo(_unexpected(ctx, f"{type(exc).__name__}: {exc}".splitlines()[0][:500]), err=True)
            ctx.exit(1)


def _stop_on_signals() -> dict[int, Any]:
    """Ctrl-C, a closed terminal and ``kill`` stop a command at once and cleanly (exit 130, 129, 143).

    A SIGHUP ignored at start (``nohup``) stays ignored; SIGINT is caught even when a shell started the command in the
    background with it ignored. Returns the handlers replaced.
    """
    forget_stop()
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None or (name == "SIGHUP" and signal.getsignal(number) is signal.SIG_IGN):
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread (embedded use)
            previous[number] = signal.signal(number, stop_now)
    return previous


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
    from scmap.cli.options import held_back

    if not held_back(message):
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


_COMMANDS = {
    "info": "info",
    "validate": "validate",
    "suitability": "suitability_cmd",
    "overlap": "overlap_cmd",
    "map": "map_cmd",
    "print": "print_cmd",
    "run": "run_cmd",
    "batch": "batch_cmd",
    "match": "match_cmd",
    "workshop": "workshop_cmd",
    "demo": "demo",
    "init": "init",
    "schema": "schema_cmd",
}
"""Each command's module in :mod:`scmap.cli`, imported when the command runs (or help lists it)."""


def main() -> None:
    """Run the ``scmap`` command (:func:`cli`), then end the process without the interpreter's teardown.

    Once the command has returned, its files are complete and closed (they are written beside
    their place and moved into it). Python's teardown of the libraries a run loads (pandas,
    GDAL, matplotlib, scipy...) then takes most of a second and has nothing left to do: after
    the exit handlers ran and stdout and stderr are flushed, the process ends at once with the
    command's exit code. With other threads still running, it exits the usual way.
    """
    import atexit
    import threading

    try:
        cli.main(prog_name="scmap")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if not isinstance(code, int | None):
        with contextlib.suppress(OSError, ValueError):
            print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python's own exit gives when flushing fails
    os._exit(status)
