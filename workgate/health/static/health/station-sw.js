// The gate station's service worker: a reload while offline still opens the station.
// Network first, always: the page and its scripts and styles come from the server when it can be
// reached, and the copy kept here is used only when it cannot. The API is never touched: checks
// taken offline wait in the page's own outbox, not here.
"use strict";

var CACHE = "wg-station-v1"; // the same name in station.js
var SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (evt) { evt.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (evt) {
  var req = evt.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (req.mode === "navigate" && url.pathname.indexOf(SCOPE) !== 0) { return; }
  evt.respondWith(
    fetch(req).then(function (resp) {
      // Keep only real pages and files: not a redirect to the sign-in page, not an error.
      if (resp.ok && !resp.redirected && resp.type === "basic") {
        var copy = resp.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(req, copy); });
      }
      return resp;
    }).catch(function () {
      return caches.match(req, { ignoreVary: true }).then(function (hit) { return hit || Response.error(); });
    })
  );
});
