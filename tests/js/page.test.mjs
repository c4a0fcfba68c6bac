// Unit tests of the map page's own code (src/scmap/maps/js), against vectors Python writes:
// numbers and counted texts in every language, and suitability scores and ranks under many
// weights and all three aggregations. Run by scripts/test.sh:
//   python tests/js/make_fixtures.py DIR && SCMAP_JS_FIXTURES=DIR node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

const DIR = process.env.SCMAP_JS_FIXTURES || "build/js-fixtures";
const vectors = JSON.parse(readFileSync(join(DIR, "vectors.json"), "utf8"));

// the page's code as a map page runs it, in a context of its own (no DOM, no Leaflet: the
// parts under test need neither)
function page() {
  const context = { window: {}, atob, console };
  vm.createContext(context);
  vm.runInContext(readFileSync(join(DIR, "scmap.js"), "utf8"), context);
  return context.scmapInternals;
}

const TOLERANCE = 1e-12;

function close(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === null) {
      assert.ok(!Number.isFinite(actual[i]), `${what}[${i}]: excluded in Python, ${actual[i]} here`);
    } else {
      assert.ok(Math.abs(actual[i] - expected[i]) <= TOLERANCE, `${what}[${i}]: ${actual[i]} != ${expected[i]}`);
    }
  }
}

for (const [language, v] of Object.entries(vectors.languages)) {
  test(`numbers are written as Python writes them (${language})`, () => {
    const js = page();
    js.setWords(v.i18n);
    for (const [value, digits, python] of v.numbers) {
      assert.equal(js.fmt(value, digits), python, `${value} with ${digits} decimals`);
    }
    for (const [share, python] of v.shares) { assert.equal(js.pct(share), python, `share ${share}`); }
  });

  test(`counted texts choose Python's plural form (${language})`, () => {
    const js = page();
    js.setWords(v.i18n);
    assert.ok(v.counted.length > 0);
    for (const [id, n, others, python] of v.counted) {
      assert.equal(js.t(id, Object.assign({ n }, others)), python, `${id} for ${n}`);
    }
  });
}

test("the vectors cover every aggregation", () => {
  const seen = new Set(vectors.models.map((m) => m.aggregation));
  assert.deepEqual([...seen].sort(), ["owa", "product", "wlc"]);
});

for (const m of vectors.models) {
  test(`${m.model} (${m.aggregation}): scores and ranks equal Python's for every weight set`, () => {
    const js = page();
    js.setWords(vectors.languages.en.i18n);
    const model = new js.LiveModel(m.ch);
    for (const [c, k] of m.cases.map((c, k) => [c, k])) {
      const out = model.scoresFor(c.weights);
      close(Array.from(out.score), c.score, `case ${k} score`);
      assert.deepEqual(Array.from(js.ranksOf(out.score)), c.rank, `case ${k} ranks`);
      if (c.pack_score) { close(Array.from(model.score), c.pack_score, "the pack's own scores"); }
    }
  });
}

test("ranks: 1 is best, ties share the better rank, no score no rank", () => {
  const js = page();
  assert.deepEqual(Array.from(js.ranksOf([0.5, NaN, 0.9, 0.5, 0.1])), [2, null, 1, 2, 4]);
  assert.deepEqual(Array.from(js.ranksOf([])), []);
});

test("palette classes: a score of 0 is the first, 1 the last, none is -1", () => {
  const js = page();
  assert.deepEqual([0, 0.49, 0.5, 1, 1.2, NaN].map((s) => js.paletteIndex(s, 5)), [0, 2, 2, 4, 4, -1]);
});

test("geometries decode to the GeoJSON Python wrote, to the last decimal", () => {
  const js = page();
  assert.ok(vectors.shapes.length === 3);
  for (const { encoded, geojson } of vectors.shapes) {
    assert.ok(!Array.isArray(encoded), "the layer is encoded, not GeoJSON text");
    assert.deepEqual(JSON.parse(JSON.stringify(js.decodeShapes(encoded))), geojson, `scale ${encoded.scale}`);
  }
});

test("popup texts join back from their pieces as Python wrote them, in every language", () => {
  const js = page(), v = vectors.texts;
  const texts = js.textsOf(v.payload);
  assert.deepEqual(v.codes.map((k) => texts[k]), v.texts);
  assert.ok(v.payload.pieces.length < v.texts.length, "pieces are shared between texts");
  assert.deepEqual(JSON.parse(JSON.stringify(js.pointStream(v.points))), v.xy);
});
