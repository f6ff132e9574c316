/* klappt form: show and hide questions live from the form's `relevant` conditions, filter choices
   by `choice_filter`, check answers as a field is left (type, `required`, `constraint`, with the
   form's own messages), add and remove the entries of repeat groups, keep `${q}` in labels current,
   step through the sections, keep the respondent's place. The conditions arrive as small trees
   compiled on the server (klappt/instrument/conditions/parse.py; klappt/responses/one_return.py
   decides the same way again before saving: the server has the last word). */
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

  // --- evaluation (same rules as klappt.instrument.conditions.evaluate) ---------------------
  function V(kind, v, emptyLit) { return { kind: kind, v: v, emptyLit: !!emptyLit }; }

  // `columns`: the choice a choice_filter is evaluated for (its name and extra columns)
  function makeEvaluator(types, values, columns) {
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
        case "contains": return V("bool", str(args[0]).indexOf(str(args[1])) >= 0);
        case "starts-with": return V("bool", str(args[0]).indexOf(str(args[1])) === 0);
      }
      throw new Error("unsupported " + name);
    }
    function ev(node) {
      switch (node[0]) {
        case "lit":
          return typeof node[1] === "string" ? V("str", node[1], node[1] === "") : V("num", node[1]);
        case "ref": return ref(node[1]);
        case "col": return V("str", String((columns || {})[node[1]] || ""));
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
    var holds = function (tree) {
      if (tree === null || tree === undefined) { return true; }
      try { return truth(ev(tree)); } catch (e) { return false; }
    };
    holds.number = function (tree) {
      try { return num(ev(tree)); } catch (e) { return NaN; }
    };
    return holds;
  }

  // the evaluator, for the tests that compare it with the server's (klappt.instrument.conditions.evaluate)
  window.klappt = {
    holds: function (tree, types, values, columns) {
      return makeEvaluator(types, values, columns)(tree);
    }
  };

  var form = document.getElementById("klappt-form");
  var logicEl = document.getElementById("klappt-logic");
  if (!form || !logicEl) { return; }
  var logic = JSON.parse(logicEl.textContent);
  var texts = document.getElementById("klappt-text").dataset;
  var german = (document.documentElement.lang || "").indexOf("de") === 0;
  var repeatOf = {};
  Object.keys(logic.repeats || {}).forEach(function (r) {
    logic.repeats[r].forEach(function (q) { repeatOf[q] = r; });
  });

  // --- names: "q" in the main form, "projekte[2]/q" in entry 2 of a repeat -----------------------
  function baseName(name) { return name.slice(name.lastIndexOf("/") + 1); }
  function entryOf(el) { return el.closest ? el.closest("[data-entry]") : null; }
  function inEntry(entry, q) {
    return entry.getAttribute("data-entry") + "[" + entry.getAttribute("data-index") + "]/" + q;
  }

  // --- relevance ----------------------------------------------------------------------------
  // The answers as the conditions see them, deciding in form order as the server does: the answer
  // of a question that does not apply counts as empty for those after it. An entry of a repeat
  // sees its own answers first, then the main form's.
  function applicable() {
    var main = {}, shown = {}, contexts = { "": main };
    logic.order.forEach(function (name) { main[name] = rawValue(form, name); });
    var holds = makeEvaluator(logic.types, main);
    logic.order.forEach(function (name) {
      var ok = (logic.chains[name] || []).every(holds);
      shown[name] = ok;
      if (!ok) { main[name] = ""; }
    });
    form.querySelectorAll("[data-entry]").forEach(function (entry) {
      var repeat = entry.getAttribute("data-entry"), ctx = Object.assign({}, main);
      var questions = logic.repeats[repeat] || [];
      questions.forEach(function (q) { ctx[q] = rawValue(form, inEntry(entry, q)); });
      var inside = makeEvaluator(logic.types, ctx);
      questions.forEach(function (q) {
        var ok = (logic.chains[q] || []).every(inside);
        shown[inEntry(entry, q)] = ok;
        if (!ok) { ctx[q] = ""; }
      });
      contexts[inEntry(entry, "")] = ctx;
    });
    return { shown: shown, contexts: contexts };
  }

  function contextOf(state, el) {
    var entry = entryOf(el);
    return entry ? state.contexts[inEntry(entry, "")] : state.contexts[""];
  }

  function groupApplies(state, el) {
    var key = el.getAttribute("data-g"), g = baseName(key);
    var trees = logic.groups[g];
    if (!trees) { return true; }
    return trees.every(makeEvaluator(logic.types, contextOf(state, el)));
  }

  // --- choice filters -----------------------------------------------------------------------
  function offered(state, el, q) {
    var f = logic.filters[q];
    if (!f) { return null; }
    var ctx = contextOf(state, el), out = {};
    Object.keys(f.choices).forEach(function (c) {
      out[c] = makeEvaluator(logic.types, ctx, f.choices[c])(f.tree);
    });
    return out;
  }

  function applyFilter(state, el) {
    var name = el.getAttribute("data-q"), ok = offered(state, el, baseName(name));
    if (!ok) { return; }
    // a choice the filter does not offer is hidden, unless it is the answer: nothing is unticked
    // behind the respondent's back; the check below says it no longer fits
    el.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      var opt = input.closest(".opt");
      if (opt) { opt.hidden = !ok[input.value] && !input.checked; }
    });
    el.querySelectorAll("select option").forEach(function (o) {
      if (!o.value) { return; }
      var off = !ok[o.value] && !o.selected;
      o.hidden = off;
      o.disabled = off;
    });
  }

  // --- ${q} in labels -------------------------------------------------------------------------
  function shownValue(name) {
    var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]'), out = [];
    els.forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) {
          var label = form.querySelector('label[for="' + CSS.escape(el.id) + '"]');
          out.push(label ? label.textContent : el.value);
        }
      } else if (el.tagName === "SELECT") {
        if (el.value) { out.push(el.options[el.selectedIndex].textContent); }
      } else if (el.value) {
        var d = el.type === "date" && german ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(el.value) : null;
        out.push(d ? d[3] + "." + d[2] + "." + d[1] : el.value);
      }
    });
    return out.join(", ").replace(/\s+/g, " ");
  }

  function updateRefs() {
    form.querySelectorAll("[data-ref]").forEach(function (span) {
      var q = span.getAttribute("data-ref"), entry = entryOf(span);
      var name = entry && repeatOf[q] === entry.getAttribute("data-entry") ? inEntry(entry, q) : q;
      var text = shownValue(name);
      if (span.textContent !== text) { span.textContent = text; }
    });
  }

  // --- live checks ------------------------------------------------------------------------------
  // As a field is left or changed: the same checks as on submit, with the form's own messages.
  // "Please answer" appears only for a field the respondent has touched: tabbing through a form
  // to look at it, or saving half of it as a draft, is no mistake.
  var touched = {}, announced = {};
  var liveErrors = document.getElementById("live-errors");

  function problem(state, el) {
    var name = el.getAttribute("data-q"), q = baseName(name), c = logic.checks[q];
    if (!c || el.hidden) { return ""; }
    var msg = Object.assign({}, logic.messages, c.msg), value = rawValue(form, name);
    var ctx = contextOf(state, el);
    var holds = makeEvaluator(logic.types, ctx);
    if (value === "") {
      var required = c.req === true || (c.req && holds(c.req));
      return required && touched[name] ? msg.required_missing || "" : "";
    }
    if (c.type === "integer" || c.type === "decimal") {
      var x = parseNumber(value);
      if (isNaN(x) || !isFinite(x)) {
        // a whole-number field says so from the first message ("ganze Zahl", not "1,5")
        return (c.type === "integer" && msg.not_an_integer) || msg.not_a_number || "";
      }
      if (c.type === "integer" && x !== Math.trunc(x)) { return msg.not_an_integer || ""; }
    }
    if (c.type === "date" && !parseDate(value)) { return msg.not_a_date || ""; }
    var ok = offered(state, el, q);
    if (ok && value.split(/\s+/).some(function (t) { return !ok[t]; })) {
      return msg.choice_filtered || "";
    }
    if (c.con && !holds(c.con)) { return msg.constraint || ""; }
    return "";
  }

  function controls(el) {
    return el.querySelectorAll("input:not([type=hidden]), select, textarea");
  }

  function describe(node, id, on) {
    var ids = (node.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    var has = ids.indexOf(id) >= 0;
    if (on && !has) { ids.push(id); }
    if (!on && has) { ids.splice(ids.indexOf(id), 1); }
    if (ids.length) { node.setAttribute("aria-describedby", ids.join(" ")); }
    else { node.removeAttribute("aria-describedby"); }
  }

  function labelOf(el) {
    var l = el.querySelector("legend, .qlabel, th[scope=row] > span, caption");
    return l ? l.textContent.replace(/\s*\*.*$/, "").trim() : "";
  }

  function showProblem(el, text) {
    var slot = el.querySelector(".error");
    if (!slot) { return; }
    var name = el.getAttribute("data-q"), current = slot.hidden ? "" : slot.textContent;
    var wanted = text ? texts.errorPrefix + " " + text : "";
    if (current === wanted) { return; }
    slot.textContent = "";
    if (text) {
      var prefix = document.createElement("span");
      prefix.className = "sr";
      prefix.textContent = texts.errorPrefix + " ";
      slot.appendChild(prefix);
      slot.appendChild(document.createTextNode(text));
    }
    slot.hidden = !text;
    var wrap = el.classList.contains("q") ? el : el.closest(".q");
    if (el.tagName === "TR") { el.classList.toggle("has-error", !!text); }
    else if (wrap) { wrap.classList.toggle("has-error", !!text); }
    var set = el.querySelector("fieldset");
    if (set) { describe(set, slot.id, !!text); }
    controls(el).forEach(function (input) {
      if (text) { input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
      if (!set) { describe(input, slot.id, !!text); }
    });
    if (text && liveErrors && announced[name] !== text) {
      liveErrors.textContent = "";
      window.setTimeout(function () { liveErrors.textContent = labelOf(el) + ": " + text; }, 50);
    }
    announced[name] = text;
  }

  function checkFields(state, only) {
    form.querySelectorAll("[data-q]").forEach(function (el) {
      var name = el.getAttribute("data-q");
      var slot = el.querySelector(".error");
      var showing = slot && !slot.hidden;
      if (only && name !== only && !showing && !touched[name]) { return; }
      if (!only && !showing && !touched[name]) { return; }
      showProblem(el, problem(state, el));
    });
  }

  // fields the server found a problem with count as touched: fixing one clears its message
  form.querySelectorAll("[data-q] .error:not([hidden])").forEach(function (slot) {
    touched[slot.closest("[data-q]").getAttribute("data-q")] = true;
  });

  // --- showing and hiding -----------------------------------------------------------------------
  var live = document.getElementById("live");
  var first = true;

  // a repeat with a repeat_count holds as many entries as the answers ask for (the server fits
  // them the same way when saving): blank ones added at the end, the last ones dropped
  function fitCounts() {
    var repeats = Object.keys(logic.counts || {});
    if (!repeats.length) { return false; }
    var amount = makeEvaluator(logic.types, applicable().contexts[""]).number, added = false;
    repeats.forEach(function (r) {
      var section = form.querySelector('[data-repeat="' + CSS.escape(r) + '"]');
      if (!section) { return; }
      var n = Math.floor(amount(logic.counts[r]));
      n = isFinite(n) ? Math.max(0, Math.min(logic.maxEntries, n)) : 0;
      var entries = section.querySelectorAll("[data-entries] > [data-entry]");
      if (entries.length === n) { return; }
      for (var i = entries.length; i < n; i += 1) { appendEntry(section); added = true; }
      for (var j = entries.length - 1; j >= n; j -= 1) { entries[j].remove(); }
      renumber(section);
      dirty = true;
    });
    return added;
  }

  function refresh(check) {
    var grown = fitCounts();
    var state = applicable(), appeared = grown && !first;
    form.querySelectorAll("[data-q]").forEach(function (el) {
      var show = state.shown[el.getAttribute("data-q")] !== false;
      if (show && el.hidden) { appeared = true; }
      el.hidden = !show;
    });
    form.querySelectorAll("[data-grid]").forEach(function (el) {
      el.hidden = !el.querySelector("[data-q]:not([hidden])");
    });
    // inner sections first, so that a section holding only hidden sections hides too; a repeat
    // shows by its own condition, also before it has an entry
    Array.prototype.slice.call(form.querySelectorAll("[data-g]")).reverse().forEach(function (el) {
      var applies = groupApplies(state, el);
      if (el.hasAttribute("data-repeat")) { el.hidden = !applies; return; }
      var content = el.querySelector("[data-q]:not([hidden]), [data-g]:not([hidden])");
      el.hidden = !applies || !content;
    });
    form.querySelectorAll("[data-q]").forEach(function (el) {
      if (logic.filters[baseName(el.getAttribute("data-q"))]) { applyFilter(state, el); }
    });
    updateRefs();
    if (check !== undefined) { checkFields(state, check); }
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
    var sectionField = document.getElementById("section-field");
    if (sectionField) { sectionField.value = steps[current].getAttribute("data-g") || ""; }
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
    // on a phone the list of sections folds away: the first question is on the first screen
    if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
      document.querySelectorAll("details.toc, details.resume-note").forEach(function (d) { d.open = false; });
    }
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

  // links of the error summary (and an #anchor after adding an entry): open the step, focus there
  function reveal(target, focusInput) {
    var i = stepOf(target);
    if (i >= 0 && stepped) { go(i, false); }
    var input = target.matches("input, select, textarea") ? target
      : target.querySelector(focusInput ? "input:not([type=hidden]), select, textarea" : "h4");
    (input || target).focus();
    target.scrollIntoView({ block: "center" });
  }

  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var target = document.getElementById(a.getAttribute("href").slice(1));
      if (!target) { return; }
      e.preventDefault();
      reveal(target, true);
    });
  });

  // --- repeats: adding and removing entries here; without JavaScript the buttons save a draft ---
  function renumber(section) {
    var n = 0;
    section.querySelectorAll("[data-entries] > [data-entry]").forEach(function (entry) {
      n += 1;
      entry.querySelectorAll("[data-entry-number]").forEach(function (s) { s.textContent = String(n); });
    });
    var none = section.querySelector("[data-no-entries]");
    if (none) { none.hidden = n > 0; }
    return n;
  }

  function appendEntry(section) {
    var tpl = section.querySelector("template[data-template]");
    var index = parseInt(section.getAttribute("data-next-index"), 10) || 1;
    section.setAttribute("data-next-index", String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = tpl.innerHTML.split("__i__").join(String(index));
    var entry = holder.firstElementChild;
    section.querySelector("[data-entries]").appendChild(entry);
    return entry;
  }

  function say(text) {
    if (!live) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  form.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add]"), remove = e.target.closest("[data-remove]");
    if (add) {
      e.preventDefault();
      var section = add.closest("[data-repeat]");
      var entry = appendEntry(section);
      var n = renumber(section);
      dirty = true;
      refresh();
      entry.querySelector("h4").focus();
      say(texts.entryAdded.replace("{n}", n));
    } else if (remove) {
      e.preventDefault();
      var gone = remove.closest("[data-entry]"), repeat = gone.closest("[data-repeat]");
      var filled = Array.prototype.some.call(controls(gone), function (c) {
        return (c.type === "checkbox" || c.type === "radio") ? c.checked : !!c.value;
      });
      if (filled && !window.confirm(texts.removeConfirm)) { return; }
      var after = gone.nextElementSibling;
      gone.remove();
      renumber(repeat);
      dirty = true;
      refresh();
      var focus = after ? after.querySelector("h4") : repeat.querySelector("[data-add]");
      focus.focus();
      say(texts.entryRemoved);
    }
  });

  // --- changes, leaving, sending --------------------------------------------------------------
  var dirty = false, sending = false;
  function fieldName(target) {
    var el = target.closest ? target.closest("[data-q]") : null;
    return el ? el.getAttribute("data-q") : null;
  }
  form.addEventListener("change", function (e) {
    dirty = true;
    var name = fieldName(e.target);
    if (name) { touched[name] = true; }
    refresh(name || null);
  });
  form.addEventListener("input", function (e) {
    dirty = true;
    if (e.target.type === "text" || e.target.tagName === "TEXTAREA" || e.target.type === "date") {
      var name = fieldName(e.target);
      if (name) { touched[name] = true; }
      // while typing, a message only goes away (or changes): new ones wait until the field is left
      var slot = name ? e.target.closest("[data-q]").querySelector(".error") : null;
      refresh(slot && !slot.hidden ? name : undefined);
    }
  });
  form.addEventListener("focusout", function (e) {
    var name = fieldName(e.target);
    var el = name ? e.target.closest("[data-q]") : null;
    // leaving a choice for another choice of the same question is not leaving the question
    if (!el || (e.relatedTarget && el.contains(e.relatedTarget))) { return; }
    refresh(name);
  });
  form.addEventListener("submit", function (e) {
    if (form.getAttribute("data-preview")) { e.preventDefault(); return; }
    if (sending) { e.preventDefault(); return; } // a second click: the first request is on its way
    stepField.value = String(current);
    if (keeper && e.submitter && e.submitter.value === "save") {
      e.preventDefault(); // an explicit save: a version of its own, without leaving the page
      keeper.save({ explicit: true });
      return;
    }
    if (keeper && keeper.busy()) {
      // an autosave is on its way: send the page after it, with the version it made
      e.preventDefault();
      var submitter = e.submitter;
      keeper.hold();
      keeper.idle().then(function () { form.requestSubmit(submitter); });
      return;
    }
    if (keeper) { keeper.hold(); keeper.store(true); }
    sending = true;
  });
  window.addEventListener("beforeunload", function (e) {
    // the answers are in this browser's storage (and saved on leaving): no question asked
    if (dirty && !sending && !form.getAttribute("data-preview") && !(keeper && keeper.kept())) {
      e.preventDefault();
      e.returnValue = texts.leave;
      return texts.leave;
    }
    return undefined;
  });

  var keeper = window.klapptKeeper ? window.klapptKeeper(form, {
    texts: texts,
    step: function () { return current; },
    changed: function () { refresh(); },
    setDirty: function (v) { dirty = v; },
    isDirty: function () { return dirty; },
    appendEntry: appendEntry,
    renumber: renumber
  }) : null;
  if (keeper) {
    form.addEventListener("change", keeper.changed);
    form.addEventListener("input", keeper.changed);
    form.addEventListener("click", function (e) {
      if (e.target.closest("[data-add], [data-remove]")) { keeper.changed(); }
    });
  }

  refresh();
  if (keeper) { keeper.start(); }
  // after adding an entry without JavaScript the address names it: open its step, focus it
  if (window.location.hash.length > 1) {
    var anchored = document.getElementById(window.location.hash.slice(1));
    if (anchored && anchored.hasAttribute("data-entry")) { reveal(anchored, false); }
    // a problem chosen on the review page: its step opens, its field takes the focus
    else if (anchored && anchored.closest("[data-q]") && document.getElementById("error-summary")) {
      reveal(anchored, true);
    }
  }
})();
