"""Layer 3, project: one run described and loaded.

The project file's keys (:mod:`scmap.project.spec`), the file read and checked
(:mod:`scmap.project.load`, pydantic's errors put in words by ``_messages``, paths resolved by
``_paths``), its keys explained (``_keys``) and its JSON Schema (:mod:`scmap.project.schema`),
weights and AHP matrices (``_weights``), basemaps (``_basemaps``), every source of a project read
and checked (:mod:`scmap.project.inputs`) and the bundled demo (:mod:`scmap.project.datasets`).
"""
