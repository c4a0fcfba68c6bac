"""The bundled demo: a schematic Sofia (real district names and populations, illustrative geometry).

Examples
--------
>>> demo_project_path().name
'project.yaml'
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

__all__ = ["copy_demo", "demo_dir", "demo_project_path", "init_project", "starter_project_text"]


def demo_dir() -> Path:
    """Folder of the demo data: inside the installed package, or ``data/sofia`` in a checkout."""
    packaged = Path(str(resources.files("scmap"))) / "_demo" / "sofia"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "data" / "sofia"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(  # pragma: no cover - only for a broken installation
        "scmap's demo data is missing from this installation; reinstall scmap"
    )


def demo_project_path() -> Path:
    """The demo's project file."""
    return demo_dir() / "project.yaml"


def copy_demo(dest: str | Path) -> Path:
    """Copy the demo project and its data into *dest* (created); returns the project file path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for item in sorted(demo_dir().iterdir()):
        if item.is_file() and item.suffix in {".gpkg", ".geojson", ".yaml"}:
            shutil.copy2(item, dest / item.name)
    return dest / "project.yaml"


def starter_project_text() -> str:
    """The fully commented starter project (``examples/my_city.yaml``), written for the demo files."""
    packaged = Path(str(resources.files("scmap"))) / "_demo" / "starter_project.yaml"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[3] / "examples" / "my_city.yaml").read_text(encoding="utf-8")


SCHEMA_HEADER = "# yaml-language-server: $schema=project.schema.json\n"
"""First line of a starter project: editors with the YAML language server then check and
complete every key from the schema written beside it."""


def init_project(dest: str | Path) -> Path:
    """Write the demo's data, a commented starter project and its JSON Schema.

    The demo's data, the commented starter project as ``project.yaml`` and its JSON Schema
    (``project.schema.json``) in *dest*.
    """
    from scmap.project.schema import schema_text

    project = copy_demo(dest)
    project.write_text(SCHEMA_HEADER + starter_project_text(), encoding="utf-8")
    (project.parent / "project.schema.json").write_text(schema_text(), encoding="utf-8")
    return project
