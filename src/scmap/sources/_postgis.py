"""PostGIS in and out.

A source ``{path: postgresql://user@host:port/db, table: NAME}`` (or
``sql:``) read into the same checks as a file, and a pack's tables written into a schema in one
transaction (a failed or killed write leaves the previous tables as they were).

Credentials come from the environment (``PGPASSWORD``, ``PGUSER``...) or ``~/.pgpass``, as libpq
reads them; a password written into the project file is refused, and none is ever shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError

from scmap.core._gpkg import Table, has_geometry, parts_of
from scmap.errors import InputError, OutputError, UnreadableFileError
from scmap.sources._readers import RawLayer
from scmap.sources._remote import Remote, content_sha256, redact

__all__ = ["read_postgis_source", "write_postgis"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


def _engine(url: str) -> Any:
    try:
        import sqlalchemy
    except ImportError:  # pragma: no cover - the postgis extra is part of the install
        raise InputError(f"{redact(url)}: PostGIS needs SQLAlchemy and psycopg: pip install 'scmap[postgis]'") from None
    driver = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url, flags=re.I)
    try:
        return sqlalchemy.create_engine(driver, connect_args={"connect_timeout": 10})
    except Exception as exc:
        raise InputError(f"{redact(url)}: not a PostgreSQL address: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's decoration."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    text = re.sub(r"^\([\w.]+\)\s*", "", text)
    return redact(text)[:300]


def _connect(engine: Any, url: str) -> Any:
    try:
        return engine.connect()
    except Exception as exc:
        reason = _reason(exc)
        hint = " (give the password in PGPASSWORD or ~/.pgpass)" if "password" in reason.lower() else ""
        raise UnreadableFileError(f"{redact(url)}: cannot connect: {reason}{hint}") from None


def _geometry_column(conn: Any, url: str, table: str) -> tuple[str, int]:
    from sqlalchemy import text

    schema, _, name = table.rpartition(".")
    row = conn.execute(
        text(
            "SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_name = :name "
            "AND f_table_schema = COALESCE(NULLIF(:schema, ''), current_schema()) LIMIT 1"
        ),
        {"name": name, "schema": schema},
    ).first()
    if row is None:
        exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar()
        if not exists:
            tables = conn.execute(
                text("SELECT f_table_schema || '.' || f_table_name FROM geometry_columns ORDER BY 1 LIMIT 10")
            ).scalars()
            raise UnreadableFileError(
                f"{redact(url)}: no table {table!r}; tables with geometry: {', '.join(tables) or 'none'}"
            )
        raise UnreadableFileError(f"{redact(url)}: table {table!r} has no geometry column")
    return str(row[0]), int(row[1])


def _query_geometry(conn: Any, url: str, sql: str) -> str:
    """The geometry column of a query's result (the first one)."""
    from sqlalchemy import text

    try:
        result = conn.execute(text(f"SELECT * FROM ({sql}) AS scmap_q LIMIT 0"))  # noqa: S608 - the user's own query
    except Exception as exc:
        raise UnreadableFileError(f"{redact(url)}: sql: {_reason(exc)}") from None
    oid = conn.execute(text("SELECT oid FROM pg_type WHERE typname = 'geometry'")).scalar()
    for column in result.cursor.description:
        if column.type_code == oid:
            return str(column.name)
    raise UnreadableFileError(f"{redact(url)}: sql: the query returns no geometry column")


def read_postgis_source(
    url: str, *, table: str | None = None, sql: str | None = None, crs: str | None = None
) -> RawLayer:
    """A PostGIS table (``table: [schema.]name``) or query (``sql:``) as a raw layer."""
    if (table is None) == (sql is None):
        raise InputError(f"{redact(url)}: a PostGIS source needs table: or sql: (one of them)")
    if table is not None and not _NAME.match(table):
        raise InputError(f"{redact(url)}: table {table!r}: give [schema.]name (letters, digits, _)")
    engine = _engine(url)
    try:
        with _connect(engine, url) as conn:
            if table is not None:
                geom, srid = _geometry_column(conn, url, table)
                schema, _, name = table.rpartition(".")
                quoted = ".".join(f'"{p}"' for p in ([schema] if schema else []) + [name])
                query = f"SELECT * FROM {quoted}"  # noqa: S608 - identifiers checked above
            else:
                assert sql is not None
                geom, srid, query = _query_geometry(conn, url, sql), 0, sql
            gdf = _read(conn, url, query, geom, srid, crs)
    finally:
        engine.dispose()
    label = table or "sql"
    record: dict[str, object] = {
        "url": redact(url),
        "layer": table or sql,
        "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": len(gdf),
        "sha256": content_sha256(gdf),
    }
    return RawLayer(gdf, Remote(url, label, record), label, gdf.crs)


def _read(conn: Any, url: str, query: str, geom: str, srid: int, crs: str | None) -> gpd.GeoDataFrame:
    from sqlalchemy import text

    try:
        frame = pd.read_sql_query(text(query), conn)
    except Exception as exc:
        raise UnreadableFileError(f"{redact(url)}: {_reason(exc)}") from None
    values = gpd.GeoSeries.from_wkb(frame[geom].map(lambda v: bytes.fromhex(v) if isinstance(v, str) else v))
    if not srid and len(frame):
        srid = int(conn.execute(text(f"SELECT ST_SRID({geom}) FROM ({query}) AS q LIMIT 1")).scalar() or 0)  # noqa: S608
    target: CRS | None = None
    try:
        target = CRS.from_user_input(crs) if crs else (CRS.from_epsg(srid) if srid else None)
    except CRSError:
        raise UnreadableFileError(
            f"{redact(url)}: unknown SRID {srid}: pyproj has no such EPSG code; give the layer's crs: in the project"
        ) from None
    return gpd.GeoDataFrame(frame.drop(columns=[geom]), geometry=values.values, crs=target)


def write_postgis(
    tables: Mapping[str, Table], url: str, *, schema: str = "scmap", overwrite: bool = False
) -> list[str]:
    """Write *tables* into *schema*, all in one transaction.

    Write *tables* (data frames, or objects giving one a part at a time from ``parts()``) into
    *schema*, all in one transaction; without *overwrite*, refuse to replace tables that exist.
    Returns the tables written.
    """
    if not _NAME.match(schema) or "." in schema:
        raise OutputError(f"{redact(url)}: schema {schema!r}: letters, digits and _ only")
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with _connect(engine, url) as conn, conn.begin():
            existing = set(
                conn.execute(
                    text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
                ).scalars()
            )
            clash = sorted(existing & set(tables))
            if clash and not overwrite:
                raise OutputError(
                    f"{redact(url)}: schema {schema} already holds {', '.join(clash)}; add --overwrite to replace them"
                )
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            for name, table in tables.items():
                _write_table(conn, table, name, schema)
    except (OutputError, UnreadableFileError):
        raise
    except Exception as exc:
        raise OutputError(f"{redact(url)}: writing schema {schema} failed, nothing changed: {_reason(exc)}") from None
    finally:
        engine.dispose()
    return list(tables)


def _write_table(conn: Any, table: Table, name: str, schema: str) -> None:
    """Write one table, replacing what *schema* held under *name*.

    A table given as parts (``parts()``, e.g. released service areas) goes a part at a time, each
    appended to the first.
    """
    from sqlalchemy import text

    conn.execute(text(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE'))
    spatial: bool | None = None
    for i, part in enumerate(parts_of(table)):
        if spatial is None:  # the first part decides, as for a whole table
            spatial = has_geometry(part)
        how = "append" if i else "fail"
        if spatial:
            part.to_postgis(name, conn, schema=schema, index=False, if_exists=how)
        else:
            plain = pd.DataFrame(part.drop(columns=[c for c in part.columns if c == "geometry"]))
            plain.to_sql(name, conn, schema=schema, index=False, if_exists=how)
