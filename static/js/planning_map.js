/* The planning page's map: each route a line in its own colour, numbered stops, the hub, stops left out.
 *
 * The data is the JSON the server rendered into the routes panel (#plan-map-data); when htmx swaps the panel
 * after a change, the map is drawn again from the new JSON. Without a tile URL the routes are drawn on a blank
 * background. Without JavaScript the map stays hidden and the lists beside it say everything. */
(function () {
  "use strict";
  var el = document.getElementById("plan-map");
  if (!window.L || !el) { return; }
  el.hidden = false;
  var map = L.map(el, {scrollWheelZoom: false, zoomSnap: 0.25});
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, {maxZoom: 18, attribution: el.dataset.tileAttribution || ""}).addTo(map);
  }
  var layers = L.layerGroup().addTo(map);
  var fitted = false;

  function icon(className, text, colour) {
    var html = document.createElement("span");
    html.textContent = text;
    if (colour) { html.style.background = colour; }
    return L.divIcon({className: "plan-marker " + className, html: html, iconSize: [24, 24], iconAnchor: [12, 12]});
  }

  function popup(title, lines) {
    var box = document.createElement("div");
    var strong = document.createElement("strong");
    strong.textContent = title;
    box.appendChild(strong);
    lines.forEach(function (line) {
      if (!line) { return; }
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line));
    });
    return box;
  }

  function draw() {
    var source = document.getElementById("plan-map-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    layers.clearLayers();
    var bounds = [];
    data.routes.forEach(function (route) {
      if (route.path.length > 1) {
        L.polyline(route.path, {color: route.colour, weight: route.pinned ? 6 : 4, opacity: 0.85}).addTo(layers)
          .bindTooltip(route.label + " · " + route.km + " km");
      }
      route.stops.forEach(function (stop) {
        if (!stop.at) { return; }
        bounds.push(stop.at);
        var marker = L.marker(stop.at, {
          icon: icon("stop kind-" + stop.kind + (stop.pinned ? " pinned" : "") + " status-" + stop.status,
                     String(stop.seq), route.colour),
          title: stop.seq + ". " + stop.name, riseOnHover: true
        }).addTo(layers);
        marker.bindPopup(popup(stop.seq + ". " + stop.name, [route.label, stop.eta]));
        marker.on("click", function () {
          var row = document.getElementById("stop-" + stop.id);
          if (row) { row.classList.add("highlight"); setTimeout(function () { row.classList.remove("highlight"); }, 2000); }
        });
      });
    });
    data.unassigned.forEach(function (stop) {
      if (!stop.at) { return; }
      bounds.push(stop.at);
      L.marker(stop.at, {icon: icon("left-out", "!"), title: stop.name, zIndexOffset: 500}).addTo(layers)
        .bindPopup(popup(stop.name, [el.dataset.leftOutLabel + ": " + stop.reason]));
    });
    if (data.hub) {
      bounds.push(data.hub.at);
      L.marker(data.hub.at, {icon: icon("hub", "H"), title: data.hub.name, zIndexOffset: 1000}).addTo(layers)
        .bindPopup(popup(data.hub.name, [el.dataset.hubLabel]));
    }
    // Fit once; after an edit the fixer keeps the view they zoomed to.
    if (!fitted && bounds.length) {
      if (bounds.length === 1) { map.setView(bounds[0], 12); } else { map.fitBounds(bounds, {padding: [24, 24]}); }
      fitted = true;
    }
    el.dataset.drawn = String(data.routes.length);
  }

  draw();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "plan-body") { draw(); }
  });
})();
