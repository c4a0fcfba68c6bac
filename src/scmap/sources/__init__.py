"""Layer 2, sources: files, tables and services read, checked row by row and put in a CRS.

Format-level readers (``_readers``, ``_files``), CSV joins and filters (``_tables``), derived
columns (``_derive``), where a non-file source lives (``_remote``, told from a path by
``_where``), PostGIS (``_postgis``, in and out) and web feature services (``_services``), row
checks (``_validate``), coordinate reference systems (:mod:`scmap.sources.crs`) and the public
readers (:mod:`scmap.sources.io`).
"""
