/* Style and tooltip functions of the district maps (geo/layers.py), resolved by dash-leaflet
   from window.cityvitals.map. Colours and labels come from the GeoJSON layer's hideout, so a
   new indicator or period recolours the map without sending the geometry again; level colours
   are the design tokens of 00-variables.css (--level-<level>), read from the page. */
// Tooltips get an element whose text is set, never an HTML string: labels can carry names typed by people.
// A label given as lines (an array) shows one line each.
function textTooltip(label) {
  const box = document.createElement("div");
  (Array.isArray(label) ? label : [label]).forEach(function (line, index) {
    if (index) { box.appendChild(document.createElement("br")); }
    box.appendChild(document.createTextNode(line == null ? "" : String(line)));
  });
  return box;
}

// A warning level's colour: the CSS custom property every page and chart uses.
function levelColour(level) {
  const style = getComputedStyle(document.documentElement);
  return (style.getPropertyValue("--level-" + level) || style.getPropertyValue("--level-nodata")).trim();
}

window.cityvitals = Object.assign({}, window.cityvitals, {
  map: {
    areaStyle: function (feature, context) {
      const hideout = (context && context.hideout) || {};
      const adcode = feature.properties.adcode;
      const selected = hideout.selected === adcode;
      return {
        fillColor: (hideout.colours || {})[adcode] || "#98a2b3",
        fillOpacity: 0.75,
        color: selected ? "#101828" : "#ffffff",
        weight: selected ? 3 : 1.5,
      };
    },
    // A district's open alerts: a circle in its worst level's colour, bigger with more alerts.
    alertPoint: function (feature, latlng) {
      const props = feature.properties;
      const marker = L.circleMarker(latlng, {
        radius: 7 + Math.min(props.count, 30) / 3, fillColor: levelColour(props.level),
        fillOpacity: 0.95, color: "#ffffff", weight: 2, className: "alert-marker",
      });
      marker.bindTooltip(textTooltip(props.label));
      return marker;
    },
    areaTooltip: function (feature, layer, context) {
      const hideout = (context && context.hideout) || {};
      const label = (hideout.labels || {})[feature.properties.adcode];
      layer.bindTooltip(textTooltip(label || feature.properties.name_zh), {sticky: true});
    },
  },
});
