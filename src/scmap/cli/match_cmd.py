"""``scmap match``: the follower's districts most like the lighthouse's districts with a solution."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import language_opt, outdir_opt, overwrite_opt


@click.command("match")
@click.argument("lighthouse", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="LIGHTHOUSE")
@click.argument("follower", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FOLLOWER")
@outdir_opt("Folder for matches.csv, matches.gpkg and profiles.csv (created).")
@overwrite_opt
@click.option("--indicator", "indicators", multiple=True, help="Match on this indicator only (repeat for more).")
@click.option(
    "--candidates",
    type=click.IntRange(0, 1000),
    default=0,
    help="Place a candidate site per solution type in this many of the most alike districts without it "
    "(candidates.csv: a solution source for the follower's project).",
)
@language_opt
def command(
    lighthouse: Path,
    follower: Path,
    outdir: Path,
    overwrite: bool,
    indicators: tuple[str, ...],
    candidates: int,
    language: str | None,
) -> None:
    """Rank the FOLLOWER project's districts by how much they are like the LIGHTHOUSE project's
    districts where each of its solution types already is (its existing sites), and say why: the
    most similar lighthouse district, the indicators that make them alike and the one that differs
    most. Indicators: population density, solutions per km² and area served per sector, distance
    to the centre, the suitability criteria of district units; each as its rank within its city.

    \b
    Example:
      scmap match valencia.yaml barcelona.yaml -o from-valencia
      scmap match valencia.yaml barcelona.yaml -o from-valencia --candidates 5
    """
    from scmap.match import match

    result = match(lighthouse, follower, indicators=list(indicators) or None, candidates=candidates, language=language)
    result.save(outdir, overwrite=overwrite)
    best = result.matches.sort_values(["solution", "rank"]).groupby("solution").head(3)
    for solution, group in best.groupby("solution", sort=False):
        names = ", ".join(f"{n} ({s:.2f})" for n, s in zip(group["district_name"], group["similarity"], strict=True))
        click.echo(f"{solution}: most like {result.lighthouse}'s districts with it: {names}", err=True)
    click.echo(str(Path(outdir).resolve()))
