/* Loaded on pages shown to someone who is not logged in (base.html): after logging out, or when a session has
   ended, the service worker's copies of the driver's pages (Cache Storage "kk-driver-*", see driver/sw.js) are
   dropped, so the next person with this phone cannot read the last driver's day offline.

   Only those copies: updates still waiting to be sent stay in IndexedDB and go out after the next login (driver.js
   warns before logging out while some wait). A proof of delivery is never thrown away without a person deciding.
*/
(function () {
  "use strict";
  if (!window.caches) return;  // plain http on another host than localhost: no Cache Storage, no service worker
  caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("kk-driver-") === 0; })
      .map(function (key) { return caches.delete(key); }));
  }).catch(function () { /* storage blocked: nothing was kept either */ });
})();
