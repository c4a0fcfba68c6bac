"""Build the bundled demo: a schematic Sofia for a pre-workshop solution map.

Run ``python data/make_demo.py [OUTDIR]`` (default: ``data/sofia`` beside this script). The
output is deterministic: the same script gives the same features and attributes.

What is real and what is not
----------------------------
* Real: the names of Sofia's 24 administrative districts (rayoni) and their populations, rounded
  to the thousand (order of magnitude of the 2021 census), and the rough position of each
  district in the city.
* ILLUSTRATIVE ONLY: the boundaries (Voronoi cells around approximate district centres, clipped
  to an ellipse), the metro and tram stops, parks, district-heating zone and every solution.
  They exist to exercise scmap, not to describe Sofia.

Sofia was the first test city of the EU Smart City Guidance Package, which is why the demo
uses it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity

SEED = 20261122
CRS_METRIC = "EPSG:32634"  # UTM 34N, Sofia's zone
NOTE = "illustrative boundary, not the official one"

# name (transliterated), name (Bulgarian), approx. population, approx. centre lon, lat
DISTRICTS = [
    ("Sredets", "Средец", 30000, 23.330, 42.690),
    ("Krasno Selo", "Красно село", 80000, 23.292, 42.680),
    ("Vazrazhdane", "Възраждане", 42000, 23.307, 42.700),
    ("Oborishte", "Оборище", 31000, 23.345, 42.699),
    ("Serdika", "Сердика", 47000, 23.318, 42.716),
    ("Poduyane", "Подуяне", 74000, 23.365, 42.712),
    ("Slatina", "Слатина", 67000, 23.372, 42.685),
    ("Izgrev", "Изгрев", 31000, 23.355, 42.668),
    ("Lozenets", "Лозенец", 51000, 23.327, 42.671),
    ("Triaditsa", "Триадица", 63000, 23.306, 42.673),
    ("Krasna Polyana", "Красна поляна", 56000, 23.277, 42.697),
    ("Ilinden", "Илинден", 33000, 23.289, 42.712),
    ("Nadezhda", "Надежда", 64000, 23.301, 42.737),
    ("Iskar", "Искър", 64000, 23.405, 42.662),
    ("Mladost", "Младост", 106000, 23.381, 42.646),
    ("Studentski", "Студентски", 73000, 23.345, 42.648),
    ("Vitosha", "Витоша", 64000, 23.288, 42.640),
    ("Ovcha Kupel", "Овча купел", 55000, 23.250, 42.675),
    ("Lyulin", "Люлин", 112000, 23.245, 42.717),
    ("Vrabnitsa", "Връбница", 47000, 23.265, 42.744),
    ("Novi Iskar", "Нови Искър", 27000, 23.325, 42.800),
    ("Kremikovtsi", "Кремиковци", 22000, 23.470, 42.762),
    ("Pancharevo", "Панчарево", 29000, 23.430, 42.605),
    ("Bankya", "Банкя", 13000, 23.150, 42.705),
]

# (solution type, sector, count, status weights existing/planned/candidate, where), placed in this
# order; where is centre | edge | dh | any | metro, or near:TYPE:METRES to sit next to an
# already placed solution of TYPE (so that the demo shows synergies and conflicts).
SOLUTION_MIX = [
    ("ev_charging", "mobility", 22, (0.6, 0.2, 0.2), "centre"),
    ("bike_sharing", "mobility", 16, (0.7, 0.1, 0.2), "centre"),
    ("mobility_island", "mobility", 6, (0.1, 0.3, 0.6), "metro"),
    ("mobility_island", "mobility", 2, (0.0, 0.0, 1.0), "near:mobility_island:200"),
    ("park_and_ride", "mobility", 4, (0.5, 0.25, 0.25), "edge"),
    ("ebus_depot", "mobility", 3, (0.67, 0.0, 0.33), "edge"),
    ("car_sharing", "mobility", 6, (0.5, 0.0, 0.5), "centre"),
    ("rooftop_pv", "energy", 12, (0.3, 0.2, 0.5), "any"),
    ("rooftop_pv", "energy", 6, (0.0, 0.3, 0.7), "near:ev_charging:150"),
    ("district_heating", "energy", 8, (0.5, 0.25, 0.25), "dh"),
    ("building_retrofit", "energy", 8, (0.2, 0.3, 0.5), "dh"),
    ("building_retrofit", "energy", 4, (0.0, 0.5, 0.5), "near:district_heating:300"),
    ("battery_storage", "energy", 2, (0.0, 0.5, 0.5), "any"),
    ("battery_storage", "energy", 2, (0.0, 0.0, 1.0), "near:ev_charging:200"),
    ("smart_grid", "energy", 4, (0.5, 0.25, 0.25), "any"),
    ("heat_pump", "energy", 3, (0.0, 0.33, 0.67), "any"),
    ("smart_lighting", "ict", 10, (0.4, 0.3, 0.3), "centre"),
    ("public_wifi", "ict", 8, (0.8, 0.0, 0.2), "centre"),
    ("public_wifi", "ict", 4, (0.0, 0.5, 0.5), "near:smart_lighting:30"),
    ("air_quality_sensor", "ict", 8, (0.6, 0.1, 0.3), "any"),
    ("small_cell_5g", "ict", 4, (0.25, 0.25, 0.5), "centre"),
    ("urban_data_platform", "ict", 1, (1.0, 0.0, 0.0), "centre"),
    ("smart_parking", "ict", 4, (0.5, 0.0, 0.5), "centre"),
]
CODES = {
    "ev_charging": "EV",
    "bike_sharing": "BIKE",
    "mobility_island": "HUB",
    "park_and_ride": "PR",
    "ebus_depot": "EBUS",
    "car_sharing": "CAR",
    "rooftop_pv": "PV",
    "district_heating": "DH",
    "building_retrofit": "RETRO",
    "battery_storage": "BAT",
    "smart_grid": "GRID",
    "heat_pump": "HP",
    "smart_lighting": "LIGHT",
    "public_wifi": "WIFI",
    "air_quality_sensor": "AIR",
    "small_cell_5g": "5G",
    "urban_data_platform": "UDP",
    "smart_parking": "PARK",
}
STATUSES = ("existing", "planned", "candidate")
OWNERS = (
    "Sofia Municipality",
    "Toplofikatsia Sofia",
    "Metropoliten",
    "Sofia Urban Mobility Centre",
    "private operator",
    "energy community",
)


def _to_metric(lon: float, lat: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(CRS_METRIC).iloc[0]


def build_districts() -> gpd.GeoDataFrame:
    centres = gpd.GeoSeries(gpd.points_from_xy([d[3] for d in DISTRICTS], [d[4] for d in DISTRICTS]), crs=4326)
    centres_m = centres.to_crs(CRS_METRIC)
    middle = _to_metric(23.322, 42.697)
    city = affinity.scale(middle.buffer(1.0, quad_segs=32), xfact=19000, yfact=14500, origin=middle)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(centres_m)), extend_to=city.buffer(5000))
    cells = list(shapely.get_parts(cells))
    geoms = []
    for centre in centres_m:
        cell = next(c for c in cells if c.contains(centre))
        geoms.append(shapely.set_precision(cell.intersection(city), 1.0))
    return gpd.GeoDataFrame(
        {
            "district_id": [f"SOF{i + 1:02d}" for i in range(len(DISTRICTS))],
            "name": [d[0] for d in DISTRICTS],
            "name_bg": [d[1] for d in DISTRICTS],
            "population": [d[2] for d in DISTRICTS],
            "note": NOTE,
        },
        geometry=geoms,
        crs=CRS_METRIC,
    )


def build_context(districts: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    def line(points: list[tuple[float, float]]) -> shapely.LineString:
        return gpd.GeoSeries([shapely.LineString(points)], crs=4326).to_crs(CRS_METRIC).iloc[0]

    metro_lines = {
        "M1": line([(23.245, 42.725), (23.300, 42.705), (23.322, 42.697), (23.370, 42.690), (23.405, 42.655)]),
        "M2": line([(23.300, 42.745), (23.318, 42.712), (23.322, 42.697), (23.315, 42.665), (23.300, 42.640)]),
        "M3": line([(23.255, 42.680), (23.300, 42.690), (23.330, 42.692), (23.370, 42.705), (23.395, 42.715)]),
    }
    rows = []
    for code, geom in metro_lines.items():
        n = max(5, int(geom.length // 1100))
        for i, dist in enumerate(np.linspace(0, geom.length, n)):
            rows.append(
                {
                    "stop_id": f"{code}-{i + 1:02d}",
                    "line": code,
                    "name": f"{code} stop {i + 1}",
                    "geometry": geom.interpolate(dist),
                }
            )
    metro = gpd.GeoDataFrame(rows, crs=CRS_METRIC)
    metro = metro.loc[~metro.geometry.duplicated()].reset_index(drop=True)

    rng = np.random.default_rng(SEED + 1)
    core = districts.loc[districts["population"] >= 40000].union_all().buffer(-300)
    minx, miny, maxx, maxy = core.bounds
    tram_pts = []
    while len(tram_pts) < 60:
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if core.contains(p):
            tram_pts.append(shapely.set_precision(p, 1.0))
    tram = gpd.GeoDataFrame(
        {"stop_id": [f"T{i + 1:03d}" for i in range(len(tram_pts))]}, geometry=tram_pts, crs=CRS_METRIC
    )

    parks_ll = [
        ("South Park", 23.310, 42.680, 700, 450),
        ("Borisova Gradina", 23.342, 42.684, 900, 600),
        ("West Park", 23.280, 42.705, 650, 450),
        ("North Park", 23.305, 42.730, 600, 400),
        ("Loven Park", 23.355, 42.660, 500, 350),
    ]
    parks = []
    for name, lon, lat, a, b in parks_ll:
        c = _to_metric(lon, lat)
        parks.append(
            {
                "name": name,
                "geometry": shapely.set_precision(
                    affinity.scale(c.buffer(1.0, quad_segs=16), xfact=a, yfact=b, origin=c), 1.0
                ),
            }
        )
    parks_gdf = gpd.GeoDataFrame(parks, crs=CRS_METRIC)

    centre = _to_metric(23.330, 42.690)
    dh = affinity.scale(centre.buffer(1.0, quad_segs=24), xfact=6500, yfact=4200, origin=centre)
    dh = shapely.set_precision(affinity.rotate(dh, 20, origin=centre), 1.0)
    dh_gdf = gpd.GeoDataFrame(
        {"zone": ["Existing district-heating network (schematic)"]}, geometry=[dh], crs=CRS_METRIC
    )
    return {"metro_stations": metro, "tram_stops": tram, "parks": parks_gdf, "dh_zones": dh_gdf}


def _sample_point(rng: np.random.Generator, area: shapely.Geometry) -> shapely.Point:
    minx, miny, maxx, maxy = area.bounds
    while True:
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.contains(p):
            return shapely.set_precision(p, 1.0)


def build_solutions(districts: gpd.GeoDataFrame, context: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(SEED)
    city = districts.union_all()
    areas = {
        "centre": city.intersection(_to_metric(23.322, 42.690).buffer(5500)),
        "edge": city.difference(_to_metric(23.322, 42.697).buffer(6500)),
        "dh": context["dh_zones"].union_all().intersection(city),
        "any": city,
    }
    metro = list(context["metro_stations"].geometry)
    rows: list[dict] = []
    counter: dict[str, int] = {}
    for solution, sector, count, weights, where in SOLUTION_MIX:
        for _ in range(count):
            counter[solution] = counter.get(solution, 0) + 1
            i = counter[solution] - 1
            if where.startswith("near:"):
                _, other, metres = where.split(":")
                anchors = [r["geometry"] for r in rows if r["solution"] == other]
                base = shapely.centroid(anchors[int(rng.integers(len(anchors)))])
                angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 0.9) * float(metres)
                point = shapely.set_precision(
                    shapely.Point(base.x + dist * np.cos(angle), base.y + dist * np.sin(angle)), 1.0
                )
            elif where == "metro":
                base = metro[int(rng.integers(len(metro)))]
                point = shapely.set_precision(
                    shapely.Point(base.x + rng.normal(0, 60), base.y + rng.normal(0, 60)), 1.0
                )
            else:
                point = _sample_point(rng, areas[where])
            status = STATUSES[int(rng.choice(3, p=np.array(weights) / sum(weights)))]
            geom: shapely.Geometry = point
            if solution == "district_heating" and status != "existing":
                angle = rng.uniform(0, np.pi)
                length = rng.uniform(600, 1500)
                geom = shapely.LineString([point, (point.x + length * np.cos(angle), point.y + length * np.sin(angle))])
            elif solution == "building_retrofit":
                geom = shapely.set_precision(shapely.box(point.x - 40, point.y - 25, point.x + 40, point.y + 25), 1.0)
            rows.append(
                {
                    "ref": f"{CODES[solution]}-{i + 1:03d}",
                    "name": f"{solution.replace('_', ' ').capitalize()} {i + 1}",
                    "sector": sector,
                    "solution": solution,
                    "status": status,
                    "cost_keur": float(round(rng.uniform(5, 900), 0)),
                    "owner": OWNERS[int(rng.integers(len(OWNERS)))],
                    "notes": "illustrative demo site",
                    "geometry": geom,
                }
            )
    return gpd.GeoDataFrame(rows, crs=CRS_METRIC)


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    districts = build_districts()
    context = build_context(districts)
    solutions = build_solutions(districts, context)
    for path in outdir.glob("*.gpkg"):
        path.unlink()
    districts.to_crs(4326).to_file(outdir / "districts.gpkg", layer="districts", engine="pyogrio")
    for name, gdf in context.items():
        gdf.to_crs(4326).to_file(outdir / "context.gpkg", layer=name, engine="pyogrio")
    # most solutions as a GeoPackage, the EV chargers as GeoJSON: two sources, as in real cities
    is_ev = solutions["solution"] == "ev_charging"
    candidates = solutions.loc[~is_ev].to_crs(4326)
    candidates.to_file(outdir / "candidates.gpkg", layer="solutions", engine="pyogrio")
    chargers = solutions.loc[is_ev, ["ref", "name", "status", "cost_keur", "owner", "notes", "geometry"]]
    chargers = chargers.to_crs(4326)
    chargers.geometry = shapely.set_precision(chargers.geometry.values, 1e-6)
    (outdir / "chargers.geojson").write_text(chargers.to_json(drop_id=True, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "sofia")
