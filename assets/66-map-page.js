/* The map page (pages/map.py): the districts' tooltips, read from the GeoJSON layer's hideout
   (district, value and unit, level, as-of period, one line each), and keeping the page's state in
   the address bar. Merged into window.cityvitals next to assets/60-map.js, never replacing it. */
window.cityvitals = Object.assign({}, window.cityvitals, {
  mapPage: {
    areaTooltip: function (feature, layer, context) {
      const hideout = (context && context.hideout) || {};
      const props = feature.properties || {};
      const lines = (hideout.labels || {})[props.adcode] || [props.name_zh || props.adcode];
      const box = document.createElement("div");
      box.className = "map-tip";
      lines.forEach(function (line, index) {
        const part = document.createElement(index === 0 ? "strong" : "div");
        part.textContent = line;  // text, never HTML
        box.appendChild(part);
      });
      layer.bindTooltip(box, {sticky: true, direction: "top", className: "map-tip-box"});
    },

    /* A facility of the point layers (pages/map.py): a small circle in its layer's colour, with the
       tooltip the server wrote (names escaped there). Clusters are drawn by dash-leaflet. */
    facilityPoint: function (feature, latlng, context) {
      const hideout = (context && context.hideout) || {};
      const props = feature.properties || {};
      return L.circleMarker(latlng, {
        radius: 6, weight: 1.5, color: "#ffffff", fillOpacity: 0.95,
        fillColor: (hideout.colours || {})[props.kind] || "#475467",
        className: "facility-point facility-" + props.kind,
      });
    },

    /* Put the page's query into the address bar without a reload or a history entry, and let the
       header's city and language switches carry it (a new city drops the city-bound district). */
    keepInUrl: function (search) {
      const wanted = new URLSearchParams(search);
      window.history.replaceState(window.history.state, "", window.location.pathname + "?" + wanted.toString());
      document.querySelectorAll(".shell-header .switch a").forEach(function (link) {
        const target = new URL(link.getAttribute("href"), window.location.origin);
        if (target.pathname !== window.location.pathname) { return; }
        const kept = new URLSearchParams(wanted);
        kept.set("city", target.searchParams.get("city") || wanted.get("city"));
        kept.set("lang", target.searchParams.get("lang") || wanted.get("lang"));
        if (kept.get("city") !== wanted.get("city")) { kept.delete("area"); }
        link.setAttribute("href", target.pathname + "?" + kept.toString());
      });
    },
  },
});

/* Dash's slider gives its thumb no name: name it after the period heading and let it say the period
   (aria-valuetext), whenever the page changes. */
(function () {
  function nameSlider() {
    const thumb = document.querySelector("#map-slider [role=slider]");
    const text = document.getElementById("map-period-text");
    if (!thumb) { return; }
    if (thumb.getAttribute("aria-labelledby") !== "map-period-title") {
      thumb.setAttribute("aria-labelledby", "map-period-title");
    }
    if (text && thumb.getAttribute("aria-valuetext") !== text.textContent) {
      thumb.setAttribute("aria-valuetext", text.textContent);
    }
  }
  new MutationObserver(nameSlider).observe(document.documentElement, {subtree: true, childList: true, characterData: true});
})();
