// The national map: Korea's provinces from the bundled GeoJSON (no tile server) and a marker
// per zone at its site, or at the centre of its region when the plan gives no site.
(function () {
  "use strict";
  var zones = JSON.parse(document.getElementById("zones-data").textContent);
  var words = JSON.parse(document.getElementById("map-words").textContent);
  var map = L.map("map", { zoomSnap: 0.25, attributionControl: true }).setView([36.0, 127.8], 7);
  map.attributionControl.setPrefix(false);
  var withZones = {};
  zones.forEach(function (z) { if (z.census_code) { withZones[z.census_code] = true; } });
  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  fetch("/assets/geo/korea-provinces-2013-simple.geojson")
    .then(function (r) { return r.json(); })
    .then(function (geo) {
      var layer = L.geoJSON(geo, {
        style: function (feature) {
          var has = withZones[feature.properties.code];
          return { color: "#5e6a7a", weight: 1, fillColor: has ? "#b1cefb" : "#eef2f7", fillOpacity: 1 };
        },
        onEachFeature: function (feature, l) {
          l.bindTooltip(words.lang === "en" ? feature.properties.name_eng : feature.properties.name);
        }
      }).addTo(map);
      map.attributionControl.addAttribution("KOSTAT 2013 (southkorea-maps)");
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      var centres = {};
      layer.eachLayer(function (l) { centres[l.feature.properties.code] = l.getBounds().getCenter(); });
      zones.forEach(function (z) {
        var at = z.site ? [z.site.lat, z.site.lon] : centres[z.census_code];
        if (!at) { return; }
        var present = z.functions_present;
        var marker = L.circleMarker(at, {
          radius: 8 + 2 * present, color: "#063a74", weight: 2,
          fillColor: present === 4 ? "#228738" : "#256ef4", fillOpacity: 0.85
        }).addTo(map);
        var title = words.lang === "en" && z.name_en ? z.name_en : z.name;
        marker.bindPopup(
          "<strong>" + escape(title) + "</strong><br>" +
          escape(words.area) + ": " + escape(z.area_km2 == null ? "—" : z.area_km2) + "<br>" +
          escape(words.functions) + ": " + present + "/4 · " +
          escape(words.linkages) + ": " + z.linkages_active + "/" + z.linkages_total + "<br>" +
          "<a href=\"/zones/" + encodeURIComponent(z.id) + "\">" + escape(words.open) + "</a>"
        );
        marker.bindTooltip(escape(title));
        marker.getElement && marker.on("add", function () {});
      });
      document.getElementById("map").setAttribute("data-ready", "true");
    });
})();
