/* tracegen site search, loaded with search-index.js the first time the search box is used (site.js):
   every lesson whose text holds all the typed words, with the first word in context. */
(function () {
  "use strict";
  window.tracegenSearch = function (root, input, panel, status, list) {
    var entries = window.TRACEGEN_SEARCH || [];
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    panel.hidden = !words.length;
    var hits = entries.filter(function (e) {
      var text = (e.title + " " + e.topic + " " + e.description + " " + e.text).toLowerCase();
      return words.length && words.every(function (w) { return text.indexOf(w) !== -1; });
    });
    hits.forEach(function (e) {
      var item = list.appendChild(document.createElement("li")), link = item.appendChild(document.createElement("a"));
      var context = item.appendChild(document.createElement("p")), at = e.text.toLowerCase().indexOf(words[0]);
      link.href = root + e.href;
      link.textContent = e.title;
      if (at < 0) { context.textContent = e.description; return; }
      context.appendChild(document.createTextNode("…" + e.text.slice(Math.max(0, at - 50), at)));
      context.appendChild(document.createElement("mark")).textContent = e.text.substr(at, words[0].length);
      context.appendChild(document.createTextNode(e.text.substr(at + words[0].length, 60) + "…"));
    });
    status.textContent = hits.length === 1 ? "1 lesson matches" : hits.length + " lessons match";
  };
}());
