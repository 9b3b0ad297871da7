/* tracegen threshold explorer (binary lesson pages): the slider picks a row of the thresholds table;
   the output shows that row's cells, and the PR and ROC dots move to its data-m points ("x y x y").
   Every number is read from the table, which is the page's no-script view. */
(function () {
  "use strict";
  var $ = window.tracegen.$, slider = $("ex-t"), body = $("ex-rows");
  if (!slider || !body) { return; }
  var shown = $("ex-out").getElementsByTagName("b"), dots = [$("pr-svg-dot"), $("roc-svg-dot")];

  function show() {
    var row = body.rows[+slider.value], cells = row.cells, at = row.getAttribute("data-m").split(" "), i;
    for (i = 0; i < shown.length; i += 1) { shown[i].textContent = cells[i].textContent; }
    slider.setAttribute("aria-valuetext", "t = " + cells[0].textContent);
    for (i = 0; i < dots.length; i += 1) {
      if (dots[i]) { dots[i].setAttribute("cx", at[2 * i]); dots[i].setAttribute("cy", at[2 * i + 1]); }
    }
  }
  slider.addEventListener("input", show);
  $("ex-ui").hidden = false;
  show();
}());
