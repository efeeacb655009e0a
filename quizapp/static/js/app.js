// After a failed submit, move focus to the error summary so screen readers announce it
// and keyboard users start from the list of what to fix.
(function () {
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
