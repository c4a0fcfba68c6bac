"""Layer 7, outputs: the pack's documents drawn from results they are given.

The report (:mod:`scmap.outputs.report`), the atlas (:mod:`scmap.outputs.atlas`), QGIS styles
(:mod:`scmap.outputs.qgis`), a batch's network pack (:mod:`scmap.outputs.network`), a match's
map and report (``_match_pages``) and a workshop's files (:mod:`scmap.outputs.workshop`).
"""
