/* scmap workshop room: what the room shows (join form, status, sites on the map, their popups,
 * the list of sites). Loaded after room.js; every text is set with textContent. */
(function () {
  "use strict";
  var Room = window.scmapWorkshopRoom;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function button(label, onClick, cls) {
    var b = el("button", cls || "scmap-room-button", label);
    b.type = "button";
    b.addEventListener("click", function (e) { e.preventDefault(); e.stopPropagation(); onClick(b); });
    return b;
  }

  function labelled(text, input) {
    var lab = el("label", "scmap-room-field");
    lab.appendChild(el("span", null, text));
    lab.appendChild(input);
    return lab;
  }

  Room.prototype.joinForm = function () {
    var t = this.t, self = this;
    var box = el("form", "scmap-room-join");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", t("room.join_title"));
    box.appendChild(el("h2", null, t("room.join_title")));
    box.appendChild(el("p", null, t("room.join_intro")));
    var name = el("input"), org = el("input");
    name.name = "name"; name.required = true; name.maxLength = 80; name.autocomplete = "name";
    org.name = "organisation"; org.required = true; org.maxLength = 80; org.autocomplete = "organization";
    box.appendChild(labelled(t("room.your_name"), name));
    box.appendChild(labelled(t("room.your_organisation"), org));
    var go = el("button", "scmap-room-button", t("room.join"));
    go.type = "submit";
    box.appendChild(go);
    var problem = el("p", "scmap-room-problem");
    problem.setAttribute("role", "alert");
    box.appendChild(problem);
    box.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = { code: self.cfg.code, name: name.value, organisation: org.value };
      fetch("/api/join", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
        .then(function (res) {
          if (res.status !== 200) { problem.textContent = res.body.error || String(res.status); return; }
          try { window.localStorage.setItem(self.key + ":token", JSON.stringify(res.body.token)); } catch (err) { /* */ }
          self.token = res.body.token;
          box.remove();
          self.start();
        }, function () { problem.textContent = t("room.offline"); });
    });
    document.body.appendChild(box);
    name.focus();
  };

  Room.prototype.panel = function () {  // a column beside the map (below it on a phone)
    var self = this, t = this.t;
    var box = el("aside", "scmap-room-panel");
    box.setAttribute("aria-label", t("room.panel"));
    box.appendChild(el("h2", null, t("room.panel")));
    this.statusLine = el("div", "scmap-room-status");
    this.statusLine.setAttribute("role", "status");
    this.statusLine.setAttribute("aria-live", "polite");
    this.notice = el("div", "scmap-room-notice");
    this.notice.setAttribute("role", "alert");
    box.appendChild(this.statusLine);
    box.appendChild(this.notice);
    box.appendChild(button(t("room.save_weights"), function () { self.saveWeights(); }, "scmap-room-button scmap-room-weights"));
    this.facilitatorBox = el("div", "scmap-room-facilitator");
    box.appendChild(this.facilitatorBox);
    box.appendChild(el("h3", null, t("room.sites")));
    this.list = el("ol", "scmap-room-sites");
    this.list.setAttribute("aria-label", t("room.sites"));
    box.appendChild(this.list);
    document.body.appendChild(box);
    document.body.classList.add("scmap-room-on");
    this.map.invalidateSize();
    var layers = this.reg.layerControl;  // folded: the room's map is narrower, its popups need the room
    if (layers && !layers.options.collapsed) {
      this.map.removeControl(layers);
      layers.options.collapsed = true;
      layers.addTo(this.map);
    }
    this.weightsButton = box.querySelector(".scmap-room-weights");
  };

  Room.prototype.status = function () {
    if (!this.statusLine) { return; }
    var t = this.t, v = this.view, parts = [];
    if (v) {
      parts.push(v.me.role === "facilitator" ? t("room.you_facilitate") : t("room.you_are", { name: v.me.name, organisation: v.me.organisation }));
      if (v.me.role !== "facilitator") { parts.push(t("room.votes_left", { left: v.me.votes_left, total: v.votes_per_person })); }
      parts.push({ open: t("room.round_open"), paused: t("room.round_paused"), closed: t("room.round_closed") }[v.round]);
    }
    parts.push(this.online ? t("room.live") : t("room.offline"));
    if (this.queue.length) { parts.push(t("room.waiting", { n: this.queue.length })); }
    this.statusLine.textContent = parts.join(" · ");
    this.statusLine.classList.toggle("scmap-room-offline", !this.online);
  };

  Room.prototype.saveWeights = function () {
    var model = this.reg.panelModel;
    if (!model) { this.say(this.t("room.no_weights")); return; }
    this.send({ kind: "weights", model: model.key, weights: this.reg.weights(model.key) });
    this.say(this.t("room.weights_saved", { model: model.ch.label }));
  };

  Room.prototype.render = function () {
    var self = this, seen = {};
    this.view.sites.forEach(function (s) { seen[s.id] = true; self.drawSite(s); });
    Object.keys(this.markers).forEach(function (id) {
      if (!seen[id]) { self.layer.removeLayer(self.markers[id]); delete self.markers[id]; }
    });
    this.renderList();
    this.status();
    this.weightsButton.hidden = this.view.me.role === "facilitator";  // group weights come from participants
    if (this.facilitatorView) { this.facilitatorView(); }
  };

  function siteColour(s) { return s.net > 0 ? "#1b7837" : s.net < 0 ? "#762a83" : "#666666"; }

  Room.prototype.drawSite = function (s) {
    var old = this.markers[s.id], look = { color: s.mine ? "#000000" : "#ffffff", weight: s.mine ? 3 : 2,
      fillColor: siteColour(s), fillOpacity: s.hidden || s.merged_into ? 0.25 : 0.8 };
    if (old && JSON.stringify(old.scmapGeometry) === JSON.stringify(s.geometry)) {
      old.setStyle(look);
    } else {
      if (old) { this.layer.removeLayer(old); }
      old = L.geoJSON(s.geometry, { style: function () { return look; },
        pointToLayer: function (_, ll) { return L.circleMarker(ll, L.extend({ radius: 10 }, look)); } });
      old.scmapGeometry = s.geometry;
      var self = this, id = s.id;
      old.bindTooltip(function () { return el("span", null, "#" + self.site(id).n + " " + self.site(id).title); });
      old.bindPopup(function () { return self.popup(id); }, { maxWidth: 320, minWidth: 240 });
      this.layer.addLayer(old);
      this.markers[s.id] = old;
    }
    old.scmapSite = s;
    // an open popup is rebuilt only when its site or comments changed (not under the pointer for others' news)
    var signature = JSON.stringify([s, this.view.comments.filter(function (c) { return c.site === s.id; }), this.view.me]);
    if (old.isPopupOpen() && signature !== old.scmapSignature) { this.keepDraft(old); }
    old.scmapSignature = signature;
  };

  Room.prototype.keepDraft = function (marker) {  // a fresh popup, with what was being typed kept
    var popup = marker.getPopup(), oldBox = popup.getElement(), draft = null, reply = null;
    var area = oldBox && oldBox.querySelector("textarea");
    if (area) { draft = area.value; reply = area.getAttribute("data-reply"); }
    var box = this.popup(marker.scmapSite.id, reply);
    popup.setContent(box);
    var fresh = box.querySelector("textarea");
    if (fresh && draft) { fresh.value = draft; }
    if (area && document.activeElement === area && fresh) { fresh.focus(); }
  };

  Room.prototype.site = function (id) {
    return (this.view.sites.filter(function (s) { return s.id === id; })[0]) || null;
  };

  Room.prototype.typeLabel = function (key) { return this.types[key] ? this.types[key].label : key; };

  Room.prototype.renderList = function () {
    var self = this, t = this.t;
    this.list.textContent = "";
    this.view.sites.filter(function (s) { return s.in_play; }).forEach(function (s) {
      var li = el("li", "scmap-room-site" + (s.mine ? " scmap-room-mine" : ""));
      var go = button("#" + s.n + " " + s.title, function () { self.open(s.id); }, "scmap-room-link");
      li.appendChild(go);
      li.appendChild(el("span", "scmap-room-counts", t("room.counts", { support: s.support, oppose: s.oppose, comments: s.comments })));
      self.list.appendChild(li);
    });
    if (!this.list.children.length) { this.list.appendChild(el("li", "scmap-room-empty", t("room.no_sites"))); }
  };

  Room.prototype.open = function (id) {
    var m = this.markers[id];
    if (!m) { return; }
    var b = m.getBounds();
    if (b.isValid()) { this.map.fitBounds(b, { maxZoom: Math.max(this.map.getZoom(), 15), animate: false }); }
    m.openPopup(b.getCenter());
  };
})();
