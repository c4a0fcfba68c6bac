"""Web feature services as sources.

An OGC API - Features collection URL, a WFS endpoint with
``layer:`` (the type name), or an ArcGIS FeatureServer query URL, read through GDAL's OAPIF, WFS
and ESRIJSON drivers (which follow the service's pages).

Each fetch is kept in a cache beside the project (``.scmap-cache/``: a GeoPackage and a JSON
record of the URL, fetch time, feature count and content hash), and later runs read the cache, so
that a run is reproducible and works offline; ``refresh`` fetches again.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
import warnings
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio

from scmap.errors import UnreadableFileError
from scmap.sources._readers import RawLayer
from scmap.sources._remote import Remote, content_sha256, redact

__all__ = ["CACHE_DIR", "read_service"]

CACHE_DIR = ".scmap-cache"
TIMEOUT_S = 60
"""Seconds to wait for each request to a service."""


def _gdal_name(url: str, layer: str | None) -> tuple[str, str | None]:
    """GDAL's dataset name for a service URL, and the layer to read."""
    if re.match(r"^(WFS|OAPIF|ESRIJSON):", url, re.I):
        return url, layer
    if re.search(r"/(FeatureServer|MapServer)/\d+/query", url, re.I):
        return f"ESRIJSON:{url}", None
    if re.search(r"service=wfs", url, re.I) or (layer is not None and "/collections/" not in url):
        return f"WFS:{url}", layer
    return f"OAPIF:{url}", layer


def _probe(url: str, dataset: str) -> None:
    """Make one request before GDAL's, for clear errors.

    One request before GDAL's: a clear error for a host that does not answer, an HTTP error,
    or an HTML page where features were expected (a WFS is asked for its capabilities).
    """
    probe = url.split(":", 1)[1] if re.match(r"^(WFS|OAPIF|ESRIJSON):", url, re.I) else url
    if dataset.upper().startswith("WFS:") and not re.search(r"request=", probe, re.I):
        probe += (
            "" if probe.endswith(("?", "&")) else "&" if "?" in probe else "?"
        ) + "SERVICE=WFS&REQUEST=GetCapabilities"
    if not re.match(r"^https?://", probe, re.I):
        raise UnreadableFileError(f"{redact(url)}: a web service address starts with http:// or https://")
    accept = {"Accept": "application/geo+json, application/json, */*"}
    request = urllib.request.Request(probe, headers=accept)  # noqa: S310 - http(s) checked above
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - http(s) only
            kind = response.headers.get("Content-Type", "")
            head = response.read(2048)
    except urllib.error.HTTPError as exc:
        raise UnreadableFileError(f"{redact(url)}: the service answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UnreadableFileError(f"{redact(url)}: cannot reach the service: {reason}") from None
    if "html" in kind.lower() or head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        title = re.search(rb"<title>(.*?)</title>", head, re.I | re.S)
        said = f" ({title.group(1).decode('utf-8', 'replace').strip()[:80]})" if title else ""
        raise UnreadableFileError(f"{redact(url)}: the service sent a web page{said}, not features")


def _cache_paths(root: Path, url: str, layer: str | None) -> tuple[Path, Path]:
    key = hashlib.sha256(f"{url}\n{layer or ''}".encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", (layer or url.rstrip("/").rsplit("/", 1)[-1]))[:40]
    folder = root / CACHE_DIR
    return folder / f"{name}-{key}.gpkg", folder / f"{name}-{key}.json"


def _fetch(url: str, layer: str | None) -> gpd.GeoDataFrame:
    dataset, chosen = _gdal_name(url, layer)
    _probe(url, dataset)
    options = {"GDAL_HTTP_TIMEOUT": str(TIMEOUT_S), "GDAL_HTTP_MAX_RETRY": "2", "GDAL_HTTP_RETRY_DELAY": "1"}
    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return gpd.read_file(dataset, layer=chosen, engine="pyogrio")
    except Exception as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(
            f"{redact(url)}: the service's answer is not readable features: {text[:200]}"
        ) from None
    finally:
        pyogrio.set_gdal_config_options(before)


def read_service(url: str, *, layer: str | None, root: Path, refresh: bool = False) -> RawLayer:
    """A service's features (from the cache beside the project unless *refresh* or not cached)."""
    data, meta = _cache_paths(root, url, layer)
    if refresh or not (data.exists() and meta.exists()):
        gdf = _fetch(url, layer)
        record: dict[str, object] = {
            "url": redact(url),
            "layer": layer,
            "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
            "features": len(gdf),
            "sha256": content_sha256(gdf),
            "cache": str(data),
        }
        data.parent.mkdir(parents=True, exist_ok=True)
        tmp = data.with_suffix(".tmp.gpkg")
        gdf.to_file(tmp, driver="GPKG", engine="pyogrio")
        tmp.replace(data)  # the cache holds a whole fetch or none
        meta.write_text(json.dumps(record, indent=1), encoding="utf-8")
    else:
        record = json.loads(meta.read_text(encoding="utf-8"))
        gdf = gpd.read_file(data, engine="pyogrio")
        record["from_cache"] = True
    name = layer or url.rstrip("/").rsplit("/", 1)[-1]
    return RawLayer(gdf, Remote(url, name, record), layer, gdf.crs)
