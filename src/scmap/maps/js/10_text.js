/* The page's words (texts by message id, plural forms, numbers in its language) and small text-only DOM helpers. */

// the page's language: texts by message id (scmap/core/i18n/*.yaml) and number formats
var I18N = { lang: "en", texts: {}, percent: "%", decimal: ".", group: "," };

// the page's words: what Messages.for_page() writes (scmap/core/i18n)
function setWords(i18n) { I18N = i18n; }

// a counted text has one form per CLDR plural category: vars.n (a number) chooses it
function pluralForm(forms, n) {
  var category;
  try { category = new Intl.PluralRules(I18N.lang).select(n); } catch (err) { category = n === 1 ? "one" : "other"; }
  return Object.prototype.hasOwnProperty.call(forms, category) ? forms[category] : forms.other;
}

function t(id, vars) {
  var text = Object.prototype.hasOwnProperty.call(I18N.texts, id) ? I18N.texts[id] : id;
  if (text && typeof text === "object") { text = pluralForm(text, vars ? Number(vars.n) : NaN); }
  // a count is written with the language's marks, as Python's Messages writes it
  if (vars && typeof vars.n === "number") { vars = Object.assign({}, vars, { n: fmt(vars.n, vars.n % 1 ? 1 : 0) }); }
  return !vars ? text : text.replace(/\{(\w+)\}/g, function (all, name) {
    return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
  });
}

// a number as Python writes it (Messages.num: f"{v:,.{digits}f}" with the language's marks): the
// exact value rounded, an exact tie to the even neighbour, groups of three from 1 000 on (CLDR
// would leave "1234" ungrouped in some languages); the same text in every browser
function fixed(a, digits) {
  var s = a.toFixed(digits), exact = a.toFixed(100);
  var point = exact.indexOf(".");
  if (/^50*$/.test(exact.slice(point + 1 + digits)) && Number(s.charAt(s.length - 1)) % 2 === 1) {
    s = exact.slice(0, digits ? point + 1 + digits : point);  // toFixed went up from a tie: go down
  }
  return s;
}

function fmt(v, digits) {
  if (!isFinite(v)) { return ""; }
  var s = fixed(Math.abs(v), digits), point = s.indexOf(".");
  var whole = point < 0 ? s : s.slice(0, point), frac = point < 0 ? "" : s.slice(point + 1);
  var group = I18N.group || ",";
  var grouped = whole.replace(/\B(?=(\d{3})+$)/g, function () { return group; });
  var sign = v < 0 || (v === 0 && 1 / v < 0) ? "-" : "";
  return sign + grouped + (frac ? (I18N.decimal || ".") + frac : "");
}

function pct(share) { return fmt(share * 100, 0) + I18N.percent; }  // Python: num(round(share * 100))

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  return e;
}

// Leaflet's layer control sets names with innerHTML: give it escaped text.
function escapeHtml(s) {
  return String(s).replace(/[&<>"'`$]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

function bytesOf(b64) {
  var bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  return bytes;
}

// a sector's points: [lon, lat] pairs from little-endian int32 in units of 1/scale degree
function pointsOf(xy) {
  var v = new Int32Array(bytesOf(xy.b64).buffer), out = new Array(v.length / 2);
  for (var i = 0; i < out.length; i++) { out[i] = [v[2 * i] / xy.scale, v[2 * i + 1] / xy.scale]; }
  return out;
}

// signed integers from zigzag LEB128 bytes in base64 (7 bits a byte, low first; maps/_shapes.py);
// arithmetic, not bit operators, so values past 32 bits stay exact
function varints(b64) {
  var bytes = bytesOf(b64), out = [], value = 0, scale = 1;
  for (var i = 0; i < bytes.length; i++) {
    value += (bytes[i] & 127) * scale;
    if (bytes[i] < 128) {
      out.push(value % 2 ? -(value + 1) / 2 : value / 2);
      value = 0;
      scale = 1;
    } else {
      scale *= 128;
    }
  }
  return out;
}

// [lon, lat] pairs from one stream of differences (maps/_shapes.py point_stream)
function pointStream(enc) {
  var d = varints(enc.b64), out = new Array(d.length / 2), x = 0, y = 0;
  for (var i = 0; i < out.length; i++) {
    x += d[2 * i];
    y += d[2 * i + 1];
    out[i] = [x / enc.scale, y / enc.scale];
  }
  return out;
}

// texts sent as positions of their pieces (maps/_texts.py): a piece, pieces to join, or null
function textsOf(table) {
  return table.text_parts.map(function (c) {
    if (c === null || typeof c === "number") { return c === null ? null : table.pieces[c]; }
    return c.map(function (k) { return table.pieces[k]; }).join("");
  });
}

var SHAPE_TYPES = [null, "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "Point"];

// a layer's geometries as GeoJSON from the two streams of maps/_shapes.py: "shape" (each
// geometry's type code, then its parts' and rings' vertex counts) and "xy" (each coordinate minus the
// one before it, in 1/scale degree); GeoJSON texts (an array) are taken as they are
function decodeShapes(enc) {
  if (Array.isArray(enc)) { return enc; }
  var shape = varints(enc.shape), d = varints(enc.xy), s = 0, c = 0, x = 0, y = 0, k = enc.scale;
  function point() { x += d[c++]; y += d[c++]; return [x / k, y / k]; }
  function many(part) { var out = [], n = shape[s++]; for (var i = 0; i < n; i++) { out.push(part()); } return out; }
  function line() { return many(point); }
  function rings() { return many(line); }
  var read = [null, point, line, rings, line, rings, function () { return many(rings); },
              function () { return []; }];  // 7: a point with no coordinates
  var out = [];
  for (var g = 0; g < enc.n; g++) {
    var code = shape[s++];
    out.push(code ? { type: SHAPE_TYPES[code], coordinates: read[code]() } : null);
  }
  return out;
}

function popupBox(heading, subtitle, rows) {
  var box = el("div", "scmap-popup");
  box.appendChild(el("div", "scmap-popup-title", heading));
  if (subtitle) { box.appendChild(el("div", "scmap-popup-sub", subtitle)); }
  var table = el("table");
  for (var i = 0; i < rows.length; i++) {
    var tr = el("tr");
    tr.appendChild(el("th", null, rows[i][0]));
    var td = el("td", null, rows[i][1]);
    if (String(rows[i][1]).length <= 24) { td.style.whiteSpace = "nowrap"; }  // "3 de 73", "23.686" stay whole
    tr.appendChild(td);
    table.appendChild(tr);
  }
  box.appendChild(table);
  return box;
}
