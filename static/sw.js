// Dockside's service worker. Served by the /sw.js route, which puts CONFIG in front of this
// file: the app shell's URLs, a version made from their content, and the few paths it needs.
//
// - The app shell (CSS, JS, htmx, the barcode reader, icons, the offline page) is cached at
//   install in a cache named after the version; activating a new version drops the old one.
// - Pages come from the network. A dock page is also kept, so a reload in a trailer without
//   network still shows the page (its scans go to the offline queue); any other page falls
//   back to the offline page. Logging out forgets the kept pages.
// - Everything else (htmx fragments, scans, photos, the API) is never touched: a scan
//   answered from a cache would be a scan that never happened.
"use strict";

/* global CONFIG */
var SHELL_CACHE = "dockside-shell-" + CONFIG.version;
var PAGES_CACHE = "dockside-pages";
var SHELL_PATHS = new Set(CONFIG.shell);

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) {
        // "reload": the shell comes from the server, not from the browser's HTTP cache
        return cache.addAll(CONFIG.shell.map(function (url) {
          return new Request(url, { cache: "reload" });
        }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names
          .filter(function (name) {
            return name.indexOf("dockside-") === 0 && name !== SHELL_CACHE && name !== PAGES_CACHE;
          })
          .map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === CONFIG.logout) {
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (SHELL_PATHS.has(url.pathname) && !url.search) {
    event.respondWith(shellFirst(request));
  }
});

function isDockPage(request) {
  return new URL(request.url).pathname.indexOf(CONFIG.pages) === 0;
}

function page(event) {
  var request = event.request;
  return fetch(request)
    .then(function (response) {
      // Only a real page of the dock, not a redirect to the login page or an error.
      if (isDockPage(request) && response.ok && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) {
          return cache.put(request, copy);
        }));
      }
      return response;
    })
    .catch(function () {
      var kept = isDockPage(request)
        ? caches.match(request, { cacheName: PAGES_CACHE })
        : Promise.resolve(undefined);
      return kept.then(function (response) {
        return response || caches.match(CONFIG.offline, { cacheName: SHELL_CACHE });
      }).then(function (response) { return response || Response.error(); });
    });
}

function shellFirst(request) {
  return caches.match(request, { cacheName: SHELL_CACHE }).then(function (cached) {
    return cached || fetch(request);
  });
}
