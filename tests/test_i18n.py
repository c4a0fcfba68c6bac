"""The map, report and atlas in the workshop's language: complete translation files, a city's own
texts, numbers as the language writes them, and no English left on an ``es`` map or report."""

from __future__ import annotations

import html
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from _browser import open_html
from scmap import demo_project_path, load_inputs, load_project, solution_map
from scmap.core.catalogue import builtin_labels, builtin_texts, load_catalogue
from scmap.core.i18n import LANGUAGES, _shipped, english, forms, load_messages, placeholders
from scmap.errors import ProjectError, ScmapWarning
from scmap.pipeline.results import run
from scmap.project.load import with_map

SRC = Path(__file__).resolve().parents[1] / "src" / "scmap"
# message ids written out in the code: msg("map.x"), t("map.x"), inp.messages("report.x"), {{ t("report.x") }}
_USED = re.compile(
    r"""\b(?:(?:msg|t|messages|M)\(|(?:RoomError|refuse)\(\s*\d+\s*,)\s*["']([a-z]+\.[a-z0-9_]+)["']\s*[,)]"""
)  # a message called, or a workshop room's refusal (its text in the room's language)
# ids built at run time: a prefix written in the code, the rest from data or a fixed list
_DYNAMIC = (
    "reason.",
    "type.",
    "sector.",
    "about.",
    "case.",
    "rule.",
    "report.kind_",
    "report.better_",
    "batch.scale_",
    "col.",
    "map.status_",
    "map.shape_",
    "map.synergy",
    "map.conflict",
    "map.unit_",
    "map.method_",
    "map.agg_",
    "report.role_",
)


def _code_ids() -> set[str]:
    files = [*SRC.rglob("*.py"), *SRC.rglob("*.js"), *SRC.rglob("*.jinja")]
    return {m for f in files for m in _USED.findall(f.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_message(language: str):
    reference, texts = english().texts, _shipped(language)
    assert set(texts) == set(reference), (set(reference) - set(texts), set(texts) - set(reference))
    for key, text in texts.items():
        assert all(form.strip() for form in forms(text)), key
        assert placeholders(text) == placeholders(reference[key]), key  # every value shown, none invented
        for form in forms(text):  # and formats, each plural form
            assert placeholders(form) == placeholders(reference[key]), key
            form.format(**dict.fromkeys(placeholders(form), "x"))
        if isinstance(text, dict):  # only the language's own CLDR categories
            assert set(text) - {"other"} <= set(Locale.parse(language).plural_form.tags), key


def test_every_id_in_the_code_exists_and_every_message_is_used():
    used, reference = _code_ids(), set(english().texts)
    assert used - reference == set(), "ids used in the code but missing from en.yaml"
    unused = {k for k in reference - used if not k.startswith(_DYNAMIC)}
    assert unused == set(), "messages no code uses"
    assert set(builtin_labels()) <= reference  # all 19 types and 3 sectors have a text
    # the catalogue's words (labels, descriptions, reference-case and rule notes) are English's texts
    assert {k: english().texts[k] for k in builtin_texts()} == builtin_texts()


def _has_words(text: object) -> bool:
    """Whether a message has words of its own (not only placeholders and punctuation)."""
    return any(ch.isalpha() for ch in re.sub(r"\{\w+\}", "", str(text)))


def test_translations_differ_from_english():
    """A shipped language translates (nearly) everything: a copy of English would pass the id test."""
    reference = english().texts
    for language in LANGUAGES[1:]:
        same = [k for k, v in _shipped(language).items() if v == reference[k] and len(str(v)) > 12 and _has_words(v)]
        assert len(same) <= 3, (language, same)


@pytest.mark.parametrize(
    ("language", "number", "share"),
    [
        ("en", "11,522,400.5", "42%"),
        ("es", "11.522.400,5", "42\xa0%"),
        ("ca", "11.522.400,5", "42\xa0%"),
        ("de", "11.522.400,5", "42\xa0%"),
        ("fr", "11\u202f522\u202f400,5", "42\xa0%"),
        ("bg", "11\xa0522\xa0400,5", "42%"),
        ("nl", "11.522.400,5", "42%"),
        ("it", "11.522.400,5", "42%"),
    ],
)
def test_numbers_follow_the_language(language: str, number: str, share: str):
    msg = load_messages(language)
    assert msg.num(11522400.5, 1) == number
    assert msg.pct(0.4178) == share
    assert msg("map.rank_of", rank=5, n=73).count("5") == 1 and "73" in msg("map.rank_of", rank=5, n=73)


def test_catalogue_labels_are_translated_but_a_citys_own_labels_are_kept(tmp_path: Path):
    es = load_messages("es")
    cat = es.catalogue(load_catalogue())
    assert cat.solutions["ev_charging"].label == "Recarga de vehículos eléctricos"
    assert cat.sectors["mobility"].label == "Movilidad"
    own = tmp_path / "catalogue.yaml"
    own.write_text("solutions:\n  ev_charging:\n    label: Punts de recàrrega\n", encoding="utf-8")
    assert es.catalogue(load_catalogue(own)).solutions["ev_charging"].label == "Punts de recàrrega"


def test_a_city_corrects_a_text_and_adds_a_language(tmp_path: Path):
    words = tmp_path / "words.yaml"
    words.write_text('map.gaps: "Huecos de servicio"\n', encoding="utf-8")
    msg = load_messages("es", [words])
    assert msg("map.gaps") == "Huecos de servicio" and msg("map.legend") == "Leyenda"
    portuguese = tmp_path / "pt.yaml"
    portuguese.write_text('map.legend: "Legenda"\nsector.energy: "Energia"\n', encoding="utf-8")
    with pytest.warns(ScmapWarning, match=r"pt: \d+ of \d+ texts are not translated"):
        pt = load_messages("pt", [portuguese])
    assert pt("map.legend") == "Legenda" and pt("map.districts") == "Districts"
    assert pt.num(1234.5, 1) == "1.234,5"  # Portuguese marks from CLDR


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('map.legnd: "Leyenda"\n', "unknown message id 'map.legnd'"),
        ('map.rank_of: "{rank} de {total}"\n', r"uses \['total'\]; it may use \{n\}, \{rank\}"),
        ('map.rank_of: "{rank de {n}"\n', "map.rank_of"),
        ("map.legend: 3\n", "must be a non-empty string"),
        ("- a\n- b\n", "maps message ids to texts"),
    ],
)
def test_a_bad_translation_file_is_one_clear_error(tmp_path: Path, text: str, error: str):
    words = tmp_path / "words.yaml"
    words.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError, match=error) as info:
        load_messages("es", [words])
    assert str(words) in str(info.value)


def test_a_language_without_texts_is_refused_at_load(tmp_path: Path):
    with pytest.raises(ProjectError, match="scmap has en, es, ca, bg, nl, de, fr, it"):
        load_messages("pt")
    with pytest.raises(ProjectError, match="IETF language tag"):
        load_messages("spanish please")
    project = tmp_path / "project.yaml"
    text = demo_project_path().read_text(encoding="utf-8").replace("map:\n", "map:\n  language: xx\n", 1)
    data = demo_project_path().parent
    project.write_text(text.replace("path: ", f"path: {data}/"), encoding="utf-8")
    with pytest.raises(ProjectError, match=f"{project}: map.language 'xx'"):
        load_project(project)
    assert load_messages("ca-ES")("map.legend") == "Llegenda"  # a region tag uses its language


class _Visible(HTMLParser):
    """The text a reader sees (and alt/title attributes), without scripts, styles and the project listing."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style", "pre", "code")
        self.parts += [v for k, v in attrs if k in ("alt", "title", "placeholder", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "pre", "code")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _english_left(text: str | list[str], language: str, data: tuple[str, ...] = ()) -> list[str]:
    """Message ids whose English wording shows in *text* once the *data* strings (titles, file
    names, weight-set names) are taken out: a literal part of 8+ characters as whole words
    anywhere, or a shorter text ("Layers", "Zoom in") as one whole piece of *text* (a text node,
    a title, a line)."""
    pieces = [text] if isinstance(text, str) else list(text)
    for value in sorted(data, key=len, reverse=True):
        pieces = [p.replace(value, " ") for p in pieces]
    whole, shown = {p.strip() for p in pieces}, " ".join(pieces)
    reference, translated = english().texts, load_messages(language).texts
    # a word the language itself uses ("Hotspots" in German, "Solutions" in French) is not English left
    own = " ".join(form for text in translated.values() for form in forms(text))
    found = []
    for key, english_text in reference.items():
        if translated[key] == english_text:
            continue
        mine = " ".join(forms(translated[key]))
        for form in forms(english_text):
            literal = [p.strip() for p in re.split(r"\{\w+\}", form)]
            parts = [p for p in literal if len(p) >= 8 and p not in own]  # "(SHA-256" is the same in every language
            short = form.strip() if not placeholders(form) and len(form.strip()) < 8 and form not in mine else None
            if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", shown) for p in parts) or short in whole:
                found.append(f"{key}: {form}")
                break
    return found


def _data_strings(pack: Path, project_file: Path | None = None) -> tuple[str, ...]:
    """Text in the pack that comes from the project's own files, not from scmap."""
    import json

    project = load_project(project_file or demo_project_path())
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    names = [project.spec.name, project.spec.map.title or "", str(project.path)]
    names += [str(project.root / s.path) for s in project.spec.solutions] + [
        str(project.root / project.spec.districts.path)
    ]
    names += [p.name for p in project.root.iterdir()] + [str(k) for k in manifest]
    sources = [project.spec.districts, *project.spec.solutions, *project.spec.layers.values()]
    names += [str(getattr(x, "layer", None) or "") for x in sources] + list(project.spec.layers)
    if project.spec.suitability:
        sets = [w for m in project.spec.suitability.models.values() for w in m.weight_sets]
        names += sets + [w.replace("_", " ").capitalize() for w in sets]
        names += [c for m in project.spec.suitability.models.values() for c in m.criteria]
    return tuple(n for n in names if n)


OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"]
# a word of each language's map, report and atlas that only a translation has
_OWN_WORD = {"es": "Leyenda", "ca": "Llegenda", "bg": "Легенда", "nl": "Legenda", "de": "Legende", "fr": "Légende",
             "it": "Legenda"}  # fmt: skip
_BATCH_TEMPLATE = {
    "name": "Charging network",
    "districts": {"path": "set-per-city", "id": "district_id", "name": "name"},
    "solutions": [{"path": "set-per-city", "id": "ref", "solution": "ev_charging"}],
    "suitability": {
        "models": {
            "ev_charging": {
                "criteria": {"people": {"attribute": "population", "better": "higher"}},
                "weights": {"people": 1},
            }
        }
    },
    "map": {"basemap": "none"},
}


@pytest.fixture(params=OTHER_LANGUAGES)
def packs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """In one language: the demo's pack and a two-city batch (the cross-city pack in network/),
    made once for the whole test run: the test workers (pytest-xdist) share them in the run's
    temporary folder, the first to need a language making it under a file lock."""
    from filelock import FileLock

    language = request.param
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "i18n-packs"
    shared.mkdir(exist_ok=True)
    folder = shared / language
    with FileLock(shared / f"{language}.lock"):
        if not (folder / "made").exists():
            _make_packs(language, folder)
            (folder / "made").touch()
    return language, folder / "pack", folder / "batch"


def _make_packs(language: str, folder: Path) -> None:
    import shutil

    import yaml

    from scmap.pipeline.batch import run_batch

    shutil.rmtree(folder, ignore_errors=True)  # what a failed first try left
    folder.mkdir()
    run(with_map(load_project(demo_project_path()), language=language)).save(folder / "pack")
    data = demo_project_path().parent
    (folder / "template.yaml").write_text(yaml.safe_dump(_BATCH_TEMPLATE), encoding="utf-8")
    rows = "".join(f"{city},{data / 'districts.gpkg'},{data / 'chargers.geojson'}\n" for city in ("Sofia", "Plovdiv"))
    (folder / "cities.csv").write_text("city,districts,solutions\n" + rows, encoding="utf-8")
    batch = run_batch(folder / "template.yaml", folder / "cities.csv", folder / "batch", language=language)
    assert not batch.failed


def _report_text(page: str) -> str:
    report = page.split("<iframe", 1)[0] + page.split("</iframe>", 1)[1]
    parser = _Visible()
    parser.feed(report)
    return " ".join(parser.parts)


def test_the_report_has_no_english_interface_words(packs: tuple[str, Path, Path]):
    language, pack, _ = packs
    page = (pack / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in page
    parser = _Visible()
    parser.feed(page.split("<iframe", 1)[0] + page.split("</iframe>", 1)[1])
    assert _english_left(parser.parts, language, _data_strings(pack)) == []
    text = " ".join(parser.parts)
    msg = load_messages(language)
    for key in ("report.fits_best", "type.ev_charging", "report.kind_distance_to", "rule.ev_charging.rooftop_pv"):
        assert msg(key) in text, key  # the method's phrases and the catalogue's notes, translated
    assert msg("report.n_solutions", n=147) in text and msg("report.n_districts", n=24) in text
    models = "|".join(load_project(demo_project_path()).spec.suitability.models)
    tables = re.sub(rf"\(({models})\)", "", text)  # a model's heading names its key in the project
    assert "ev_charging" not in tables and "rooftop_pv" not in tables  # types by label in every table
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert f'<html lang="{language}">' in inner  # the embedded map too


def _map_text(page: Any) -> list[str]:
    """Every text a participant can see on the map page, with each colouring shown and a popup
    opened in it, a solution's popup, and every title and label."""
    page.evaluate(
        "document.querySelector('.scmap-weights-toggle') && document.querySelector('.scmap-weights-toggle').click()"
    )
    seen = page.evaluate("document.body.innerText").splitlines()
    for key in page.evaluate("Object.keys(window.scmap._registry.choropleths)"):
        seen += page.evaluate(
            """key => { const m = window.scmap.map, g = window.scmap._registry.choropleths[key];
            Object.values(window.scmap._registry.choropleths).forEach(o => m.removeLayer(o)); g.addTo(m);
            m.fire('baselayerchange', {layer: g}); const l = g.getLayers()[0]; l.openPopup();
            return document.body.innerText; }""",
            key,
        ).splitlines()
    seen += page.evaluate(
        """() => { const s = Object.values(window.scmap._registry.sectors)[0]; if (!s) { return ""; }
        s.addTo(window.scmap.map); const f = s.getLayers()[0]; window.scmap.map.setView(f.getLatLng(), 18);
        f.openPopup(); return document.body.innerText; }"""
    ).splitlines()
    seen += page.evaluate(
        """() => Array.from(document.querySelectorAll('[title],[placeholder],[aria-label]')).flatMap(e =>
        [e.title, e.placeholder, e.getAttribute('aria-label')]).filter(Boolean)"""
    )
    return [line for line in seen if line.strip()]


@pytest.mark.browser
def test_the_map_and_the_cities_map_have_no_english_interface_words(browser, packs: tuple[str, Path, Path]):
    language, pack, batch = packs
    opened = open_html(browser, pack / "map.html", offline=True)
    assert opened.page.evaluate("document.documentElement.lang") == language
    seen = _map_text(opened.page)
    text = " ".join(seen)
    assert _english_left(seen, language, _data_strings(pack)) == []
    assert _OWN_WORD[language] in text and "[object Object]" not in text
    assert re.search(r"\d+,\d{3}", text)  # a score written with a decimal comma
    about = [k for k in english().texts if k.startswith("about.type.")]
    assert any(load_messages(language)(k) in text for k in about)  # the catalogue's description
    assert opened.errors == [] and opened.unexpected == []
    cities = open_html(browser, batch / "network" / "cities.html", offline=True)
    seen = _map_text(cities.page)
    title = load_messages(language)(
        "batch.title", name="Charging network", cities=load_messages(language)("batch.n_cities", n=2)
    )
    assert title in seen
    assert _english_left(seen, language, ("Charging network", "Sofia", "Plovdiv")) == []
    assert cities.errors == [] and cities.unexpected == []


def test_the_atlas_has_no_english_interface_words(packs: tuple[str, Path, Path]):
    language, pack, _ = packs
    text = subprocess.run(
        ["pdftotext", "-layout", str(pack / "atlas.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    msg = load_messages(language)
    assert msg("atlas.solutions_by_sector") in text and msg("atlas.gaps") in text
    lines = [part for line in text.splitlines() for part in re.split(r"\s{3,}", line.strip()) if part]
    assert _english_left(lines, language, _data_strings(pack)) == []


def test_the_city_packs_of_a_batch_are_in_its_language(packs: tuple[str, Path, Path]):
    language, _, batch = packs
    page = (batch / "plovdiv" / "report.html").read_text(encoding="utf-8")
    parser = _Visible()
    parser.feed(page.split("<iframe", 1)[0] + page.split("</iframe>", 1)[1])
    data = ("Charging network", "Plovdiv", "people", "districts.gpkg", "chargers.geojson", "plovdiv.yaml")
    data += ("districts", "chargers")  # the layers in those files
    assert _english_left(parser.parts, language, data + tuple(str(p) for p in batch.parent.rglob("*"))) == []


@pytest.mark.parametrize(
    ("language", "n", "text"),
    [
        ("en", 1, "1 input row was not used. By reason:"),
        ("en", 2, "2 input rows were not used. By reason:"),
        ("bg", 1, "1 входен ред не е използван. По причина:"),
        ("bg", 21, "21 входни реда не са използвани. По причина:"),
        ("es", 1, "1 fila de entrada no se usó. Por motivo:"),
        ("es", 1_000_000, "1.000.000 de filas de entrada no se usaron. Por motivo:"),
        ("fr", 0, "0 ligne d'entrée n'a pas été utilisée. Par motif :"),  # French counts 0 as one
        ("fr", 1_500, "1\u202f500 lignes d'entrée n'ont pas été utilisées. Par motif :"),
        ("de", 1, "1 Eingabezeile wurde nicht verwendet. Nach Grund:"),
    ],
)
def test_counted_texts_follow_the_languages_plural_rules(language: str, n: int, text: str):
    assert load_messages(language)("report.n_rejected", n=n) == text


def test_a_city_can_give_plural_forms_and_a_bad_form_is_refused(tmp_path: Path):
    own = tmp_path / "own.yaml"
    own.write_text('batch.n_cities: {one: "{n} town", other: "{n} towns"}\n', encoding="utf-8")
    msg = load_messages("en", [own])
    assert (msg("batch.n_cities", n=1), msg("batch.n_cities", n=3)) == ("1 town", "3 towns")
    bad = tmp_path / "bad.yaml"
    bad.write_text('batch.n_cities: {one: "{n} town", lots: "{n} towns"}\n', encoding="utf-8")
    with pytest.raises(ProjectError, match=r"batch.n_cities.*plural category.*other is required"):
        load_messages("en", [bad])


def test_cli_language_option(tmp_path: Path):
    from click.testing import CliRunner

    from scmap.cli.main import cli

    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", str(demo_project_path()), "-o", str(out), "--language", "ca"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="ca">' in page and "Llegenda" in page
    bad = CliRunner().invoke(cli, ["map", str(demo_project_path()), "-o", str(tmp_path / "x.html"), "--language", "pt"])
    assert bad.exit_code == 1 and "map.language 'pt'" in bad.output and "Traceback" not in bad.output


def test_a_map_says_its_language_also_on_a_folium_map_made_elsewhere(tmp_path: Path):
    """The page's language is data of the page (its template), not patched into the HTML after:
    scmap's own map and a folium map a notebook made both say it, escaped."""
    import folium

    from scmap.maps.export import render_html, save_html

    inputs = load_inputs(load_project(demo_project_path()))
    own = solution_map(inputs.districts.gdf, inputs.solutions, language="bg")
    assert render_html(own).startswith('<!DOCTYPE html>\n<html lang="bg">')
    theirs = folium.Map(location=[42.7, 23.3], tiles=None)
    solution_map(inputs.districts.gdf, inputs.solutions, language="ca", m=theirs)
    page = save_html(theirs, tmp_path / "m.html").read_text(encoding="utf-8")
    assert page.count("<html") == 1 and '<html lang="ca">' in page and "scmapRender(" in page
    with pytest.raises(ProjectError, match="an IETF language tag"):
        solution_map(inputs.districts.gdf, inputs.solutions, language='en"><script>')
