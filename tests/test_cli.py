"""The command line: contract exit codes, JSON on stdout, messages naming file and key."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from scmap import __version__
from scmap.cli.main import cli
from scmap.project.datasets import copy_demo, demo_dir


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version_and_help(runner: CliRunner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("info", "validate", "map", "demo", "init"):
        assert command in result.output
    for command in ("info", "validate", "map", "demo", "init"):
        sub = runner.invoke(cli, [command, "--help"])
        assert sub.exit_code == 0 and "Example:" in sub.output and "scmap " + command in sub.output


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path):
    assert runner.invoke(cli, ["validate"]).exit_code == 2
    assert runner.invoke(cli, ["validate", str(tmp_path / "missing.yaml")]).exit_code == 2
    assert runner.invoke(cli, ["frobnicate"]).exit_code == 2


def test_info_json_contract(runner: CliRunner):
    result = runner.invoke(cli, ["info", str(demo_dir() / "context.gpkg"), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert set(info) == {"path", "layers"}
    assert [lyr["name"] for lyr in info["layers"]] == ["metro_stations", "tram_stops", "parks", "dh_zones"]
    parks = info["layers"][2]
    assert {"name", "crs", "count", "geometry_types", "fields"} <= set(parks)
    assert (parks["crs"], parks["count"], parks["geometry_types"], parks["fields"]) == (
        "EPSG:4326",
        5,
        ["Polygon"],
        ["name"],
    )


def test_info_unreadable_file_exit_1_one_line(runner: CliRunner, tmp_path: Path):
    bad = tmp_path / "page.geojson"
    bad.write_text("<html><body>Not found</body></html>")
    result = runner.invoke(cli, ["info", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert str(bad) in result.stderr and "HTML" in result.stderr
    assert "Traceback" not in result.output


def test_validate_json_contract(runner: CliRunner, tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    result = runner.invoke(cli, ["validate", str(project), "--json", "--rejected", str(tmp_path / "rej.csv")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    for source in report["sources"]:
        assert {"path", "role", "rows", "loaded", "rejected", "warnings", "errors"} <= set(source)
        assert source["role"] in {"districts", "solutions", "layer"}
    roles = [(s["role"], s["rows"], s["loaded"]) for s in report["sources"]]
    assert roles[0] == ("districts", 24, 24)
    assert [r for r in roles if r[0] == "solutions"] == [("solutions", 125, 125), ("solutions", 22, 22)]
    assert (tmp_path / "rej.csv").read_text().strip() == "file,layer,role,row,id,field,reason"


def test_validate_bad_data_exit_1(runner: CliRunner, tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    data = yaml.safe_load(project.read_text())
    data["districts"]["id"] = "nope"
    project.write_text(yaml.safe_dump(data))
    result = runner.invoke(cli, ["validate", str(project), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert "no column 'nope' for the ids; columns: district_id, name, name_bg" in report["sources"][0]["errors"][0]


def test_validate_bad_project_key_exit_1(runner: CliRunner, tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    data = yaml.safe_load(project.read_text())
    data["solutions"][1]["solution"] = "ev_chargers"
    project.write_text(yaml.safe_dump(data))
    result = runner.invoke(cli, ["validate", str(project)])
    assert result.exit_code == 1
    assert f"{project}: solutions.1.solution: unknown solution type 'ev_chargers'; allowed:" in result.stderr


def test_map_writes_html_and_guards_overwrite(runner: CliRunner, tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    out = tmp_path / "out" / "map.html"
    result = runner.invoke(cli, ["map", str(project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "scmapRender(" in out.read_text()
    assert result.stdout.strip() == str(out)
    again = runner.invoke(cli, ["map", str(project), "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.stderr
    assert runner.invoke(cli, ["map", str(project), "-o", str(out), "--overwrite"]).exit_code == 0


def test_demo_and_init(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(cli, ["demo", "-o", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()) == (tmp_path / "demo" / "map.html").resolve()
    assert (tmp_path / "demo" / "rejected.csv").exists()
    result = runner.invoke(cli, ["init", str(tmp_path / "city")])
    assert result.exit_code == 0
    assert (tmp_path / "city" / "project.yaml").exists() and (tmp_path / "city" / "districts.gpkg").exists()
    assert runner.invoke(cli, ["validate", str(tmp_path / "city" / "project.yaml")]).exit_code == 0
    assert runner.invoke(cli, ["init", str(tmp_path / "city")]).exit_code == 2


def test_fiona_engine_gives_same_counts(runner: CliRunner, tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    a = json.loads(runner.invoke(cli, ["validate", str(project), "--json"]).stdout)
    b = json.loads(runner.invoke(cli, ["validate", str(project), "--json", "--engine", "fiona"]).stdout)
    assert [(s["rows"], s["loaded"]) for s in a["sources"]] == [(s["rows"], s["loaded"]) for s in b["sources"]]


def test_info_crs_for_files_without_one(runner: CliRunner, tmp_path: Path):
    path = tmp_path / "nocrs.csv"
    path.write_text("name,wkt\na,POINT (430000 4580000)\nb,POINT (431000 4581000)\n")
    plain = json.loads(runner.invoke(cli, ["info", str(path), "--json"]).stdout)["layers"][0]
    assert plain["crs"] is None and plain["bounds_wgs84"] is None
    given = json.loads(runner.invoke(cli, ["info", str(path), "--json", "--crs", "EPSG:25831"]).stdout)["layers"][0]
    assert given["warnings"] == ["no CRS declared: shown as EPSG:25831 (given with --crs)"]
    lon, lat = given["bounds_wgs84"][:2]
    assert 2.1 < lon < 2.2 and 41.3 < lat < 41.4  # Barcelona


def _commands() -> list[tuple[str, ...]]:
    """Every command of ``scmap``, with the subcommands of groups (``workshop serve``...)."""
    import click

    ctx = click.Context(cli)
    out: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                walk(command, (*path, name))
            elif command is not None:
                out.append((*path, name))

    walk(cli, ())
    return out


COMMANDS = _commands()


def test_the_loop_sees_every_command():
    assert {"run", "validate", "info", "schema", "batch", "match", "print"} <= {c[-1] for c in COMMANDS}
    assert ("workshop", "serve") in COMMANDS and ("workshop", "export") in COMMANDS and len(COMMANDS) >= 14


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(runner: CliRunner, command: tuple[str, ...]):
    shown = runner.invoke(cli, [*command, "--help"])
    assert shown.exit_code == 0, shown.output
    assert "Example:" in shown.output and "scmap " + " ".join(command) in shown.output


def _broken_arguments(command: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The command's required arguments as a broken file each, its required options as new paths."""
    import click

    ctx = click.Context(cli)
    target: click.Command = cli
    for name in command:
        found = target.get_command(ctx, name) if isinstance(target, click.Group) else None
        assert found is not None
        target = found
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"districts: [unclosed\n\x00\xff{{ }}\n")
    args: list[str] = []
    for param in target.params:
        if isinstance(param, click.Argument) and param.required:
            args.append(str(broken))
        elif isinstance(param, click.Option) and param.required:
            args += [param.opts[0], str(tmp_path / "out" / param.name)]
    return args


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in {("schema",), ("demo",), ("init",)}], ids=" ".join)
def test_every_command_answers_a_broken_file_in_one_line(runner: CliRunner, command: tuple[str, ...], tmp_path: Path):
    """Given a file that is no project, no GIS file, no store: exit 1 or 2, a message, no traceback."""
    result = runner.invoke(cli, [*command, *_broken_arguments(command, tmp_path)])
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "failed unexpectedly" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and any("broken.yaml" in line or "Usage:" in line for line in lines), result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))


@pytest.mark.parametrize("command", [("demo",), ("init",)], ids=" ".join)
def test_commands_that_write_a_folder_refuse_a_file_in_its_place(
    runner: CliRunner, command: tuple[str, ...], tmp_path: Path
):
    taken = tmp_path / "taken"
    taken.write_text("not a folder", encoding="utf-8")
    args = ["-o", str(taken)] if command == ("demo",) else [str(taken)]
    result = runner.invoke(cli, [*command, *args])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
    assert taken.read_text(encoding="utf-8") == "not a folder"


def test_the_installed_command_ends_with_every_byte_written_and_the_right_code(tmp_path: Path):
    """The ``scmap`` command ends its process without Python's teardown once the command is done
    (``scmap.cli.main.main``): what it printed is all there, through a pipe or into a file, and
    the exit codes are those of the command (0, 1 for an error, 2 for a usage error)."""
    import subprocess
    import sys

    scmap = str(Path(sys.executable).parent / "scmap")
    expected = CliRunner().invoke(cli, ["schema"]).output
    piped = subprocess.run([scmap, "schema"], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout == expected and len(expected) > 10_000
    with (tmp_path / "schema.json").open("w") as out:
        assert subprocess.run([scmap, "schema"], stdout=out, timeout=120).returncode == 0
    assert (tmp_path / "schema.json").read_text() == expected
    missing = subprocess.run([scmap, "validate", str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndistricts: {path: nowhere.gpkg}\n", encoding="utf-8")
    failed = subprocess.run([scmap, "validate", str(bad)], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and failed.stderr.startswith("Error: ") and "Traceback" not in failed.stderr


def test_solutions_outside_every_district_are_said_once(runner: CliRunner, tmp_path: Path, capsys):
    """The input check says it for its file; the overlap's own warning for all the files is not
    printed again when it counts no more solutions, and is printed when it counts more."""
    from scmap.cli.options import echo_warnings, held_back, one_warning_per_fact
    from scmap.errors import OutsideWarning
    from scmap.sources._validate import SourceReport

    project = copy_demo(tmp_path / "demo")
    extra = project.parent / "wifi.csv"
    rows = "in,23.32,42.69\nagain,23.32,42.69\nfar,24.75,42.15\n"  # again: the same place; far: Plovdiv
    extra.write_text("ref,lon,lat\n" + rows, encoding="utf-8")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["solutions"].append({"path": "wifi.csv", "id": "ref", "solution": "public_wifi"})
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = runner.invoke(cli, ["run", str(project), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    said = [line for line in lines if "outside every district" in line]
    assert said == [
        f"Warning: {extra}: 1 of 3 solutions lies outside every district (kept; the overlap layer 'outside' "
        "lists them): is this the right file for these districts?"
    ]
    twice = lines.index("Warning: 1 solution repeats another of the same type at the same place (e.g. again = in); "
                        "kept, listed in the duplicates layer")  # fmt: skip
    assert lines.index(said[0]) < twice and lines[twice + 1].endswith("writing tables...")  # files first, then the run
    report = (tmp_path / "pack" / "report.html").read_text(encoding="utf-8")
    assert "outside every district" not in report.partition("Notes on the inputs")[2]  # its table says it:
    assert "<td>wifi.csv</td>\n      <td>1</td>\n      <td>3</td>" in report  # 1 of the file's 3, once
    for files_said, printed in ((3, ""), (2, "Warning: 3 solutions lie outside every district\n")):
        reports = [SourceReport("a.csv", "solutions", outside=files_said, warnings=["a.csv: outside"])]
        with click.Context(cli), one_warning_per_fact():
            assert held_back(OutsideWarning("3 solutions lie outside every district", count=3))
            assert not held_back(UserWarning("another fact"))
            capsys.readouterr()
            echo_warnings(type("Checked", (), {"sources": reports}))  # type: ignore[arg-type]
            assert capsys.readouterr().err == "Warning: a.csv: outside\n"
        assert capsys.readouterr().err == printed  # at the block's end, when the files said fewer
