/* klappt: the coding screen without a page load per keystroke. No external code, no tracking.
   Every change is one small POST whose answer (the part's HTML, rendered and escaped by the
   server) replaces the part; requests run one after the other, so fast typing keeps its order.
   Without JavaScript the same page is a plain form. */
(function () {
  "use strict";
  var root, live, progress, queue = Promise.resolve(), seq = 0;

  function unit() { return root.querySelector("#unit"); }
  function csrf() {
    var i = root.querySelector("input[name=csrfmiddlewaretoken]");
    return i ? i.value : "";
  }
  function announce(text) {
    if (!live || !text) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 20);
  }
  function swap(data, focusHeading) {
    if (!data || data.error) { announce((data && data.error) || root.getAttribute("data-error")); return; }
    var active = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : "";
    root.innerHTML = data.html;
    if (progress && data.progress) { progress.textContent = data.progress; }
    if (focusHeading) {
      var h = root.querySelector("#unit-h");
      if (h) { h.focus(); }
    } else if (active && document.getElementById(active)) {
      document.getElementById(active).focus();
    }
    announce(data.announce);
    seq += 1;
    root.setAttribute("data-seq", String(seq));
  }
  function request(url, options, focusHeading) {
    return fetch(url, options).then(function (r) {
      return r.json().catch(function () { return { error: root.getAttribute("data-error") }; });
    }).then(function (data) { swap(data, focusHeading); })
      .catch(function () { announce(root.getAttribute("data-error")); });
  }
  /* fields() runs when the request's turn comes: it reads the part shown then */
  function post(fields) {
    queue = queue.then(function () {
      var u = unit();
      if (!u) { return null; }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf());
      body.append("ajax", "1");
      body.append("answer", u.getAttribute("data-answer"));
      var f = fields(u);
      if (!f) { return null; }
      Object.keys(f).forEach(function (k) { body.append(k, f[k]); });
      return request(root.getAttribute("data-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }, false);
    });
    return queue;
  }
  function move(which) {
    queue = queue.then(function () {
      var u = unit();
      var n = u && u.getAttribute(which === "next" ? "data-next" : "data-prev");
      if (!n) { announce(root.getAttribute(which === "next" ? "data-last" : "data-first")); return null; }
      var url = root.getAttribute("data-url");
      return request(url + "?partial=1&n=" + encodeURIComponent(n), {
        credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
      }, true).then(function () {
        var now = unit();
        if (now && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", url + "?n=" + now.getAttribute("data-n"));
        }
      });
    });
    return queue;
  }
  function toggle(box) {
    post(function (u) {
      var el = u.querySelector("#" + box);
      if (!el) { return null; }
      var on = !el.checked;
      if (el.name === "none") { return { action: "none", on: on ? "1" : "0" }; }
      return { action: "set", code: el.value, on: on ? "1" : "0" };
    });
  }
  function suggestion(kind) {
    post(function (u) {
      var first = u.querySelector(".suggestion [data-accept]");
      if (!first) { return null; }
      return { action: kind, code: first.getAttribute("data-accept") };
    });
  }

  /* WCAG 2.1.4: single-key shortcuts can be switched off; the choice is kept in this browser */
  var STORE = "klappt.coding.keys";
  function keysOn() {
    var box = document.getElementById("keys-on");
    return !box || box.checked;
  }
  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || !keysOn()) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
        (t.tagName === "INPUT" && t.type !== "checkbox"))) { return; }
    var k = e.key;
    if (k === "ArrowRight" || k === "j") { move("next"); }
    else if (k === "ArrowLeft" || k === "k") { move("prev"); }
    else if (k === "+") { suggestion("accept"); }
    else if (k === "-") { suggestion("reject"); }
    else if (/^[0-9a-z]$/.test(k)) {
      var box = unit() && unit().querySelector('[data-key="' + k + '"]');
      if (!box) { return; }
      toggle(box.id);
    } else { return; }
    e.preventDefault();
  }
  function onChange(e) {
    var el = e.target;
    if (!el || el.type !== "checkbox") { return; }
    var on = el.checked;
    el.checked = !on; /* the server's answer sets it; until then it shows the stored state */
    if (el.hasAttribute("data-accept")) {
      if (on) { post(function () { return { action: "accept", code: el.getAttribute("data-accept") }; }); }
      return;
    }
    post(function () {
      if (el.name === "none") { return { action: "none", on: on ? "1" : "0" }; }
      return { action: "set", code: el.value, on: on ? "1" : "0" };
    });
  }
  function onClick(e) {
    var el = e.target.closest ? e.target.closest("[data-reject], [data-move], button[value=save]") : null;
    if (!el || !root.contains(el)) { return; }
    e.preventDefault();
    if (el.hasAttribute("data-reject")) {
      var code = el.getAttribute("data-reject");
      post(function () { return { action: "reject", code: code }; });
    } else if (el.hasAttribute("data-move")) {
      move(el.getAttribute("data-move"));
    } else {
      move("next"); /* every change is saved already */
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("coding");
    if (!root || !window.fetch || !window.FormData) { return; }
    live = document.getElementById("coding-live");
    progress = document.getElementById("coding-progress");
    root.setAttribute("data-seq", "0");
    var box = document.getElementById("keys-on");
    if (box) {
      try { box.checked = window.localStorage.getItem(STORE) !== "off"; } catch (err) { /* no storage: on */ }
      box.addEventListener("change", function () {
        try { window.localStorage.setItem(STORE, box.checked ? "on" : "off"); } catch (err) { /* not kept */ }
      });
    }
    root.classList.add("is-live");
    document.addEventListener("keydown", onKey);
    root.addEventListener("change", onChange);
    root.addEventListener("click", onClick);
    /* adding a code comes back to the part being read, not the first open one */
    var add = document.querySelector(".add-code-form [data-current-n]");
    if (add) {
      add.form.addEventListener("submit", function () {
        var u = unit();
        add.value = u ? u.getAttribute("data-n") : "";
      });
    }
  });
})();
