"""Layer 8, pipeline: whole runs that call the layers below.

One project to a pack (:mod:`scmap.pipeline.results`), many cities (:mod:`scmap.pipeline.batch`)
on this machine or a Dask cluster (:mod:`scmap.pipeline.distributed`), and lighthouse-to-follower
matching (:mod:`scmap.pipeline.match`).
"""
