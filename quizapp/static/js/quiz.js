// Keyboard shortcuts for quizzes, added on top of forms that work without JavaScript:
// number keys pick an option, Enter checks the answer, N (or Enter) goes on after feedback.
// A review's rating is sent in place and answered with the next card, which takes the place
// of the page's main content: one round trip per card instead of a redirect and a reload.
(function () {
  function enhance(swapped) {
    document.querySelectorAll(".shortcut-hint").forEach(function (hint) {
      hint.hidden = false;
    });
    // After answering, start screen readers and keyboards at the verdict, unless an error
    // summary (focused by app.js) needs attention first. After a swap nothing else would
    // tell a screen reader the page changed, so its heading (the next card's prompt) is read.
    var verdict = document.getElementById("verdict");
    var heading = document.querySelector("main h1");
    if (verdict && !document.getElementById("form-errors")) {
      verdict.focus();
    } else if (swapped && heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function show(html, url) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.getElementById("main");
    if (!main) {
      window.location.assign(url);
      return;
    }
    document.title = page.title;
    document.getElementById("main").replaceWith(document.importNode(main, true));
    // A reload then shows the session as it now stands, not the reveal's form again.
    history.replaceState(null, "", url);
    announce(document.querySelector("#main .flashes"));
    enhance(true);
  }

  // A live region that arrives already holding its words is not read out: empty it, then
  // put them back once it is in the page, so a message flashed by the swapped-in page (the
  // daily goal met, say) is announced as it would be on a page loaded the ordinary way.
  function announce(region) {
    if (!region) return;
    var words = Array.prototype.slice.call(region.childNodes);
    words.forEach(function (node) {
      region.removeChild(node);
    });
    setTimeout(function () {
      words.forEach(function (node) {
        region.appendChild(node);
      });
    }, 150);
  }

  var sending = false;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var url = form.getAttribute("data-inline-next");
    if (!url || !window.fetch || !submitter) return;
    event.preventDefault();
    // A second press while the first is on its way would only be refused as a double rating.
    if (sending) return;
    sending = true;
    // URL-encoded, as the form itself would send it: the app refuses multipart bodies.
    var body = new URLSearchParams(new FormData(form));
    body.append(submitter.name, submitter.value);
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        // Sent elsewhere (signed out meanwhile, say): go there, as the form would have.
        if (response.redirected) {
          window.location.assign(response.url);
          return;
        }
        return response.text().then(function (html) {
          sending = false;
          show(html, url);
        });
      })
      .catch(function () {
        // Offline or cut off: submit the ordinary way, which shows the browser's own error.
        sending = false;
        form.removeAttribute("data-inline-next");
        form.requestSubmit ? form.requestSubmit(submitter) : form.submit();
      });
  });

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

  // Looked up on each key press: after a swap, the form and buttons are new ones.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var form = document.querySelector("[data-quiz-form]");
    var next = document.querySelector("[data-next]");
    if (form) {
      var choices = form.querySelectorAll('input[name="choice"]');
      var number = parseInt(event.key, 10);
      if (number >= 1 && number <= choices.length) {
        var choice = choices[number - 1];
        choice.checked = choice.type === "radio" ? true : !choice.checked;
        choice.focus();
        event.preventDefault();
      } else if (event.key === "Enter" && !/^(BUTTON|A|SUMMARY)$/.test(event.target.tagName)) {
        // Enter on a case's summary folds or unfolds the case, as it does without a script.
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    } else if (rating(event.key)) {
      event.preventDefault();
    } else if (next && (event.key === "n" || event.key === "N" ||
               (event.key === "Enter" && !/^(BUTTON|A|SUMMARY)$/.test(event.target.tagName)))) {
      event.preventDefault();
      if (next.tagName === "BUTTON") next.click();
      else window.location.href = next.href;
    }
  });

  enhance(false);
})();
