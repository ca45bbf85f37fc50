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

// How much bigger the map's marks are drawn (2 on a video wall): the --map-scale token of 61-map.css.
function mapScale() {
  return parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--map-scale")) || 1;
}

// A warning level's colour: the CSS custom property every page and chart uses.
function levelColour(level) {
  const style = getComputedStyle(document.documentElement);
  return (style.getPropertyValue("--level-" + level) || style.getPropertyValue("--level-nodata")).trim();
}

// District labels (pages/_map_layers.label_layer): where two would overlap, the smaller district's is hidden
// (rank 1 = the largest district), checked again after every zoom, move and resize of the map.
// Names closer than this (px) count as overlapping: two names must read as two, not one line.
const GAP_X = 8, GAP_Y = 4;
function declutter(map) {
  if (!map || !map.getContainer) { return; }
  const labels = Array.from(map.getContainer().querySelectorAll(".district-label"));
  labels.sort(function (a, b) { return Number(a.dataset.rank) - Number(b.dataset.rank); });
  const kept = [];
  labels.forEach(function (label) {
    const text = label.firstChild;
    if (!text) { return; }
    const box = text.getBoundingClientRect();
    const clash = kept.some(function (other) {
      return !(box.right + GAP_X < other.left || box.left - GAP_X > other.right ||
               box.bottom + GAP_Y < other.top || box.top - GAP_Y > other.bottom);
    });
    label.classList.toggle("is-hidden", clash);
    if (!clash) { kept.push(box); }
  });
}

// District names have a pane of their own above the markers (600) and below tooltips (650): a facility cluster
// or an alert marker never covers a name, and clicks pass through the names to what lies under them.
const LABEL_PANE = "cityvitals-labels";
function labelPane(map) {
  if (!map.getPane(LABEL_PANE)) {
    const pane = map.createPane(LABEL_PANE);
    pane.style.zIndex = 640;
    pane.style.pointerEvents = "none";
  }
  return LABEL_PANE;
}

function scheduleDeclutter(map) {
  if (!map) { return; }
  if (!map._cityvitalsLabels) {
    map._cityvitalsLabels = true;
    map.on("zoomend moveend resize", function () { scheduleDeclutter(map); });
  }
  window.cancelAnimationFrame(map._cityvitalsDeclutter || 0);
  map._cityvitalsDeclutter = window.requestAnimationFrame(function () { declutter(map); });
}

window.cityvitals = Object.assign({}, window.cityvitals, {
  map: {
    // A district's name on the map (pages/_map_layers.labelled_boundaries): text under the district's centre
    // and its alert marker, never HTML; added and removed with the district's own shape.
    addLabel: function (feature, layer) {
      const props = feature.properties || {};
      if (!props.label || props.label_lat == null) { return; }
      const text = document.createElement("span");
      text.textContent = String(props.label);
      let marker = null;
      layer.on("add", function () {
        if (!layer._map) { return; }
        marker = marker || L.marker([props.label_lat, props.label_lon], {
          icon: L.divIcon({html: text, className: "district-label", iconSize: null}),
          interactive: false, keyboard: false, pane: labelPane(layer._map),
        });
        marker.addTo(layer._map);
        const element = marker.getElement();
        if (element) { element.dataset.rank = props.rank || 99; element.setAttribute("aria-hidden", "true"); }
        scheduleDeclutter(layer._map);
      });
      layer.on("remove", function () { if (marker) { marker.remove(); } });
    },
    declutter: declutter,
    // Facility clusters in the product's colours: the colour of the layer most of its points belong to
    // (the layers' design tokens, from the hideout), sized by how many; not Leaflet's green/yellow/orange.
    clusterPoint: function (feature, latlng, index, context) {
      const hideout = (context && context.hideout) || {};
      const props = feature.properties || {};
      const count = props.point_count || 0;
      let colour = hideout.cluster || "#1d4ed8";
      try {
        const kinds = {};
        index.getLeaves(props.cluster_id, Infinity).forEach(function (leaf) {
          const kind = leaf.properties.kind;
          kinds[kind] = (kinds[kind] || 0) + 1;
        });
        const top = Object.keys(kinds).sort(function (a, b) { return kinds[b] - kinds[a]; })[0];
        colour = (hideout.colours || {})[top] || colour;
      } catch (error) { /* the neutral cluster colour */ }
      const size = (count < 10 ? 32 : (count < 50 ? 40 : 48)) * mapScale();
      const bubble = document.createElement("div");
      bubble.className = "map-cluster";
      bubble.style.backgroundColor = colour;
      const number = document.createElement("span");
      number.textContent = String(count);
      bubble.appendChild(number);
      // marker-cluster: Leaflet's cluster class (what people and tests look for); 61-map.css overrides its colours.
      return L.marker(latlng, {icon: L.divIcon({html: bubble, className: "marker-cluster map-cluster-icon",
                                               iconSize: L.point(size, size)})});
    },
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
        radius: (7 + Math.min(props.count, 30) / 3) * mapScale(), fillColor: levelColour(props.level),
        fillOpacity: 0.95, color: "#ffffff", weight: 2 * mapScale(), className: "alert-marker",
        // Over the districts whatever order the layers are redrawn in (a recoloured district layer is
        // redrawn on top of its own pane), under the names and clusters of the marker pane.
        pane: "shadowPane",
      });
      marker.bindTooltip(textTooltip(props.label));
      return marker;
    },
    areaTooltip: function (feature, layer, context) {
      const hideout = (context && context.hideout) || {};
      const label = (hideout.labels || {})[feature.properties.adcode];
      layer.bindTooltip(textTooltip(label || feature.properties.name_zh), {sticky: true});
      window.cityvitals.map.addLabel(feature, layer);
    },
  },
});
