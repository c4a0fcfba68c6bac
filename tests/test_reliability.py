"""Write errors, hostile project files and odd names: one clear line, exit 1, outputs intact.

A full disk is made per process with a file-size limit (``RLIMIT_FSIZE``: every write past it
fails with "File too large", in Python and in GDAL alike) and, for single files, ``/dev/full``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml

from scmap._atomic import atomic_file, check_pack
from scmap._derive import DeriveError, columns_of
from scmap.datasets import copy_demo
from scmap.errors import OutputError, ProjectError
from scmap.maps.layers import DISPLAY_VERTICES, _simplified
from scmap.project import load_project

SCMAP = str(Path(sys.executable).parent / "scmap")


def _scmap(*args: str | Path, limit_bytes: int | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([SCMAP, *map(str, args)], capture_output=True, text=True, preexec_fn=limit, timeout=timeout)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error")]
    assert proc.returncode == 1, proc.stderr
    assert len(errors) == 1 and "Traceback" not in proc.stderr and "unexpectedly" not in proc.stderr, proc.stderr
    return errors[0]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_demo(tmp_path_factory.mktemp("demo") / "city")


def _demo_text(folder: Path) -> tuple[Path, str]:
    path = copy_demo(folder / "city")
    return path, path.read_text(encoding="utf-8")


# --- every command that writes, on a full disk -------------------------------------------------


@pytest.mark.parametrize(
    ("command", "output"),
    [
        ("run", "pack"),
        ("map", "map.html"),
        ("overlap", "overlap.gpkg"),
        ("suitability", "suitability.gpkg"),
        ("print", "atlas.pdf"),
    ],
)
def test_a_full_disk_is_one_line_and_keeps_the_previous(project: Path, tmp_path: Path, command: str, output: str):
    target = tmp_path / output
    first = _scmap(command, project, "-o", target)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in (target.iterdir() if target.is_dir() else [target])}
    line = _one_error_line(_scmap(command, project, "-o", target, "--overwrite", limit_bytes=20_000))
    assert str(target) in line and "free some disk space" in line and ".scmap-tmp-" not in line
    after = {p.name: p.read_bytes() for p in (target.iterdir() if target.is_dir() else [target])}
    assert after == before  # the previous output, byte for byte
    if target.is_dir():
        check_pack(target)
    assert not [p for p in tmp_path.iterdir() if ".scmap-tmp-" in p.name]


def test_a_full_disk_on_a_first_run_leaves_nothing(project: Path, tmp_path: Path):
    line = _one_error_line(_scmap("run", project, "-o", tmp_path / "pack", limit_bytes=20_000))
    assert "pack" in line and not (tmp_path / "pack").exists()
    rerun = _one_error_line(_scmap("run", project, "-o", tmp_path / "pack", limit_bytes=20_000))
    assert "free some disk space" in rerun  # the rerun without --overwrite: the same clear line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [["map", "-o", "/dev/full", "--overwrite"], ["validate", "--rejected", "/dev/full"]])
def test_dev_full_is_a_write_error_and_stays_a_device(project: Path, args: list[str]):
    line = _one_error_line(_scmap(args[0], project, *args[1:]))
    assert "/dev/full" in line and "No space left" in line
    assert Path("/dev/full").is_char_device()  # written in place, never replaced by a file


def test_stdout_on_a_full_disk_is_one_line():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([SCMAP, "schema"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 1 and "No space left" in proc.stderr and "Traceback" not in proc.stderr


def test_a_folder_named_like_a_pack_file_is_not_replaced(project: Path, tmp_path: Path):
    pack = tmp_path / "pack"
    assert _scmap("run", project, "-o", pack).returncode == 0
    (pack / "map.html").unlink()
    (pack / "map.html").mkdir()
    (pack / "map.html" / "notes.txt").write_text("mine", encoding="utf-8")
    line = _one_error_line(_scmap("run", project, "-o", pack, "--overwrite"))
    assert "not part of a scmap pack" in line and "map.html" in line
    assert (pack / "map.html" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_atomic_file_names_the_target_not_its_temporary_file(tmp_path: Path):
    target = tmp_path / "out.csv"
    with pytest.raises(OutputError) as info, atomic_file(target, overwrite=False) as tmp:
        raise OSError(28, "No space left on device", str(tmp))
    assert str(target) in str(info.value) and ".scmap-tmp-" not in str(info.value)
    assert list(tmp_path.iterdir()) == [tmp_path / ".out.csv.scmap-lock"]


# --- names that are legal on disk -------------------------------------------------------------


@pytest.mark.parametrize("name", ["$HOME pack", 'it\'s "quoted"', "a#b?c", "a%20b", "x;y", "[draft]*"])
def test_odd_folder_names_are_written_literally(project: Path, tmp_path: Path, name: str):
    target = tmp_path / name
    proc = _scmap("map", project, "-o", target / "map.html")
    assert proc.returncode == 0, proc.stderr
    assert (target / "map.html").is_file()
    assert sorted(p.name for p in target.iterdir()) == [".map.html.scmap-lock", "map.html"]


def test_a_long_folder_name_gets_a_pack(project: Path, tmp_path: Path):
    target = tmp_path / ("w" * 240)
    proc = _scmap("run", project, "-o", target)
    assert proc.returncode == 0, proc.stderr
    check_pack(target)
    assert [p.name for p in tmp_path.iterdir() if ".scmap-tmp-" in p.name] == []


# --- YAML as written --------------------------------------------------------------------------


def test_text_fields_keep_numbers_as_written(tmp_path: Path):
    path, text = _demo_text(tmp_path)
    title = "  title: Sofia smart-city solutions (demo, schematic data)"
    name = "name: Sofia pre-workshop solution map (demo, schematic data)"
    assert title in text and name in text
    for written in [("NO", "12:30"), ("2030", "1.10"), ("yes", "010")]:
        path.write_text(text.replace(name, f"name: {written[0]}").replace(title, f"  title: {written[1]}"), "utf-8")
        spec = load_project(path).spec
        assert (spec.name, spec.map.title) == written


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("per_km2: true", "per_km2: yes", "per_km2"),
        ("pop_density: 3,", "pop_density: true,", "is a number, not true"),
        ("pop_density: 3,", "pop_density: 010,", "010 has a leading zero"),
        ("pop_density: 3,", "pop_density: 1:30,", "pop_density"),
    ],
)
def test_number_and_flag_fields_refuse_words_and_leading_zeros(tmp_path: Path, old: str, new: str, expected: str):
    path, text = _demo_text(tmp_path)
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert expected in str(info.value)


def test_merge_keys_share_source_settings(tmp_path: Path):
    path, text = _demo_text(tmp_path)
    spec = yaml.safe_load(text)
    start, end = text.index("\nlayers:"), text.index("\nsolutions:")
    shared = "\nlayers:\n" + "".join(
        f"  {k}: {{<<: *src, layer: {v['layer']}}}\n"
        if i
        else f"  {k}: &src {{path: {json.dumps(v['path'])}, layer: {v['layer']}}}\n"
        for i, (k, v) in enumerate(spec["layers"].items())
    )
    path.write_text(text[:start] + shared + text[end:], encoding="utf-8")
    merged = load_project(path).spec.layers
    for key, source in spec["layers"].items():
        assert (merged[key].path, merged[key].layer) == (source["path"], source["layer"])


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nname: x\nmap:\n  title: *a9\n", encoding="utf-8")
    started = time.monotonic()
    proc = _scmap("validate", path, timeout=60)
    assert time.monotonic() - started < 30
    assert "once its aliases" in _one_error_line(proc)


def test_derive_depth_and_length_are_capped():
    for expr in ["(" * 6000 + "a" + ")" * 6000, "-" * 6000 + "a", "(" * 60 + "a" + ")" * 60, "-" * 60 + "a"]:
        with pytest.raises(DeriveError, match=r"too long|nested deeper"):
            columns_of(expr)
    assert columns_of("(" * 40 + "a" + ")" * 40) == ["a"]


# --- huge geometries on the map ---------------------------------------------------------------


def test_a_million_vertex_polygon_is_thinned_for_display_in_bounded_time():
    n = 1_000_000
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 5_000 * (1 + 0.02 * np.where(np.arange(n) % 2 == 0, 1, -1))  # jagged: GEOS simplification takes hours
    jagged = shapely.Polygon(np.c_[r * np.cos(t), r * np.sin(t)])
    small = shapely.box(0, 0, 10, 10)
    started = time.monotonic()
    shown = _simplified(np.array([jagged, small], dtype=object), 2.0)
    assert time.monotonic() - started < 20
    assert shapely.get_num_coordinates(shown[0]) <= DISPLAY_VERTICES + 2
    assert abs(shown[0].area - jagged.area) / jagged.area < 0.01  # the same shape at map scale
    assert shown[1].equals(small)
