// The planners' maps, drawn over the bundled provinces (no tile server): the suitability
// surface as map tiles of the kept surface with the candidate sites numbered; the hub network
// as hubs and the links firms made between them.
(function () {
  "use strict";
  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  // Province outlines under everything; the suitability surface's tiles go in a pane above them.
  function base(id) {
    var map = L.map(id, { zoomSnap: 0.25, attributionControl: true }).setView([36.35, 127.38], 10);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("KOSTAT 2013 (southkorea-maps)");
    return fetch("/assets/geo/korea-provinces-2013-simple.geojson")
      .then(function (r) { return r.json(); })
      .catch(function () { return { type: "FeatureCollection", features: [] }; })
      .then(function (geo) {
        map.createPane("surface").style.zIndex = 450;
        L.geoJSON(geo, { style: function () { return { color: "#5e6a7a", weight: 1, fillColor: "#eef2f7", fillOpacity: 1 }; } }).addTo(map);
        return map;
      });
  }
  function ready(id) { document.getElementById(id).setAttribute("data-ready", "true"); }

  var site = document.getElementById("site-data");
  if (site) {
    var data = JSON.parse(site.textContent);
    base("site-map").then(function (map) {
      var tiles = L.tileLayer(data.tiles, { pane: "surface", opacity: 0.85, maxZoom: 16, minZoom: 5 }).addTo(map);
      if (data.bounds) { map.fitBounds([[data.bounds[1], data.bounds[0]], [data.bounds[3], data.bounds[2]]]); }
      data.sites.forEach(function (s) {
        if (typeof s.lat !== "number" || typeof s.lon !== "number") { return; }
        L.marker([s.lat, s.lon], {
          icon: L.divIcon({ className: "site-rank", html: String(s.rank), iconSize: [22, 22] }),
          title: "#" + s.rank + " · " + s.score
        }).addTo(map).bindPopup("#" + escape(s.rank) + " · " + escape(s.score));
      });
      tiles.on("load", function () { ready("site-map"); });
      setTimeout(function () { ready("site-map"); }, 3000);
    });
  }

  var network = document.getElementById("network-data");
  if (network) {
    var net = JSON.parse(network.textContent);
    base("network-map").then(function (map) {
      var at = {};
      var names = {};
      var points = [];
      net.nodes.forEach(function (n) {
        names[n.id] = n.name;
        if (!n.site) { return; }
        at[n.id] = [n.site.lat, n.site.lon];
        points.push(at[n.id]);
      });
      net.links.forEach(function (l) {
        if (!at[l.from] || !at[l.to]) { return; }
        L.polyline([at[l.from], at[l.to]], {
          color: l.kind === "post_bi_move" ? "#256ef4" : "#228738",
          weight: Math.min(2 + l.count, 10), opacity: 0.7,
          dashArray: l.kind === "booking" ? "6 6" : null
        }).addTo(map).bindTooltip(escape(names[l.from]) + " → " + escape(names[l.to]) + ": " + l.count);
      });
      net.nodes.forEach(function (n) {
        if (!at[n.id]) { return; }
        L.circleMarker(at[n.id], {
          radius: 6 + 2 * n.functions, color: "#063a74", weight: 2,
          fillColor: n.gaps ? "#f58a0c" : (n.kind === "zone" ? "#256ef4" : "#228738"), fillOpacity: 0.9
        }).addTo(map).bindTooltip(escape(n.name));
      });
      if (points.length > 1) { map.fitBounds(points, { padding: [30, 30] }); }
      else if (points.length === 1) { map.setView(points[0], 12); }
      else { map.setView([36.0, 127.8], 7); }
      ready("network-map");
    });
  }
})();
