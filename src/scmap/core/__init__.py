"""Layer 1, core: what every other layer stands on and nothing of scmap above it.

Outputs written whole or not at all (``_atomic``), a stop signal never lost (``_stop``),
limits that protect the machine (``_limits``), YAML as people write it (``_yaml``), text from
data made safe (``_text``), GeoPackage layers (``_gpkg``), geometry helpers (``_geom``),
criteria aggregated into a score (``_aggregate``), public names imported on first use
(``_lazy``), the catalogue of sectors and solution types (:mod:`scmap.core.catalogue`) and the
messages in eight languages (:mod:`scmap.core.i18n`).
"""
