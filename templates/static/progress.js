/* tracegen index: every lesson's saved quiz progress, and the site's total over the original lessons. */
(function () {
  "use strict";
  var t = window.tracegen, $ = t.$;
  var entries = t.readJson("progress-data");
  if (!entries) { return; }
  var site = { answered: 0, right: 0, first: 0, unknown: 0 }, total = 0, resets = [];
  entries.forEach(function (entry) {
    var loaded = t.loadState(entry.key, entry.questions), s = t.score(loaded.state);
    if (loaded.reset) { resets.push(entry.title); }
    // Retakes get a short "(answered/total, first F, final R)" so the card stays readable.
    $(entry.progress_id).textContent = entry.base ? t.progressText(s, entry.total) :
      "(" + s.answered + "/" + entry.total + (s.answered ? ", first " + s.first + ", final " + s.right + ")" : ")");
    var meter = $(entry.progress_id + "-meter");
    if (meter) { meter.value = s.answered; }
    if (entry.base) {
      Object.keys(site).forEach(function (k) { site[k] += s[k]; });
      total += entry.total;
    }
  });
  $("site-progress-text").textContent = t.progressText(site, total);
  $("site-progress-meter").value = site.answered;
  if (resets.length) {
    t.notice($("progress-notice"), "Saved answers for " + resets.join(", ") + " could not be read, so that progress was reset.");
  }
}());
