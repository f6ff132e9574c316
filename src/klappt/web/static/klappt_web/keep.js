/* klappt form: never lose an answer (issue 17). form.js calls window.klapptKeeper(form, hooks).

   - Autosave: a change is saved after a short pause, and when the page is hidden or closed, as one
     small POST answered with JSON; the status line says "Gespeichert um 13:52" (aria-live).
   - The browser's copy: every change is written to localStorage first. When the server cannot be
     reached the status says "not saved yet" and the save is retried (on "online", then every few
     seconds). Opening the form again in this browser restores an unsaved copy.
   - The server's draft is the truth: a save names the version the page started from. When another
     browser (a colleague) saved a newer draft, nothing is overwritten: the page shows a conflict
     and the respondent chooses (the newer saved answers, or the ones on this page); the answers
     not chosen stay in the history on the server. */
(function () {
  "use strict";

  var PAUSE = 1500;          // ms after the last change
  var LONGEST = 10000;       // ms a change waits at most while the respondent keeps typing
  var RETRY = [2000, 4000, 8000, 15000];

  function now() { return new Date().getTime(); }

  window.klapptKeeper = function (form, hooks) {
    var url = form.getAttribute("data-autosave");
    var key = form.getAttribute("data-store");
    if (!url || !key) { return null; }
    var texts = hooks.texts;
    var versionField = form.querySelector('input[name="version"]');
    var stateEl = document.getElementById("save-state");
    var conflictEl = document.getElementById("conflict");
    var timer = null, retryTimer = null, retries = 0;
    var flight = null, held = false, blocked = false, stored = false, changes = 0;
    var waiting = 0; // when the oldest unsaved change was made

    function fields() {
      var out = [];
      new FormData(form).forEach(function (v, n) {
        if (["csrfmiddlewaretoken", "version", "key", "step", "section", "action",
             "after_conflict"].indexOf(n) < 0 && typeof v === "string") { out.push([n, v]); }
      });
      return out;
    }

    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

    function readLocal() {
      try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
    }

    // ``sent``: the page is being sent the ordinary way (a submit, the review): a newer version
    // on the server afterwards is that request's, no conflict
    function store(sent) {
      try {
        window.localStorage.setItem(key, JSON.stringify({
          version: parseInt(versionField.value, 10) || 0,
          fields: fields(), step: hooks.step(), at: now(), sent: !!sent
        }));
        stored = true;
      } catch (e) { stored = false; }
    }

    function forget() {
      try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
      stored = false;
    }

    function show(text, kind) {
      if (!stateEl) { return; }
      stateEl.textContent = text;
      stateEl.className = "save-state" + (kind ? " save-" + kind : "");
    }

    function restore(pairs) {
      // entries of a repeat added in the page: add them again until their inputs exist
      pairs.forEach(function (p) {
        var m = /^([^[\/]+)\[(\d+)\]\//.exec(p[0]);
        if (!m || form.querySelector('[name="' + CSS.escape(p[0]) + '"]')) { return; }
        var section = form.querySelector('[data-repeat="' + CSS.escape(m[1]) + '"]');
        for (var i = 0; section && i < 100 && !form.querySelector('[name="' + CSS.escape(p[0]) + '"]'); i++) {
          hooks.appendEntry(section);
        }
        if (section) { hooks.renumber(section); }
      });
      var byName = {};
      pairs.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
      form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (el) {
        var n = el.name;
        if (["csrfmiddlewaretoken", "version", "key", "step", "section"].indexOf(n) >= 0) { return; }
        if (el.type === "hidden" && el.closest(".q-locked")) { return; } // fixed by the register
        var vals = byName[n] || [];
        if (el.type === "checkbox" || el.type === "radio") { el.checked = vals.indexOf(el.value) >= 0; }
        else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = vals.indexOf(o.value) >= 0; });
        } else { el.value = vals.length ? vals[0] : ""; }
      });
      hooks.changed();
    }

    function schedule(ms) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { save({}); }, ms);
    }

    function retryLater() {
      window.clearTimeout(retryTimer);
      retryTimer = window.setTimeout(function () { save({}); }, RETRY[Math.min(retries, RETRY.length - 1)]);
      retries += 1;
    }

    function conflict(time, serverVersion) {
      blocked = true;
      show(texts.held, "warn");
      conflictEl.querySelector("[data-conflict-text]").textContent = texts.conflict.replace("{time}", time);
      conflictEl.hidden = false;
      conflictEl.setAttribute("data-server-version", String(serverVersion));
      conflictEl.focus();
    }

    function save(opts) {
      window.clearTimeout(timer);
      if (blocked || held) { return Promise.resolve(false); }
      // one save at a time: each names the version the one before it made
      if (flight) { return flight.then(function () { return save(opts); }); }
      if (!hooks.isDirty() && !opts.explicit) { return Promise.resolve(true); }
      var body = new FormData(form);
      body.delete("action");
      body.set("key", Math.random().toString(36).slice(2) + now().toString(36));
      if (opts.explicit) { body.set("explicit", "1"); }
      var seen = changes;
      waiting = 0;
      show(texts.saving, "");
      flight = fetch(url, {
        method: "POST", body: body, credentials: "same-origin", keepalive: !!opts.leaving,
        headers: { "X-Requested-With": "fetch" }
      }).then(function (r) {
        return r.json().then(function (j) { return { status: r.status, body: j }; },
          function () { return { status: r.status, body: {} }; });
      }).then(function (res) {
        flight = null;
        var j = res.body;
        if (res.status === 200 && j.status === "saved") {
          versionField.value = String(j.version);
          retries = 0;
          show(texts.saved.replace("{time}", j.time), "ok");
          if (seen === changes) { hooks.setDirty(false); forget(); } else { store(); }
        } else if (j.status === "conflict") {
          conflict(j.saved_at || j.time, j.version);
        } else if (j.status === "closed") {
          blocked = true;
          show(texts.closed, "warn");
        } else {
          show(texts.unsaved, "warn");
          retryLater();
        }
        return res.status === 200;
      }, function () {
        flight = null;
        show(texts.unsaved, "warn");
        retryLater();
        return false;
      });
      return flight;
    }

    // the page is sent the ordinary way (review, submit): no autosave may overtake it
    function hold() {
      window.clearTimeout(timer);
      window.clearTimeout(retryTimer);
      held = true;
    }

    function changed() {
      changes += 1;
      store();
      waiting = waiting || now();
      if (!blocked) { schedule(now() - waiting > LONGEST ? 0 : PAUSE); }
    }

    function leaving() {
      if (hooks.isDirty() && !held) { store(); save({ leaving: true }); }
    }

    function start() {
      var local = readLocal();
      var server = parseInt(versionField.value, 10) || 0;
      if (local && local.sent && local.version !== server) {
        forget();
      } else if (local && local.fields && !same(local.fields, fields())) {
        if (local.version === server) {
          restore(local.fields);
          hooks.setDirty(true);
          show(texts.local, "warn");
          changes += 1;
          schedule(200);
        } else {
          // a newer draft on the server than the one these answers started from
          var stamp = document.getElementById("klappt-form").getAttribute("data-saved-time") || "";
          conflictEl.setAttribute("data-local", "1");
          conflict(stamp, server);
        }
      } else if (local) {
        forget();
      }
      conflictEl.querySelector("[data-keep-server]").addEventListener("click", function () {
        forget();
        hooks.setDirty(false);
        var step = hooks.step();
        window.location.replace(window.location.pathname + "?edit=1&step=" + step);
      });
      conflictEl.querySelector("[data-keep-mine]").addEventListener("click", function () {
        var local = conflictEl.getAttribute("data-local") ? readLocal() : null;
        if (local && local.fields) { restore(local.fields); }
        versionField.value = conflictEl.getAttribute("data-server-version") || versionField.value;
        conflictEl.hidden = true;
        conflictEl.removeAttribute("data-local");
        blocked = false;
        hooks.setDirty(true);
        changes += 1;
        save({ explicit: true });
      });
      window.addEventListener("online", function () { if (hooks.isDirty()) { save({}); } });
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") { leaving(); }
      });
      window.addEventListener("pagehide", leaving);
      // the language switch: save first (the browser's copy holds the answers anyway), and come
      // back to the same section
      document.querySelectorAll("form.form-langs, form.lang").forEach(function (lf) {
        lf.addEventListener("submit", function (e) {
          e.preventDefault();
          var next = lf.querySelector('input[name="next"]');
          if (next) { next.value = window.location.pathname + "?edit=1&step=" + hooks.step(); }
          if (e.submitter && e.submitter.name) {
            var pick = document.createElement("input");
            pick.type = "hidden"; pick.name = e.submitter.name; pick.value = e.submitter.value;
            lf.appendChild(pick);
          }
          store();
          var go = function () { hooks.setDirty(false); lf.submit(); };
          if (!hooks.isDirty() || blocked) { go(); return; }
          save({}).then(go, go);
        });
      });
    }

    return { start: start, save: save, store: store, changed: changed, hold: hold,
             busy: function () { return !!flight; },
             idle: function () { return flight || Promise.resolve(true); },
             kept: function () { return stored; } };
  };
})();
