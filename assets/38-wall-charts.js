/* Video walls (≥ 3000 px wide, where assets/00-variables.css doubles the design tokens): Plotly draws in pixels, so
   a figure's type, margins and height would stay their 1920-layout size beside text twice as large. Every figure is
   scaled by the tokens' factor (window.deskGrids.scale) after every render: a new figure from the server comes at
   1920 size again, and this scales it again. Bare pages (the big screen) keep 1× tokens, so nothing changes there. */
(function () {
  function scaled(value, factor) { return typeof value === "number" ? Math.round(value * factor) : value; }

  function enlarge(graph) {
    const layout = graph.layout;
    const factor = window.deskGrids ? window.deskGrids.scale() : 1;
    if (factor === 1 || !layout || !window.Plotly) { return; }
    const size = (layout.font && layout.font.size) || 12;
    if (graph.dataset.wallFontSize === String(size)) { return; }  // already scaled since the last figure
    const update = {"font.size": scaled(size, factor)};
    const margin = layout.margin || {};
    ["l", "r", "t", "b"].forEach(function (side) {
      if (typeof margin[side] === "number") { update["margin." + side] = scaled(margin[side], factor); }
    });
    if (typeof layout.height === "number") { update.height = scaled(layout.height, factor); }
    if (layout.title && layout.title.font && layout.title.font.size) {
      update["title.font.size"] = scaled(layout.title.font.size, factor);
    }
    (layout.annotations || []).forEach(function (note, index) {
      if (note.font && note.font.size) { update["annotations[" + index + "].font.size"] = scaled(note.font.size, factor); }
    });
    graph.dataset.wallFontSize = String(update["font.size"]);
    window.Plotly.relayout(graph, update);
  }

  new MutationObserver(function () {
    document.querySelectorAll(".js-plotly-plot").forEach(enlarge);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
