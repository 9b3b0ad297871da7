/* tracegen lesson page quiz: check answers in the page, save them under lesson + trace hash.
   Option texts and feedback live in the form (labels, data-feedback); the JSON block says which
   options are right and holds numeric answers with their tolerance. */
(function () {
  "use strict";
  var t = window.tracegen, $ = t.$;

  function check(form, q, value) {
    function option(i) {
      var input = form.querySelector("input[value='" + i + "']");
      return { text: input.parentNode.textContent.trim(), feedback: input.getAttribute("data-feedback"),
        correct: q.correct.indexOf(i) !== -1 };
    }
    if (q.kind === "single") {
      var chosen = option(value);
      return { correct: chosen.correct, messages: [chosen.feedback] };
    }
    if (q.kind === "multiple") {
      var messages = [], allRight = true;
      for (var i = 0; i < q.n_options; i += 1) {
        var o = option(i), picked = value.indexOf(i) !== -1;
        if (picked || o.correct) {
          messages.push((picked ? (o.correct ? "✓ " : "✗ ") : "Missed: ") + o.text + ": " + o.feedback);
        }
        if (picked !== o.correct) { allRight = false; }
      }
      return { correct: allRight, messages: messages };
    }
    // The grading rule of tracegen/quiz/question.py `within` (a test keeps the two slacks equal):
    // the shown answer must pass at the edge of the tolerance despite float rounding.
    var x = t.parseNumber(value), tol = q.tolerance * (1 + 1e-9) + 1e-12;
    var within = "±" + Number(q.tolerance.toPrecision(6));
    if (Math.abs(x - q.answer) <= tol) {
      return { correct: true, messages: ["The run's value is " + q.shown + "; answers within " + within + " count."] };
    }
    var miss = (q.wrong || []).filter(function (w) { return Math.abs(x - w.value) <= tol; })[0];
    return { correct: false, messages: [miss ? miss.feedback : "Not within " + within + " of the run's value."] };
  }

  function readAnswer(form, q) {
    if (q.kind === "numeric") {
      var text = form.elements.answer.value.trim();
      return text && isFinite(t.parseNumber(text)) ? text : null;
    }
    var chosen = [];
    t.each(form.querySelectorAll("input:checked"), function (input) { chosen.push(Number(input.value)); });
    if (!chosen.length) { return null; }
    return q.kind === "single" ? chosen[0] : chosen;
  }

  function writeAnswer(form, q, value) {
    if (q.kind === "numeric") { form.elements.answer.value = value; return; }
    var values = q.kind === "single" ? [value] : value;
    t.each(form.querySelectorAll("input"), function (input) {
      input.checked = values.indexOf(Number(input.value)) !== -1;
    });
  }

  function showResult(form, result) {
    var box = $(form.id + "-feedback"), verdict = document.createElement("p"), list = document.createElement("ul");
    verdict.className = "verdict " + (result.correct ? "right" : "wrong");
    verdict.textContent = result.correct ? "✓ Correct" : "✗ Not quite";
    result.messages.forEach(function (message) {
      list.appendChild(document.createElement("li")).textContent = message;
    });
    box.textContent = "";
    box.appendChild(verdict);
    box.appendChild(list);
    var why = $(form.id + "-why");
    if (why) { why.hidden = false; }
    form.classList.toggle("is-right", result.correct);
    form.classList.toggle("is-wrong", !result.correct);
  }

  function clearResult(form) {
    $(form.id + "-feedback").textContent = "";
    var why = $(form.id + "-why");
    if (why) { why.hidden = true; }
    form.classList.remove("is-right", "is-wrong");
    form.reset();
  }

  var quiz = t.readJson("quiz-data");
  if (!quiz) { return; }
  var total = quiz.questions.length, loaded = t.loadState(quiz.key, quiz.questions), state = loaded.state;
  var message = $("quiz-notice");
  // Question i (0-based) is the form with id "q" + (i + 1), as _quiz.html numbers them.
  function formOf(i) { return $("q" + (i + 1)); }
  function update() {
    var s = t.score(state);
    $("quiz-progress").textContent = t.progressText(s, total);
    $("quiz-meter").value = s.answered;
  }
  if (loaded.reset) {
    t.notice(message, "Saved answers for this lesson could not be read (they may come from an older version " +
      "of this site), so this lesson's progress was reset.");
  }
  quiz.questions.forEach(function (q, i) {
    var form = formOf(i), saved = state.answers[q.id];
    if (saved) {
      writeAnswer(form, q, saved.value);
      showResult(form, check(form, q, saved.value));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = readAnswer(form, q);
      if (value === null) {
        $(form.id + "-feedback").textContent = q.kind === "numeric" ? "Enter a number first." : "Choose an answer first.";
        return;
      }
      var result = check(form, q, value);
      // The first check of a question fixes its first attempt; an answer saved without one stays unknown.
      var before = state.answers[q.id];
      state.answers[q.id] = { value: value, correct: result.correct, first: before ? before.first : result.correct };
      if (!t.save(quiz.key, JSON.stringify(state))) {
        t.notice(message, "This browser does not allow saving, so answers are lost when you leave the page.");
      }
      showResult(form, result);
      update();
    });
  });
  $("quiz-reset").addEventListener("click", function () {
    t.drop(quiz.key);
    state = t.emptyState();
    quiz.questions.forEach(function (q, i) { clearResult(formOf(i)); });
    update();
    t.notice(message, "This lesson's answers were reset.");
  });
  update();
}());
