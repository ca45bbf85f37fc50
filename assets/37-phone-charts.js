/* Phones (≤ 600 px): the indicator chart drops its legend and range buttons and most of its
   margins, so the line gets the width. Applied after every render of the chart: a new figure
   from the server brings the legend back, and this takes it away again. */
(function () {
  const PHONE = 600;
  function simplify(graph) {
    if (window.innerWidth > PHONE || !graph.layout || graph.layout.showlegend === false || !window.Plotly) {
      return;
    }
    window.Plotly.relayout(graph, {
      showlegend: false, "xaxis.rangeselector.visible": false, margin: {l: 44, r: 8, t: 8, b: 32}, height: 300,
    });
  }
  new MutationObserver(function () {
    document.querySelectorAll(".history-graph .js-plotly-plot").forEach(simplify);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
