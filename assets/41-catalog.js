// The catalog's table, drawn in the browser (pages/catalog.py): only the browser knows the screen width.
// A PC gets the sortable grid (AG Grid, loaded by 01-lazy-libraries.js when the grid first shows); a phone gets
// a list of the indicators, a page at a time, and never downloads AG Grid.
(function () {
    "use strict";
    let clicksAtNewRows = 0;  // "show more" counts from the last new set of rows

    function component(namespace, type, props) {
        return {namespace: namespace, type: type, props: props};
    }

    // Grid names are Markdown-escaped (for the grid's link cells); the list shows them as text.
    function plain(text) {
        return String(text).replace(/\\([\\`*_{}\[\]()#+\-.!|<>~])/g, "$1");
    }

    function item(row, spec) {
        const level = spec.levelKeys[String(row.level)] || "nodata";
        const facts = [row.period_text, spec.levels[String(row.level)]];
        if (row.overdue > 0) { facts.push(spec.late.replace("{n}", row.overdue)); }
        return component("dash_html_components", "Li", {
            key: row.code, "data-code": row.code, className: "catalog-item level-" + level, children: [
                component("dash_core_components", "Link", {
                    href: spec.link.path + row.code + spec.link.query, className: "catalog-item-name",
                    children: plain(row.name)}),
                component("dash_html_components", "Span", {className: "catalog-item-value",
                    children: [component("dash_html_components", "Span", {className: "catalog-item-number", children: row.value_text}),
                              " ", component("dash_html_components", "Small", {children: row.unit})]}),
                component("dash_html_components", "Span", {className: "catalog-item-meta",
                    children: [row.code, " · ", facts.filter(Boolean).join(" · ")]}),
            ]});
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        catalog: {
            showRows: function (rows, clicks, spec) {
                rows = rows || [];
                if (window.innerWidth > spec.phoneMaxWidth) {
                    const grid = Object.assign({}, spec.grid, {rowData: rows});
                    // On a video wall the type doubles (00-variables.css); the columns widen with it.
                    grid.columnDefs = window.deskGrids.scaled(spec.grid.columnDefs);
                    return [component("dash_ag_grid", "AgGrid", grid), true];
                }
                const triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) {
                    return t.prop_id;
                });
                if (triggered.indexOf("catalog-more.n_clicks") === -1) { clicksAtNewRows = clicks || 0; }
                const shown = spec.phonePage * (1 + (clicks || 0) - clicksAtNewRows);
                const items = rows.slice(0, shown).map(function (row) { return item(row, spec); });
                const list = items.length ? component("dash_html_components", "Ol", {
                    id: "catalog-list", className: "catalog-list", children: items})
                    : component("dash_html_components", "P", {className: "catalog-empty", children: spec.empty});
                return [list, rows.length <= shown];
            },
        },
    });
})();
