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
