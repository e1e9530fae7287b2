/* The driver's page when the network comes and goes (no build step, plain ES2017).

   Every stop form (arrived, done, problem, proof of delivery) is taken over: the update gets a new client-made
   UUID, is stored on the phone in IndexedDB under it, then sent to the same address the plain form posts to, with Accept: json. An
   update leaves the queue only when the server answered 2xx (201 recorded, 200 already recorded: the server
   applies a client id once, so sending again after a lost answer is safe). A refusal (400/404) stays on the
   phone, shown with its reason, until the driver discards it. No network, a server error or a lost login: the
   update waits; the queue is sent again when the phone is back online, every few seconds, and when the page is
   shown again. Without IndexedDB or fetch the forms post as plain forms, which also work.
*/
(function () {
  "use strict";
  var app = document.getElementById("driver-app");
  if (!app || !window.indexedDB || !window.fetch || !window.FormData || !window.Promise) return;
  var text = JSON.parse(document.getElementById("driver-text").textContent);
  var DB_NAME = "kk-driver", STORE = "outbox", RETRY_MS = 8000, PHOTO_SIDE = 1600;
  var KIND_STATUS = { arrived: "arrived", done: "done", problem: "problem" };
  var dbPromise = null, flushing = false, needsLogin = false, sentSomething = false;

  /* --- the queue in IndexedDB --------------------------------------------------------------------------- */
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function transact(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode), request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function all() {
    return transact("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }
  function put(item) { return transact("readwrite", function (store) { return store.put(item); }); }
  function remove(id) { return transact("readwrite", function (store) { return store.delete(id); }); }

  /* --- ids and tokens ----------------------------------------------------------------------------------- */
  function uuid() {  // crypto.randomUUID needs https; getRandomValues works on a plain-http test server too
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function csrfToken() {  // the token of now, not of when the update was queued (a new login rotates it)
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* --- taking the forms over ---------------------------------------------------------------------------- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-queue]") || form.hasAttribute("data-plain")) return;
    event.preventDefault();
    if (form.hasAttribute("data-busy")) return;  // a double tap: the first one is being stored
    form.setAttribute("data-busy", "");
    var submitter = event.submitter;
    enqueue(form, submitter).catch(function () {  // the phone refused to store it: post it the plain way
      form.setAttribute("data-plain", "");
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    }).then(function () { form.removeAttribute("data-busy"); });
  });

  function enqueue(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    data.delete("csrfmiddlewaretoken");
    data.delete("next");
    data.set("recorded_at", new Date().toISOString());
    // A new id for every update made here: the page may be the service worker's copy, whose ids were used before.
    var id = uuid();
    data.set("client_id", id);
    var fields = [];
    data.forEach(function (value, name) {
      if (value instanceof File && !value.size) return;  // an empty file input
      fields.push([name, value]);
    });
    return shrinkPhotos(fields).then(function (ready) {
      var stop = form.getAttribute("data-stop"), kind = data.get("kind");
      return put({ id: id, url: form.action, fields: ready, stop: stop, kind: kind, queuedAt: Date.now(), error: "" })
        .then(function () {
          resetForm(form);
          showStatus(stop, KIND_STATUS[kind]);
          var details = form.closest("details.pod");
          if (details) details.open = false;
          return refresh().then(flush);
        });
    });
  }

  function resetForm(form) {
    form.reset();
    var clear = form.querySelector("[data-signature] [data-clear]");
    if (clear) clear.click();
  }

  function shrinkPhotos(fields) {  // a 4 MB phone photo becomes ~300 kB: quicker to send on a weak network
    return Promise.all(fields.map(function (field) {
      var file = field[1];
      if (!(file instanceof File) || !/^image\/(jpeg|png|webp)/.test(file.type) || file.size < 700 * 1024 ||
          !window.createImageBitmap) return field;
      return createImageBitmap(file).then(function (image) {
        var scale = Math.min(1, PHOTO_SIDE / Math.max(image.width, image.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            resolve(blob ? [field[0], new File([blob], "photo.jpg", { type: "image/jpeg" })] : field);
          }, "image/jpeg", 0.85);
        });
      }).catch(function () { return field; });
    }));
  }

  /* --- sending ------------------------------------------------------------------------------------------ */
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return all().then(function (items) {
      var chain = Promise.resolve(true);
      items.filter(function (item) { return !item.error; }).forEach(function (item) {
        chain = chain.then(function (goOn) { return goOn ? send(item) : false; });  // in order; stop at the first wait
      });
      return chain;
    }).catch(function () { return false; }).then(function () {
      flushing = false;
      return refresh();
    });
  }

  function send(item) {
    var body = new FormData();
    item.fields.forEach(function (field) {
      if (field[1] instanceof Blob) body.append(field[0], field[1], field[1].name || "upload");
      else body.append(field[0], field[1]);
    });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        needsLogin = true;  // sent to the login page, or the token is stale: keep everything until they log in
        return false;
      }
      needsLogin = false;
      if (response.status >= 500 || response.status === 408 || response.status === 429) return false;
      return response.json().catch(function () { return null; }).then(function (json) {
        if (response.ok && json && json.id) {
          sentSomething = true;
          return remove(item.id).then(function () {
            showStatus(item.stop, json.stop_status);
            remember(item.stop, json.stop_status);
            return true;
          });
        }
        if (response.ok || !json) return false;  // not our server's answer (a hotel wifi login page): later
        if (json.duplicate) return remove(item.id).then(function () { return true; });
        item.error = json.detail || String(response.status);
        return put(item).then(function () { return true; });
      });
    }, function () { return false; });  // no network
  }

  /* --- what the driver sees ----------------------------------------------------------------------------- */
  var SEEN = "kk-driver-seen";  // stop id -> [status the server confirmed, when (s)]: for the offline copy
  function remember(stopId, status) {
    try {
      var seen = JSON.parse(localStorage.getItem(SEEN) || "{}"), now = Date.now() / 1000;
      seen[stopId] = [status, now];
      Object.keys(seen).forEach(function (key) { if (seen[key][1] < now - 3 * 86400) delete seen[key]; });
      localStorage.setItem(SEEN, JSON.stringify(seen));
    } catch (error) { /* private mode: the page shows what the server last rendered */ }
  }
  function recall() {  // a page reloaded from the offline copy is older than what was sent since
    var rendered = Number(app.getAttribute("data-rendered")) || 0;
    try {
      var seen = JSON.parse(localStorage.getItem(SEEN) || "{}");
      Object.keys(seen).forEach(function (key) { if (seen[key][1] > rendered) showStatus(key, seen[key][0]); });
    } catch (error) { /* nothing remembered */ }
    return all().then(function (items) {
      items.forEach(function (item) { if (!item.error) showStatus(item.stop, KIND_STATUS[item.kind]); });
    });
  }

  function showStatus(stopId, status) {
    var card = document.getElementById("stop-" + stopId);
    if (!card || !status || !text.statuses[status]) return;
    if (status === "arrived" && /\bstatus-(done|problem)\b/.test(card.className)) return;  // never step back
    card.className = card.className.replace(/\bstatus-\w+/, "status-" + status);
    var badge = card.querySelector("[data-status]");
    if (badge) badge.textContent = text.statuses[status];
    var block = card.closest(".route-block"), count = block && block.querySelector(".done-count");
    if (count) count.textContent = block.querySelectorAll(".stop-card.status-done, .stop-card.status-problem").length;
  }

  function refresh() {
    return all().then(function (items) {
      var box = document.getElementById("outbox");
      var waiting = items.filter(function (item) { return !item.error; });
      var failed = items.filter(function (item) { return item.error; });
      var queuedStops = {};
      waiting.forEach(function (item) { queuedStops[item.stop] = true; });
      Array.prototype.forEach.call(document.querySelectorAll(".stop-card"), function (card) {
        card.classList.toggle("queued", !!queuedStops[card.getAttribute("data-stop")]);
        var badge = card.querySelector("[data-status]");
        if (badge) badge.setAttribute("data-queued", text.queued);
      });
      box.setAttribute("data-waiting", String(waiting.length));
      box.querySelector(".outbox-count").textContent = waiting.length === 1 ? text.waiting_one :
        waiting.length ? text.waiting_many.replace("%(n)s", waiting.length) : (sentSomething ? text.sent : "");
      box.querySelector(".outbox-note").textContent = needsLogin ? text.login :
        (waiting.length && !navigator.onLine ? text.offline : "");
      box.classList.toggle("all-sent", !waiting.length && !failed.length);
      box.classList.toggle("needs-login", needsLogin);
      box.querySelector(".outbox-send").hidden = !waiting.length;
      var list = box.querySelector(".outbox-failed");
      list.textContent = "";
      failed.forEach(function (item) {
        var li = document.createElement("li"), button = document.createElement("button");
        var card = document.getElementById("stop-" + item.stop), seq = card ? card.querySelector(".seq") : null;
        li.textContent = (seq ? seq.textContent + ". " : "") + text.failed + " " + item.error + " ";
        button.type = "button";
        button.className = "link";
        button.textContent = text.discard;
        button.addEventListener("click", function () { remove(item.id).then(refresh); });
        li.appendChild(button);
        list.appendChild(li);
      });
      box.hidden = !(waiting.length || failed.length || sentSomething);
    });
  }

  /* --- logging out on a shared phone --------------------------------------------------------------------- */
  /* The page copies go at logout (signed_out.js, on the first page after it); the queue does not. Waiting updates
     (with names, signatures, photos) stay on the phone until sent, even after logout: losing a proof of delivery is
     worse than keeping it here a little longer. So: try to send first, and if some are still waiting, ask. */
  document.addEventListener("submit", function (event) {
    var form = event.target, logout = app.getAttribute("data-logout");
    if (!logout || form.getAttribute("action") !== logout || form.hasAttribute("data-confirmed")) return;
    event.preventDefault();
    var waited = new Promise(function (resolve) { setTimeout(resolve, 3000); });  // a weak network: not forever
    Promise.race([flush(), waited]).then(all).catch(function () { return []; }).then(function (items) {
      var question = items.length === 1 ? text.logout_one : text.logout_many.replace("%(n)s", items.length);
      if (items.length && !window.confirm(question)) return;
      form.setAttribute("data-confirmed", "");
      form.submit();
    });
  });

  /* --- the signature pad -------------------------------------------------------------------------------- */
  function signaturePad(box) {
    var canvas = box.querySelector("canvas"), input = box.querySelector("input[name=signature_data]");
    var context = canvas.getContext("2d"), drawing = false, drawn = false, last = null;
    function blank() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = 3;
      context.lineCap = context.lineJoin = "round";
      context.strokeStyle = "#111";
    }
    function at(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: (event.clientX - rect.left) * canvas.width / rect.width,
               y: (event.clientY - rect.top) * canvas.height / rect.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = at(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var point = at(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(point.x, point.y);
      context.stroke();
      last = point;
      drawn = true;
      event.preventDefault();
    });
    function end() {
      if (drawing && drawn) input.value = canvas.toDataURL("image/png");
      drawing = false;
    }
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) { canvas.addEventListener(name, end); });
    box.querySelector("[data-clear]").addEventListener("click", function () {
      blank();
      drawn = false;
      input.value = "";
    });
    blank();
    box.hidden = false;  // without JavaScript there is no pad: a name or a photo is proof enough
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-signature]"), signaturePad);
  var outbox = document.getElementById("outbox");
  outbox.querySelector(".outbox-send").addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  setInterval(flush, RETRY_MS);
  recall().catch(function () { return null; }).then(flush);

  if ("serviceWorker" in navigator && app.getAttribute("data-sw")) {
    navigator.serviceWorker.register(app.getAttribute("data-sw"), { scope: app.getAttribute("data-scope") })
      .catch(function () { /* no offline copy of the page; the queue works without it */ });
  }
})();
