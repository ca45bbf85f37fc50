/* The desk's grids (data quality, catalog desk, accounts, audit log): column widths are written for the 1920
   layout; on a video wall the design tokens double the type (assets/00-variables.css), so the widths are
   scaled by the same factor, and a phone gets the page's own column changes (hidden or narrower columns). */
window.deskGrids = {
  scale: function () {
    var px = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--text-sm"));
    return px > 0 ? px / 14 : 1;
  },
  scaled: function (defs) {
    var factor = this.scale();
    return defs.map(function (def) {
      var column = Object.assign({}, def);
      ["width", "minWidth", "maxWidth"].forEach(function (key) {
        if (column[key]) { column[key] = Math.round(column[key] * factor); }
      });
      return column;
    });
  },
  fit: function (defs, phone) {
    if (!defs) { return window.dash_clientside.no_update; }
    var narrow = window.innerWidth <= 600;
    if (this.scale() === 1 && !narrow) { return window.dash_clientside.no_update; }
    return this.scaled(defs).map(function (column) {
      return narrow && phone && phone[column.field] ? Object.assign(column, phone[column.field]) : column;
    });
  }
};
