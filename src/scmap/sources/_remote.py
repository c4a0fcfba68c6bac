"""Where a source that is not a file lives: its address as people may see it, and its record.

A PostGIS table or a web feature service has no file to hash; its :class:`Remote` stands in for
the path in messages and tables (the password of a connection string never shows), and its
record (address, time, feature count, content hash) goes into the report's provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from scmap.sources._where import is_postgres, is_service, redact

__all__ = ["Remote", "content_sha256", "is_postgres", "is_service", "redact"]


@dataclass(frozen=True)
class Remote:
    """A source's address in place of a file path (``str()`` gives it, password hidden)."""

    url: str
    name: str
    record: dict[str, object] = field(default_factory=dict, compare=False)
    """url, layer/table, fetched (UTC), features, sha256 (of the content), cache file."""

    def __str__(self) -> str:
        return redact(self.url)

    @property
    def stem(self) -> str:
        return self.name

    def exists(self) -> bool:
        return False


def content_sha256(gdf: gpd.GeoDataFrame) -> str:
    """Return the SHA-256 of a table's content.

    SHA-256 of a table's content (attributes and geometry as WKB, in row order): equal data,
    equal digest, whichever server or cache it came from.
    """
    digest = hashlib.sha256()
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype("string").fillna("\0")
    digest.update("\x1f".join(map(str, table.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    for wkb in shapely.to_wkb(gdf.geometry.to_numpy(), hex=False, output_dimension=2):
        digest.update(wkb or b"")
    return digest.hexdigest()
