"""Every Python block of the README runs, in a copy of the demo folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scmap.datasets import copy_demo

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 2


def test_readme_python_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy_demo(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in BLOCKS:  # one after the other, as a reader would run them
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "pack" / "manifest.json").exists()
    assert (tmp_path / "map.html").stat().st_size > 10_000 and (tmp_path / "map.png").exists()
    assert str(namespace["frame"]).startswith("<iframe")


def test_every_test_the_guarantees_table_names_exists():
    """The README's table of guarantees names its tests: each one is a test function of that file."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### What is guaranteed", 1)[1].split("\n## ", 1)[0]
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
