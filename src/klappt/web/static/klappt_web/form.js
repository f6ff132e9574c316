/* klappt form: show and hide questions live from the form's `relevant` conditions, step through
   the sections, keep the respondent's place. The conditions arrive as small trees compiled on the
   server (klappt/web/logic.py, which evaluates them the same way before saving). */
(function () {
  "use strict";

  // --- values ---------------------------------------------------------------------------
  function rawValue(form, name) {
    var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    if (!els.length) { return ""; }
    var out = [];
    els.forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { out.push(el.value); }
      } else if (el.value) {
        out.push(el.value);
      }
    });
    return out.join(" ").trim();
  }

  function parseNumber(text) {
    var s = String(text || "").replace(/[\s\u00a0\u202f']/g, "");
    if (s.indexOf(",") >= 0 && s.indexOf(".") < 0) { s = s.replace(",", "."); }
    if (s === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) { return NaN; }
    return parseFloat(s);
  }

  function parseDate(text) {
    var s = String(text || "").trim(), m;
    if ((m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s))) { return m[1] + "-" + m[2] + "-" + m[3]; }
    if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})/.exec(s))) {
      return m[3] + "-" + ("0" + m[2]).slice(-2) + "-" + ("0" + m[1]).slice(-2);
    }
    return "";
  }

  // --- evaluation (same rules as klappt.web.logic.Evaluator) -------------------------------
  function V(kind, v, emptyLit) { return { kind: kind, v: v, emptyLit: !!emptyLit }; }

  function makeEvaluator(types, values) {
    function ref(name) {
      var kind = types[name] || "str";
      var text = values[name] || "";
      if (kind === "multi") { return V("multi", text ? text.split(/\s+/) : []); }
      if (kind === "num") { return V("num", parseNumber(text)); }
      if (kind === "date") { return V("date", parseDate(text)); }
      return V("str", text);
    }
    function truth(v) {
      if (v.kind === "bool") { return !!v.v; }
      if (v.kind === "num") { return !isNaN(v.v) && v.v !== 0; }
      if (v.kind === "multi") { return v.v.length > 0; }
      return v.v !== "";
    }
    function str(v) {
      if (v.kind === "multi") { return v.v.join(" "); }
      if (v.kind === "bool") { return v.v ? "true" : "false"; }
      if (v.kind === "num") {
        if (isNaN(v.v)) { return ""; }
        return String(v.v);
      }
      return v.v;
    }
    function num(v) {
      if (v.kind === "num") { return v.v; }
      if (v.kind === "bool") { return v.v ? 1 : 0; }
      if (v.kind === "multi") { return NaN; }
      if (v.kind === "date") {
        return v.v ? Math.round(Date.parse(v.v + "T00:00:00Z") / 86400000) : NaN;
      }
      return parseNumber(String(v.v).trim());
    }
    function date(v) {
      if (v.kind === "date") { return v.v; }
      if (v.kind === "num") {
        return isNaN(v.v) ? "" : new Date(Math.trunc(v.v) * 86400000).toISOString().slice(0, 10);
      }
      var s = str(v).slice(0, 10);
      return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : "";
    }
    function compare(op, a, b) {
      var x, y;
      if (a.kind === "bool" || b.kind === "bool") {
        x = truth(a) ? 1 : 0; y = truth(b) ? 1 : 0;
      } else if (a.kind === "date" || b.kind === "date") {
        x = date(a); y = date(b);
        if (!x || !y) { return op === "!="; }
      } else if (a.kind === "num" || b.kind === "num" || ["<", "<=", ">", ">="].indexOf(op) >= 0) {
        if (a.emptyLit || b.emptyLit) {
          x = str(a); y = str(b);
        } else {
          x = num(a); y = num(b);
          if (isNaN(x) || isNaN(y)) { return op === "!="; }
        }
      } else {
        x = str(a); y = str(b);
      }
      switch (op) {
        case "=": return x === y;
        case "!=": return x !== y;
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        default: return x >= y;
      }
    }
    function call(name, args) {
      var x;
      switch (name) {
        case "selected":
          if (args[0].kind === "multi") { return V("bool", args[0].v.indexOf(str(args[1])) >= 0); }
          return V("bool", str(args[0]) === str(args[1]));
        case "count-selected":
          return V("num", args[0].kind === "multi" ? args[0].v.length : (str(args[0]) !== "" ? 1 : 0));
        case "not": return V("bool", !truth(args[0]));
        case "true": return V("bool", true);
        case "false": return V("bool", false);
        case "boolean": return V("bool", truth(args[0]));
        case "string-length": return V("num", Array.from(str(args[0])).length);
        case "number": return V("num", num(args[0]));
        case "int": x = num(args[0]); return V("num", isNaN(x) ? x : Math.trunc(x));
        case "round":
          x = num(args[0]);
          var scale = Math.pow(10, args.length === 2 ? num(args[1]) : 0);
          return V("num", isNaN(x) ? x : Math.sign(x) * Math.floor(Math.abs(x) * scale + 0.5) / scale);
        case "string": return V("str", str(args[0]));
        case "concat": return V("str", args.map(str).join(""));
        case "regex":
          var p = str(args[1]);
          return V("bool", new RegExp(p.charAt(0) === "^" ? p : "^(?:" + p + ")$").test(str(args[0])));
        case "if": return truth(args[0]) ? args[1] : args[2];
        case "coalesce": x = str(args[0]); return V("str", x !== "" ? x : str(args[1]));
        case "today": return V("date", new Date().toISOString().slice(0, 10));
        case "date": return V("date", date(args[0]));
      }
      throw new Error("unsupported " + name);
    }
    function ev(node) {
      switch (node[0]) {
        case "lit":
          return typeof node[1] === "string" ? V("str", node[1], node[1] === "") : V("num", node[1]);
        case "ref": return ref(node[1]);
        case "neg": return V("num", -num(ev(node[1])));
        case "call": return call(node[1], node[2].map(ev));
        case "op":
          var op = node[1], a = ev(node[2]), b = ev(node[3]);
          if (op === "and") { return V("bool", truth(a) && truth(b)); }
          if (op === "or") { return V("bool", truth(a) || truth(b)); }
          if (["+", "-", "*", "div", "mod"].indexOf(op) >= 0) {
            var x = num(a), y = num(b);
            if (op === "+") { return V("num", x + y); }
            if (op === "-") { return V("num", x - y); }
            if (op === "*") { return V("num", x * y); }
            if (isNaN(x) || isNaN(y) || y === 0) { return V("num", NaN); }
            if (op === "div") { return V("num", x / y); }
            return V("num", x - y * Math.trunc(x / y));
          }
          return V("bool", compare(op, a, b));
      }
      throw new Error("unknown node");
    }
    return function (tree) {
      if (tree === null || tree === undefined) { return true; }
      try { return truth(ev(tree)); } catch (e) { return false; }
    };
  }

  // the evaluator, for the tests that compare it with the server's (klappt.web.logic)
  window.klappt = {
    holds: function (tree, types, values) { return makeEvaluator(types, values)(tree); }
  };

  var form = document.getElementById("klappt-form");
  var logicEl = document.getElementById("klappt-logic");
  if (!form || !logicEl) { return; }
  var logic = JSON.parse(logicEl.textContent);
  var texts = document.getElementById("klappt-text").dataset;

  // --- relevance ----------------------------------------------------------------------------
  function applicable() {
    var values = {}, out = {};
    logic.order.forEach(function (name) { values[name] = rawValue(form, name); });
    var holds = makeEvaluator(logic.types, values);
    logic.order.forEach(function (name) {
      var ok = (logic.chains[name] || []).every(holds);
      out[name] = ok;
      if (!ok) { values[name] = ""; }
    });
    var groups = {};
    Object.keys(logic.groups).forEach(function (g) { groups[g] = logic.groups[g].every(holds); });
    return { questions: out, groups: groups };
  }

  var live = document.getElementById("live");
  var first = true;

  function refresh() {
    var state = applicable(), appeared = false;
    form.querySelectorAll("[data-q]").forEach(function (el) {
      var show = state.questions[el.getAttribute("data-q")] !== false;
      if (show && el.hidden) { appeared = true; }
      el.hidden = !show;
    });
    form.querySelectorAll("[data-grid]").forEach(function (el) {
      el.hidden = !el.querySelector("[data-q]:not([hidden])");
    });
    // inner sections first, so that a section holding only hidden sections hides too
    Array.prototype.slice.call(form.querySelectorAll("[data-g]")).reverse().forEach(function (el) {
      var g = el.getAttribute("data-g");
      var content = el.querySelector("[data-q]:not([hidden]), [data-g]:not([hidden])");
      el.hidden = state.groups[g] === false || !content;
    });
    if (appeared && !first && live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = texts.shown; }, 50);
    }
    first = false;
    updateSteps();
  }

  // --- steps --------------------------------------------------------------------------------
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var stepField = document.getElementById("step-field");
  var progress = document.getElementById("progress");
  var prev = form.querySelector("[data-prev]");
  var next = form.querySelector("[data-next]");
  var current = Math.min(parseInt(form.getAttribute("data-step") || "0", 10) || 0, steps.length - 1);
  var stepped = steps.length > 1;

  function visibleSteps() {
    return steps.filter(function (s) { return !s.hidden; });
  }

  function updateSteps() {
    if (!stepped) { return; }
    var vis = visibleSteps();
    if (steps[current] && steps[current].hidden) {
      var later = vis.filter(function (s) { return steps.indexOf(s) > current; });
      current = steps.indexOf(later[0] || vis[vis.length - 1] || steps[0]);
    }
    steps.forEach(function (s, i) { s.classList.toggle("is-current", i === current); });
    document.querySelectorAll("[data-step-item]").forEach(function (li) {
      var i = parseInt(li.getAttribute("data-step-item"), 10);
      li.hidden = steps[i].hidden;
      var a = li.querySelector("a");
      if (i === current) { a.setAttribute("aria-current", "step"); } else { a.removeAttribute("aria-current"); }
    });
    var pos = vis.indexOf(steps[current]);
    prev.hidden = pos <= 0;
    next.hidden = pos >= vis.length - 1;
    stepField.value = String(current);
    if (progress) {
      var label = steps[current].querySelector("h2").textContent;
      progress.textContent = texts.progress.replace("{n}", pos + 1)
        .replace("{total}", vis.length).replace("{label}", label);
    }
  }

  function go(index, focus) {
    current = index;
    updateSteps();
    if (focus) {
      var h = steps[current].querySelector("h2");
      h.focus();
      window.scrollTo(0, Math.max(0, steps[current].getBoundingClientRect().top + window.scrollY - 80));
    }
  }

  function stepOf(el) {
    for (var i = 0; i < steps.length; i++) { if (steps[i].contains(el)) { return i; } }
    return -1;
  }

  if (stepped) {
    form.classList.add("stepped");
    prev.addEventListener("click", function () {
      var vis = visibleSteps(), pos = vis.indexOf(steps[current]);
      if (pos > 0) { go(steps.indexOf(vis[pos - 1]), true); }
    });
    next.addEventListener("click", function () {
      var vis = visibleSteps(), pos = vis.indexOf(steps[current]);
      if (pos < vis.length - 1) { go(steps.indexOf(vis[pos + 1]), true); }
    });
    document.querySelectorAll("[data-step-link]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        go(parseInt(a.getAttribute("data-step-link"), 10), true);
      });
    });
  }

  // links of the error summary: open the step and put the focus on the field
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var target = document.getElementById(a.getAttribute("href").slice(1));
      if (!target) { return; }
      e.preventDefault();
      var i = stepOf(target);
      if (i >= 0 && stepped) { go(i, false); }
      var input = target.matches("input, select, textarea") ? target
        : target.querySelector("input, select, textarea");
      (input || target).focus();
      target.scrollIntoView({ block: "center" });
    });
  });

  // --- changes, leaving, sending --------------------------------------------------------------
  var dirty = false, sending = false;
  form.addEventListener("change", function () { dirty = true; refresh(); });
  form.addEventListener("input", function (e) {
    dirty = true;
    if (e.target.type === "text" || e.target.tagName === "TEXTAREA") { refresh(); }
  });
  form.addEventListener("submit", function (e) {
    if (form.getAttribute("data-preview")) { e.preventDefault(); return; }
    if (sending) { e.preventDefault(); return; } // a second click: the first request is on its way
    sending = true;
    stepField.value = String(current);
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty && !sending && !form.getAttribute("data-preview")) {
      e.preventDefault();
      e.returnValue = texts.leave;
      return texts.leave;
    }
    return undefined;
  });

  refresh();
})();
