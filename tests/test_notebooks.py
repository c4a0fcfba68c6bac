"""The notebooks run clean (executed with nbclient, as in CI); the repo keeps them without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from conftest import REALDATA, need

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["quickstart", "real_data_walkthrough", "tuning_weights"])
def test_notebook_runs_clean(name: str):
    from nbclient import NotebookClient

    if name == "real_data_walkthrough":
        need(REALDATA.is_dir(), f"real data not found at {REALDATA}")
    path = NOTEBOOKS / f"{name}.ipynb"
    book = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), "outputs must be stripped"
    NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert any(
        o.output_type in ("execute_result", "display_data")
        for c in book.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
