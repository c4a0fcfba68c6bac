"""Layer 4, analysis: tables from GeoDataFrames and specs; never a file, a map or a run.

Where each solution type fits (:mod:`scmap.analysis.suitability`, with the analysis units) and
where solutions and sectors meet (:mod:`scmap.analysis.overlap`, overlapping pairs in ``_pairs``, coverage
in ``_coverage``).
"""
