"""Shared fixtures: real-data location, small synthetic layers, a headless Chromium page."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
ASSETS = Path(__file__).resolve().parent / "browser_assets" / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")


def need(condition: bool, reason: str) -> None:
    """Skip locally when a prerequisite is missing; in CI (CI=true) that is a failure."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI prerequisite missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata() -> Path:
    need(REALDATA.is_dir(), f"real data not found at {REALDATA} (../shared/realdata beside the repo)")
    return REALDATA


@pytest.fixture
def grid_districts() -> gpd.GeoDataFrame:
    """Four 1 km squares in UTM 34N (Sofia's zone): ids D1..D4, populations 100..400."""
    squares = [shapely.box(x, y, x + 1000, y + 1000) for y in (4_725_000, 4_726_000) for x in (690_000, 691_000)]
    return gpd.GeoDataFrame(
        {
            "code": ["D1", "D2", "D3", "D4"],
            "label": ["North-West", "North-East", "South-West", "South-East"],
            "population": [100, 200, 300, 400],
        },
        geometry=squares,
        crs="EPSG:32634",
    )


@pytest.fixture(scope="session")
def browser():
    need(CHROMIUM.exists(), "Debian chromium is not installed (/usr/bin/chromium)")
    need(
        (ASSETS / "leaflet" / "dist" / "leaflet.js").exists(),
        "Leaflet test assets missing: run npm ci --prefix tests/browser_assets",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # keep iframes (the report's sandboxed map) in the page's process, so that request
                # routing sees their first requests too
                "--disable-site-isolation-trials",
                "--disable-features=IsolateOrigins,site-per-process",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def barcelona(realdata: Path):
    """The 73 barris and Bicing + Wi-Fi + EV charging (station codes as ids, so the 542 extra
    connector rows are rejected as duplicates), all in the barris' UTM zone."""
    import pandas as pd

    from scmap import read_districts, read_solutions

    b = realdata / "barcelona"
    barris = read_districts(b / "barris_geo.json", id="C_Barri", name="N_Barri").gdf
    crs = barris.crs
    bicing = read_solutions(b / "08019_stations.geojson", solution="bike_sharing", id="id", to_crs=crs).gdf
    wifi = read_solutions(b / "08019_punts_wifi.geojson", solution="public_wifi", to_crs=crs).gdf
    with pytest.warns(UserWarning, match="542 of 664 rows rejected"):
        ev = read_solutions(
            b / "08019_punts_recarrega_vehicles_electrics_bcn_ciutat.geojson",
            solution="ev_charging",
            id="CÓDIGO DE IDENTIFICACIÓN ESTACIÓN",
            to_crs=crs,
        ).gdf
    ev["solution_id"] = "ev:" + ev["solution_id"]  # station codes repeat Bicing's numbers
    return barris, gpd.GeoDataFrame(pd.concat([bicing, wifi, ev], ignore_index=True), crs=crs)


@pytest.fixture(scope="session")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's pack (map.html, tables...), written once per session; copy it before changing it."""
    import scmap

    out = tmp_path_factory.mktemp("demo-pack") / "demo"
    scmap.run(scmap.demo_project_path()).save(out)
    return out


@pytest.fixture(scope="module")
def room_pack(demo_pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's pack for one test module's workshop rooms (their stores go into it)."""
    import shutil

    out = tmp_path_factory.mktemp("room-pack") / "demo"
    shutil.copytree(demo_pack, out)
    return out


_SERVICE_FIXTURES = {"postgis", "postgres", "features", "wfs", "arcgis"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers from what a test uses, so that none is forgotten: ``browser`` (headless Chromium),
    ``realdata`` (../shared/realdata), ``services`` (a PostgreSQL, OGC API, WFS, QGIS or Dask
    cluster started for it). The fast tier: ``pytest -m "not browser and not realdata and not
    services"``."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
        if "realdata" in used:  # also through a fixture that needs it (the closure of the test's fixtures)
            item.add_marker(pytest.mark.realdata)
        if used & _SERVICE_FIXTURES or item.nodeid.startswith("tests/test_city_systems.py"):
            item.add_marker(pytest.mark.services)
