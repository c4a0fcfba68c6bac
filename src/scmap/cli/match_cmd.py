"""``scmap match``: the follower's districts most like the lighthouse's districts with a solution."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scmap.cli.options import echo_warnings, language_opt, one_warning_per_fact, outdir_opt, overwrite_opt

if TYPE_CHECKING:
    from scmap.pipeline.results import Results


@click.command("match")
@click.argument("lighthouse", type=click.Path(exists=True, path_type=Path), metavar="LIGHTHOUSE")
@click.argument("follower", type=click.Path(exists=True, path_type=Path), metavar="FOLLOWER")
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
    """Rank a follower city's districts by likeness to a lighthouse city's sites.

    Rank the FOLLOWER's districts by how much they are like the LIGHTHOUSE's districts where
    each of its solution types already is (its existing sites), and say why: the most similar
    lighthouse district, the indicators that make them alike and the one that differs most. Each
    is a project file or a pack that scmap run wrote. Indicators: population density, solutions
    per km² and area served per sector, closeness to the centre, district size, the suitability
    criteria of district units and the columns of match.profile; each as its rank within its city.

    \b
    Example:
      scmap match valencia.yaml barcelona.yaml -o from-valencia
      scmap match valencia.yaml barcelona.yaml -o from-valencia --candidates 5
    """
    from scmap.pipeline.match import match

    cities = [_city(lighthouse, "lighthouse"), _city(follower, "follower")]
    result = match(*cities, indicators=list(indicators) or None, candidates=candidates, language=language)
    result.save(outdir, overwrite=overwrite)
    best = result.matches.sort_values(["solution", "rank"]).groupby("solution").head(3)
    for solution, group in best.groupby("solution", sort=False):
        names = ", ".join(f"{n} ({s:.2f})" for n, s in zip(group["district_name"], group["similarity"], strict=True))
        click.echo(f"{solution}: most like {result.lighthouse}'s districts with it: {names}", err=True)
    click.echo(str(Path(outdir).resolve()))


def _city(source: Path, role: str) -> Results:
    """Run one city, its warnings under a line naming it, each fact once."""
    from scmap.pipeline.match import city_results

    click.echo(f"running the {role}, {source}...", err=True)
    with one_warning_per_fact():
        results = city_results(source)
        echo_warnings(results.inputs)
    return results
