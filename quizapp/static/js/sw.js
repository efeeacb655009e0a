/* quizapp's service worker: the app shell and the offline review page are kept on install,
   each lesson opened is kept as it is read, and without a connection a page that was kept
   opens from the device. Nothing else is cached: other pages show a learner's live data. */
"use strict";

var SHELL = "quizapp-shell-v1";
var PAGES = "quizapp-pages-v1";
var OFFLINE_PAGE = "/review/offline";
var SHELL_FILES = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/offline.js",
  "/static/js/offline-review.js",
  "/static/favicon.svg",
  "/static/icons/icon-192.png",
  "/manifest.webmanifest"
];

function keepOfflinePage(cache) {
  // Only the page itself: a redirect to the login form must not be kept in its place.
  // Behind the page: the server leaves the session cookie alone (quizapp/security.py).
  return fetch(OFFLINE_PAGE, {
    redirect: "manual", credentials: "same-origin", headers: { "X-Quizapp-Background": "1" }
  }).then(function (response) {
    if (response.ok && response.type === "basic") {
      return cache.put(OFFLINE_PAGE, response);
    }
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES).then(function () { return keepOfflinePage(cache); });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== SHELL && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function isLesson(url) {
  return /^\/lessons\/[^/]+$/.test(url.pathname);
}

function fromNetworkKeeping(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      if (isLesson(url)) {
        caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
      } else if (url.pathname === OFFLINE_PAGE) {
        caches.open(SHELL).then(function (cache) { cache.put(OFFLINE_PAGE, copy); });
      }
    }
    return response;
  });
}

function offlineFallback(url) {
  return caches.match(url.pathname).then(function (kept) {
    // A lesson read before opens as it was; anything else offers the offline reviews.
    return kept || caches.match(OFFLINE_PAGE).then(function (page) {
      return page || new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fromNetworkKeeping(request, url).catch(function () {
      return offlineFallback(url);
    }));
    return;
  }
  if (SHELL_FILES.indexOf(url.pathname) !== -1) {
    // The shell from the device at once, refreshed behind it for the next visit. Other files
    // go straight to the network, as without a worker: nothing to add on their way.
    event.respondWith(caches.open(SHELL).then(function (cache) {
      return cache.match(url.pathname).then(function (kept) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) { cache.put(url.pathname, response.clone()); }
          return response;
        }).catch(function () { return kept; });
        return kept || fresh;
      });
    }));
  }
});
