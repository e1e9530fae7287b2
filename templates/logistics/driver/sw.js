{% load static %}/* Keeps the driver's page for when the network is gone (served from {{ scope }}sw.js, so that is its scope).
   Pages: network first, the copy of the last visit when offline. The page's style and script: from the cache.
   Updates (POST) are never touched here: driver.js queues them in IndexedDB and sends them itself.
   The copies are dropped when someone logs out (static/js/signed_out.js); the queue is not. */
"use strict";
const CACHE = "kk-driver-v1";
const SCOPE = "{{ scope|escapejs }}";
const ASSETS = ["{% static 'css/site.css' %}", "{% static 'css/driver.css' %}", "{% static 'js/driver.js' %}"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith("kk-driver-") && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

function keep(request, response) {
  if (response.ok && response.status === 200 && !response.redirected) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(fetch(request).then((response) => keep(request, response)).catch(() =>
      caches.match(request).then((hit) => hit || caches.match(SCOPE)).then((hit) => hit ||
        new Response("<h1>{{ offline|escapejs }}</h1>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }))));
  } else if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) =>
      keep(request, response))));
  }
});
