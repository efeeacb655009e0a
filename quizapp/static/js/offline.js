/* Offline reviews, on every signed-in page: registers the service worker, keeps today's cards
   on the device while online, sends the ratings given offline when the connection returns,
   and says in a banner when the device is offline and how many ratings wait. */
(function () {
  "use strict";
  var userMeta = document.querySelector('meta[name="quizapp-user"]');
  if (!userMeta || !("indexedDB" in window)) { return; }
  var user = userMeta.content;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  // Requests behind the page leave its session cookie alone (quizapp/security.py).
  var BACKGROUND = { "X-Quizapp-Background": "1" };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("quizapp-offline", 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("cards", { keyPath: "card" });
        db.createObjectStore("pending", { keyPath: "id" });
        db.createObjectStore("meta");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  /* Runs `work(stores)` in one transaction over `names`; resolves with its result once the
     transaction has committed. */
  function inStores(names, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result = work(stores);
        tx.oncomplete = function () { db.close(); resolve(result && result.value); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  /* What an IndexedDB request reads, held until its transaction commits. */
  function read(request) {
    var holder = {};
    request.onsuccess = function () { holder.value = request.result; };
    return holder;
  }

  function all(store) { return read(store.getAll()); }

  function metaValue(key) {
    return inStores(["meta"], "readonly", function (s) { return read(s.meta.get(key)); });
  }

  var api = {
    cards: function () { return inStores(["cards"], "readonly", function (s) { return all(s.cards); }); },
    pending: function () { return inStores(["pending"], "readonly", function (s) { return all(s.pending); }); },
    rate: function (rating) {
      return inStores(["pending"], "readwrite", function (s) { s.pending.put(rating); }).then(api.flush);
    },
    flush: flush,
    refreshBanner: refreshBanner
  };
  window.quizappOffline = api;

  /* Another account signed in on this device: its cards and ratings are not this one's. */
  function claimDevice() {
    return metaValue("user").then(function (owner) {
      if (owner === user) { return; }
      return inStores(["cards", "pending", "meta"], "readwrite", function (s) {
        s.cards.clear(); s.pending.clear(); s.meta.put(user, "user");
      });
    });
  }

  // Today and the review pages are where the cards due change; elsewhere a pack younger than
  // this is kept, so an ordinary page costs the server nothing more.
  var PACK_AGE_MS = 30 * 60 * 1000;
  var REVIEWING = /^\/(today|review)(\/|$)/.test(location.pathname);

  function packAge() {
    return metaValue("packed").then(function (packed) {
      return packed ? Date.now() - packed : Infinity;
    });
  }

  function refreshPack(always) {
    if (!navigator.onLine) { return Promise.resolve(); }
    return packAge().then(function (age) {
      if (always === true || REVIEWING || age > PACK_AGE_MS) { return fetchPack(); }
    });
  }

  function fetchPack() {
    return fetch("/review/offline.json", { credentials: "same-origin", headers: BACKGROUND }).then(function (response) {
      if (!response.ok) { return; }
      return response.json().then(function (pack) {
        return inStores(["cards", "meta"], "readwrite", function (s) {
          s.cards.clear();
          pack.cards.forEach(function (card) { s.cards.put(card); });
          s.meta.put(Date.now(), "packed");
        });
      });
    }).catch(function () {});
  }

  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    if (!navigator.onLine || !csrf) { return refreshBanner(); }
    flushing = api.pending().then(function (ratings) {
      if (!ratings.length) { return; }
      return fetch("/review/sync", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.content, "X-Quizapp-Background": "1" },
        body: JSON.stringify({ ratings: ratings })
      }).then(function (response) {
        if (!response.ok) { return; }
        return response.json().then(function (answer) {
          // Accepted, already there or refused for good: none of them is sent again.
          return inStores(["pending"], "readwrite", function (s) {
            answer.results.forEach(function (result) { s.pending.delete(result.id); });
          });
        });
      });
    }).catch(function () {}).then(function () {
      flushing = null;
      return refreshBanner();
    });
    return flushing;
  }

  var banner = document.getElementById("offline-banner");
  function refreshBanner() {
    if (!banner) { return Promise.resolve(); }
    // A page being left may close the database mid-read: the next page shows the banner.
    return api.pending().catch(function () { return []; }).then(function (ratings) {
      var waiting = ratings.length;
      var text = navigator.onLine ? "" : "You are offline. ";
      if (waiting) {
        text += waiting + (waiting === 1 ? " review waits" : " reviews wait") + " to be sent" +
          (navigator.onLine ? "." : " when you are back online.");
      } else if (!navigator.onLine) {
        text += "Reviews you do now are sent when you are back online.";
      }
      banner.querySelector(".offline-text").textContent = text;
      banner.hidden = !text;
    });
  }

  // Signing out leaves nothing of this learner on a shared device.
  document.querySelectorAll('form[action$="/account/logout"]').forEach(function (form) {
    form.addEventListener("submit", function () {
      indexedDB.deleteDatabase("quizapp-offline");
      if (window.caches) { caches.delete("quizapp-pages-v1"); }
    });
  });

  function quietly() {}
  window.addEventListener("online", function () {
    flush().then(function () { return refreshPack(true); }).catch(quietly);
  });
  window.addEventListener("offline", function () { refreshBanner().catch(quietly); });
  claimDevice().then(flush).then(refreshPack).then(refreshBanner).catch(quietly);
})();
