"""The examples run as a user would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scmap import load_project, validate_project
from scmap.cli.main import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_workshop_pack_script(tmp_path: Path):
    """Without arguments: the bundled demo, written to ./workshop-pack."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "workshop_pack.py")], check=False, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "workshop-pack" / "my_note.html").read_text().count("<iframe") == 1
    assert "report.html" in done.stdout


@pytest.mark.realdata
def test_valencia_example_project(realdata: Path, tmp_path: Path):
    project = load_project(EXAMPLES / "valencia_real_data.yaml")
    report = validate_project(project)
    assert report.ok
    assert [s.loaded for s in report.sources] == [88, 1176, 542, 276, 78, 5, 6]
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES / "valencia_real_data.yaml"), "-o", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
