"""``scmap batch``: one project template over many cities, and the cross-city pack."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import language_opt, outdir_opt, overwrite_opt, scheduler_opt, workers_opt


@click.command("batch")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="TEMPLATE")
@click.argument("cities", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="CITIES")
@outdir_opt("Folder for one pack per city (OUTDIR/<city>/) and the cross-city pack (OUTDIR/network/).")
@overwrite_opt
@language_opt
@workers_opt
@scheduler_opt
@click.option(
    "--standardise",
    type=click.Choice(["network", "city"]),
    default=None,
    help="Cross-city scores on one scale for the network (default) or each city's own min-max "
    "(batch.standardise in the template).",
)
def command(
    template: Path,
    cities: Path,
    outdir: Path,
    overwrite: bool,
    language: str | None,
    workers: int | None,
    scheduler: str | None,
    standardise: str | None,
) -> None:
    """Run one project template for many cities and compare them.

    Run a project TEMPLATE for every city of CITIES (.csv with a 'city' column and project keys
    such as districts.path, districts.id, solutions.0.path; or .yaml), then compare the cities and
    add up their demand. A city that fails is reported and the others go on; the exit code is 1
    when any city failed.

    \b
    Example:
      scmap batch mobility-islands.yaml cities.csv -o network-2026
      scmap batch mobility-islands.yaml cities.csv -o network-2026 --workers 4
      scmap batch mobility-islands.yaml cities.csv -o network-2026 --standardise city
    """
    from scmap.pipeline.batch import NETWORK, run_batch

    result = run_batch(
        template,
        cities,
        outdir,
        overwrite=overwrite,
        language=language,
        workers=workers,
        scheduler=scheduler,
        progress=lambda line: click.echo(line, err=True),
        standardise=standardise,  # type: ignore[arg-type]
    )
    failed = result.failed
    click.echo(
        f"{len(result.cities) - len(failed)} of {len(result.cities)} cities done; cross-city pack in "
        f"{outdir / NETWORK}" + (f"; failed: {', '.join(c.city for c in failed)}" if failed else ""),
        err=True,
    )
    click.echo(str((outdir / NETWORK).resolve()))
    if failed:
        raise click.exceptions.Exit(1)
