"""``scmap validate``: check every file of a project, row by row."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scmap.cli.options import engine_opt, json_opt, project_arg


@click.command("validate")
@project_arg
@json_opt
@engine_opt
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every rejected row (file, layer, row, id, field, reason) to this CSV.",
)
def command(project: Path, as_json: bool, engine: str, rejected_path: Path | None) -> None:
    """Check a project: exit 0 when usable (warnings allowed), 1 otherwise.

    \b
    Example:
      scmap validate project.yaml --json
    """
    from scmap.core._text import counted, write_csv
    from scmap.project.inputs import validate_project
    from scmap.project.load import load_project

    report = validate_project(load_project(project), engine=engine)  # type: ignore[arg-type]
    if rejected_path is not None:
        write_csv(report.rejected, rejected_path)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for s in report.sources:
            mark = "ERROR" if s.errors else "ok"
            label = s.role if s.name is None else f"{s.role} {s.name}"
            click.echo(
                f"[{mark}] {label}: {s.path}"
                + (f" (layer {s.layer})" if s.layer else "")
                + f": {counted(s.rows, 'row')}, {s.loaded} loaded, {s.rejected - s.filtered} rejected"
                + (f", {s.filtered} left out by where:" if s.filtered else "")
            )
            for w in s.warnings:
                click.echo(f"    warning: {w}")
            for e in s.errors:
                click.echo(f"    error: {e}")
        click.echo("usable" if report.ok else "NOT usable: fix the errors above")
    sys.exit(0 if report.ok else 1)
