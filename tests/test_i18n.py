"""The map, report and atlas in the workshop's language: complete translation files, a city's own
texts, numbers as the language writes them, and no English left on an ``es`` map or report."""

from __future__ import annotations

import html
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from _browser import open_html
from scmap import demo_project_path, load_project
from scmap.catalogue import builtin_labels, load_catalogue
from scmap.errors import ProjectError, ScmapWarning
from scmap.i18n import LANGUAGES, _shipped, english, load_messages, placeholders
from scmap.project import with_map
from scmap.results import run

SRC = Path(__file__).resolve().parents[1] / "src" / "scmap"
# message ids written out in the code: msg("map.x"), t("map.x"), inp.messages("report.x"), {{ t("report.x") }}
_USED = re.compile(r"""\b(?:msg|t|messages|M)\(\s*["']([a-z]+\.[a-z0-9_]+)["']\s*[,)]""")
# ids built at run time: a prefix written in the code, the rest from data or a fixed list
_DYNAMIC = (
    "type.",
    "sector.",
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
        assert text.strip(), key
        assert placeholders(text) == placeholders(reference[key]), key  # every value shown, none invented
        text.format(**dict.fromkeys(placeholders(text), "x"))  # and formats


def test_every_id_in_the_code_exists_and_every_message_is_used():
    used, reference = _code_ids(), set(english().texts)
    assert used - reference == set(), "ids used in the code but missing from en.yaml"
    unused = {k for k in reference - used if not k.startswith(_DYNAMIC)}
    assert unused == set(), "messages no code uses"
    assert set(builtin_labels()) <= reference  # all 19 types and 3 sectors have a text


def test_translations_differ_from_english():
    """A shipped language translates (nearly) everything: a copy of English would pass the id test."""
    reference = english().texts
    for language in LANGUAGES[1:]:
        same = [k for k, v in _shipped(language).items() if v == reference[k] and len(v) > 12]
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


def _english_left(text: str, language: str, data: tuple[str, ...] = ()) -> list[str]:
    """Message ids whose English wording (a literal part of 8+ characters, as whole words) shows in
    *text* once the *data* strings (titles, file names, weight-set names) are taken out."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    reference, translated = english().texts, load_messages(language).texts
    found = []
    for key, english_text in reference.items():
        if translated[key] == english_text:
            continue
        parts = [p.strip() for p in re.split(r"\{\w+\}", english_text) if len(p.strip()) >= 8]
        parts = [p for p in parts if p not in translated[key]]  # "(SHA-256" is the same in every language
        if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text) for p in parts):
            found.append(f"{key}: {english_text}")
    return found


def _data_strings(pack: Path) -> tuple[str, ...]:
    """Text in the pack that comes from the project's own files, not from scmap."""
    import json

    project = load_project(demo_project_path())
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    names = [project.spec.name, project.spec.map.title or "", str(project.path)]
    names += [str(project.root / s.path) for s in project.spec.solutions] + [
        str(project.root / project.spec.districts.path)
    ]
    names += [p.name for p in project.root.iterdir()] + list(manifest)
    sources = [project.spec.districts, *project.spec.solutions, *project.spec.layers.values()]
    names += [str(getattr(x, "layer", None) or "") for x in sources] + list(project.spec.layers)
    if project.spec.suitability:
        sets = [w for m in project.spec.suitability.models.values() for w in m.weight_sets]
        names += sets + [w.replace("_", " ").capitalize() for w in sets]
    return tuple(n for n in names if n)


@pytest.fixture(scope="module")
def spanish_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("es") / "pack"
    project = with_map(load_project(demo_project_path()), language="es")
    run(project).save(out)
    return out


def test_spanish_report_has_no_english_interface_words(spanish_pack: Path):
    page = (spanish_pack / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="es">', page)
    report = page.split("<iframe", 1)[0] + page.split("</iframe>", 1)[1]
    parser = _Visible()
    parser.feed(report)
    text = " ".join(parser.parts)
    assert _english_left(text, "es", _data_strings(spanish_pack)) == []
    assert "Dónde encaja mejor cada solución" in text and "Recarga de vehículos eléctricos" in text
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert '<html lang="es">' in inner  # the embedded map too


@pytest.mark.browser
def test_spanish_map_has_no_english_interface_words(browser, spanish_pack: Path):
    opened = open_html(browser, spanish_pack / "map.html", offline=True)
    page = opened.page
    assert page.evaluate("document.documentElement.lang") == "es"
    page.evaluate("document.querySelector('.scmap-weights-toggle').click()")
    seen = [page.evaluate("document.body.innerText")]
    # every colouring, and a district's popup in each, and a solution's popup
    for key in page.evaluate("Object.keys(window.scmap.choropleths)"):
        seen.append(
            page.evaluate(
                """key => { const m = window.scmap.map, g = window.scmap.choropleths[key];
                Object.values(window.scmap.choropleths).forEach(o => m.removeLayer(o)); g.addTo(m);
                m.fire('baselayerchange', {layer: g}); const l = g.getLayers()[0]; l.openPopup();
                return document.body.innerText; }""",
                key,
            )
        )
    seen.append(
        page.evaluate(
            """() => { const s = Object.values(window.scmap.sectors)[0]; s.addTo(window.scmap.map);
            const f = s.getLayers()[0]; window.scmap.map.setView(f.getLatLng(), 18); f.openPopup();
            return document.body.innerText; }"""
        )
    )
    seen.append(
        page.evaluate(
            """() => Array.from(document.querySelectorAll('[title],[placeholder],[aria-label]')).map(e =>
            [e.title, e.placeholder, e.getAttribute('aria-label')].join(' ')).join(' ')"""
        )
    )
    text = " ".join(seen)
    assert _english_left(text, "es", _data_strings(spanish_pack)) == []
    assert "Leyenda" in text and "Pesos" in text and " de " in text
    assert re.search(r"\d+,\d{3}", text)  # a score written with a decimal comma
    assert opened.errors == [] and opened.unexpected == []


def test_spanish_atlas(spanish_pack: Path):
    text = subprocess.run(
        ["pdftotext", "-layout", str(spanish_pack / "atlas.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Soluciones por sector" in text and "Zonas sin cobertura" in text and "idoneidad" in text
    assert _english_left(text, "es", _data_strings(spanish_pack)) == []


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
