/* scmap workshop room: the shared, live layer over the workshop map (see scmap/workshop/server.py).
 * Every text from the room is set with textContent; nothing from data becomes HTML. Changes wait in
 * this browser's storage until the server acknowledges them, each with its own id, so a change made
 * offline is sent once the server answers again, and a change sent twice is applied once. */
(function () {
  "use strict";

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

  function newId() {  // crypto.randomUUID needs a secure context; the room may be plain http on a LAN
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function stored(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch (err) { return fallback; }
  }

  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (err) { /* no storage: this visit only */ }
  }

  function Room(reg, cfg) {
    this.reg = reg;
    this.map = reg.map;
    this.cfg = cfg;
    this.t = reg.t;
    this.key = "scmap-room:" + cfg.code;
    this.types = {};
    var self = this;
    cfg.types.forEach(function (ty) { self.types[ty.key] = ty; });
    this.view = null;
    this.online = false;
    this.markers = {};
    this.layer = L.featureGroup().addTo(this.map);
    this.token = this.facilitatorToken() || stored(this.key + ":token", null);
    this.queue = [];
  }

  Room.prototype.facilitatorToken = function () {
    var m = /facilitator=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (m) {  // out of the address bar (and so off the projector), kept for this tab
      try { window.sessionStorage.setItem(this.key + ":facilitator", m[1]); } catch (err) { /* this visit only */ }
      history.replaceState(null, "", location.pathname + location.search);
      return m[1];
    }
    try { return window.sessionStorage.getItem(this.key + ":facilitator"); } catch (err) { return null; }
  };

  Room.prototype.queueKey = function () { return this.key + ":queue:" + this.token.slice(0, 12); };

  Room.prototype.api = function (path, body) {
    var opts = { headers: { Authorization: "Bearer " + this.token }, cache: "no-store" };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
    });
  };

  Room.prototype.start = function () {
    this.queue = stored(this.queueKey(), []);
    this.panel();
    this.hookSketches();
    this.listen();
    this.refresh();
    var self = this;
    window.addEventListener("online", function () { self.flush(); });
    window.scmapRoom = this;
  };

  // changes: queued in storage, sent one at a time, dropped only when the server acknowledged or refused them
  Room.prototype.send = function (change) {
    change.change_id = newId();
    this.queue.push(change);
    store(this.queueKey(), this.queue);
    this.status();
    this.flush();
  };

  Room.prototype.flush = function () {
    if (this.flushing || !this.queue.length) { return; }
    this.flushing = true;
    var self = this;
    this.api("/api/change", this.queue[0]).then(function (res) {
      self.flushing = false;
      if (res.status === 429 || res.status >= 500) { self.retry(res.body.error); return; }
      self.delay = 0;
      self.queue.shift();
      store(self.queueKey(), self.queue);
      if (res.status !== 200) { self.say(res.body.error || String(res.status)); }
      self.status();
      self.flush();
    }, function () {
      self.flushing = false;
      self.setOnline(false);
      self.delay = 0;  // offline: try again soon, the server may be back any moment
      self.retry();
    });
  };

  Room.prototype.retry = function (why) {  // again in 1 s, then 2, 4... up to 30 s while it keeps failing
    var self = this;
    this.delay = Math.min(30000, (this.delay || 500) * 2);
    if (why) { this.say(why); }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.flush(); }, this.delay);
  };

  // news: a stream of sequence numbers; on each, the browser fetches its view
  Room.prototype.listen = function () {
    var self = this;
    fetch("/api/events", { headers: { Authorization: "Bearer " + this.token }, cache: "no-store" }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      self.setOnline(true);
      self.flush();
      self.refresh();
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (part) {
          if (part.done) { throw new Error("closed"); }
          buffer += decoder.decode(part.value, { stream: true });
          var messages = buffer.split("\n\n");
          buffer = messages.pop();
          if (messages.some(function (m) { return /^data:/m.test(m); })) { self.refresh(); }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      self.setOnline(false);
      setTimeout(function () { self.listen(); }, 1000);
    });
  };

  Room.prototype.refresh = function () {
    if (this.fetching) { this.again = true; return; }
    this.fetching = true;
    var self = this;
    this.api("/api/state").then(function (res) {
      self.fetching = false;
      if (res.status === 200) { self.view = res.body; self.render(); }
      if (res.status === 429) { setTimeout(function () { self.refresh(); }, 1000); return; }  // asked too often: soon
      if (self.again) { self.again = false; self.refresh(); }
    }, function () { self.fetching = false; self.again = false; });
  };

  Room.prototype.setOnline = function (on) {
    this.online = on;
    this.status();
  };

  Room.prototype.say = function (text) {
    this.notice.textContent = text;
    var notice = this.notice;
    clearTimeout(this.sayTimer);
    this.sayTimer = setTimeout(function () { notice.textContent = ""; }, 8000);
  };

  Room.prototype.hookSketches = function () {
    var self = this;
    this.reg.onSketch = function (points, props, kind) {
      var ring = points.map(function (p) { return [p.lng, p.lat]; });
      var geometry = kind === "line" ? { type: "LineString", coordinates: ring }
        : kind === "area" ? { type: "Polygon", coordinates: [ring.concat([ring[0]])] }
        : { type: "Point", coordinates: ring[0] };
      self.send({ kind: "propose", type: props.solution, title: props.name, reason: props.note || "", geometry: geometry });
    };
  };

  window.scmapWorkshop = function (reg) {
    var cfg = JSON.parse(document.getElementById("scmap-room").textContent);
    reg.addTexts(cfg.texts);
    var room = new Room(reg, cfg);
    if (room.token) { room.start(); } else { room.joinForm(); }
    return room;
  };
  Room.el = el;  // for the room's other parts
  Room.button = button;
  window.scmapWorkshopRoom = Room;
})();
