"""Where city data really lives: a real PostGIS and a real OGC API - Features server (pygeoapi) on
127.0.0.1 as sources, PostGIS as a destination, and QGIS (PyQGIS from Debian) opening the pack's
GeoPackages styled. No mocks: the servers are started here, from Debian and PyPI packages that
scripts/test.sh installs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy
import yaml
from click.testing import CliRunner

import scmap
from _servers import MAPSERV, PASSWORD, PG_BIN, Postgres, start_mapserver, start_postgres, start_pygeoapi
from conftest import need
from scmap.cli.main import cli
from scmap.errors import ScmapError
from scmap.project.datasets import copy_demo

SCMAP = str(Path(sys.executable).parent / "scmap")
SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def postgis(realdata: Path):
    """A throwaway cluster with the Barcelona barris and Bicing stations loaded as they are in the files."""
    need((PG_BIN / "initdb").exists(), "PostgreSQL server binaries not installed (postgresql-15)")
    need(Path("/usr/share/postgresql/15/extension/postgis.control").exists(), "PostGIS not installed")
    server = start_postgres()
    os.environ["PGPASSWORD"] = PASSWORD
    engine = sqlalchemy.create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
    b = realdata / "barcelona"
    gpd.read_file(b / "barris_geo.json").to_postgis("barris", engine, schema="public")
    gpd.read_file(b / "08019_stations.geojson").to_postgis("bicing", engine, schema="public")
    engine.dispose()
    yield server
    server.stop()
    os.environ.pop("PGPASSWORD", None)


def _barcelona(folder: Path, districts: dict, stations: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    project = {
        "name": "Barcelona",
        "districts": {**districts, "id": "C_Barri", "name": "N_Barri"},
        "solutions": [{**stations, "solution": "bike_sharing", "id": "id", "name": "streetName"}],
    }
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _validate(project: Path) -> dict:
    result = CliRunner().invoke(cli, ["validate", str(project), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_postgis_sources_equal_their_files(postgis: Postgres, realdata: Path, tmp_path: Path):
    b = realdata / "barcelona"
    files = _barcelona(
        tmp_path / "files", {"path": str(b / "barris_geo.json")}, {"path": str(b / "08019_stations.geojson")}
    )
    db = _barcelona(
        tmp_path / "db", {"path": postgis.url(), "table": "public.barris"}, {"path": postgis.url(), "table": "bicing"}
    )
    counts = [
        [(s["role"], s["rows"], s["loaded"], s["rejected"]) for s in _validate(p)["sources"]] for p in (files, db)
    ]
    assert counts[0] == counts[1] == [("districts", 73, 73, 0), ("solutions", 465, 465, 0)]
    remote = _validate(db)["sources"][1]["remote"]
    assert remote["features"] == 465 and remote["url"] == postgis.url() and len(remote["sha256"]) == 64
    summaries = [scmap.run(p).summary for p in (files, db)]
    pd.testing.assert_frame_equal(summaries[0], summaries[1])


def test_postgis_sql_source_and_password_never_shown(postgis: Postgres, tmp_path: Path):
    sql = "SELECT * FROM bicing WHERE slots >= 27"
    project = _barcelona(tmp_path, {"path": postgis.url(), "table": "barris"}, {"path": postgis.url(), "sql": sql})
    results = scmap.run(project)
    assert 0 < len(results.solutions) < 465
    results.save(tmp_path / "pack")
    pack_text = " ".join(p.read_text(errors="replace") for p in (tmp_path / "pack").glob("*.html"))
    assert PASSWORD not in pack_text and postgis.url() in pack_text  # provenance lists the address
    spec = yaml.safe_load(project.read_text())
    spec["districts"]["path"] = postgis.url().replace("scmap@", f"scmap:{PASSWORD}@")
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    bad = CliRunner().invoke(cli, ["validate", str(project)])
    assert bad.exit_code == 1 and "PGPASSWORD or ~/.pgpass" in bad.output and PASSWORD not in bad.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"table": "nope"}, "no table 'nope'; tables with geometry: public.barris, public.bicing"),
        ({"sql": "SELECT 1 AS x"}, "the query returns no geometry column"),
        ({"port": 1}, "cannot connect"),
        ({"password": "wrong"}, "password authentication failed"),
    ],
)
def test_postgis_errors_are_one_line(postgis: Postgres, tmp_path: Path, change: dict, message: str, monkeypatch):
    url = postgis.url().replace(f":{postgis.port}/", ":1/") if "port" in change else postgis.url()
    districts = {
        "path": url,
        **({"sql": change["sql"]} if "sql" in change else {"table": change.get("table", "barris")}),
    }
    project = _barcelona(tmp_path, districts, {"path": postgis.url(), "table": "bicing"})
    if "password" in change:
        monkeypatch.setenv("PGPASSWORD", change["password"])
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def _pg_tables(server: Postgres, schema: str) -> dict[str, int]:
    engine = sqlalchemy.create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        names = (
            conn.execute(
                sqlalchemy.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            )
            .scalars()
            .all()
        )
        counts = {n: conn.execute(sqlalchemy.text(f'SELECT count(*) FROM "{schema}"."{n}"')).scalar() for n in names}
    engine.dispose()
    return counts


def test_run_writes_the_tables_into_postgis_in_one_transaction(postgis: Postgres, tmp_path: Path):
    project = copy_demo(tmp_path / "demo")
    out = tmp_path / "pack"
    first = CliRunner().invoke(cli, ["run", str(project), "-o", str(out), "--to", postgis.url(), "--schema", "demo"])
    assert first.exit_code == 0, first.output
    tables = _pg_tables(postgis, "demo")
    results = scmap.run(project)
    assert tables["summary"] == len(results.summary) and tables["suitability"] == len(results.suitability.units)
    assert tables["overlap_pairs"] == len(results.overlap.pairs) and "rejected" in tables
    again = CliRunner().invoke(
        cli, ["run", str(project), "-o", str(tmp_path / "p2"), "--to", postgis.url(), "--schema", "demo"]
    )
    assert again.exit_code == 1 and "already holds" in again.output and "--overwrite" in again.output
    # a run killed while writing leaves the previous tables as they were
    command = [SCMAP, "run", str(project), "-o", str(tmp_path / "p3"), "--to", postgis.url(), "--schema", "demo"]
    proc = subprocess.Popen(
        [*command, "--overwrite"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
    )  # fmt: skip
    assert _kill_while_writing(postgis, proc, "demo"), "the run ended before it could be killed mid-write"
    assert _pg_tables(postgis, "demo") == tables
    assert CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "p4"), "--to", postgis.url(), "--schema",
                                    "demo", "--overwrite"]).exit_code == 0  # fmt: skip


def test_results_save_writes_the_pack_and_the_tables_together(postgis: Postgres, tmp_path: Path):
    """In Python as on the command line: ``Results.save(outdir, to=url)`` writes both; a database
    that refuses leaves no pack (the pack is moved into place only after the tables)."""
    results = scmap.run(copy_demo(tmp_path / "demo"))
    written = results.save(tmp_path / "pack", to=postgis.url(), schema="from_python")
    assert (tmp_path / "pack" / "manifest.json").exists() and "atlas.pdf" in written
    tables = _pg_tables(postgis, "from_python")
    assert tables["summary"] == len(results.summary) and tables["overlap_pairs"] == len(results.overlap.pairs)
    with pytest.raises(ScmapError):  # the schema holds tables now: refused without overwrite
        results.save(tmp_path / "second", to=postgis.url(), schema="from_python")
    assert not (tmp_path / "second").exists()


def test_service_areas_a_run_has_written_go_into_postgis_a_part_at_a_time(
    postgis: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A run that wrote its service areas into its pack (``run(pack_folder=...)``) keeps their
    table and centres only: the database gets them a part at a time, the same rows and polygons as
    a run that kept them."""
    import shapely

    from scmap.analysis import overlap as overlap_module

    project = copy_demo(tmp_path / "demo")
    kept = scmap.run(project).overlap.service_areas
    (tmp_path / "pack").mkdir()
    released = scmap.run(project, pack_folder=tmp_path / "pack")
    assert released.overlap.service_areas_released
    monkeypatch.setattr(overlap_module, "AREA_BATCH", 40)  # 147 rows: 4 parts
    released.to_postgis(postgis.url(), schema="parts")
    engine = sqlalchemy.create_engine(postgis.url().replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        back = gpd.read_postgis("SELECT * FROM parts.overlap_service_areas", conn, geom_col="geometry")
    engine.dispose()
    assert back["solution_id"].tolist() == kept["solution_id"].tolist()
    assert (shapely.to_wkb(back.geometry.array) == shapely.to_wkb(kept.geometry.array)).all()
    assert back["area_m2"].tolist() == kept["area_m2"].tolist()


def test_a_database_that_refuses_the_write_is_one_line_and_keeps_the_tables(postgis: Postgres, tmp_path: Path):
    """The write error of --to postgis: a role whose transactions are read-only (as a full or
    read-only database answers); one line, exit 1, the previous tables as they were."""
    project = copy_demo(tmp_path / "demo")
    args = ["run", str(project), "--to", postgis.url(), "--schema", "refused"]
    assert CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "p1")]).exit_code == 0
    before = _pg_tables(postgis, "refused")
    engine = sqlalchemy.create_engine(postgis.url().replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'"))
        conn.execute(
            sqlalchemy.text(
                "GRANT ALL ON SCHEMA refused TO reader; GRANT ALL ON ALL TABLES IN SCHEMA refused TO reader"
            )
        )
        conn.execute(sqlalchemy.text("ALTER ROLE reader SET default_transaction_read_only = on"))
    engine.dispose()
    command = [SCMAP, "run", str(project), "-o", str(tmp_path / "p2"), "--to", postgis.url(user="reader"), "--schema",
               "refused", "--overwrite"]  # fmt: skip
    proc = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": PASSWORD}, timeout=300
    )
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error")]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr
    assert "read-only" in errors[0] and "Traceback" not in proc.stderr and "unexpectedly" not in proc.stderr
    assert _pg_tables(postgis, "refused") == before


def _kill_while_writing(server: Postgres, proc: subprocess.Popen[str], schema: str) -> bool:
    """SIGKILL *proc* once its transaction holds locks on several tables of *schema*."""
    engine = sqlalchemy.create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
    query = sqlalchemy.text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = :s AND l.mode = 'AccessExclusiveLock' "
        "AND l.pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 120
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline and proc.poll() is None:
                if conn.execute(query, {"s": schema}).scalar() >= 6:
                    proc.send_signal(signal.SIGKILL)
                    proc.communicate()
                    time.sleep(0.5)  # the server notices the dropped connection and rolls back
                    return True
                conn.rollback()
                time.sleep(0.01)
    finally:
        engine.dispose()
    proc.communicate()
    return False


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory, realdata: Path):
    folder = tmp_path_factory.mktemp("oapif")
    b = realdata / "barcelona"
    server = start_pygeoapi(folder, {"bicing": (b / "08019_stations.geojson", "id")})
    yield server
    server.stop()


def test_ogc_api_source_is_cached_and_runs_offline(features, realdata: Path, tmp_path: Path):
    b = realdata / "barcelona"
    url = f"{features.base}/collections/bicing"
    project = _barcelona(tmp_path, {"path": str(b / "barris_geo.json")}, {"path": url})
    files = _barcelona(
        tmp_path / "files", {"path": str(b / "barris_geo.json")}, {"path": str(b / "08019_stations.geojson")}
    )
    online = scmap.run(project)
    assert len(online.solutions) == 465  # all pages of 10 followed
    pd.testing.assert_frame_equal(online.summary, scmap.run(files).summary)
    cached = list((tmp_path / ".scmap-cache").glob("*.json"))
    assert len(cached) == 1
    record = json.loads(cached[0].read_text())
    assert record["url"] == url and record["features"] == 465 and len(record["sha256"]) == 64
    features.process.send_signal(signal.SIGSTOP)  # the service is gone: the cache answers
    try:
        offline = scmap.run(project)
        offline.save(tmp_path / "pack")
    finally:
        features.process.send_signal(signal.SIGCONT)
    pd.testing.assert_frame_equal(online.summary, offline.summary)
    report = (tmp_path / "pack" / "report.html").read_text(encoding="utf-8")
    assert url in report and record["fetched"] in report and record["sha256"] in report
    refreshed = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "p2"), "--refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(cached[0].read_text())["fetched"] >= record["fetched"]


def test_wfs_source_equals_its_file(realdata: Path, tmp_path: Path):
    need(MAPSERV.exists(), "MapServer not installed (Debian cgi-mapserver)")
    b = realdata / "barcelona"
    server = start_mapserver({"bicing": (b / "08019_stations.geojson", "id")})
    try:
        wfs = {"path": f"{server.base}/cgi-bin/mapserv?", "layer": "bicing"}
        project = _barcelona(tmp_path / "wfs", {"path": str(b / "barris_geo.json")}, wfs)
        online = scmap.run(project)
    finally:
        server.stop()
    files = _barcelona(
        tmp_path / "files", {"path": str(b / "barris_geo.json")}, {"path": str(b / "08019_stations.geojson")}
    )
    pd.testing.assert_frame_equal(online.summary, scmap.run(files).summary)  # axes and all 465 points right
    assert len(scmap.run(project).solutions) == 465  # again, from the cache: the server is gone


def test_arcgis_featureserver_query_source(realdata: Path, tmp_path: Path):
    """A FeatureServer query answer (Esri JSON), as ArcGIS Hub portals publish city layers."""
    b = realdata / "barcelona"
    stations = gpd.read_file(b / "08019_stations.geojson")
    fields = [{"name": c, "type": "esriFieldTypeString"} for c in ("id", "streetName")]
    esri = {
        "geometryType": "esriGeometryPoint",
        "spatialReference": {"wkid": 4326},
        "fields": fields,
        "features": [
            {"attributes": {"id": str(i), "streetName": n}, "geometry": {"x": p.x, "y": p.y}}
            for i, n, p in zip(stations["id"], stations["streetName"], stations.geometry, strict=True)
        ],
    }
    folder = tmp_path / "www" / "arcgis" / "rest" / "services" / "Bicing" / "FeatureServer" / "0"
    folder.mkdir(parents=True)
    (folder / "query").write_text(json.dumps(esri), encoding="utf-8")
    url = (
        _web_server(tmp_path / "www")
        + "/arcgis/rest/services/Bicing/FeatureServer/0/query?where=1%3D1&outFields=*&f=json"
    )
    project = _barcelona(tmp_path / "p", {"path": str(b / "barris_geo.json")}, {"path": url})
    files = _barcelona(
        tmp_path / "files", {"path": str(b / "barris_geo.json")}, {"path": str(b / "08019_stations.geojson")}
    )
    pd.testing.assert_frame_equal(scmap.run(project).summary, scmap.run(files).summary)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("http://127.0.0.1:{free}/collections/x", "cannot reach the service"),
        ("{base}/collections/nope", "the service answered HTTP 404"),
        ("html", "the service sent a web page (502 Bad Gateway), not features"),
    ],
)
def test_service_errors_are_one_line(features, realdata: Path, tmp_path: Path, path: str, message: str):
    from _servers import free_port

    url = _html_server(tmp_path) if path == "html" else path.format(base=features.base, free=free_port())
    project = _barcelona(tmp_path, {"path": str(realdata / "barcelona" / "barris_geo.json")}, {"path": url})
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def _html_server(folder: Path) -> str:
    (folder / "www").mkdir()
    (folder / "www" / "items").write_text("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>")
    return _web_server(folder / "www") + "/items"


def _web_server(folder: Path) -> str:
    """A plain web server on 127.0.0.1 serving *folder* (stopped when the tests end)."""
    import atexit

    from _servers import answers, free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    atexit.register(proc.terminate)
    answers(f"http://127.0.0.1:{port}/", tries=50, pause=0.1, timeout=1)
    return f"http://127.0.0.1:{port}"


_QGIS_CHECK = """
import json, sys
from qgis.core import QgsApplication, QgsProviderRegistry, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = []
for path in sys.argv[1:]:
    for sub in QgsProviderRegistry.instance().providerMetadata("ogr").querySublayers(path):
        if sub.name() == "layer_styles":
            continue
        layer = QgsVectorLayer(f"{path}|layername={sub.name()}", sub.name(), "ogr")
        renderer = layer.renderer()
        colour = renderer.symbol().color().name() if renderer and renderer.type() == "singleSymbol" else None
        aliases = [layer.attributeAlias(i) for i in range(layer.fields().count())]
        out.append({"file": path.rsplit("/", 1)[-1], "layer": sub.name(), "valid": layer.isValid(),
                    "renderer": renderer.type() if renderer else None, "colour": colour, "aliases": aliases})
print(json.dumps(out), flush=True)
import os
os._exit(0)  # QGIS 3.22 may crash in its own exit handlers once layers were loaded: the answer is out
"""


def test_qgis_opens_every_layer_styled(tmp_path: Path):
    need(SYSTEM_PYTHON.exists(), "no system Python for PyQGIS")
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import qgis.core"], capture_output=True)
    need(probe.returncode == 0, "PyQGIS not installed (Debian python3-qgis)")
    scmap.run(scmap.demo_project_path()).save(tmp_path / "pack")
    files = [str(tmp_path / "pack" / f) for f in ("suitability.gpkg", "overlap.gpkg")]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run([str(SYSTEM_PYTHON), "-c", _QGIS_CHECK, *files], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    layers = json.loads(done.stdout.strip().splitlines()[-1])
    by_name = {(x["file"], x["layer"]): x for x in layers}
    assert len(layers) == 16 and all(x["valid"] for x in layers)
    assert by_name[("suitability.gpkg", "suitability")]["renderer"] == "graduatedSymbol"
    assert by_name[("suitability.gpkg", "districts")]["renderer"] == "graduatedSymbol"  # roll-ups are spatial
    assert by_name[("overlap.gpkg", "districts")]["renderer"] == "graduatedSymbol"  # coverage gaps
    assert by_name[("overlap.gpkg", "service_areas")]["renderer"] == "categorizedSymbol"
    assert by_name[("overlap.gpkg", "coverage")]["renderer"] == "categorizedSymbol"  # by sector
    assert by_name[("overlap.gpkg", "relations")]["renderer"] == "categorizedSymbol"
    assert by_name[("overlap.gpkg", "pairs")]["colour"] == "#756bb1"  # ours, not QGIS's random colour
    for x in layers:  # every layer, tables included, carries the column labels of the report
        assert x["renderer"] != "singleSymbol" or x["colour"] == "#756bb1"
        assert any(a for a in x["aliases"]), x["layer"]
    assert "Worst-served rank" in by_name[("overlap.gpkg", "districts")]["aliases"]
