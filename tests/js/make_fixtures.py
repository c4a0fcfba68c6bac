"""Write what the JavaScript unit tests check the page's code against: the page's code itself
(joined as a map gets it, with its inner functions published) and vectors that Python computes.

    python tests/js/make_fixtures.py OUTDIR    # then: SCMAP_JS_FIXTURES=OUTDIR node --test tests/js/

The vectors are Python's answers for the same inputs: numbers and counted texts in every
language (:class:`scmap.core.i18n.Messages`), and the suitability scores and ranks of the demo's
live models under several weights and all three aggregations (:func:`scmap.analysis.
suitability.model.aggregate` through the workshop's re-scoring, and the pack's own scores for
the project's weights).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from scmap.core.i18n import LANGUAGES, load_messages, placeholders
from scmap.maps._script import page_script

EXPOSE = (
    "pluralForm",
    "t",
    "fmt",
    "pct",
    "decodeF64",
    "LiveModel",
    "ranksOf",
    "paletteIndex",
    "setWords",
    "decodeShapes",
    "textsOf",
    "pointStream",
)
NUMBERS = [0, 1, 2.5, -3.5, 0.125, 7.45, 999.5, 1234, 1234.56, -98765.4321, 12345678, 0.0004, 1e9 + 0.5]
COUNTS = [0, 1, 2, 3, 5, 11, 21, 100, 1_000_000]


def _language(language: str) -> dict[str, object]:
    msg = load_messages(language)
    numbers = [[v, d, msg.num(v, d)] for v in NUMBERS for d in (0, 1, 2, 3)]
    shares = [[s, msg.pct(s)] for s in (0.0, 0.005, 0.125, 0.5, 0.999, 1.0)]
    counted = []
    for key, text in msg.for_page()["texts"].items():
        if "n" in placeholders(text):
            others = {p: f"<{p}>" for p in placeholders(text) - {"n"}}
            counted += [[key, n, others, msg(key, **others, n=n)] for n in COUNTS]
    return {"i18n": msg.for_page(), "numbers": numbers, "shares": shares, "counted": counted}


def _ranks(score: np.ndarray) -> list[int | None]:
    out: list[int | None] = [None] * len(score)
    ok = np.isfinite(score)
    for i, r in zip(np.flatnonzero(ok), rankdata(-score[ok], method="min"), strict=True):
        out[int(i)] = int(r)
    return out


def _models() -> list[dict[str, object]]:
    """The demo's live models (and each under the other two aggregations) with Python's scores."""
    import scmap
    from scmap.workshop.scoring import page_payload, rescore

    results = scmap.run(scmap.demo_project_path())
    page = results.map().get_root().render()
    rng = np.random.default_rng(7)
    out = []
    for ch in page_payload(page)["choropleths"]:
        if not ch.get("live"):
            continue
        units = results.suitability.units.set_index("unit_id")
        own = units[f"{ch['model']}_score"].reindex([str(i) for i in ch["live"]["ids"]]).to_numpy(dtype=float)
        k = len(ch["live"]["criteria"])
        for aggregation in ("wlc", "product", "owa"):
            live = {**ch["live"], "aggregation": aggregation, "owa": list(np.linspace(1.0, 0.2, k))}
            cases = []
            for w in [ch["live"]["presets"]["project"], *rng.uniform(0.05, 3.0, (3, k)).tolist()]:
                score = rescore(live, {c["key"]: float(x) for c, x in zip(live["criteria"], w, strict=True)})
                cases.append(
                    {
                        "weights": list(map(float, w)),
                        "score": [None if np.isnan(s) else s for s in score],
                        "rank": _ranks(score),
                    }
                )
            if aggregation == ch["live"]["aggregation"]:
                cases[0]["pack_score"] = [None if np.isnan(s) else float(s) for s in own]
            out.append({"model": ch["model"], "aggregation": aggregation, "ch": {**ch, "live": live}, "cases": cases})
    return out


def _shapes() -> list[dict[str, object]]:
    """Layers of every geometry type, encoded as a map gets them, with their GeoJSON."""
    import shapely

    from scmap.maps._shapes import Shapes

    rng = np.random.default_rng(3)
    ring = [(-179.9999999, -89.5), (179.9999999, -89.5), (0.0000001, 89.9999999), (-179.9999999, -89.5)]
    holed = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3), (2, 2)]])
    kinds = [
        shapely.Point(23.3219, 42.6977),
        shapely.LineString(rng.uniform(-180, 180, (50, 2))),
        shapely.Polygon(ring),
        holed,
        shapely.MultiPolygon([holed, shapely.box(20, 20, 21, 21)]),
        shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 5)]]),
        shapely.MultiPoint([(1, 2), (-3, -4)]),
        shapely.Polygon(),
        shapely.Point(),
        shapely.LineString(),
        shapely.MultiPolygon(),
    ]
    out = []
    for digits in (5, 6, 7):
        geoms = shapely.transform(np.array(kinds, dtype=object), lambda c, d=digits: np.round(c, d))
        expected = [json.loads(t) for t in shapely.to_geojson(geoms)]
        out.append({"encoded": Shapes(geoms, digits).encoded(), "geojson": expected})
    return out


def _texts() -> dict[str, object]:
    """Popup texts in every language, coded as a map gets them, and label points as a stream."""
    from scmap.maps._shapes import point_stream
    from scmap.maps._texts import TextTable

    table, texts = TextTable(), []
    for language in LANGUAGES:
        msg = load_messages(language)
        texts += [msg.num(v, d) for v in NUMBERS for d in (0, 2)] + [msg.pct(s) for s in (0.0, 0.125, 1.0)]
        texts += [msg("map.gap_text", rank=msg.num(r), n=msg.num(34_969)) for r in (1, 2, 28_315)]
    texts += ["", "el Raval", "Ивана Вазова", None]
    codes = [table.code(t) for t in texts]
    xy = np.random.default_rng(5).uniform([-180, -90], [180, 90], (50, 2)).round(5)
    return {"payload": table.payload(), "codes": codes, "texts": texts,
            "points": point_stream(xy, 5), "xy": xy.tolist()}  # fmt: skip


def main(outdir: str) -> None:
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scmap.js").write_text(page_script(EXPOSE), encoding="utf-8")
    vectors = {
        "languages": {lang: _language(lang) for lang in LANGUAGES},
        "models": _models(),
        "shapes": _shapes(),
        "texts": _texts(),
    }
    (folder / "vectors.json").write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")
    print(f"{folder}: scmap.js and vectors.json ({len(vectors['models'])} models)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/js-fixtures")
