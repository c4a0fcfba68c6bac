"""``scmap schema``: the project file's JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import overwrite_opt
from scmap.core._atomic import atomic_file


@click.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file, not stdout.")
@overwrite_opt
def command(output: Path | None, overwrite: bool) -> None:
    """Print the JSON Schema of the project file (for editors that check and complete YAML).

    \b
    Example:
      scmap schema -o project.schema.json
      # then, first line of project.yaml:  # yaml-language-server: $schema=project.schema.json
    """
    from scmap.project.schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_file(output, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    click.echo(str(output))
