// After a failed submit, move focus to the error summary so screen readers announce it
// and keyboard users start from the list of what to fix.
(function () {
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();

// Copy buttons (the class's join link): shown only where the browser can copy.
(function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var status = button.parentElement.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(
        function () { if (status) status.textContent = "Link copied."; },
        function () { if (status) status.textContent = "Could not copy: select the link instead."; }
      );
    });
  });
})();
