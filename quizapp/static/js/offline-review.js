/* The offline review page: the cards kept on this device, one at a time. The learner recalls
   the answer, shows it and rates their recall; each rating is stored with its own id and
   time, and sent by offline.js when the connection returns. */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-review]");
  var offline = window.quizappOffline;
  if (!root || !offline) { return; }
  var status = root.querySelector("[data-offline-status]");
  var cardBox = root.querySelector("[data-offline-card]");
  var answerBox = root.querySelector("[data-offline-answer]");
  var showButton = root.querySelector("[data-offline-show]");
  var queue = [];
  var current = null;
  var shownAt = 0;

  function field(name) { return root.querySelector("[data-offline-" + name + "]"); }

  function next() {
    current = queue.shift() || null;
    answerBox.hidden = true;
    if (!current) {
      cardBox.hidden = true;
      offline.pending().then(function (ratings) {
        status.textContent = ratings.length
          ? "Done for now. " + ratings.length + (ratings.length === 1 ? " review waits" : " reviews wait") + " to be sent when you are online."
          : "Nothing to review on this device right now.";
      });
      return;
    }
    status.textContent = (queue.length + 1) + (queue.length ? " cards" : " card") + " to review on this device.";
    field("lesson").textContent = "From “" + current.lesson + "”" + (current["new"] ? " · new card" : "");
    var caseBox = field("case");
    caseBox.hidden = !current["case"];
    // The case is the server's own sanitised Markdown, kept as it sent it.
    field("case-text").innerHTML = current["case"] || "";
    field("prompt").textContent = current.prompt;
    var options = field("options");
    options.textContent = "";
    (current.options || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      options.appendChild(item);
    });
    options.hidden = !(current.options || []).length;
    field("right").textContent = current.answer;
    field("explanation").textContent = current.explanation;
    cardBox.hidden = false;
    showButton.hidden = false;
    shownAt = Date.now();
    showButton.focus();
  }

  showButton.addEventListener("click", function () {
    answerBox.hidden = false;
    showButton.hidden = true;
    answerBox.querySelector('[data-rating="3"]').focus();
  });

  answerBox.addEventListener("click", function (event) {
    var button = event.target.closest("[data-rating]");
    if (!button || !current) { return; }
    var rating = {
      id: crypto.randomUUID(),
      card: current.card,
      rating: Number(button.getAttribute("data-rating")),
      at: new Date().toISOString(),
      ms: Math.min(Date.now() - shownAt, 3600000)
    };
    offline.rate(rating).then(next, function () {
      status.textContent = "This rating could not be kept on the device: try again.";
    });
  });

  Promise.all([offline.cards(), offline.pending()]).then(function (results) {
    var rated = {};
    results[1].forEach(function (rating) { rated[rating.card] = true; });
    queue = results[0].filter(function (card) { return !rated[card.card]; });
    next();
  });
})();
