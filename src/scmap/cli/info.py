"""``scmap info``: layers, CRS, counts, geometry types and fields of a GIS file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scmap.cli.options import engine_opt, json_opt


@click.command("info")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--layer", default=None, help="Only this layer.")
@click.option("--crs", default=None, help="CRS to assume for a file that declares none, e.g. EPSG:4326.")
@click.option("--lon", default=None, help="CSV: the longitude column.")
@click.option("--lat", default=None, help="CSV: the latitude column.")
@click.option("--wkt", default=None, help="CSV: the WKT geometry column.")
@click.option("--coordinates", default=None, help="CSV: one column holding both coordinates, e.g. '43.45,28.55'.")
@click.option(
    "--coordinate-order",
    type=click.Choice(["lon,lat", "lat,lon"]),
    default="lon,lat",
    show_default=True,
    help="CSV: the order of the two numbers in --coordinates.",
)
@json_opt
@engine_opt
def command(
    path: Path,
    layer: str | None,
    crs: str | None,
    as_json: bool,
    engine: str,
    lon: str | None,
    lat: str | None,
    wkt: str | None,
    coordinates: str | None,
    coordinate_order: str,
) -> None:
    """Show what a GIS file holds: layers, CRS, counts, geometry types, fields.

    \b
    Example:
      scmap info districts.gpkg --json
      scmap info plants.csv --coordinates geo --coordinate-order lat,lon
    """
    from scmap.sources._readers import CsvGeometry
    from scmap.sources.io import file_info

    geometry = CsvGeometry(lon, lat, wkt, coordinates, coordinate_order)  # type: ignore[arg-type]
    info = file_info(path, layer=layer, engine=engine, crs=crs, csv_geometry=geometry)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"{info['path']}")
    for lyr in info["layers"]:  # type: ignore[attr-defined]
        types = ", ".join(f"{k} {v}" for k, v in lyr["geometry_counts"].items()) or "no geometry"
        click.echo(f"  layer {lyr['name']}: {lyr['count']} rows, {types}, CRS {lyr['crs'] or 'NONE'}")
        click.echo(f"    fields: {', '.join(lyr['fields']) or '(none)'}")
        for w in lyr["warnings"]:
            click.echo(f"    warning: {w}")
