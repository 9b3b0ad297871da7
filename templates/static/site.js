/* tracegen site, shared by every page: saved-progress helpers, search, printing.
   No network requests and no inline code (the pages' Content-Security-Policy forbids both):
   page data comes from <script type="application/json"> blocks and search-index.js.
   quiz.js (lesson pages) and progress.js (index) use window.tracegen.
   The build strips comment lines and indentation (tracegen/site.py: compact_js). */
(function () {
  "use strict";
  var VERSION = 1;

  function $(id) { return document.getElementById(id); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function readJson(id) {
    try { return JSON.parse($(id).textContent); } catch (e) { return null; }
  }

  // localStorage can be missing or throw (private windows, strict file:// settings).
  function load(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function save(key, value) { try { localStorage.setItem(key, value); return true; } catch (e) { return false; } }
  function drop(key) { try { localStorage.removeItem(key); } catch (e) { /* nothing was saved */ } }

  function parseNumber(text) {
    var t = String(text).replace(/\s+/g, "").replace(",", ".").replace(/^\u2212/, "-");
    var percent = /%$/.test(t);
    if (percent) { t = t.slice(0, -1); }
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) { return NaN; }
    return percent ? Number(t) / 100 : Number(t);
  }

  function validValue(q, v) {
    function isIndex(i) { return typeof i === "number" && i % 1 === 0 && i >= 0 && i < q.n_options; }
    if (q.kind === "numeric") { return typeof v === "string" && v.length < 64 && isFinite(parseNumber(v)); }
    if (q.kind === "single") { return isIndex(v); }
    return q.kind === "multiple" && Array.isArray(v) && v.length > 0 && v.every(isIndex);
  }

  // Answers are keyed by question id in a prototype-free object (and ids are looked up in a Map),
  // so an id such as "constructor", "hasOwnProperty" or "__proto__" is a key like any other.
  function emptyState() { return { version: VERSION, answers: Object.create(null) }; }

  // Saved answers that cannot be read (garbage, or from an older site) are removed, never trusted.
  function loadState(key, questions) {
    var raw = load(key), state = null, known = new Map();
    if (raw === null) { return { state: emptyState(), reset: false }; }
    try { state = JSON.parse(raw); } catch (e) { state = null; }
    questions.forEach(function (q) { known.set(q.id, q); });
    var ok = state !== null && typeof state === "object" && state.version === VERSION &&
      state.answers !== null && typeof state.answers === "object" && !Array.isArray(state.answers) &&
      Object.keys(state.answers).every(function (id) {
        var a = state.answers[id];
        return known.has(id) && a !== null && typeof a === "object" && typeof a.correct === "boolean" &&
          (a.first === undefined || typeof a.first === "boolean") && validValue(known.get(id), a.value);
      });
    if (!ok) { drop(key); return { state: emptyState(), reset: true }; }
    var loaded = emptyState();
    Object.keys(state.answers).forEach(function (id) { loaded.answers[id] = state.answers[id]; });
    return { state: loaded, reset: false };
  }

  // The scoring rule (docs/authoring.md, "How answers are scored"): a saved answer is {value, correct, first}, where
  // `first` says whether the first checked answer to the question was right. The first-attempt score
  // counts questions right on their first check, the final score those whose latest answer is right,
  // each out of the page's questions. Answers saved before `first` existed count as unknown.
  // (state.answers is prototype-free, so for-in sees only saved answers.)
  function score(state) {
    var s = { answered: 0, right: 0, first: 0, unknown: 0 };
    for (var id in state.answers) {
      var a = state.answers[id];
      s.answered += 1;
      s.right += a.correct;
      s.first += a.first === true;
      s.unknown += a.first === undefined;
    }
    return s;
  }

  // `s` is a score(); the index passes its sum over lessons.
  function progressText(s, total) {
    return s.answered + " of " + total + " answered" + (s.answered ? " · first attempt " + s.first + "/" + total +
      (s.unknown ? " (" + s.unknown + " unknown)" : "") + " · final " + s.right + "/" + total : "");
  }

  function notice(element, text) { element.textContent = text; element.hidden = false; }

  window.tracegen = { $: $, each: each, readJson: readJson, save: save, drop: drop, parseNumber: parseNumber,
    emptyState: emptyState, loadState: loadState, score: score, progressText: progressText, notice: notice };

  // --- search: search-index.js (the lessons' text) and search.js (the matching) load the first time
  // the search box is used, so no page carries them before then ---
  var form = $("search-form"), root = document.body.getAttribute("data-root");
  var input = $("search-input"), panel = $("search-panel"), status = $("search-status"), list = $("search-results");

  function run() { if (window.tracegenSearch) { window.tracegenSearch(root, input, panel, status, list); } }

  function loadScript(name, then) {
    if ($(name)) { then(); return; }
    var script = document.createElement("script");
    script.id = name;
    script.src = root + name;
    script.onload = then;
    script.onerror = function () { panel.hidden = false; status.textContent = "The search could not be loaded."; };
    document.head.appendChild(script);
  }

  function loadIndex() {
    if (window.TRACEGEN_SEARCH && window.tracegenSearch) { run(); return; }
    loadScript("search-index.js", function () { loadScript("static/search.js", run); });
  }

  if (form) {
    form.hidden = false;
    input.addEventListener("input", loadIndex);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = list.querySelector("a");
      if (first) { first.focus(); }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; run(); input.focus(); }
    });
  }

  // Multiclass ROC: pointing at or focusing a legend entry lights its curve in both charts and dims the
  // rest; a click (or tap, which may not focus) pins it until clicked again. The lit path is moved last to draw on top.
  each(document.querySelectorAll(".class-curves"), function (box) {
    var pinned = "";
    function light(key) {
      box.classList.toggle("lit-on", !!key);
      each(box.querySelectorAll("[data-key]"), function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-key") === pinned); });
      each(box.querySelectorAll(".chart .series"), function (path) {
        var on = !!key && path.classList.contains(key);
        path.classList.toggle("lit", on);
        if (on) { path.parentNode.appendChild(path); }
      });
    }
    function keyOf(event) {
      var button = event.target.closest ? event.target.closest("[data-key]") : null;
      return button ? button.getAttribute("data-key") : "";
    }
    function enter(event) { var key = keyOf(event); if (key) { light(key); } }
    box.addEventListener("mouseover", enter);
    box.addEventListener("focusin", enter);
    box.addEventListener("mouseout", function () { light(pinned); });
    box.addEventListener("focusout", function () { light(pinned); });
    box.addEventListener("click", function (event) {
      var key = keyOf(event);
      if (key) { pinned = pinned === key ? "" : key; light(key); }
    });
  });

  // Closed <details> do not print: open them for printing and close them again afterwards.
  var opened = [];
  addEventListener("beforeprint", function () {
    opened = document.querySelectorAll("details:not([open])");
    each(opened, function (d) { d.open = true; });
  });
  addEventListener("afterprint", function () { each(opened, function (d) { d.open = false; }); });
}());
