"""Every Python block of the README and of the documentation runs, in a copy of the demo folder;
the documentation builds with warnings as errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scmap.project.datasets import copy_demo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def _run_blocks(path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Run *path*'s Python blocks one after the other, as a reader would, in a demo copy."""
    copy_demo(folder)
    monkeypatch.chdir(folder)
    namespace: dict[str, object] = {}
    for block in _blocks(path):
        exec(compile(block, str(path), "exec"), namespace)
    return namespace


def test_readme_python_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    namespace = _run_blocks(README, tmp_path, monkeypatch)
    assert (tmp_path / "pack" / "manifest.json").exists()
    assert (tmp_path / "map.html").stat().st_size > 10_000
    assert str(namespace["frame"]).startswith("<iframe")


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if _blocks(p)))
def test_documentation_python_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    namespace = _run_blocks(DOCS / page, tmp_path, monkeypatch)
    assert namespace, page


def test_the_documentation_has_python_examples():
    pages = [p for p in DOCS.rglob("*.md") if _blocks(p)]
    assert len(_blocks(README)) >= 1 and len(pages) >= 2


def test_the_documentation_builds_strictly(tmp_path: Path):
    """``mkdocs build --strict``: a broken link, a missing page or a docstring it cannot read fails."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    keys = (tmp_path / "site" / "reference" / "project-file.html").read_text(encoding="utf-8")
    assert "votes_per_person" in keys and "coordinate_order" in keys  # generated from the schema
    cli = (tmp_path / "site" / "reference" / "cli.html").read_text(encoding="utf-8")
    assert all(f"scmap {c}" in cli for c in ("run", "validate", "workshop", "match", "batch"))
    api = (tmp_path / "site" / "reference" / "api.html").read_text(encoding="utf-8")
    assert "read_solutions" in api and "Results" in api


def test_every_test_the_guarantees_table_names_exists():
    """The table of guarantees names its tests: each one is a test function of that file."""
    page = (DOCS / "explanation" / "guarantees.md").read_text(encoding="utf-8")
    table = page.split("## What is guaranteed", 1)[1]
    named = 0
    for row in table.splitlines()[3:]:
        cell = row.rsplit("|", 2)[-2] if row.startswith("|") else ""
        file = None
        for ref in re.findall(r"`([^`]+)`", cell):
            path, _, name = ref.rpartition("::")
            file = path or file
            source = (Path(__file__).parent / file).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.M), ref
            named += 1
    assert named >= 20
