// Kefu insights: the dashboard's live queue wall (polls a small JSON document) and the period
// picker's custom dates. Charts are server-rendered SVG and need no script.
(function () {
  "use strict";

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) { return "–"; }
    var total = Math.round(Math.abs(seconds));
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    if (days) { return hours ? days + "d " + hours + "h" : days + "d"; }
    if (hours) { return minutes ? hours + "h " + minutes + "m" : hours + "h"; }
    if (minutes) { return secs ? minutes + "m " + secs + "s" : minutes + "m"; }
    return secs + "s";
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  // -- the queue wall ---------------------------------------------------------------------
  function QueueWall(root) {
    this.root = root;
    this.url = root.getAttribute("data-url");
    this.interval = Math.max(2000, Number(root.getAttribute("data-interval")) || 5000);
    this.body = root.querySelector("[data-insights=wall-rows]");
    this.status = root.querySelector("[data-insights=wall-status]");
    this.labels = JSON.parse(document.getElementById("insights-wall-labels").textContent);
    this.refreshes = 0;
    this.timer = null;
  }

  QueueWall.prototype.start = function () {
    var self = this;
    this.load();
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { self.load(); }
    });
  };

  QueueWall.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.load(); }, this.interval);
  };

  QueueWall.prototype.load = function () {
    var self = this;
    if (document.hidden) { this.schedule(); return; }
    fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          self.say(self.labels.signed_out, "error");
          return null;  // signed out: stop polling
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        self.render(data);
        self.schedule();
      })
      .catch(function () {
        self.say(self.labels.offline, "error");
        self.schedule();
      });
  };

  QueueWall.prototype.say = function (text, state) {
    this.status.textContent = text;
    this.root.setAttribute("data-state", state);
  };

  QueueWall.prototype.render = function (data) {
    var labels = this.labels;
    var rows = document.createDocumentFragment();
    data.queues.forEach(function (q) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-queue", q.slug);
      if (q.waiting > 0 && q.agents_online === 0) { tr.className = "wall-unstaffed"; }
      tr.appendChild(cell(q.name));
      tr.appendChild(cell(q.team));
      tr.appendChild(cell(q.language));
      var waiting = cell(String(q.waiting), "num");
      waiting.setAttribute("data-insights", "waiting");
      tr.appendChild(waiting);
      tr.appendChild(cell(q.waiting ? formatDuration(q.oldest_wait_seconds) : "–", "num"));
      tr.appendChild(cell(q.estimated_wait_seconds === null ? labels.no_estimate
        : formatDuration(q.estimated_wait_seconds), "num"));
      tr.appendChild(cell(String(q.agents_online), "num"));
      tr.appendChild(cell(String(q.agents_busy), "num"));
      rows.appendChild(tr);
    });
    if (!data.queues.length) {
      var tr = document.createElement("tr");
      var td = cell(labels.no_queues, "muted");
      td.colSpan = 8;
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    this.body.replaceChildren(rows);
    var totals = data.totals;
    var self = this;
    ["waiting", "agents_online", "agents_busy", "chats_in_progress"].forEach(function (key) {
      var node = self.root.querySelector("[data-total=" + key + "]");
      if (node) { node.textContent = String(totals[key]); }
    });
    var oldest = this.root.querySelector("[data-total=oldest_wait_seconds]");
    if (oldest) { oldest.textContent = totals.waiting ? formatDuration(totals.oldest_wait_seconds) : "–"; }
    this.refreshes += 1;
    this.root.setAttribute("data-refreshes", String(this.refreshes));
    this.root.setAttribute("data-updated", data.at);
    this.say(labels.updated + " " + new Date(data.at).toLocaleTimeString(), "live");
  };

  // -- the period picker: the custom dates only matter for a custom period ------------------
  function periodPicker(form) {
    var select = form.querySelector("select[name=period]");
    var custom = form.querySelector("[data-insights=custom-dates]");
    if (!select || !custom) { return; }
    function sync() { custom.hidden = select.value !== "custom"; }
    select.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var wall = document.querySelector("[data-insights=queue-wall]");
    if (wall) { new QueueWall(wall).start(); }
    var form = document.querySelector("form[data-insights=filters]");
    if (form) { periodPicker(form); }
  });
})();
