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

/* On a phone a desk grid is a list (01-lazy-libraries.js draws this instead of AG Grid, which a phone then never
   downloads): each row an item titled by the grid's first shown column, the other shown columns that hold a value as
   labelled facts, a page of rows at a time. The page says how in the grid's dashGridOptions.context.phone (pages/_grid.py):
   the row id field, the title's link, the row fields holding shown texts, and what a tap sends back (the
   selectedRows or cellClicked the PC grid would, and what it opens, to scroll to). */
window.cityvitalsPhoneViews = Object.assign({}, window.cityvitalsPhoneViews, {
  dash_ag_grid: {
    AgGrid: function PhoneGrid(props) {
      var React = window.React, h = React.createElement;
      var spec = ((props.dashGridOptions || {}).context || {}).phone || {};
      var shownState = React.useState(spec.page || 20), shown = shownState[0], setShown = shownState[1];
      var columns = (props.columnDefs || []).filter(function (column) { return column.field && !column.hide; });
      var rows = props.rowData || [];
      if (!columns.length) {
        return h("div", {id: props.id, className: props.className});
      }
      var title = columns[0];

      function text(row, column) {
        var field = (spec.texts || {})[column.field];
        var value = field ? row[field] : row[column.field];
        if (column.refData && value != null && column.refData[value] != null) { value = column.refData[value]; }
        return value == null || value === "" ? "—" : String(value);
      }

      // What a tap opens lies below the list on a phone: it is scrolled to once the server has shown it.
      function reveal(tries) {
        var target = spec.reveal && document.querySelector(spec.reveal);
        if (target && target.getClientRects().length) {
          target.scrollIntoView({behavior: "smooth", block: "start"});
        } else if (target && tries > 0) {
          setTimeout(function () { reveal(tries - 1); }, 100);
        }
      }

      function pick(row, index) {
        var id = row[spec.id];
        reveal(30);
        if (spec.pick === "selectedRows") {
          props.setProps({selectedRows: [row]});
        } else if (spec.pick === "cellClicked") {
          props.setProps({cellClicked: {rowId: id, rowIndex: index, colId: title.field, value: row[title.field],
                                        timestamp: Date.now()}});
        }
      }

      function heading(row, index) {
        var label = text(row, title);
        if (spec.link) {
          return h("a", {className: "phone-row-title", href: spec.link.prefix + encodeURIComponent(row[spec.link.field]) + spec.link.suffix}, label);
        }
        if (spec.pick) {
          return h("button", {type: "button", className: "phone-row-title phone-row-pick",
                              onClick: function () { pick(row, index); }}, label);
        }
        return h("span", {className: "phone-row-title"}, label);
      }

      function item(row, index) {
        var facts = columns.slice(1).filter(function (column) { return text(row, column) !== "—"; }).map(function (column) {
          return h("span", {key: column.field, className: "phone-row-fact", "data-col-id": column.field},
                   h("span", {className: "phone-row-label"}, column.headerName), " ",
                   h("span", {className: "phone-row-value"}, text(row, column)));
        });
        var more = spec.link && spec.pick ? [h("button", {key: "pick", type: "button", className: "phone-row-pick",
                                                          onClick: function () { pick(row, index); }}, spec.pickLabel)] : [];
        return h("li", {key: String(row[spec.id]), className: "phone-row", "data-row-id": String(row[spec.id]),
                        "data-row-index": index}, heading(row, index), h("span", {className: "phone-row-facts"}, facts), more);
      }

      var empty = ((props.dashGridOptions || {}).localeText || {}).noRowsToShow;
      return h("div", {id: props.id, className: (props.className || "") + " phone-rows"},
               rows.length ? h("ul", {className: "phone-rows-list"}, rows.slice(0, shown).map(item))
                           : h("p", {className: "phone-rows-empty"}, empty),
               rows.length > shown ? h("button", {type: "button", className: "phone-rows-more",
                                                  onClick: function () { setShown(shown + (spec.page || 20)); }},
                                       (spec.more || "") + " " + shown + " / " + rows.length) : null);
    },
  },
});
