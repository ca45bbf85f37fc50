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
      window.cityvitals.map.addLabel(feature, layer);
    },

    /* A facility of the point layers (pages/map.py): a small circle in its layer's colour, with the
       tooltip the server wrote (names escaped there). Clusters are drawn by dash-leaflet. */
    facilityPoint: function (feature, latlng, context) {
      const hideout = (context && context.hideout) || {};
      const props = feature.properties || {};
      return L.circleMarker(latlng, {
        radius: 6 * mapScale(), weight: 1.5 * mapScale(), color: "#ffffff", fillOpacity: 0.95,
        pane: "shadowPane",  // over the districts, as the alert markers (assets/60-map.js)
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

/* The map page's client-side callbacks (pages/map.py, by ClientsideFunction("cityvitals_map", name)):
   they answer clicks, the colouring buttons, play/pause and the address bar without a server trip. */
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.cityvitals_map = {
  // A click on a district selects it; only its adcode travels to the server, not the feature's geometry.
  selectArea: function (click) {
    const adcode = click && click.properties && click.properties.adcode;
    return adcode || window.dash_clientside.no_update;
  },
  closePanel: function (clicks) { return clicks ? null : window.dash_clientside.no_update; },
  // The colouring's toggle buttons: the pressed one is the mode.
  pickMode: function () {
    const trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
    const mode = trigger.startsWith("map-mode-quantile") ? "quantile" : "level";
    const pressed = function (m) { return m === mode ? "true" : "false"; };
    const cls = function (m) { return "map-mode" + (m === mode ? " is-active" : ""); };
    return [mode, cls("level"), pressed("level"), cls("quantile"), pressed("quantile")];
  },
  // Play/pause: the interval moves the slider one period per tick and stops at the newest.
  playPause: function (clicks, disabled, value, max, labels) {
    if (!disabled) { return [true, labels.play, window.dash_clientside.no_update]; }
    return [false, labels.pause, (value >= max) ? 0 : window.dash_clientside.no_update];
  },
  step: function (ticks, value, max, labels) {
    const next = (value || 0) + 1;
    if (next >= max) { return [max, true, labels.play]; }
    return [next, window.dash_clientside.no_update, window.dash_clientside.no_update];
  },
  // The page's state in the address bar without reloading the page (see keepInUrl).
  keepInUrl: function (search) {
    if (search) { window.cityvitals.mapPage.keepInUrl(search); }
    return window.dash_clientside.no_update;
  },
};
