// The assign form's workload panel follows the target and due date as they change, so the
// instructor need not press "Show workload" (the button browsers without JavaScript use).
(function () {
  var panel = document.querySelector("[data-forecast-url]");
  if (!panel || !window.fetch || !window.URLSearchParams) return;
  var form = panel.closest("form");
  var target = form.elements.namedItem("target");
  var due = form.elements.namedItem("due");
  var button = form.querySelector("[data-workload-button]");
  if (!target || !due) return;
  if (button) button.hidden = true;
  var latest = 0;

  function show(html) {
    panel.innerHTML = html;
    panel.removeAttribute("aria-busy");
  }

  function say(words) {
    var line = document.createElement("p");
    line.className = "hint";
    line.textContent = words;
    panel.replaceChildren(line);
    panel.removeAttribute("aria-busy");
  }

  function refresh() {
    if (!target.value || !due.value) return;
    // Only the answer to the latest change is shown, whatever order the answers come in.
    var asked = ++latest;
    var query = new URLSearchParams({ target: target.value, due: due.value });
    panel.setAttribute("aria-busy", "true");
    fetch(panel.dataset.forecastUrl + "?" + query, { credentials: "same-origin" })
      .then(function (response) {
        if (asked !== latest) return;
        // A 400 carries the words saying what to change; a sign-in page or an error page
        // is no panel.
        if (response.redirected || (!response.ok && response.status !== 400)) {
          say("The workload could not be worked out here: press Show workload instead.");
          if (button) button.hidden = false;
          return;
        }
        return response.text().then(function (html) {
          if (asked === latest) show(html);
        });
      })
      .catch(function () {
        if (asked === latest) say("The workload could not be fetched: check the connection.");
      });
  }

  target.addEventListener("change", refresh);
  due.addEventListener("change", refresh);
  // Chosen before this script ran (a quick hand, or a form the browser restored): show it.
  refresh();
})();
