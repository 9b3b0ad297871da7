/* tracegen threshold explorer: the slider picks a row of the thresholds table; the output shows that
   row's cells and the PR and ROC dots move to the row's data-m points. Every number is in the table. */
(function () {
  "use strict";
  var slider = document.getElementById("ex-t"), body = document.getElementById("ex-rows");
  if (!slider || !body) { return; }
  var rows = body.rows, shown = document.getElementById("ex-out").getElementsByTagName("b");
  var dots = [document.getElementById("pr-svg-dot"), document.getElementById("roc-svg-dot")];

  function show() {
    var row = rows[+slider.value], cells = row.cells, at = row.getAttribute("data-m").split(" ");
    for (var i = 0; i < shown.length; i += 1) { shown[i].textContent = cells[i].textContent; }
    slider.setAttribute("aria-valuetext", "t = " + cells[0].textContent);
    for (var d = 0; d < dots.length; d += 1) {
      if (dots[d]) { dots[d].setAttribute("cx", at[2 * d]); dots[d].setAttribute("cy", at[2 * d + 1]); }
    }
  }
  slider.addEventListener("input", show);
  document.getElementById("ex-ui").hidden = false;
  show();
}());
