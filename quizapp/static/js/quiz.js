// Keyboard shortcuts for quizzes, added on top of forms that work without JavaScript:
// number keys pick an option, Enter checks the answer, N (or Enter) goes on after feedback.
(function () {
  var form = document.querySelector("[data-quiz-form]");
  var next = document.querySelector("[data-next]");
  var verdict = document.getElementById("verdict");
  document.querySelectorAll(".shortcut-hint").forEach(function (hint) {
    hint.hidden = false;
  });
  // After answering, start screen readers and keyboards at the verdict, unless an error
  // summary (focused by app.js) needs attention first.
  if (verdict && !document.getElementById("form-errors")) verdict.focus();

  // On a review's reveal, number keys press the rating buttons in order.
  function rating(key) {
    var button = document.querySelector('[data-rating-key="' + key + '"]');
    if (!button) return false;
    button.click();
    return true;
  }

  function typing(target) {
    var tag = target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(radio|checkbox)$/.test(target.type));
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (form) {
      var choices = form.querySelectorAll('input[name="choice"]');
      var number = parseInt(event.key, 10);
      if (number >= 1 && number <= choices.length) {
        var choice = choices[number - 1];
        choice.checked = choice.type === "radio" ? true : !choice.checked;
        choice.focus();
        event.preventDefault();
      } else if (event.key === "Enter" && event.target.tagName !== "BUTTON" && event.target.tagName !== "A") {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    } else if (rating(event.key)) {
      event.preventDefault();
    } else if (next && (event.key === "n" || event.key === "N" ||
               (event.key === "Enter" && event.target.tagName !== "BUTTON" && event.target.tagName !== "A"))) {
      event.preventDefault();
      if (next.tagName === "BUTTON") next.click();
      else window.location.href = next.href;
    }
  });
})();
