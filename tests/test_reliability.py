"""Write errors, hostile project files and odd names: one clear line, exit 1, outputs intact.

A full disk is made per process with a file-size limit (``RLIMIT_FSIZE``: every write past it
fails with "File too large", in Python and in GDAL alike) and, for single files, ``/dev/full``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _warm import run as warm_run
from scmap.core._atomic import atomic_file, check_pack
from scmap.errors import OutputError, ProjectError
from scmap.maps.layers import DISPLAY_VERTICES, _simplified
from scmap.project.datasets import copy_demo
from scmap.project.load import load_project
from scmap.sources._derive import DeriveError, columns_of

SCMAP = str(Path(sys.executable).parent / "scmap")


def _scmap(*args: str | Path, limit_bytes: int | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``scmap *args`` in a process of its own (forked from the warm server, tests/_warm.py), its
    file size limited to *limit_bytes* when given."""
    return warm_run(list(args), limit_bytes=limit_bytes, timeout=timeout)


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


# ------------------------------------------------------------ weak answers: rows, columns, names


def _polygon_source(folder: Path, rings: dict[str, list[list[float]]], name: str = "d.geojson") -> Path:
    features = [
        {"type": "Feature", "properties": {"id": key, "name": f"district {key}"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for key, ring in rings.items()
    ]  # fmt: skip
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


_SQUARE = [[23.30, 42.60], [23.31, 42.60], [23.31, 42.61], [23.30, 42.61], [23.30, 42.60]]


def _one_point_project(folder: Path, districts: str, **extra: object) -> Path:
    (folder / "s.csv").write_text("ref,lon,lat\ns1,23.305,42.605\n", encoding="utf-8")
    solutions = [{"path": "s.csv", "solution": "ev_charging", "id": "ref"}]
    spec = {"name": "t", "districts": {"path": districts, "id": "id", **extra}, "solutions": solutions}
    spec["map"] = {"basemap": "none"}
    (folder / "project.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return folder / "project.yaml"


def test_unclosed_and_too_short_rings_are_rejected_rows_and_the_rest_loads(tmp_path: Path):
    from scmap import load_inputs

    shifted = [[x + 0.01, y] for x, y in _SQUARE]
    rings = {
        "a": _SQUARE,
        "b": shifted[:-1],
        "c": [[23.32, 42.60], [23.33, 42.60]],
        "d": [[x + 0.03, y] for x, y in _SQUARE],
    }
    _polygon_source(tmp_path, rings)
    project = _one_point_project(tmp_path, "d.geojson", max_rejected_share=0.6)
    inputs = load_inputs(load_project(project))
    assert inputs.districts.gdf["district_id"].tolist() == ["a", "d"]
    rejected = inputs.rejected.set_index("id")["reason"].to_dict()
    assert rejected == {"b": "a ring is not closed: its first and last points differ",
                        "c": "a ring has too few points to enclose an area (2 distinct points)"}  # fmt: skip
    proc = _scmap("validate", project)
    assert "(id b)" in proc.stdout and "not closed" in proc.stdout and "too few points" in proc.stdout
    assert "LinearRing" not in proc.stdout + proc.stderr  # no GEOS text


def test_heights_are_noted(tmp_path: Path):
    from scmap import load_inputs

    ring = [[x, y, 512.0] for x, y in _SQUARE]
    _polygon_source(tmp_path, {"a": ring})
    inputs = load_inputs(load_project(_one_point_project(tmp_path, "d.geojson")))
    notes = " ".join(inputs.districts.report.warnings)
    assert "1 of 1 geometries carry heights (Z)" in notes and "no Z or M" in notes


def test_a_coordinate_column_named_twice_is_an_error_and_another_a_warning(tmp_path: Path):
    from scmap import load_inputs

    _polygon_source(tmp_path, {"a": _SQUARE})
    project = _one_point_project(tmp_path, "d.geojson")
    (tmp_path / "s.csv").write_text("ref,lon,lat,lat\ns1,23.305,42.605,1\n", encoding="utf-8")
    proc = _scmap("validate", project)
    assert proc.returncode == 1 and "names the column 'lat' twice" in proc.stdout
    (tmp_path / "s.csv").write_text("ref,lon,lat,note,note\ns1,23.305,42.605,a,b\n", encoding="utf-8")
    inputs = load_inputs(load_project(project))
    assert "'note' twice (the second is read as 'note.1')" in " ".join(inputs.sources[1].warnings)


def test_a_name_written_in_the_other_unicode_form_is_found(tmp_path: Path):
    import unicodedata

    from scmap import load_inputs

    nfd = unicodedata.normalize("NFD", "València")
    (tmp_path / nfd).mkdir()
    _polygon_source(tmp_path / nfd, {"a": _SQUARE}, unicodedata.normalize("NFD", "barris è.geojson"))
    project = _one_point_project(tmp_path, unicodedata.normalize("NFC", "València/barris è.geojson"))
    assert len(load_inputs(load_project(project)).districts.gdf) == 1


def test_a_nul_inside_a_geojson_text_keeps_the_whole_text(tmp_path: Path):
    from scmap import load_inputs

    path = _polygon_source(tmp_path, {"a": _SQUARE})
    path.write_text(path.read_text().replace('"district a"', '"Sant\\u0000 Andreu"'), encoding="utf-8")
    inputs = load_inputs(load_project(_one_point_project(tmp_path, "d.geojson", name="name")))
    assert inputs.districts.gdf["district_name"].tolist() == ["Sant Andreu"]  # GDAL alone reads "Sant"
    assert "held a NUL character" in " ".join(inputs.districts.report.warnings)


def test_a_long_column_name_a_shapefile_cut_is_explained(tmp_path: Path):
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"district_code": ["a"], "district_name": ["A"]}, geometry=[shapely.box(23.3, 42.6, 23.31, 42.61)], crs=4326
    )
    with warnings.catch_warnings():  # geopandas and GDAL say the names are cut: that is the case
        warnings.simplefilter("ignore")
        gdf.to_file(tmp_path / "d.shp")
    proc = _scmap("validate", _one_point_project(tmp_path, "d.shp"))
    assert proc.returncode == 1
    (tmp_path / "project.yaml").write_text(
        (tmp_path / "project.yaml").read_text().replace("id: id", "id: district_code")
    )
    proc = _scmap("validate", tmp_path / "project.yaml")
    assert (
        "keeps only 10 characters of a column name" in proc.stdout
        and "'district_code' is likely 'district_c'" in proc.stdout
    )


def test_a_huge_title_stays_in_the_file_but_not_in_the_report(tmp_path: Path):
    _polygon_source(tmp_path, {"a": _SQUARE})
    project = _one_point_project(tmp_path, "d.geojson")
    spec = yaml.safe_load(project.read_text())
    spec["map"]["title"] = "x" * 4_000_000
    project.write_text(yaml.safe_dump(spec, width=10**9), encoding="utf-8")
    (tmp_path / "s.csv").write_text("ref,lon,lat,note\ns1,23.305,42.605," + "y" * 5_000_000 + "\n", encoding="utf-8")
    proc = _scmap("run", project, "-o", tmp_path / "pack")
    assert proc.returncode == 0, proc.stderr
    report = (tmp_path / "pack" / "report.html").read_text(encoding="utf-8")
    assert len(report) < 600_000 and "more characters in this line of the file" in report
    assert (tmp_path / "pack" / "map.html").stat().st_size < 1_000_000  # the 5 MB note is cut for the popup


# ------------------------------------------------------------ hostile project files


_HOSTILE_TOKENS = [
    "12:30", "010", "0o10", "0x1F", "NO", "yes", "~", ".inf", "-.nan", "1e309", "'", '"', "[", "{a: [", "*nowhere",
    "!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=", "<<: *x", "&a [*a]", "? complex key", "\t",
    "\u202e\u0000", "%YAML 9.9", "--- !tag", "|\n  block", "- - - - - - - - -",
]  # fmt: skip
_KEYS = ["name", "map.title", "districts.id", "districts.path", "solutions.0.radius_m", "limits.max_units", "crs",
         "map.language", "overlap.radius_m", "suitability", "nonsense.key"]  # fmt: skip


def _alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + f"\ntitle_of: *a{levels}\n"


def _values() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.text(max_size=3000), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
        st.none(), st.sampled_from(_HOSTILE_TOKENS),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=40,
    )


def _set(spec: dict, dotted: str, value: object) -> None:
    node: object = spec
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})  # type: ignore[index,union-attr]
        if not isinstance(node, dict | list):
            return
    if isinstance(node, dict):
        node[keys[-1]] = value


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    _polygon_source(folder, {"a": _SQUARE})
    return _one_point_project(folder, "d.geojson")


def _validate_in_time(project: Path, text: str) -> None:
    from click.testing import CliRunner

    from scmap.cli.main import cli

    project.write_text(text, encoding="utf-8", errors="surrogatepass")
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["validate", str(project)])
    seconds = time.perf_counter() - start
    assert result.exit_code in (0, 1), (result.exit_code, result.output[-500:])
    assert "failed unexpectedly" not in result.output and "Traceback" not in result.output, result.output[-800:]
    assert seconds < 5, seconds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(_KEYS), value=_values())
def test_hostile_values_end_in_a_clear_answer(hostile_base: Path, key: str, value: object):
    spec = yaml.safe_load(hostile_base.read_text(encoding="utf-8"))
    _set(spec, key, value)
    try:
        text = yaml.safe_dump(spec, allow_unicode=True)
    except yaml.YAMLError:
        return
    _validate_in_time(hostile_base.with_name("hostile.yaml"), text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=st.sampled_from(_HOSTILE_TOKENS) | st.text(max_size=200),
    depth=st.integers(0, 400),
    bomb=st.tuples(st.integers(0, 12), st.integers(1, 12)),
    where=st.sampled_from(["name: t", "  id: id", "  solution: ev_charging"]),
)
def test_hostile_yaml_text_ends_in_a_clear_answer(
    hostile_base: Path, token: str, depth: int, bomb: tuple[int, int], where: str
):
    text = hostile_base.read_text(encoding="utf-8")
    head = where.partition(": ")[0]
    text = text.replace(where, f"{head}: {token}", 1)
    text += f"deep: {'[' * depth}1{']' * depth}\n" if depth else ""
    text += _alias_bomb(*bomb) if bomb[0] else ""
    _validate_in_time(hostile_base.with_name("hostile.yaml"), text)


# ------------------------------------------------------------ every command that writes, on a folder it cannot write


_READ_ONLY = Path("/sys/scmap-cannot-write")  # sysfs refuses new files even to root


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs to stand for a folder nobody may write")
@pytest.mark.parametrize(
    "args",
    [
        ["run", "-o", _READ_ONLY / "pack"],
        ["map", "-o", _READ_ONLY / "map.html"],
        ["overlap", "-o", _READ_ONLY / "overlap.gpkg"],
        ["suitability", "-o", _READ_ONLY / "suitability.gpkg"],
        ["print", "-o", _READ_ONLY / "atlas.pdf"],
        ["validate", "--rejected", _READ_ONLY / "rejected.csv"],
    ],
)
def test_a_folder_that_cannot_be_written_is_one_line(project: Path, args: list[object]):
    line = _one_error_line(_scmap(args[0], project, *args[1:]))
    assert str(_READ_ONLY) in line and ("cannot" in line or "not permitted" in line)


def _two_city_batch(folder: Path, project: Path) -> tuple[Path, Path]:
    template = folder / "template.yaml"
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    root = project.parent
    for source in [spec["districts"], *spec["solutions"], *spec.get("layers", {}).values()]:
        source["path"] = str(root / source["path"])
    template.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    (folder / "cities.csv").write_text("city,map.title\nSofia,Sofia\nSofia Sud,Sofia Sud\n", encoding="utf-8")
    return template, folder / "cities.csv"


def test_batch_on_a_full_disk_and_an_unwritable_folder_keeps_every_previous_pack(project: Path, tmp_path: Path):
    template, cities = _two_city_batch(tmp_path, project)
    out = tmp_path / "out"
    assert _scmap("batch", template, cities, "-o", out).returncode == 0
    packs = [out / "sofia", out / "sofia-sud", out / "network"]
    before = {p: {f.name: f.read_bytes() for f in p.iterdir()} for p in packs}
    full = _scmap("batch", template, cities, "-o", out, "--overwrite", limit_bytes=20_000)
    assert full.returncode == 1 and "Traceback" not in full.stderr and "unexpectedly" not in full.stderr
    assert "free some disk space" in full.stderr  # each city says why it failed, the others went on
    for pack in packs:
        assert {f.name: f.read_bytes() for f in pack.iterdir()} == before[pack]  # byte for byte
        check_pack(pack)
    if Path("/sys/kernel").is_dir():
        line = _one_error_line(_scmap("batch", template, cities, "-o", _READ_ONLY / "batch"))
        assert str(_READ_ONLY) in line


def test_two_hundred_thousand_solutions_over_a_degree_finish(tmp_path: Path):
    """The probe that took 154 s and 4.3 GB to end in an error: 200,000 solutions over one square
    degree now make a whole pack (about 30 s on the CI machine). The file's radius_m column is not
    mapped (no ``radius_field:``), so each area has EV charging's 300 m: one overlapping group of
    200,000 circles and about 2.5 million pairs, the heavier case."""
    rng = np.random.default_rng(1)
    x, y = 23.0 + rng.random(200_000), 42.3 + rng.random(200_000)
    rows = "\n".join(f"s{i},{a:.6f},{b:.6f},50" for i, (a, b) in enumerate(zip(x, y, strict=True)))
    (tmp_path / "s.csv").write_text("ref,lon,lat,radius_m\n" + rows + "\n", encoding="utf-8")
    square = [[23.0, 42.3], [24.0, 42.3], [24.0, 43.3], [23.0, 43.3], [23.0, 42.3]]
    _polygon_source(tmp_path, {"a": square})
    project = _one_point_project(tmp_path, "d.geojson")
    (tmp_path / "s.csv").write_text("ref,lon,lat,radius_m\n" + rows + "\n", encoding="utf-8")
    proc = _scmap("run", project, "-o", tmp_path / "pack", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "200000 solutions" in proc.stderr
    check_pack(tmp_path / "pack")
