/* Live weights: the suitability models re-scored in the page exactly as Python scores them, and their panel. */

// ---------------------------------------------------------------- live weights (re-scoring in the page)
// The same standardised values and formulas as scmap.suitability (aggregate, _rank): for any
// weights the page's scores equal Python's.

function decodeF64(b64) { return new Float64Array(bytesOf(b64).buffer); }

function LiveModel(ch) {
  var lv = ch.live;
  this.key = ch.model;
  this.ch = ch;
  this.ids = lv.ids;
  this.n = lv.ids.length;
  this.criteria = lv.criteria;
  this.values = lv.values.map(decodeF64);
  this.exclusions = lv.exclusions;
  this.aggregation = lv.aggregation;
  this.owa = lv.owa;
  this.method = lv.method;
  this.presets = lv.presets;
  this.weights = this.presets.project.slice();
  this.constraintOn = {};
  var self = this;
  this.exclusions.forEach(function (e) { if (e.kind === "constraint") { self.constraintOn[e.name] = true; } });
  this.changed = false;
  this.rescore();
  this.projectRank = this.rank.slice();
}

LiveModel.prototype.usable = function () {
  var usable = new Uint8Array(this.n).fill(1), why = new Array(this.n).fill("");
  for (var e = 0; e < this.exclusions.length; e++) {
    var ex = this.exclusions[e];
    if (ex.kind === "constraint" && !this.constraintOn[ex.name]) { continue; }
    for (var u = 0; u < ex.units.length; u++) {
      var i = ex.units[u];
      if (usable[i]) {
        why[i] = ex.kind === "missing" ? t("map.no_value_for", { name: ex.name }) : t("map.excluded_by", { name: ex.name });
      }
      usable[i] = 0;
    }
  }
  return { usable: usable, why: why };
};

LiveModel.prototype.standardised = function (usable) {
  var n = this.n, self = this;
  return this.criteria.map(function (c, j) {
    var v = self.values[j], out = new Float64Array(n).fill(NaN), i;
    if (!c.minmax) {
      for (i = 0; i < n; i++) { if (usable[i]) { out[i] = v[i]; } }
      return out;
    }
    var lo = Infinity, hi = -Infinity, any = false;
    for (i = 0; i < n; i++) {
      if (usable[i] && isFinite(v[i])) { any = true; if (v[i] < lo) { lo = v[i]; } if (v[i] > hi) { hi = v[i]; } }
    }
    if (!any) { return out; }
    for (i = 0; i < n; i++) {
      if (!usable[i] || !isFinite(v[i])) { continue; }
      if (hi === lo) { out[i] = 1.0; continue; }
      var x = (v[i] - lo) / (hi - lo);
      out[i] = c.minmax === "lower" ? 1.0 - x : x;
    }
    return out;
  });
};

LiveModel.prototype.aggregateRow = function (x, w) {
  var k = x.length, j, s = 0;
  if (this.aggregation === "wlc") {
    for (j = 0; j < k; j++) { s += w[j] * x[j]; }
    return s;
  }
  if (this.aggregation === "product") {
    for (j = 0; j < k; j++) { s += (x[j] > 0 ? Math.log(x[j]) : -1e300) * w[j]; }
    return Math.exp(Math.min(Math.max(s, -745), 0));
  }
  var vsum = 0, order = [], num = 0, den = 0;
  for (j = 0; j < this.owa.length; j++) { vsum += this.owa[j]; }
  for (j = 0; j < k; j++) { order.push(j); }
  var key = x.map(function (v) { return isNaN(v) ? -1 : v; });
  order.sort(function (a, b) { return key[b] - key[a] || a - b; });  // numpy's stable argsort of -x
  for (j = 0; j < k; j++) {
    var uv = w[order[j]] * (this.owa[j] / vsum);
    num += uv * x[order[j]];
    den += uv;
  }
  return num / den;
};

LiveModel.prototype.scoresFor = function (weights, usableInfo) {
  var total = 0, j, i;
  for (j = 0; j < weights.length; j++) { total += weights[j]; }
  var w = weights.map(function (v) { return v / total; });
  var info = usableInfo || this.usable(), std = this.standardised(info.usable);
  var score = new Float64Array(this.n).fill(NaN);
  for (i = 0; i < this.n; i++) {
    if (!info.usable[i]) { continue; }
    var row = std.map(function (col) { return col[i]; });
    var s = this.aggregateRow(row, w);
    score[i] = isNaN(s) ? NaN : Math.min(Math.max(s, 0), 1);
  }
  return { score: score, std: std, w: w, why: info.why };
};

function ranksOf(score) {  // 1 = best; ties share the best rank (scipy rankdata "min")
  var idx = [], i, rank = new Array(score.length).fill(null);
  for (i = 0; i < score.length; i++) { if (isFinite(score[i])) { idx.push(i); } }
  idx.sort(function (a, b) { return score[b] - score[a]; });
  for (var r = 0; r < idx.length; r++) {
    rank[idx[r]] = r > 0 && score[idx[r]] === score[idx[r - 1]] ? rank[idx[r - 1]] : r + 1;
  }
  return rank;
}

LiveModel.prototype.rescore = function () {
  var out = this.scoresFor(this.weights);
  this.score = out.score;
  this.std = out.std;
  this.w = out.w;
  this.why = out.why;
  this.rank = ranksOf(out.score);
  this.inPlay = this.rank.filter(function (r) { return r !== null; }).length;
};

function paletteIndex(score, steps) {
  return isFinite(score) ? Math.round(Math.min(Math.max(score, 0), 1) * (steps - 1)) : -1;
}

var RANK_UP = "#1b7837", RANK_DOWN = "#762a83", RANK_SAME = "#f7f7f7";

function recolour(reg, model) {
  var group = reg.choropleths[model.ch.key], ch = model.ch, i = 0;
  var compare = reg.compare && reg.compare.model === model.key ? reg.compare : null;
  group.eachLayer(function (lyr) {
    var fill, opacity;
    if (compare) {
      var d = compare.delta[i];
      fill = d === null ? ch.excluded : d > 0 ? RANK_UP : d < 0 ? RANK_DOWN : RANK_SAME;
      opacity = d === null ? 0.35 : Math.min(0.9, 0.25 + Math.abs(d) / compare.maxDelta * 0.65);
    } else {
      var idx = paletteIndex(model.score[i], ch.palette.length);
      fill = idx < 0 ? ch.excluded : ch.palette[idx];
      opacity = idx < 0 ? 0.35 : 0.75;
    }
    lyr.setStyle({ fillColor: fill, fillOpacity: opacity });
    i++;
  });
}

function liveRows(model, i) {
  var rows = [];
  if (model.rank[i] === null) {
    rows.push([t("map.excluded"), model.why[i] || t("map.no_score")]);
    return rows;
  }
  rows.push([t("map.score"), fmt(model.score[i], 3)]);
  var was = model.changed && model.projectRank[i] !== model.rank[i] && model.projectRank[i] !== null
    ? " " + t("map.was", { rank: fmt(model.projectRank[i], 0) }) : "";
  rows.push([t("map.rank"), t("map.rank_of", { rank: fmt(model.rank[i], 0), n: fmt(model.inPlay, 0) }) + was]);
  model.criteria.forEach(function (c, j) {
    rows.push([t("map.criterion_row", { criterion: c.label || c.key, weight: pct(model.w[j]) }),
               fmt(model.w[j] * model.std[j][i], 3)]);
  });
  return rows;
}

function compareWith(reg, model, preset) {
  if (!preset) { reg.compare = null; recolour(reg, model); return []; }
  var other = ranksOf(model.scoresFor(model.presets[preset]).score);
  var delta = model.rank.map(function (r, i) { return r === null || other[i] === null ? null : other[i] - r; });
  var maxDelta = 1;
  delta.forEach(function (d) { if (d !== null && Math.abs(d) > maxDelta) { maxDelta = Math.abs(d); } });
  reg.compare = { model: model.key, preset: preset, delta: delta, maxDelta: maxDelta };
  recolour(reg, model);
  var moved = delta.map(function (d, i) { return [d, i]; }).filter(function (p) { return p[0] !== null && p[0] !== 0; });
  moved.sort(function (a, b) { return Math.abs(b[0]) - Math.abs(a[0]) || a[1] - b[1]; });
  return moved.slice(0, 5).map(function (p) {
    return { id: model.ids[p[1]], title: model.ch.titles[p[1]], now: model.rank[p[1]], other: other[p[1]] };
  });
}

function weightsPanel(map, reg) {
  var models = Object.keys(reg.models).map(function (k) { return reg.models[k]; });
  if (!models.length) { return; }
  var Panel = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var box = el("div", "scmap-weights leaflet-bar");
      var head = el("button", "scmap-weights-toggle", t("map.weights"));
      head.type = "button";
      head.title = t("map.weights_tip");
      var body = el("div", "scmap-weights-body");
      body.style.display = "none";
      head.addEventListener("click", function () {
        body.style.display = body.style.display === "none" ? "" : "none";
        if (body.style.display === "") { reg.showModel(reg.panelModel.key); }
      });
      box.appendChild(head);
      box.appendChild(body);
      reg.panelBody = body;
      reg.panelModel = models[0];
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  new Panel().addTo(map);
  renderPanel(reg);
}

function modelSelect(reg, model) {
  var select = el("select", "scmap-weights-model");
  Object.keys(reg.models).forEach(function (k) {
    var o = el("option", null, reg.models[k].ch.short || reg.models[k].ch.label);
    o.value = k;
    o.selected = k === model.key;
    select.appendChild(o);
  });
  select.addEventListener("change", function () {
    reg.panelModel = reg.models[select.value];
    reg.showModel(select.value);
    renderPanel(reg);
  });
  return select;
}

// a criterion's slider: it takes the slider's share; the others share the rest as they did before
function weightRow(reg, model, c, j, total) {
  var row = el("label", "scmap-weights-row");
  var name = el("span", "scmap-weights-name", c.label || c.key);
  name.title = (c.label || c.key) + " (" + c.unit + "; " + t("map.unit_key", { key: c.key }) + ")";
  name.appendChild(el("small", null, " " + c.unit));
  row.appendChild(name);
  var slider = el("input", "scmap-weights-slider");
  slider.type = "range"; slider.min = "0"; slider.max = "100"; slider.step = "1";
  slider.value = String(Math.round(model.weights[j] / total * 100));
  slider.setAttribute("data-criterion", c.key);
  var share = el("span", "scmap-weights-pct", pct(model.weights[j] / total));
  slider.addEventListener("input", function () {
    var wanted = Number(slider.value) / 100, rest = 1 - model.w[j], next = {};
    model.criteria.forEach(function (other, k) {
      next[other.key] = k === j ? wanted : rest > 0 ? model.w[k] / rest * (1 - wanted) : (1 - wanted) / (model.criteria.length - 1);
    });
    reg.setWeights(model.key, next);
    Array.prototype.forEach.call(reg.panelBody.querySelectorAll(".scmap-weights-pct"), function (p, k) {
      p.textContent = pct(model.w[k]);
    });
  });
  slider.addEventListener("change", function () { renderPanel(reg); });
  row.appendChild(slider);
  row.appendChild(share);
  return row;
}

function constraintRow(reg, model, e) {
  var row = el("label", "scmap-weights-row");
  var box = el("input");
  box.type = "checkbox"; box.checked = model.constraintOn[e.name];
  box.setAttribute("data-constraint", e.name);
  box.addEventListener("change", function () { reg.setConstraint(model.key, e.name, box.checked); });
  row.appendChild(box);
  row.appendChild(el("span", null, " " + t("map.constraint", { name: e.name, n: e.units.length })));
  return row;
}

function presetButtons(reg, model) {
  var presets = el("div", "scmap-weights-presets");
  Object.keys(model.presets).forEach(function (name) {
    var b = el("button", null, name === "project" ? t("map.reset") : name);
    b.type = "button";
    b.setAttribute("data-preset", name);
    b.title = name === "project" ? t("map.reset_tip") : t("map.preset_tip", { name: name });
    b.addEventListener("click", function () { reg.preset(model.key, name); });
    presets.appendChild(b);
  });
  return presets;
}

// a weight set to compare with: the districts that move most, listed under the choice
function compareControls(reg, model, body) {
  var cmp = el("select", "scmap-weights-compare");
  var none = el("option", null, t("map.compare"));
  none.value = "";
  cmp.appendChild(none);
  Object.keys(model.presets).forEach(function (name) {
    var o = el("option", null, name === "project" ? t("map.project_weights") : name);
    o.value = name;
    o.selected = reg.compare && reg.compare.model === model.key && reg.compare.preset === name;
    cmp.appendChild(o);
  });
  var list = el("ol", "scmap-weights-moves");
  cmp.addEventListener("change", function () {
    var moves = compareWith(reg, model, cmp.value);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    moves.forEach(function (m) {
      var preset = cmp.value === "project" ? t("map.project_weights") : cmp.value;
      list.appendChild(el("li", null, t("map.moved", { title: m.title, now: m.now, other: m.other, preset: preset })));
    });
  });
  body.appendChild(cmp);
  body.appendChild(list);
}

function exportControls(reg, model, body) {
  var note = el("input", "scmap-weights-who");
  note.placeholder = t("map.who_why");
  body.appendChild(note);
  var exp = el("button", null, t("map.export_weights"));
  exp.type = "button";
  exp.addEventListener("click", function () {
    var out = reg.exportWeights(model.key, note.value);
    download("weights-" + model.key + ".json", JSON.stringify(out, null, 2), "application/json");
  });
  body.appendChild(exp);
}

function renderPanel(reg) {
  var body = reg.panelBody, model = reg.panelModel;
  while (body.firstChild) { body.removeChild(body.firstChild); }
  if (Object.keys(reg.models).length > 1) { body.appendChild(modelSelect(reg, model)); }
  var method = model.changed ? t("map.weights_changed") : model.method === "ahp" ? t("map.weights_ahp") :
    t("map.weights_method", { method: t("map.method_" + model.method) });
  var aggregation = t("map.aggregation", { name: t("map.agg_" + model.aggregation) });
  body.appendChild(el("div", "scmap-weights-note", method + " · " + aggregation));
  var total = model.weights.reduce(function (a, b) { return a + b; }, 0);
  model.criteria.forEach(function (c, j) { body.appendChild(weightRow(reg, model, c, j, total)); });
  model.exclusions.filter(function (e) { return e.kind === "constraint"; }).forEach(function (e) {
    body.appendChild(constraintRow(reg, model, e));
  });
  body.appendChild(presetButtons(reg, model));
  compareControls(reg, model, body);
  exportControls(reg, model, body);
}

function liveModelOf(reg, key) {
  var m = reg.models[key];
  if (!m) { throw new Error("no suitability model " + key + "; models: " + Object.keys(reg.models).join(", ")); }
  return m;
}

// a model's weights with *weights* (by criterion key) put in: each a number >= 0, not all 0
function nextWeights(m, weights) {
  var next = m.weights.slice(), total = 0;
  m.criteria.forEach(function (c, j) {
    if (Object.prototype.hasOwnProperty.call(weights, c.key)) {
      var v = Number(weights[c.key]);
      if (!(v >= 0) || !isFinite(v)) { throw new Error("weight of " + c.key + " must be a number >= 0"); }
      next[j] = v;
    }
  });
  next.forEach(function (v) { total += v; });
  if (!(total > 0)) { throw new Error("all weights are zero"); }
  return next;
}

function refreshModel(map, reg, m) {
  m.rescore();
  var note = reg.classNotes && reg.classNotes[m.key];
  if (note) { note.style.display = m.changed ? "none" : ""; }  // the classes belong to the project's weights
  if (reg.compare && reg.compare.model === m.key) { compareWith(reg, m, reg.compare.preset); } else { recolour(reg, m); }
  map.closePopup();
}

// what the page's scoring says, by unit id or criterion key (window.scmap.scores("ev_charging")...)
function liveReads(reg) {
  reg.scores = function (key) {
    var m = liveModelOf(reg, key), out = {};
    m.ids.forEach(function (id, i) { out[id] = isFinite(m.score[i]) ? m.score[i] : null; });
    return out;
  };
  reg.ranks = function (key) {
    var m = liveModelOf(reg, key), out = {};
    m.ids.forEach(function (id, i) { out[id] = m.rank[i]; });
    return out;
  };
  reg.weights = function (key) {
    var m = liveModelOf(reg, key), out = {};
    m.criteria.forEach(function (c, j) { out[c.key] = m.w[j]; });
    return out;
  };
  reg.exportWeights = function (key, note) {
    var m = liveModelOf(reg, key), weights = reg.weights(key), off = [];
    Object.keys(m.constraintOn).forEach(function (k) { if (!m.constraintOn[k]) { off.push(k); } });
    var entry = { weights: weights };
    if (off.length) { entry.constraints_off = off; }
    if (note) { entry.note = note; }
    var models = {};
    models[key] = entry;
    return { scmap_weights: 1, created: new Date().toISOString(), models: models };
  };
}

function liveApi(map, reg) {
  reg.setWeights = function (key, weights) {
    var m = liveModelOf(reg, key);
    m.weights = nextWeights(m, weights);
    m.changed = true;
    refreshModel(map, reg, m);
    return reg.scores(key);
  };
  reg.setConstraint = function (key, name, on) {
    var m = liveModelOf(reg, key);
    if (!(name in m.constraintOn)) { throw new Error("no constraint " + name); }
    m.constraintOn[name] = !!on;
    m.changed = true;
    refreshModel(map, reg, m);
    return reg.scores(key);
  };
  reg.preset = function (key, name) {
    var m = liveModelOf(reg, key);
    if (!m.presets[name]) { throw new Error("no weight set " + name); }
    m.weights = m.presets[name].slice();
    Object.keys(m.constraintOn).forEach(function (k) { m.constraintOn[k] = true; });
    m.changed = name !== "project";
    refreshModel(map, reg, m);
    if (reg.panelBody) { renderPanel(reg); }
    return reg.scores(key);
  };
  reg.showModel = function (key) {
    var group = reg.choropleths["suit:" + key];
    Object.keys(reg.choropleths).forEach(function (k) {
      if (reg.choropleths[k] !== group && map.hasLayer(reg.choropleths[k])) { map.removeLayer(reg.choropleths[k]); }
    });
    if (!map.hasLayer(group)) { group.addTo(map); map.fire("baselayerchange", { layer: group }); }
    if (reg.syncCompact) { reg.syncCompact(); }
  };
  liveReads(reg);
}
