// Filters folded into one control on a phone (pages/_widgets.py filters_fold): the button opens and closes the
// filters below it; on wider screens the button is hidden and the filters always show (assets/20-shell.css).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    fold: {
        toggle: function (clicks, className) {
            const open = Boolean(clicks % 2);
            const base = (className || "").replace(/\s*\bis-open\b/g, "");
            return [open ? base + " is-open" : base, open ? "true" : "false"];
        },
    },
});

// Folded filters drawn by a callback (inside a dcc.Loading, e.g. the theme and topic pages): their button carries
// data-fold="dom" and opens them here, in the browser alone.
document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest('.filters-toggle[data-fold="dom"]');
    if (!button) { return; }
    const filters = document.getElementById(button.getAttribute("aria-controls"));
    if (!filters) { return; }
    const open = !filters.classList.contains("is-open");
    filters.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
});
