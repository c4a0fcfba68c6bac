"""``scmap map``: the interactive solution map of a project."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import (
    cdn_opt,
    echo_warnings,
    engine_opt,
    guard_output,
    language_opt,
    map_changes,
    one_warning_per_fact,
    overwrite_opt,
    project_arg,
)
from scmap.core._atomic import atomic_file


@click.command("map")
@project_arg
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="HTML file to write."
)
@overwrite_opt
@engine_opt
@cdn_opt
@language_opt
def command(project: Path, output: Path, overwrite: bool, engine: str, cdn: bool, language: str | None) -> None:
    """Write the interactive map of a project to an HTML file.

    \b
    Example:
      scmap map project.yaml -o map.html
    """
    from scmap.maps import save_html
    from scmap.pipeline.results import run
    from scmap.project.load import load_project, with_map

    guard_output(output, overwrite)
    loaded = with_map(load_project(project), **map_changes(cdn=cdn, language=language))
    with atomic_file(output, overwrite=overwrite) as tmp:
        with one_warning_per_fact():
            results = run(loaded, engine=engine)  # type: ignore[arg-type]
            echo_warnings(results.inputs)
        spec = results.project.spec.map
        save_html(results.map(), tmp, inline=spec.assets == "inline", max_mb=spec.max_html_mb)
    click.echo(str(output))
