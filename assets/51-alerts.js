// The alert centre's browser-side steps (pages/alerts.py): the list's page size (only the browser knows the
// screen width), marking the selected row without re-rendering the list, and on a phone, where the detail
// replaces the list, scrolling to what was opened or left.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    alerts: {
        pageSize: function (paging) {
            return window.innerWidth <= paging.phoneMaxWidth ? paging.phone : paging.desk;
        },
        markSelected: function (selected) {
            const list = document.getElementById("alerts-list");
            if (list && selected !== null && selected !== undefined) { list.dataset.last = String(selected); }
            document.querySelectorAll(".alert-row").forEach(function (row) {
                const on = String(selected) === row.dataset.alert;
                row.classList.toggle("is-selected", on);
                row.setAttribute("aria-pressed", on ? "true" : "false");
            });
            return window.dash_clientside.no_update;
        },
        scrollToOpened: function (className) {
            if (window.innerWidth >= 900) { return window.dash_clientside.no_update; }
            const list = document.getElementById("alerts-list");
            const last = list && list.dataset.last;
            // Without an alert opened before (the page just loaded), the page stays at its top.
            const target = (className || "").includes("has-selection") ? document.getElementById("alerts-detail")
                : last && document.querySelector('.alert-row[data-alert="' + last + '"]');
            if (target) { target.scrollIntoView({block: "start"}); }
            return window.dash_clientside.no_update;
        },
    },
});
