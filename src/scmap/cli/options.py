"""Options shared by several commands."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from scmap.project.inputs import Inputs

json_opt = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
engine_opt = click.option(
    "--engine",
    type=click.Choice(["pyogrio", "fiona"]),
    default="pyogrio",
    show_default=True,
    help="GDAL binding used to read files.",
)
cdn_opt = click.option(
    "--cdn",
    is_flag=True,
    help="Load Leaflet from the internet (a smaller map.html) instead of writing it into the page (map.assets: cdn).",
)
language_opt = click.option(
    "--language",
    default=None,
    metavar="TAG",
    help="Language of the map, report and atlas: en, es, ca, bg, nl, de, fr, it (map.language).",
)


def map_changes(*, cdn: bool = False, language: str | None = None) -> dict[str, str]:
    """The ``map:`` keys that command-line options change."""
    changes = {"assets": "cdn"} if cdn else {}
    return changes | ({"language": language} if language else {})


workers_opt = click.option(
    "--workers",
    type=click.IntRange(1, 512),
    default=None,
    help="Run on a local Dask cluster of this many worker processes.",
)
scheduler_opt = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786); workers need the same files.",
)


def outdir_opt(help: str) -> Callable[[Any], Any]:
    """The required ``-o/--output`` folder of a command that writes a pack."""
    return click.option(
        "-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path), required=True, help=help
    )


overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace existing output files.")
project_arg = click.argument("project", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="PROJECT")


def guard_output(path: Path, overwrite: bool, *, param_hint: str = "'-o' / '--output'") -> None:
    """Refuse to replace an existing output unless --overwrite is given."""
    if path.exists() and not overwrite:
        raise click.BadParameter(f"{path} exists; add --overwrite to replace it", param_hint=param_hint)


def load_checked(project: Path, engine: str) -> Inputs:
    """Load a project's inputs, stop on errors (exit 1) and show the warnings on stderr."""
    from scmap.project.inputs import load_inputs
    from scmap.project.load import load_project

    inputs = load_inputs(load_project(project), engine=engine).raise_for_errors()  # type: ignore[arg-type]
    echo_warnings(inputs)
    return inputs


def echo_warnings(inputs: Inputs) -> None:
    """Every source's warnings on stderr."""
    for source in inputs.sources:
        for warning in source.warnings:
            click.echo(f"Warning: {warning}", err=True)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(_OUTSIDE_SAID, []).extend(inputs.sources)


_HELD, _OUTSIDE_SAID = "scmap_held", "scmap_outside_said"  # held warnings; the sources echoed


@contextlib.contextmanager
def one_warning_per_fact() -> Iterator[None]:
    """Say once that solutions lie outside every district, and what the files said first.

    The input check says it per file (:func:`echo_warnings`) and the overlap again for all the
    files (:class:`~scmap.errors.OutsideWarning`). Within this block scmap's own warnings wait
    to its end, after the files' warnings, and the overlap's outside warning is shown only when
    it counts more solutions than the files' warnings did (a layer the input check could not
    compare with the districts, say).
    """
    from scmap.sources._validate import said_per_file

    ctx = click.get_current_context()
    ctx.meta[_HELD], ctx.meta[_OUTSIDE_SAID] = [], []
    try:
        yield
    finally:
        for warning in ctx.meta.pop(_HELD):
            if not said_per_file(warning, ctx.meta[_OUTSIDE_SAID]):
                click.echo(f"Warning: {warning}", err=True)


def held_back(message: Warning | str) -> bool:
    """Whether *message* waits for the end of :func:`one_warning_per_fact` (and is kept there)."""
    from scmap.errors import ScmapWarning

    ctx = click.get_current_context(silent=True)
    if ctx is None or _HELD not in ctx.meta or not isinstance(message, ScmapWarning):
        return False
    ctx.meta[_HELD].append(message)
    return True
