/* District colourings (choropleths) and the legend that explains what is shown. */

// a district/unit colouring built from columns: popups made when opened
// A layer group that makes its layers the first time it is shown or asked for them: a map of
// 35 000 districts has several colourings of them, of which one at most is shown at start.
// (Defined on first use: the page's code also runs where Leaflet is not loaded, in unit tests.)
var LazyGroup = null;

function lazyGroup(fill) {
  LazyGroup = LazyGroup || L.FeatureGroup.extend({
    initialize: function (make) {
      L.FeatureGroup.prototype.initialize.call(this);
      this._make = make;
    },
    ensure: function () {
      if (!this._make) { return this; }
      var make = this._make, map = this._map;
      this._make = null;
      this._map = null;  // filled off the map: onAdd then adds them all
      make(this);
      this._map = map;
      return this;
    },
    onAdd: function (map) { this.ensure(); L.FeatureGroup.prototype.onAdd.call(this, map); },
    eachLayer: function (fn, context) { this.ensure(); return L.FeatureGroup.prototype.eachLayer.call(this, fn, context); },
    hasLayer: function (layer) { this.ensure(); return L.FeatureGroup.prototype.hasLayer.call(this, layer); }
  });
  return new LazyGroup(fill);
}

function choroplethLayer(ch, geoms, reg) {
  return lazyGroup(function (group) { choroplethShapes(group, ch, geoms, reg); });
}

function choroplethShapes(group, ch, geoms, reg) {
  answerLazily(group);
  for (var u = 0; u < geoms.length; u++) {
    var idx = ch.cidx[u];
    var colour = idx < 0 ? ch.excluded : ch.palette[idx];
    var lyr = shapeLayer(geoms[u], { color: "#555555", weight: 0.4, fillColor: colour, fillOpacity: idx < 0 ? 0.35 : 0.75 });
    (function (i) {
      lazyTexts(lyr, function () {
        var live = ch.live ? reg.models[ch.model] : null;
        if (live) {
          return el("span", null, ch.titles[i] + (live.rank[i] === null ? " · " + t("map.excluded_short")
            : " · " + t("map.score") + " " + fmt(live.score[i], 3)));
        }
        var score = ch.cols[0].values[i];
        return el("span", null, ch.titles[i] + (score === null ? "" : " · " + ch.cols[0].name + " " + score));
      }, function () {
        var rows = ch.live ? liveRows(reg.models[ch.model], i) : [];
        for (var c = 0; c < ch.cols.length; c++) {
          var v = ch.cols[c].values[i];
          if (v !== null && v !== undefined) { rows.push([ch.cols[c].name, v]); }
        }
        return popupBox(ch.titles[i], ch.sub, rows);
      }, true);
    })(u);
    group.addLayer(lyr);
  }
}

function gradient(colours) {
  return "linear-gradient(to right, " + colours.join(", ") + ")";
}

// what the district shapes are, when they are not districts
function legendDistricts(data) {
  var own = el("div", "scmap-legend-overlay");
  var head = el("div", "scmap-legend-head");
  var dot = el("span", "scmap-swatch");
  dot.style.backgroundColor = "#555555";
  dot.style.borderRadius = "50%";
  head.appendChild(dot);
  head.appendChild(el("span", null, data.districts.label));
  own.appendChild(head);
  own.appendChild(el("div", "scmap-legend-note", data.districts.note));
  return own;
}

function legendSector(sec) {
  var block = el("div", "scmap-legend-sector");
  block.setAttribute("data-sector", sec.key);
  var head = el("div", "scmap-legend-head");
  var sw = el("span", "scmap-swatch");
  sw.style.backgroundColor = sec.colour;
  head.appendChild(sw);
  head.appendChild(el("span", null, sec.label + " (" + fmt(sec.count, 0) + ")"));
  block.appendChild(head);
  sec.types.forEach(function (ty) {
    var row = el("div", "scmap-legend-type");
    var sym = el("span", "scmap-legend-symbol");
    sym.appendChild(symbolSvg(ty.paths, ty.label, 11));
    sym.style.backgroundColor = ty.colour;
    row.appendChild(sym);
    row.appendChild(el("span", null, ty.label + " (" + fmt(ty.count, 0) + ")"));
    block.appendChild(row);
  });
  if (sec.note) { block.appendChild(el("div", "scmap-legend-note", sec.note)); }
  return block;
}

function legendOverlay(ov) {
  var block = el("div", "scmap-legend-overlay");
  block.setAttribute("data-overlay", ov.key);
  block.appendChild(el("div", "scmap-legend-head", ov.legend.caption));
  ov.legend.items.forEach(function (it) {
    var row = el("div", "scmap-legend-type");
    var sw = el("span", "scmap-swatch");
    sw.style.backgroundColor = it.colour;
    row.appendChild(sw);
    row.appendChild(el("span", null, it.label));
    block.appendChild(row);
  });
  if (ov.note) { block.appendChild(el("div", "scmap-legend-note", ov.note)); }
  return block;
}

function legendChoropleth(ch, reg) {
  var block = el("div", "scmap-legend-choropleth");
  block.setAttribute("data-choropleth", ch.key);
  block.appendChild(el("div", "scmap-legend-head", ch.legend.caption));
  var bar = el("div", "scmap-gradient");
  bar.style.background = gradient(ch.legend.colours);
  block.appendChild(bar);
  var ends = el("div", "scmap-gradient-ends");
  ends.appendChild(el("span", null, ch.legend.min));
  ends.appendChild(el("span", null, ch.legend.max));
  block.appendChild(ends);
  if (ch.legend.classes && ch.legend.classes.length) {
    ch.legend.classes.forEach(function (b) {
      var tick = el("span", "scmap-class-tick");
      tick.style.left = (b * 100).toFixed(1) + "%";
      bar.appendChild(tick);
    });
    var classes = el("div", "scmap-classes", t("map.classes_up_to", { breaks: ch.legend.classes.map(function (b) {
      return fmt(b, 2);
    }).join(" · ") }));
    block.appendChild(classes);
    reg.classNotes = reg.classNotes || {};
    reg.classNotes[ch.model] = classes;
  }
  return block;
}

// the legend's box: a fold button (folded from the start on a small map) over its blocks
function legendBox(map, data, reg) {
  var box = el("div", "scmap-legend leaflet-bar");
  var fold = el("button", "scmap-legend-fold", t("map.legend") + " \u25be");
  fold.type = "button";
  fold.title = t("map.legend_fold");
  var body = el("div", "scmap-legend-body");
  fold.addEventListener("click", function () {
    var open = body.style.display === "none";
    body.style.display = open ? "" : "none";
    fold.textContent = t("map.legend") + (open ? " \u25be" : " \u25b8");
  });
  box.appendChild(fold);
  box.appendChild(body);
  reg.legendTitle = el("div", "scmap-legend-title", data.legend_title);
  body.appendChild(reg.legendTitle);
  if (map.getSize().y < 700) { body.style.display = "none"; fold.textContent = t("map.legend") + " \u25b8"; }
  if (data.districts.note) { body.appendChild(legendDistricts(data)); }
  function add(key, block) { reg.legendBlocks[key] = block; body.appendChild(block); }
  data.sectors.forEach(function (sec) { add("sector:" + sec.key, legendSector(sec)); });
  data.overlays.forEach(function (ov) { add(ov.key, legendOverlay(ov)); });
  data.choropleths.forEach(function (ch) { add(ch.key, legendChoropleth(ch, reg)); });
  L.DomEvent.disableClickPropagation(box);
  L.DomEvent.disableScrollPropagation(box);
  return box;
}

function legendControl(map, data, reg) {
  var Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () { return legendBox(map, data, reg); }
  });
  var legend = new Legend();
  legend.addTo(map);
  function sync() {
    var sectorsShown = false;
    Object.keys(reg.legendBlocks).forEach(function (key) {
      var layer = reg.byKey[key];
      var shown = layer && map.hasLayer(layer);
      reg.legendBlocks[key].style.display = shown ? "" : "none";
      if (shown && key.indexOf("sector:") === 0) { sectorsShown = true; }
    });
    reg.legendTitle.style.display = sectorsShown ? "" : "none";  // no empty heading
  }
  map.on("overlayadd overlayremove baselayerchange", sync);
  sync();
  reg.syncLegend = sync;
  return legend;
}
