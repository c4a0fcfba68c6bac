"""Real servers on 127.0.0.1 for the tests: a throwaway PostgreSQL/PostGIS cluster and a pygeoapi
OGC API - Features server (both installed by scripts/test.sh; no mocks)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), Path("/nonexistent"))
PASSWORD = "scmap-test-secret"
MAPSERV = Path("/usr/bin/mapserv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str, *, tries: int = 100, pause: float = 0.2, timeout: float = 2) -> bool:
    """Whether a server just started answers *url* within *tries* attempts *pause* seconds apart."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=timeout).read()
            return True
        except OSError:
            time.sleep(pause)
    return False


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Postgres:
    port: int
    data: Path

    def url(self, db: str = "city", *, user: str = "scmap") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]
        subprocess.run(_as_postgres(stop), check=False, capture_output=True)
        shutil.rmtree(self.data.parent, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb + pg_ctl start on a free port, password login for TCP, a database with PostGIS (in a
    folder of its own under the system temp folder, which the postgres user can reach)."""
    folder = Path(tempfile.mkdtemp(prefix="scmap-pg-"))
    data, pwfile = folder / "data", folder / "pw"
    pwfile.write_text(PASSWORD, encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(pwfile, "postgres")
    subprocess.run(
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", "scmap", "--auth-host=scram-sha-256",
             "--auth-local=trust", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"]
        ),
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True)
    server = Postgres(port, data)
    psql = ["psql", "-h", str(folder), "-p", str(port), "-U", "scmap", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(
        _as_postgres([*psql, "-d", "postgres", "-c", "CREATE DATABASE city"]), check=True, capture_output=True
    )
    subprocess.run(
        _as_postgres([*psql, "-d", "city", "-c", "CREATE EXTENSION postgis"]), check=True, capture_output=True
    )
    return server


@dataclass
class FeatureServer:
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    folder: Path | None = None
    """A folder of the server's own, removed when it stops."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_pygeoapi(folder: Path, collections: dict[str, tuple[Path, str]]) -> FeatureServer:
    """pygeoapi serving GeoJSON files ({name: (path, id column)}) as OGC API - Features collections
    (10 features a page, so that readers must follow its paging)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 50},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "scmap test", "description": "test", "keywords": ["test"],
                               "keywords_type": "theme", "terms_of_service": "none", "url": "http://127.0.0.1"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "scmap", "url": "http://127.0.0.1"},
            "contact": {"name": "scmap", "email": "scmap@example.org"},
        },
        "resources": {
            name: {
                "type": "collection",
                "title": name,
                "description": name,
                "keywords": [name],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{"type": "feature", "name": "GeoJSON", "data": str(path), "id_field": id_field}],
            }
            for name, (path, id_field) in collections.items()
        },
    }  # fmt: skip
    cfg, openapi = folder / "pygeoapi.yml", folder / "openapi.yml"
    cfg.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}
    exe = Path(sys.executable).parent / "pygeoapi"
    subprocess.run([str(exe), "openapi", "generate", str(cfg), "--output-file", str(openapi)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen([str(exe), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    server = FeatureServer(port, process, log)
    if answers(f"{server.base}/collections?f=json"):
        return server
    server.stop()
    raise RuntimeError(f"pygeoapi did not start: {(folder / 'server.log').read_text(errors='replace')[-2000:]}")


_MAPFILE = """MAP
  NAME "scmap_test"
  EXTENT -180 -90 180 90
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "wfs_title" "scmap test"
      "wfs_onlineresource" "{base}/cgi-bin/mapserv?"
      "wfs_srs" "EPSG:4326"
      "wfs_enable_request" "*"
    END
  END
{layers}
END
"""
_LAYER = """  LAYER
    NAME "{name}"
    TYPE POINT
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{path}"
    PROJECTION "init=epsg:4326" END
    METADATA
      "wfs_title" "{name}"
      "gml_include_items" "all"
      "gml_featureid" "{id_field}"
      "gml_types" "auto"
      "wfs_enable_request" "*"
    END
  END"""


def start_mapserver(layers: dict[str, tuple[Path, str]]) -> FeatureServer:
    """MapServer's WFS (Debian cgi-mapserver) behind Python's CGI web server, serving point
    GeoJSON files ({type name: (path, id column)}). Run as root, that server runs CGI programs as
    nobody: the mapfile goes in a folder everyone may read."""
    folder = Path(tempfile.mkdtemp(prefix="scmap-wfs-"))
    folder.chmod(0o755)
    (folder / "cgi-bin").mkdir(exist_ok=True)
    (folder / "cgi-bin" / "mapserv").symlink_to(MAPSERV)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    served = {}
    for name, (path, id_field) in layers.items():  # copies nobody can read, wherever the repo lives
        copy = folder / f"{name}{path.suffix}"
        shutil.copyfile(path, copy)
        copy.chmod(0o644)
        served[name] = (copy, id_field)
    body = "\n".join(_LAYER.format(name=n, path=p, id_field=i) for n, (p, i) in served.items())
    (folder / "wfs.map").write_text(_MAPFILE.format(base=base, layers=body), encoding="utf-8")
    (folder / "ms.conf").write_text(f'CONFIG\n  ENV\n    MS_MAPFILE "{folder / "wfs.map"}"\n  END\nEND\n')
    env = {**os.environ, "MAPSERVER_CONFIG_FILE": str(folder / "ms.conf")}
    log = (folder / "server.log").open("wb")
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--cgi"]
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = FeatureServer(port, process, log, folder)
    if answers(f"{base}/cgi-bin/mapserv?SERVICE=WFS&REQUEST=GetCapabilities", pause=0.1):
        return server
    server.stop()
    raise RuntimeError("MapServer's WFS did not start")


SCMAP = str(Path(sys.executable).parent / "scmap")


@dataclass
class RoomServer:
    """``scmap workshop serve`` running: its process, the addresses it printed, its log."""

    process: subprocess.Popen[str]
    urls: dict[str, str]
    log: Path
    lines: list[str]
    """What it printed on stdout (the first line, the QR code, ...), as it comes."""

    @property
    def base(self) -> str:
        return self.urls["participant_url"].split("/w/")[0]

    @property
    def token(self) -> str:
        return self.urls["facilitator_url"].split("#facilitator=")[1]

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.kill()
        self.process.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        time.sleep(0.1)  # the reader thread sees the end of the output
        if self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()


def start_room(
    source: Path, store: Path | str | None, *, port: int | None = None, extra: tuple[str, ...] = ()
) -> RoomServer:
    """The workshop room of *source* (a pack folder or project) on 127.0.0.1, once it answers;
    *store* None: where scmap keeps it by default."""
    import json
    import threading

    log = Path(tempfile.mkstemp(prefix="scmap-room-", suffix=".log")[1])
    where = ["--store", str(store)] if store is not None else []
    command = [SCMAP, "workshop", "serve", str(source), *where, "--port", str(port or free_port()), *extra]
    with log.open("w") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
    lines: list[str] = []

    def drain() -> None:  # the first line, then the QR code and the rest, so that the pipe never fills
        for line in process.stdout or []:
            lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    for _ in range(600):
        if lines or process.poll() is not None:
            break
        time.sleep(0.1)
    if not lines:
        process.kill()
        raise RuntimeError(f"scmap workshop serve did not start: {log.read_text(encoding='utf-8')[-2000:]}")
    server = RoomServer(process, json.loads(lines[0]), log, lines)
    if server.urls["participant_url"].startswith("https:"):
        return server  # self-signed: the caller checks it
    if not answers(server.urls["participant_url"]):
        server.stop()
        raise RuntimeError(f"the room does not answer: {log.read_text(encoding='utf-8')[-2000:]}")
    return server
