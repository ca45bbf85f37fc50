/* Style and tooltip functions of the district maps (geo/layers.py), resolved by dash-leaflet
   from window.cityvitals.map. Colours and labels come from the GeoJSON layer's hideout, so a
   new indicator or period recolours the map without sending the geometry again. */
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
    areaTooltip: function (feature, layer, context) {
      const hideout = (context && context.hideout) || {};
      const label = (hideout.labels || {})[feature.properties.adcode];
      layer.bindTooltip(label || feature.properties.name_zh, {sticky: true});
    },
  },
});
